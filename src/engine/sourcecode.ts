// Which project files are copied into a run, Guild's way (`op_util.sourcecode_select_for_opdef`:
// Git's rules in a Git repository, else the default rules, then guild.yml `sourcecode:` rules),
// the copy itself, its manifest lines and the digest. One decision (`decideSourceCode`): the
// copy takes its selected files, `grun run --test-sourcecode` prints all of it.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  writeFileSync,
  type Dirent,
} from 'node:fs';
import { dirname, join, normalize, posix, relative, resolve, sep } from 'node:path';
import { readAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { shlexQuote } from '../store/opref.js';
import type { Run, YamlValue } from '../store/types.js';
import { isMap, loadGuildfile, type Guildfile } from './guildfile.js';
import { fnmatch } from '../store/fnmatch.js';

export const MAX_SOURCE_FILE_SIZE = 1024 * 1024;
export const MAX_SOURCE_FILES = 100;

/** One of Guild's file select rules (`file_util.FileSelectRule`). */
export interface SelectRule {
  type: 'include' | 'exclude';
  patterns: string[];
  /** What the rule applies to; a `dir` rule decides whether a directory is walked, the others apply to files. */
  kind?: 'dir' | 'text' | 'binary';
  /** A dir rule: only directories holding this path. */
  sentinel?: string;
  sizeLt?: number;
  maxMatches?: number;
  /** Git's rule: every file but these (paths relative to the source root). */
  gitIgnored?: ReadonlySet<string>;
}

/** Source code rules after parsing guild.yml; `null` everywhere means "copy nothing". */
export interface SourceCodeSpec {
  root?: string;
  /** Where in the run dir the files go (`.`, the 0.9 default). */
  dest?: string;
  rules: SelectRule[];
}

/** The files a run copies, relative to `root`, and where they go in the run dir. */
export interface SourceSelection {
  root: string;
  files: string[];
  dest?: string;
}

/** What decides a run's source code besides its rules. */
export interface SourceCodeContext {
  home: string;
  /** The project files the run depends on: never source code (Guild's `_ignored_sourcecode_paths`). */
  ignore?: readonly string[];
  /** A Python operation: Guild's python plugin adds its directory rules to the defaults. */
  python?: boolean;
  /** A Node script: grun leaves `node_modules` out as well. */
  node?: boolean;
}

/** Everything the source code decision saw: the copy takes `selected`, the report prints it all. */
export interface SourceCodeDecision {
  root: string;
  dest?: string;
  rules: SelectRule[];
  /** Guild's `FileSelect.disabled`: nothing can be selected, nothing is walked. */
  disabled: boolean;
  /** Relative to `root`, in walk order. */
  selected: string[];
  /** Not copied, in walk order; a directory that is not walked ends in `/`. */
  skipped: string[];
}

const rule = (type: SelectRule['type'], patterns: string[], extra: Omit<SelectRule, 'type' | 'patterns'> = {}): SelectRule => ({ type, patterns, ...extra });

/** Guild 0.9's default rules outside Git (`op_util._base_default_select_rules`). */
const BASE_DEFAULT_RULES: SelectRule[] = [
  rule('exclude', ['.*'], { kind: 'dir' }),
  rule('exclude', ['*'], { kind: 'dir', sentinel: '.guild-nocopy' }),
  rule('include', ['*'], { kind: 'text', sizeLt: MAX_SOURCE_FILE_SIZE + 1, maxMatches: MAX_SOURCE_FILES }),
];

/** What Guild's python plugin adds for a Python operation (`_python_sourcecode_select_rules`). */
const PYTHON_DEFAULT_RULES: SelectRule[] = [
  rule('exclude', ['__pycache__'], { kind: 'dir' }),
  rule('exclude', ['*'], { kind: 'dir', sentinel: 'bin/activate' }),
  rule('exclude', ['*'], { kind: 'dir', sentinel: 'Scripts/activate' }),
  rule('exclude', ['build'], { kind: 'dir' }),
  rule('exclude', ['dist'], { kind: 'dir' }),
  rule('exclude', ['*.egg-info'], { kind: 'dir' }),
];

/** Guild's `is_text_file` in short: no NUL in the first 1 KiB. */
function isTextFile(path: string): boolean {
  const buf = Buffer.alloc(1024);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, buf, 0, 1024, 0);
    return !buf.subarray(0, n).includes(0);
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function patternList(v: YamlValue | undefined, where: string): Pick<SelectRule, 'patterns' | 'kind'> {
  if (typeof v === 'string') return { patterns: [v] };
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { patterns: v as string[] };
  if (isMap(v)) {
    for (const kind of ['dir', 'text', 'binary'] as const) {
      if (kind in v) return { patterns: patternList(v[kind], where).patterns, kind };
    }
  }
  throw new GrunError(`${where}: sourcecode rule ${JSON.stringify(v)}: expected a pattern or a list of patterns`);
}

/** A list of rules as Guild coerces it: bare patterns include, and a list of bare patterns only starts with `exclude '*'`. */
function parseRules(list: YamlValue[], where: string): SelectRule[] {
  const rules = list.map((r) => {
    if (typeof r === 'string') return rule('include', [r]);
    if (isMap(r)) {
      for (const type of ['include', 'exclude'] as const) {
        if (type in r) return { type, ...patternList(r[type], where) };
      }
    }
    throw new GrunError(`${where}: sourcecode rule ${JSON.stringify(r)}: expected a pattern, {include: …} or {exclude: …}`);
  });
  return list.every((r) => typeof r === 'string') ? [rule('exclude', ['*']), ...rules] : rules;
}

/** A `select:` (or the whole `sourcecode:`) value → rules; null: copy disabled (`no`, `[]`). */
function selectRules(v: YamlValue, where: string): SelectRule[] | null {
  if (v === false || (Array.isArray(v) && v.length === 0)) return null;
  if (typeof v === 'string') return parseRules([v], where);
  if (Array.isArray(v)) return parseRules(v, where);
  throw new GrunError(`${where}: sourcecode ${JSON.stringify(v)}: expected no, a list of rules or a mapping`);
}

/** One `sourcecode:` value → spec; `no` or `[]` → null (copy disabled). */
export function parseSourceCodeConfig(v: YamlValue | undefined, where: string): SourceCodeSpec | null {
  if (v === undefined || v === null || v === true) return { rules: [] };
  if (isMap(v)) {
    const spec: SourceCodeSpec = { rules: [] };
    if (typeof v.root === 'string') spec.root = v.root;
    if (typeof v.dest === 'string') spec.dest = v.dest;
    if (v.select !== undefined && v.select !== null) {
      const rules = selectRules(v.select, where);
      if (rules === null) return null;
      spec.rules = rules;
    }
    return spec;
  }
  const rules = selectRules(v, where);
  return rules === null ? null : { rules };
}

/**
 * Model-level then operation-level `sourcecode:` (Guild applies the model's rules first).
 * The op's `no` disables; a model's `no` disables unless the op gives rules of its own.
 */
export function combineSourceCodeConfig(
  modelValue: YamlValue | undefined,
  opValue: YamlValue | undefined,
  where: string,
): SourceCodeSpec | null {
  const op = opValue === undefined ? undefined : parseSourceCodeConfig(opValue, where);
  const model = modelValue === undefined ? undefined : parseSourceCodeConfig(modelValue, where);
  if (op === null) return null;
  if (model === null && (op === undefined || op.rules.length === 0)) return null;
  const base = model ?? { rules: [] };
  const own = op ?? { rules: [] };
  const spec: SourceCodeSpec = { rules: [...base.rules, ...own.rules] };
  const root = own.root ?? base.root;
  const dest = own.dest ?? base.dest;
  if (root !== undefined) spec.root = root;
  if (dest !== undefined) spec.dest = dest;
  return spec;
}

/** Guild's `_fnmatch`: a pattern without `/` matches the name, one with `/` the path (a leading `/` dropped). */
function matchPath(rel: string, pattern: string): boolean {
  if (!pattern.includes('/')) return fnmatch(rel.slice(rel.lastIndexOf('/') + 1), pattern);
  return fnmatch(rel, pattern.replace(/^\/+/, ''));
}

/** A rule as Guild prints it (`FileSelectRule.__str__`): `include text * size < 1048577, max match 100`. */
export function ruleText(r: SelectRule): string {
  if (r.gitIgnored) return 'gitignore + guildignore patterns';
  const quote = (p: string): string => (p.includes(' ') ? shlexQuote(p) : p);
  const extras = [
    ...(r.sentinel ? [`containing ${quote(r.sentinel)}`] : []),
    ...(r.sizeLt ? [`size < ${r.sizeLt}`] : []),
    ...(r.maxMatches ? [`max match ${r.maxMatches}`] : []),
  ];
  return [r.type, ...(r.kind ? [r.kind] : []), r.patterns.map(quote).join(', '), ...(extras.length ? [extras.join(', ')] : [])].join(' ');
}

/** Guild's `FileSelect.disabled`: an untyped `exclude '*'` not followed by any include. */
function rulesDisabled(rules: SelectRule[]): boolean {
  let disabled = false;
  for (const r of rules) {
    if (r.type === 'include') disabled = false;
    else if (r.kind === undefined && r.patterns.includes('*')) disabled = true;
  }
  return disabled;
}

/** Git's version as [major, minor, patch], once per process; null without git. */
let gitVersionCache: number[] | null | undefined;
function gitVersion(): number[] | null {
  if (gitVersionCache !== undefined) return gitVersionCache;
  const r = spawnSync('git', ['--version'], { encoding: 'utf8' });
  const m = r.status === 0 ? /(\d+)\.(\d+)\.(\d+)/.exec(r.stdout) : null;
  gitVersionCache = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  return gitVersionCache;
}

/** Git lists a wholly ignored directory as one entry (and the files in it) from 2.32 on. */
const GIT_LS_FILES_DIRS = [2, 32, 0];

function versionBefore(a: number[], b: number[]): boolean {
  const i = a.findIndex((v, k) => v !== b[k]);
  return i >= 0 && a[i]! < b[i]!;
}

function inGitWorkTree(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
    if (dirname(d) === d) return false;
  }
}

/**
 * What Git ignores under `root` (`git ls-files -ioc --exclude-standard --directory`, plus the
 * patterns of `root/.guildignore`), relative to `root`, a directory ending in `/`; null when
 * `root` is in no Git work tree or git is missing (Guild's `vcs_util.NoVCS`).
 */
function gitIgnoredPaths(root: string): string[] | null {
  if (!inGitWorkTree(root)) return null;
  const version = gitVersion();
  if (!version) return null;
  const extra = guildignorePatterns(root).flatMap((p) => ['-x', p]);
  const list = (directory: boolean): string[] | null => {
    const args = ['ls-files', '-z', '-ioc', '--exclude-standard', ...(directory ? ['--directory'] : []), ...extra];
    const r = spawnSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return r.status === 0 ? r.stdout.split('\0').filter(Boolean) : null;
  };
  const dirs = list(true);
  if (dirs === null) return null;
  // Before 2.32 `--directory` leaves out wholly ignored directories and their files: ask for files too.
  return versionBefore(version, GIT_LS_FILES_DIRS) ? [...(list(false) ?? []), ...dirs] : dirs;
}

function guildignorePatterns(root: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(root, '.guildignore'), 'utf8');
  } catch {
    return [];
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** Guild's rules in a Git work tree (`vcs_util.git_project_select_rules`); null outside one. */
function gitRules(root: string): SelectRule[] | null {
  const ignored = gitIgnoredPaths(root);
  if (ignored === null) return null;
  // Anchored (`/data`): Guild's bare `data` would also leave out a `src/data` Git does not ignore.
  const dirs = ignored.filter((p) => isDir(join(root, p))).map((p) => `/${p.replace(/\/$/, '')}`);
  return [
    rule('exclude', ['.guild'], { kind: 'dir' }),
    rule('exclude', ['*'], { kind: 'dir', sentinel: '.guild-nocopy' }),
    rule('exclude', ['.git', ...dirs], { kind: 'dir' }),
    rule('include', [], { gitIgnored: new Set(ignored.map((p) => posix.normalize(p).replace(/\/$/, ''))) }),
    rule('exclude', ['.git*', '.guildignore']),
  ];
}

/**
 * The source code of an operation, Guild 0.9's way: in a Git work tree every file Git does not
 * ignore (nor `.guildignore`), else text files of at most 1 MiB, at most 100, outside hidden
 * directories and those holding `.guild-nocopy` (a Python operation: nor `__pycache__`, `build`,
 * `dist`, `*.egg-info`, virtual envs); then guild.yml's rules (a pattern naming a directory means
 * `dir/*`), the last matching rule deciding; a Guild home inside the project is never walked.
 * Directories are walked depth first, a directory's files before its subdirectories, as
 * `os.walk`. A symbolic link is not followed (skipped).
 */
export function decideSourceCode(projectDir: string, spec: SourceCodeSpec | null, ctx: SourceCodeContext): SourceCodeDecision {
  const root = resolve(projectDir, spec?.root ?? '.');
  const dest = spec?.dest !== undefined && spec.dest !== '.' ? { dest: spec.dest } : {};
  if (spec === null) return { root, ...dest, rules: [rule('exclude', ['*'])], disabled: true, selected: [], skipped: [] };
  const base = gitRules(root) ?? [
    ...BASE_DEFAULT_RULES,
    ...(ctx.python ? PYTHON_DEFAULT_RULES : []),
    ...(ctx.node ? [rule('exclude', ['node_modules'], { kind: 'dir' })] : []),
  ];
  const own = spec.rules.map((r) =>
    r.kind ? r : { ...r, patterns: r.patterns.map((p) => (isDir(join(root, p)) ? `${p.replace(/\/+$/, '')}/*` : p)) },
  );
  const rules = [...base, ...own];
  // A Guild home inside the project is never source code (Guild's rules leave out only a hidden one).
  const home = relative(root, resolve(ctx.home)).split(sep).join('/');
  const parts = home.split('/');
  const inside = home !== '' && !home.startsWith('..') && !posix.isAbsolute(home);
  if (inside && parts.every((_, i) => dirWalked(rules, root, parts.slice(0, i + 1).join('/')))) rules.push(rule('exclude', [`/${home}`], { kind: 'dir' }));
  const decision: SourceCodeDecision = { root, ...dest, rules, disabled: rulesDisabled(rules), selected: [], skipped: [] };
  if (decision.disabled) return decision;
  walkSource(root, rules, new Set((ctx.ignore ?? []).map((p) => posix.normalize(p.split('\\').join('/')))), decision);
  return decision;
}

/** Guild's `FileSelect.prune_dirs` for one directory: walked unless the last matching dir rule excludes it. */
function dirWalked(rules: SelectRule[], root: string, rel: string): boolean {
  let result = true;
  for (const r of rules) {
    if (r.kind !== 'dir' || !r.patterns.some((p) => matchPath(rel, p))) continue;
    if (!r.sentinel || existsSync(join(root, rel, r.sentinel))) result = r.type === 'include';
  }
  return result;
}

function walkSource(root: string, rules: SelectRule[], ignored: ReadonlySet<string>, out: SourceCodeDecision): void {
  const fileRules = rules.filter((r) => r.kind !== 'dir');
  const matches = new Map<SelectRule, number>();
  const selected = (rel: string, abs: string): boolean => {
    let text: boolean | undefined;
    let size: number | undefined;
    let result: boolean | null = null;
    for (const r of fileRules) {
      let applies: boolean;
      if (r.gitIgnored) applies = !r.gitIgnored.has(rel);
      else {
        applies =
          (r.maxMatches === undefined || (matches.get(r) ?? 0) < r.maxMatches) &&
          r.patterns.some((p) => matchPath(rel, p)) &&
          (r.kind === undefined || (text ??= isTextFile(abs)) === (r.kind === 'text')) &&
          (r.sizeLt === undefined || (size ??= fileSize(abs)) < r.sizeLt);
      }
      if (!applies) continue;
      matches.set(r, (matches.get(r) ?? 0) + 1);
      result = r.type === 'include';
    }
    return result === true;
  };
  const walkDir = (relDir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, relDir), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const path = (e: Dirent): string => (relDir ? `${relDir}/${e.name}` : e.name);
    const subdirs: string[] = [];
    for (const e of entries.filter((x) => x.isDirectory())) {
      const rel = path(e);
      if (dirWalked(rules, root, rel)) subdirs.push(rel);
      else out.skipped.push(`${rel}/`);
    }
    for (const e of entries.filter((x) => !x.isDirectory())) {
      const rel = path(e);
      const linkedDir = e.isSymbolicLink() && isDir(join(root, rel));
      if (e.isFile() && !ignored.has(rel) && selected(rel, join(root, rel))) out.selected.push(rel);
      else out.skipped.push(linkedDir ? `${rel}/` : rel);
    }
    for (const d of subdirs) walkDir(d);
  };
  walkDir('');
}

/** The files (relative to the source root) a run copies: `decideSourceCode`'s selection. */
export function selectSourceFiles(projectDir: string, spec: SourceCodeSpec | null, ctx: SourceCodeContext): SourceSelection | null {
  if (spec === null) return null;
  const { root, dest, selected } = decideSourceCode(projectDir, spec, ctx);
  return dest !== undefined ? { root, files: selected, dest } : { root, files: selected };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return Infinity;
  }
}

function sha1File(path: string): string {
  return createHash('sha1').update(readFileSync(path)).digest('hex');
}

/**
 * Guild's `sourcecode_digest`: md5 over the paths sorted as strings, each as
 * `path \0 bytes \0` (`file_util.files_digest`).
 */
export function sourcecodeDigest(root: string, paths: string[]): string {
  const md5 = createHash('md5');
  for (const p of [...paths].sort()) {
    md5.update(Buffer.from(p.split(sep).join('/'), 'utf8'));
    md5.update(Buffer.from([0]));
    md5.update(readFileSync(join(root, p)));
    md5.update(Buffer.from([0]));
  }
  return md5.digest('hex');
}

/** One manifest line `s <run path> <sha1> <source path>`, shell-quoted as Guild writes it. */
export function manifestSourceLine(runPath: string, sha1: string, sourcePath: string): string {
  return ['s', shlexQuote(runPath), sha1, shlexQuote(sourcePath)].join(' ');
}

/**
 * Copy the plan's source files into the run dir (its root, or `dest`). Returns the manifest
 * lines (in copy order), the `sourcecode_digest` and the run-relative paths copied. Files
 * that vanished since planning are skipped.
 */
/**
 * Copies a file creating the copy under the user's umask: copyFileSync gives it the source's
 * mode as is, so a world-writable project file would be world-writable in the run.
 */
function copyUnderUmask(src: string, dst: string): void {
  writeFileSync(dst, readFileSync(src), { mode: statSync(src).mode & 0o777 });
}

export function copySourceCode(
  plan: { sourcecode: SourceSelection | null },
  runDir: string,
): { manifestLines: string[]; digest: string | null; files: string[] } {
  if (!plan.sourcecode) return { manifestLines: [], digest: null, files: [] };
  const { root, files, dest } = plan.sourcecode;
  const copied: string[] = [];
  const manifestLines: string[] = [];
  for (const rel of files) {
    const runPath = dest ? posix.join(dest, rel) : rel;
    const src = join(root, rel);
    const dst = join(runDir, runPath);
    if (relative(runDir, dst).startsWith('..')) continue;
    try {
      mkdirSync(dirname(dst), { recursive: true });
      copyUnderUmask(src, dst);
    } catch {
      continue;
    }
    copied.push(runPath);
    manifestLines.push(manifestSourceLine(runPath, sha1File(dst), rel));
  }
  return { manifestLines, digest: sourcecodeDigest(runDir, copied), files: copied };
}

/**
 * Where a run's source code came from, as it is now (Guild's `diff --working`): a guild.yml
 * operation's project dir with its `sourcecode: root`, a script's own dir; null when the
 * operation is gone or the run is neither.
 */
export function workingSourceDir(run: Run): string | null {
  const o = run.opref;
  if (o?.pkgType === 'script') return o.pkgName;
  if (o?.pkgType !== 'guildfile') return null;
  let gf: Guildfile | null;
  try {
    gf = loadGuildfile(dirname(o.pkgName));
  } catch {
    return null;
  }
  const model = gf?.models.find((m) => m.name === o.modelName);
  const op = model?.operations[o.opName];
  if (!gf || !model || !op) return null;
  let root: string | undefined;
  try {
    root = combineSourceCodeConfig(model.sourcecode, op.sourcecode, `${gf.path}: operation '${o.opName}'`)?.root;
  } catch {
    root = undefined;
  }
  return root ? join(gf.dir, root) : gf.dir;
}

/** Where a run's source code is in its directory (its `op` attr's `sourcecode: dest`, else the run dir). */
export function runSourceDir(run: Run): string {
  const op = readAttr(run.dir, 'op');
  const sc = op.kind === 'ok' && isMap(op.value) ? op.value.sourcecode : undefined;
  const dest = isMap(sc) && typeof sc.dest === 'string' ? sc.dest : '';
  return dest ? normalize(join(run.dir, dest)) : run.dir;
}
