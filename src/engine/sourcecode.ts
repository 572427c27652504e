// Which project files are copied into a run, Guild's way (`op_util._base_default_select_rules`
// plus guild.yml `sourcecode:` rules), the copy itself, its manifest lines and the digest.
import { createHash } from 'node:crypto';
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

export interface SelectRule {
  type: 'include' | 'exclude';
  patterns: string[];
  /** A `{dir: …}` rule: applies to directories (whether they are walked). */
  dir?: boolean;
  /** Written as a bare string: Guild puts `exclude '*'` before the first of these. */
  plain?: boolean;
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

/** Guild 0.9's default directory rules (`copy-sourcecode.md`), plus node_modules for Node scripts. */
const DEFAULT_DIR_EXCLUDES = ['__pycache__', '.*', 'build', '*.egg-info', 'node_modules'];
const DIR_SENTINELS = ['.guild-nocopy', join('bin', 'activate')];

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

function patternList(v: YamlValue | undefined, where: string): { patterns: string[]; dir: boolean } {
  if (typeof v === 'string') return { patterns: [v], dir: false };
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { patterns: v as string[], dir: false };
  if (v && typeof v === 'object' && !Array.isArray(v) && 'dir' in v) {
    const inner = patternList(v.dir, where);
    return { patterns: inner.patterns, dir: true };
  }
  throw new GrunError(`${where}: sourcecode rule ${JSON.stringify(v)}: expected a pattern or a list of patterns`);
}

function parseRules(list: YamlValue[], where: string): SelectRule[] {
  return list.map((r) => {
    if (typeof r === 'string') return { type: 'include' as const, patterns: [r], plain: true };
    if (r && typeof r === 'object' && !Array.isArray(r)) {
      for (const type of ['include', 'exclude'] as const) {
        if (type in r) {
          const { patterns, dir } = patternList(r[type], where);
          return dir ? { type, patterns, dir } : { type, patterns };
        }
      }
    }
    throw new GrunError(`${where}: sourcecode rule ${JSON.stringify(r)}: expected a pattern, {include: …} or {exclude: …}`);
  });
}

/** One `sourcecode:` value → spec; `no` or `[]` → null (copy disabled). */
export function parseSourceCodeConfig(v: YamlValue | undefined, where: string): SourceCodeSpec | null {
  if (v === undefined || v === null || v === true) return { rules: [] };
  if (v === false) return null;
  if (typeof v === 'string') return { rules: parseRules([v], where) };
  if (Array.isArray(v)) return v.length === 0 ? null : { rules: parseRules(v, where) };
  if (typeof v === 'object') {
    const spec: SourceCodeSpec = { rules: [] };
    if (typeof v.root === 'string') spec.root = v.root;
    if (typeof v.dest === 'string') spec.dest = v.dest;
    if (v.select !== undefined && v.select !== null) {
      const sel = Array.isArray(v.select) ? v.select : [v.select];
      if (v.select === false || sel.length === 0) return null;
      spec.rules = parseRules(sel, where);
    }
    return spec;
  }
  throw new GrunError(`${where}: sourcecode ${JSON.stringify(v)}: expected no, a list of rules or a mapping`);
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
  if (model === null && op === undefined) return null;
  const base = model ?? { rules: [] };
  const own = op ?? { rules: [] };
  const spec: SourceCodeSpec = { rules: [...base.rules, ...own.rules] };
  const root = own.root ?? base.root;
  const dest = own.dest ?? base.dest;
  if (root !== undefined) spec.root = root;
  if (dest !== undefined) spec.dest = dest;
  return spec;
}

function lastMatch(rules: SelectRule[], test: (p: string) => boolean, initial: boolean): boolean {
  let selected = initial;
  for (const r of rules) if (r.patterns.some(test)) selected = r.type === 'include';
  return selected;
}

/**
 * Files (relative to the source root) a run copies, by Guild 0.9's rules: directories
 * `__pycache__`, `.*`, `build`, `*.egg-info` and those holding `.guild-nocopy` or
 * `bin/activate` are not walked; text files of at most 1 MiB are included, at most 100;
 * guild.yml rules follow (a bare pattern first adds `exclude '*'`, a pattern naming a
 * directory means `dir/*`); the last matching rule decides. Files of a directory come
 * before its subdirectories, as `os.walk` gives them. `ignore`: the project files the run
 * depends on (Guild's `_ignored_sourcecode_paths`: a dependency is not source code).
 */
export function selectSourceFiles(
  projectDir: string,
  spec: SourceCodeSpec | null,
  home: string,
  ignore: readonly string[] = [],
): SourceSelection | null {
  if (spec === null) return null;
  const root = resolve(projectDir, spec.root ?? '.');
  const dirRules = spec.rules.filter((r) => r.dir);
  const fileRules: SelectRule[] = [];
  for (const r of spec.rules.filter((r) => !r.dir)) {
    if (r.plain && !fileRules.some((x) => x.plain)) fileRules.push({ type: 'exclude', patterns: ['*'] });
    const patterns = r.patterns.map((p) => (!/[*?[]/.test(p) && isDir(join(root, p)) ? `${p.replace(/\/+$/, '')}/*` : p));
    fileRules.push({ ...r, patterns });
  }
  const homeAbs = resolve(home);
  const ignored = new Set(ignore.map((p) => posix.normalize(p.split('\\').join('/'))));
  const files: string[] = [];
  let defaultMatches = 0;
  const walkDir = (relDir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, relDir), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      const abs = join(root, rel);
      if (e.isDirectory()) {
        if (resolve(abs) === homeAbs) continue;
        const excludedByDefault =
          DEFAULT_DIR_EXCLUDES.some((p) => fnmatch(e.name, p)) || DIR_SENTINELS.some((s) => existsSync(join(abs, s)));
        const walked = lastMatch(dirRules, (p) => fnmatch(rel, p) || fnmatch(e.name, p), !excludedByDefault);
        if (walked) subdirs.push(rel);
        continue;
      }
      if (!e.isFile() || ignored.has(rel)) continue;
      let selected = false;
      if (defaultMatches < MAX_SOURCE_FILES && isTextFile(abs) && fileSize(abs) <= MAX_SOURCE_FILE_SIZE) {
        selected = true;
        defaultMatches++;
      }
      if (lastMatch(fileRules, (p) => fnmatch(rel, p), selected)) files.push(rel);
    }
    for (const d of subdirs) walkDir(d);
  };
  walkDir('');
  return spec.dest !== undefined && spec.dest !== '.' ? { root, files, dest: spec.dest } : { root, files };
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
