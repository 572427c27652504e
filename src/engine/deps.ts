// Dependencies (`requires:`): operation dependencies (`- operation: X`: which upstream run,
// which of its files are linked in) and project files (`- file: PATH`: copied in), and the
// `deps`/`op` attr shapes Guild writes (spec §3.9).
import { SafePattern } from '../store/safe-regex.js';
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { writeFileAtomicSync } from '../store/atomic.js';
import { HELPERS_DIR } from './flag-detect.js';
import { pythonExe } from './interpreter.js';
import { basename, join, posix, relative, resolve, sep } from 'node:path';
import { readAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { shlexQuote, shlexSplit } from '../store/opref.js';
import { readManifestIndex, type ManifestType } from '../store/run-files.js';
import type { Opref, Run, RunStatus, YamlValue } from '../store/types.js';
import { isMap, type YamlMap } from './guildfile.js';
import type { DepLink, ResolvedDep, RunPlan } from './plan-types.js';

/** Guild's `resolver.DEFAULT_MATCHING_RUN_STATUS`; staging also accepts `staged`. */
export const DEP_RUN_STATUSES: RunStatus[] = ['completed', 'running', 'terminated'];

/**
 * One source of a `requires:` entry. `resource`: the resource it belongs to, as Guild resolves
 * it (`Resolving NAME`, the `deps` attr's key): the source's own name for an inline entry, the
 * name under guild.yml `resources:` for a named one (`requires: data`).
 */
interface DepSource {
  resource: string;
  /** A named resource: its sources as written (the `op` attr's entry). */
  named?: YamlValue[];
}

/** One `requires:` entry of kind `operation`. */
export interface OperationDepSpec extends DepSource {
  kind: 'operation';
  /** `operation:prepare`: the resource name, the flag name and the `deps` attr key. */
  name: string;
  /** `prepare` or `model:prepare`, as written. */
  operation: string;
  /** Regex patterns matched against whole run-relative paths; none means every file. */
  select: string[];
  targetPath: string;
  /** The entry as written, for the `op` attr's `sources`. */
  source: YamlMap;
}

/** Guild's `rename:` of a source: the first spec whose pattern changes the name renames it. */
export interface RenameSpec {
  pattern: SafePattern;
  repl: string;
}

/** One `requires:` entry of kind `file`: a file or directory of the project, copied (or linked) in. */
export interface FileDepSpec extends DepSource {
  kind: 'file';
  /** `file:data.txt`: the resource name and the `deps` attr key. */
  name: string;
  /** As written, relative to the guild.yml directory. */
  path: string;
  targetPath: string;
  targetType: 'copy' | 'link';
  rename: RenameSpec[];
  /** An archive (zip, tar, tgz, tar.*) whose members the run gets, unless `unpack: no`. */
  unpack: boolean;
  /** `replace-existing: yes`: a target the run already has is replaced, not skipped. */
  replaceExisting: boolean;
  /** The entry as written, for the `op` attr's `sources`. */
  source: YamlMap;
  /** `-D PATH`: named on the command line, its path relative to the directory grun started in. */
  given?: { cwd: string };
}

export type DepSpec = OperationDepSpec | FileDepSpec;

/** The archives Guild unpacks (resolver `_archive_type`: zip and tar; a bare `.gz` is not done here). */
const ARCHIVE_RE = /\.(zip|tar|tgz)$|\.tar\.[^./]+$/i;

/** `rename: NAME`, `rename: 'PATTERN REPL'`, `{pattern, repl}` or a list of them (Guild's resourcedef). */
function renameSpecs(v: YamlValue | undefined, entry: string): RenameSpec[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((item) => {
    let pattern: string;
    let repl: string;
    if (typeof item === 'string') {
      const parts = shlexSplit(item);
      if (parts.length < 1 || parts.length > 2) throw new GrunError(`${entry}: invalid rename spec '${item}': expected 'PATTERN REPL' or 'NAME'`);
      [pattern, repl] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['.*', parts[0]!];
    } else if (isMap(item)) {
      pattern = String(item.pattern ?? '');
      repl = String(item.repl ?? '');
    } else {
      throw new GrunError(`${entry}: invalid rename spec ${JSON.stringify(item)}: expected string or map`);
    }
    return { pattern: SafePattern.compile(pattern, { what: `${entry}: rename` }), repl };
  });
}

function fileDepSpec(r: YamlMap, where: string, resource?: string): FileDepSpec {
  const path = r.file as string;
  const entry = `${where}: requires entry 'file: ${path}'`;
  for (const key of ['select', 'preserve-path', 'post-process', 'sha256'] as const) {
    if (r[key] !== undefined && r[key] !== null) throw new GrunError(`${entry}: '${key}' is not supported by grun yet`);
  }
  if (r.unpack !== undefined && r.unpack !== null && typeof r.unpack !== 'boolean') {
    throw new GrunError(`${entry}: unpack: expected yes or no, got ${JSON.stringify(r.unpack)}`);
  }
  const tt = r['target-type'] ?? 'copy';
  if (tt !== 'copy' && tt !== 'link') throw new GrunError(`${entry}: unsupported target-type '${String(tt)}' (expected 'link' or 'copy')`);
  const name = typeof r.name === 'string' ? r.name : `file:${path}`;
  return {
    kind: 'file',
    name,
    resource: resource ?? name,
    path,
    targetPath: typeof r['target-path'] === 'string' ? r['target-path'] : '',
    targetType: tt,
    rename: renameSpecs(r.rename, entry),
    unpack: r.unpack !== false && ARCHIVE_RE.test(path),
    replaceExisting: r['replace-existing'] === true,
    source: r,
  };
}

/**
 * `run -D PATH` (Guild's `dep_for_path`): PATH linked into the run as a resource of its own
 * name, relative to where grun was started.
 */
export function givenDepSpec(path: string, cwd: string): FileDepSpec {
  return {
    kind: 'file',
    name: `file:${path}`,
    resource: path,
    path,
    targetPath: '',
    targetType: 'link',
    rename: [],
    unpack: ARCHIVE_RE.test(path),
    replaceExisting: false,
    source: { file: path },
    given: { cwd },
  };
}

/** The directory a file dependency's path is relative to. */
const fileDepBase = (spec: FileDepSpec, projectDir: string): string => spec.given?.cwd ?? projectDir;

/** What a file dependency names: its path from its project, or for `-D PATH` from where grun started. */
export const fileDepSource = (spec: FileDepSpec, projectDir: string): string => resolve(fileDepBase(spec, projectDir), spec.path);

/** The sources of a guild.yml `resources:` entry: a list of sources, or a map with `sources:`. */
function namedSources(name: string, resources: Record<string, YamlValue> | undefined, where: string): YamlValue[] {
  const def = resources?.[name];
  if (def === undefined) throw new GrunError(`${where}: resource '${name}' required by the operation is not defined (expected it under 'resources:')`);
  const sources = isMap(def) ? def.sources : def;
  if (!Array.isArray(sources)) throw new GrunError(`${where}: resource '${name}': expected a list of sources`);
  return sources;
}

/**
 * guild.yml `requires:` → dependency specs, one per source: inline entries, and names of the
 * model's `resources:` (each of their sources, under the resource's name). Other kinds are
 * refused, named.
 */
export function parseRequires(requires: YamlValue | undefined, where: string, resources?: Record<string, YamlValue>): DepSpec[] {
  if (requires === undefined || requires === null) return [];
  const list = Array.isArray(requires) ? requires : [requires];
  return list.flatMap((r): DepSpec[] => {
    if (typeof r !== 'string') return sourceSpecs(r, where);
    const sources = namedSources(r, resources, where);
    return sources.flatMap((src) => sourceSpecs(src, `${where}: resource '${r}'`, r)).map((spec) => ({ ...spec, named: sources }));
  });
}

function sourceSpecs(r: YamlValue, where: string, resource?: string): DepSpec[] {
  // `config:` entries are config files the run gets its own copy of (config-flags.ts)
  if (isMap(r) && typeof r.config === 'string') return [];
  if (isMap(r) && typeof r.file === 'string' && r.operation === undefined) return [fileDepSpec(r, where, resource)];
  if (!isMap(r) || typeof r.operation !== 'string') {
    throw new GrunError(
      `${where}: requires entry ${JSON.stringify(r)}: grun supports '- operation: NAME', '- file: PATH', '- config: FILE' and resource names only`,
    );
  }
  const sel = r.select;
  const select = typeof sel === 'string' ? [sel] : Array.isArray(sel) ? sel.map(String) : [];
  const name = typeof r.name === 'string' ? r.name : `operation:${r.operation}`;
  const targetPath = typeof r['target-path'] === 'string' ? r['target-path'] : '';
  return [{ kind: 'operation', name, resource: resource ?? name, operation: r.operation, select, targetPath, source: r }];
}

/** The opref a dependency's runs have: same guild.yml package, model and op name. */
export function depOpref(spec: OperationDepSpec, from: Opref): Omit<Opref, 'pkgVersion'> {
  const colon = spec.operation.indexOf(':');
  return {
    pkgType: from.pkgType,
    pkgName: from.pkgName,
    modelName: colon >= 0 ? spec.operation.slice(0, colon) : from.modelName,
    opName: colon >= 0 ? spec.operation.slice(colon + 1) : spec.operation,
  };
}

function matchesOp(run: Run, op: Omit<Opref, 'pkgVersion'>): boolean {
  const o = run.opref;
  return (
    o !== null &&
    o.pkgType === op.pkgType &&
    o.pkgName === op.pkgName &&
    o.modelName === op.modelName &&
    o.opName === op.opName
  );
}

/**
 * The upstream run, as Guild's resolver picks it: among runs of the op with an allowed status
 * (and, with `idPrefix`, the `operation:X=ID` flag, an id starting with it), the marked one,
 * else the latest started. A full 32-character id names that run whatever its op and status.
 */
export function chooseDepRun(
  runs: Run[],
  spec: OperationDepSpec,
  op: Omit<Opref, 'pkgVersion'>,
  opts: { idPrefix?: string; statuses?: RunStatus[] } = {},
): Run {
  const prefix = opts.idPrefix ?? '';
  const statuses = opts.statuses ?? DEP_RUN_STATUSES;
  const candidates =
    prefix.length === 32
      ? runs.filter((r) => r.id === prefix)
      : runs
          .filter((r) => r.id.startsWith(prefix) && matchesOp(r, op) && statuses.includes(r.status))
          .sort((a, b) => (b.started ?? -Infinity) - (a.started ?? -Infinity));
  const chosen = candidates.find((r) => r.marked) ?? candidates[0];
  if (!chosen) throw new DepFailure(spec, `no suitable run for ${spec.operation}`);
  return chosen;
}

/** Guild's warning, before any dependency is resolved, for an operation dependency without a run to choose. */
export const noRunWarning = (name: string): string => `cannot find a suitable run for required resource '${name}'`;

/** A dependency that cannot be resolved, worded as Guild's resolver words it. */
export class DepFailure extends GrunError {
  /** What Guild warns of a dependency `--force-deps` goes past. */
  readonly unmet: string;
  constructor(spec: DepSpec, reason: string) {
    const unmet = `a dependency was not met: could not resolve '${spec.name}' in ${spec.resource} resource: ${reason}`;
    super(`run failed because ${unmet}`);
    this.name = 'DepFailure';
    this.unmet = unmet;
  }
}

/** Every path under `root` (directories too, a link as itself), sorted; the run's `.guild` left out. */
function walkPaths(root: string, rel = ''): { path: string; dir: boolean }[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: { path: string; dir: boolean }[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (!rel && e.name === '.guild') continue;
    out.push({ path: p, dir: e.isDirectory() });
    if (e.isDirectory()) out.push(...walkPaths(root, p));
  }
  return out;
}

function sha1OrDash(path: string): string {
  try {
    if (!statSync(path).isFile()) return '-';
    return createHash('sha1').update(readFileSync(path)).digest('hex');
  } catch {
    return '-';
  }
}

/**
 * Which files of an upstream run a dependency without `select` takes, by their manifest entry
 * (`s` source code, `d` a dependency of its own, none: made by the run): Guild's default, the
 * files the run made; `GUILD_LEGACY_OPDEP_SELECT=1` adds its dependencies, `=2` takes every file.
 */
function defaultRunFile(): (entry: ManifestType | undefined) => boolean {
  const legacy = process.env.GUILD_LEGACY_OPDEP_SELECT;
  if (legacy === '2') return () => true;
  if (legacy === '1') return (e) => e === undefined || e === 'd';
  return (e) => e === undefined;
}

/**
 * The paths of an upstream run a dependency links, as Guild's resolver chooses them: with
 * `select`, every path (a directory too) the patterns match whole, one inside a chosen directory
 * left to that directory's link; without, each top-level entry that holds a file the run made
 * (`defaultRunFile`), a directory linked whole.
 */
function upstreamPaths(spec: OperationDepSpec, runDir: string): string[] {
  const all = walkPaths(runDir);
  if (spec.select.length > 0) {
    const res = spec.select.map((s) => SafePattern.compile(s, { what: `${spec.name}: select` }));
    const chosen: string[] = [];
    for (const { path } of all) {
      if (res.some((re) => re.fullMatch(path)) && !chosen.some((c) => path.startsWith(`${c}/`))) chosen.push(path);
    }
    return chosen;
  }
  const manifest = readManifestIndex(runDir);
  const entryOf = (path: string): ManifestType | undefined => {
    // a file without an entry of its own takes its nearest directory's (Guild's `_try_parent_dirs`)
    for (let p = path; ; p = posix.dirname(p)) {
      const e = manifest.get(p);
      if (e || !p.includes('/')) return e;
    }
  };
  const wanted = defaultRunFile();
  const tops = new Set<string>();
  for (const { path, dir } of all) if (!dir && wanted(entryOf(path))) tops.add(path.split('/')[0]!);
  return [...tops].sort();
}

/**
 * Links and manifest lines for the chosen upstream run: each path Guild's resolver chooses
 * (`upstreamPaths`; never the upstream's `.guild`, which a `select` could otherwise reach in
 * Guild) linked by its name under `target-path`, as Guild links a source. One whose target the
 * new run already has (`exists`: its own source code, an earlier link) is marked `exists` and
 * not linked, as Guild skips it with a warning, and is in the `deps` attr all the same.
 */
export function resolveDep(spec: OperationDepSpec, run: Run, exists: (target: string) => boolean = () => false): ResolvedDep {
  const links: DepLink[] = [];
  for (const p of upstreamPaths(spec, run.dir)) {
    const target = posix.join(spec.targetPath || '.', posix.basename(p));
    const up = '../'.repeat(target.split('/').length);
    const taken = exists(target) || links.some((l) => l.target === target && !l.exists);
    links.push({ target, linkTarget: `${up}${run.id}/${p}`, source: join(run.dir, p), ...(taken ? { exists: true as const } : {}) });
  }
  const manifestLines = links
    .filter((l) => !l.exists)
    .map((l) => ['d', shlexQuote(l.target), sha1OrDash(l.source), shlexQuote(spec.name)].join(' '));
  return { kind: 'operation', name: spec.name, resource: spec.resource, operation: spec.operation, runId: run.id, runDir: run.dir, links, manifestLines };
}

function renamed(name: string, specs: RenameSpec[]): string {
  for (const r of specs) {
    const to = r.pattern.replaceFirst(name, r.repl);
    if (to !== name) return to;
  }
  return name;
}

/**
 * Where Guild unpacks a project archive: the resource cache, `cache/resources/<sha224 of
 * "file\nPATH">`, with the member list in `.guild-cache-NAME.unpacked` (kept while newer than
 * the archive). Returns the dir, the member paths and whether it was unpacked now.
 */
function unpacked(home: string, archive: string, spec: FileDepSpec): { dir: string; names: string[]; now: boolean } {
  const dir = join(home, 'cache', 'resources', createHash('sha224').update(`file\n${archive}`).digest('hex'));
  const list = join(dir, `.guild-cache-${basename(archive)}.unpacked`);
  try {
    if (statSync(list).mtimeMs >= statSync(archive).mtimeMs) {
      return { dir, names: readFileSync(list, 'utf8').split('\n').filter(Boolean), now: false };
    }
  } catch {
    // not unpacked yet
  }
  const r = spawnSync(pythonExe(), [join(HELPERS_DIR, 'unpack.py'), archive, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new DepFailure(spec, `cannot unpack '${spec.path}': ${(r.stderr || r.error?.message || '').trim()}`);
  const names = JSON.parse(r.stdout) as string[];
  writeFileAtomicSync(list, names.map((n) => `${n}\n`).join(''));
  return { dir, names, now: true };
}

/**
 * A project file or directory (`- file: PATH`, relative to the guild.yml directory), or the
 * top-level members of an archive it names (unpacked in `home`'s resource cache): where each
 * goes in the run and its manifest line; `runDir` (the run's directory, or any directory of
 * the runs) places the `deps` attr's relative paths. Throws `DepFailure` when it is not there.
 */
export function resolveFileDep(
  spec: FileDepSpec,
  projectDir: string,
  runDir: string,
  home: string,
  /** Whether the run will have `target` already (its source code, an earlier dependency). */
  exists: (target: string) => boolean = () => false,
): ResolvedDep {
  const source = fileDepSource(spec, projectDir);
  if (!existsSync(source)) throw new DepFailure(spec, `cannot find source file '${spec.path}'`);
  const uri = `file:${relative(fileDepBase(spec, projectDir), source).split(sep).join('/')}`;
  const at = (name: string): string => posix.join(spec.targetPath || '.', renamed(name, spec.rename));
  const runRel = (p: string): string => relative(runDir, p).split(sep).join('/');
  const base = { kind: 'file' as const, name: spec.name, resource: spec.resource, targetType: spec.targetType, ...(spec.replaceExisting ? { replaceExisting: true as const } : {}) };
  const archive = statSync(source).isFile() && spec.unpack ? unpacked(home, source, spec) : null;
  // Guild's `_root_paths`: the archive's top-level names
  const members = archive ? [...new Set(archive.names.map((n) => n.split('/')[0]!))].filter((n) => n && !n.startsWith('.guild')).sort() : [null];
  const files = members.map((m) => {
    const from = m === null ? source : join(archive!.dir, m);
    const target = at(m ?? basename(source));
    // a target the run already has is left as it is (Guild's `already exists, skipping …`)
    const taken = !spec.replaceExisting && exists(target);
    return { source: from, target, member: m, ...(taken ? { exists: true as const } : {}) };
  });
  return {
    ...base,
    files: files.map(({ member: _, ...f }) => f),
    // a skipped source is in the `deps` attr all the same, with no manifest line
    paths: files.map((f) => runRel(f.source)),
    manifestLines: files
      .filter((f) => !f.exists)
      .map((f) => ['d', shlexQuote(f.target), sha1OrDash(f.source), shlexQuote(uri), ...(f.member === null ? [] : [shlexQuote(f.member)])].join(' ')),
    ...(archive?.now ? { unpacked: source } : {}),
  };
}

/** The `deps` attr (spec §3.9): `{name: {name: {config: id, paths: [...], uri: name}}}`. */
export function depsAttr(deps: ResolvedDep[]): YamlValue {
  const out: YamlMap = {};
  for (const d of deps) {
    const sources = (out[resourceOf(d)] ??= {}) as YamlMap;
    if (d.kind === 'file') {
      sources[d.name] = { paths: d.paths, uri: d.name };
      continue;
    }
    if (d.kind === 'deferred' || d.kind === 'unmet') continue; // Guild's mark of a dependency left for the start, or gone past: `{}`
    sources[d.name] = {
      config: d.runId,
      paths: d.links.map((l) => `../${d.runId}/${relative(d.runDir, l.source).split(sep).join('/')}`),
      uri: d.name,
    };
  }
  return out;
}

/** The resource a resolved dependency belongs to (Guild's `Resolving NAME`, the `deps` attr key). */
export function resourceOf(d: ResolvedDep): string {
  return d.resource ?? d.name;
}

/** The `op` attr's `deps:` list entry for one resolved dependency. */
export function opAttrDep(spec: DepSpec, dep: ResolvedDep, projectDir: string): YamlValue {
  if (spec.named) return { location: projectDir, name: spec.resource, sources: spec.named };
  // `-D PATH`: Guild's resource of its own, found from the directory the run was started in
  if (spec.kind === 'file' && spec.given) return { location: '.', name: spec.resource, sources: [spec.source], 'target-type': 'link' };
  // Guild's entry: the resource as written, its location, and no `config` (no flag names it)
  if (spec.kind === 'file' || dep.kind === 'file') return { location: projectDir, name: spec.name, sources: [spec.source] };
  return {
    config: { [dep.name]: dep.kind === 'unmet' ? null : dep.runId },
    location: projectDir,
    name: dep.name,
    sources: [spec.source],
  };
}

/** What starting a staged run resolved: Guild's log lines, the dependencies now resolved, or the first failure. */
export interface StartResolution {
  log: string[];
  deps: ResolvedDep[];
  failure?: DepFailure;
}

/**
 * The dependencies of a staged run, as it starts: those resolved when it was staged are said to
 * be; the operation dependencies left for the start (an empty entry in its `deps` attr) are
 * resolved now, from the run's own `op` attr (the entry as written and the run its flag chose).
 */
export function resolveAtStart(run: Run, runs: Run[], forceDeps = false): StartResolution {
  const op = readAttr(run.dir, 'op');
  const deps = readAttr(run.dir, 'deps');
  const entries = op.kind === 'ok' && isMap(op.value) && Array.isArray(op.value.deps) ? op.value.deps : [];
  const done = deps.kind === 'ok' && isMap(deps.value) ? deps.value : {};
  const out: StartResolution = { log: [], deps: [] };
  for (const e of entries) {
    if (!isMap(e) || typeof e.name !== 'string') continue;
    const name = e.name;
    out.log.push(`Resolving ${name}`);
    const had = done[name];
    const source = Array.isArray(e.sources) ? e.sources[0] : undefined;
    if (!isMap(had) || Object.keys(had).length > 0 || !isMap(source) || !run.opref) {
      out.log.push(`Skipping resolution of ${name} because it's already resolved`);
      continue;
    }
    const [spec] = parseRequires([source], `run ${run.id}: op`);
    if (spec?.kind !== 'operation') continue;
    const chosen = isMap(e.config) ? e.config[name] : null;
    try {
      const from = chooseDepRun(runs, spec, depOpref(spec, run.opref), {
        ...(typeof chosen === 'string' ? { idPrefix: chosen } : {}),
        statuses: DEP_RUN_STATUSES,
      });
      const dep = resolveDep(spec, from, (t) => pathTaken(join(run.dir, t)));
      out.deps.push(dep);
      out.log.push(`Using run ${from.id} for ${name}`, ...skippedLinks(dep).map((l) => l.trimEnd()));
    } catch (err) {
      if (!(err instanceof DepFailure)) throw err;
      if (forceDeps) {
        out.log.push(`WARNING: ${err.unmet}`);
        continue;
      }
      out.failure = err;
      return out;
    }
  }
  return out;
}

/** Whether something (a dangling link too) is at `path`. */
export function pathTaken(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Guild's warning for each source of a dependency whose target the run already has. */
function skippedLinks(d: ResolvedDep): string[] {
  const skipped = d.kind === 'operation' ? d.links.filter((l) => l.exists) : d.kind === 'file' ? d.files.filter((f) => f.exists) : [];
  const how = d.kind === 'file' && d.targetType === 'copy' ? 'copy' : 'link';
  return skipped.map((l) => `WARNING: ${l.target} already exists, skipping ${how}\n`);
}

/**
 * Guild's warnings and resolution log for a plan, as lines: each dependency resolved, the
 * upstream run an operation one uses, or that staging leaves it for the start.
 */
export function resolutionLines(plan: Pick<RunPlan, 'deps' | 'warnings' | 'configs'>): string[] {
  const lines = (plan.warnings ?? []).map((w) => `WARNING: ${w}\n`);
  for (const d of plan.deps) {
    if ((d.kind === 'deferred' && d.runId === null) || (d.kind === 'unmet' && d.noRun)) lines.push(`WARNING: ${noRunWarning(d.name)}\n`);
  }
  plan.deps.forEach((d, i) => {
    // a named resource is resolved once, whatever its sources
    if (i === 0 || resourceOf(plan.deps[i - 1]!) !== resourceOf(d)) lines.push(`Resolving ${resourceOf(d)}\n`);
    if (d.kind === 'operation') lines.push(`Using run ${d.runId} for ${d.name}\n`, ...skippedLinks(d));
    if (d.kind === 'file') lines.push(...(d.unpacked ? [`Unpacking ${d.unpacked}\n`] : []), ...skippedLinks(d));
    if (d.kind === 'deferred') lines.push(`Skipping resolution of ${d.name} because it's being staged\n`);
    if (d.kind === 'unmet') lines.push(`WARNING: ${d.unmet}\n`);
  });
  for (const c of plan.configs) lines.push(`Resolving ${c.name}\n`);
  return lines;
}
