// Memoization: a run whose operation, source code, flags, upstream inputs and (for operations
// declared `unstable: yes`) seed equal those of a completed run is not executed again. The new
// run is created completed, with copies of the original's outputs (copy-on-write reflinks where
// the file system has them: never hard links, so an edit of one run's file leaves the other's)
// and `memo_of: <id>`. Keys are SHA-256 over a canonical form (Accio's key, made portable:
// the opref carries the guild.yml hash, i.e. the operation's version). The index
// (`cache/grun/memo.json`) is a cache: runs not seen yet are read from their directories on
// every open, and every hit is checked against the run dir before it is used.
import { createHash } from 'node:crypto';
import {
  constants as fsConstants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import { readAttr, writeAttr } from '../store/attrs.js';
import { openCache } from '../store/cache-db.js';
import { loadRun } from '../store/index.js';
import { encodeOpref } from '../store/opref.js';
import { guildPath } from '../store/run.js';
import type { YamlValue } from '../store/types.js';
import { encodeYaml } from '../store/yaml11.js';
import { newRunId, stagedChildWriter, type ChildSpec, type ChildWriter, type CreatedRun } from './batch.js';
import type { RunPlan } from './plan-types.js';
import { guildTimestamp, writeRunDir } from './run-writer.js';
import { attachChild } from './sweep/batch-layout.js';
import { newSeed } from './sweep/seeds.js';

/** `.guild/grun-memo-key`: the key a run was created with (it knows whether its op is unstable). */
export const MEMO_KEY_FILE = 'grun-memo-key';
const KEY_VERSION = 1;

export interface MemoInputs {
  /** The encoded opref (its version is the guild.yml hash). */
  operation: string;
  sourceDigest: string | null;
  /** Flags without the dependency flags, as the `flags` attr encodes them. */
  flags: Record<string, YamlValue>;
  /** Dependency name → the upstream run's memo key (or `run:<id>` when it has none). */
  deps: Record<string, string>;
  /** The seed, only for unstable operations. */
  seed: string | null;
}

export function memoKey(i: MemoInputs): string {
  const deps = Object.keys(i.deps)
    .sort()
    .map((k) => [k, i.deps[k]]);
  const canonical = JSON.stringify([KEY_VERSION, i.operation, i.sourceDigest, encodeYaml(i.flags), deps, i.seed]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The `sourcecode_digest` the run writer will record for this plan (same algorithm). */
export function planSourceDigest(plan: Pick<RunPlan, 'sourcecode'>): string | null {
  if (!plan.sourcecode) return null;
  const { root, files, dest } = plan.sourcecode;
  const entries = files
    .map((rel) => ({ runPath: dest ? posix.join(dest, rel) : rel, src: join(root, rel) }))
    .filter((e) => existsSync(e.src))
    .sort((a, b) => (a.runPath < b.runPath ? -1 : a.runPath > b.runPath ? 1 : 0));
  const md5 = createHash('md5');
  for (const e of entries) {
    md5.update(Buffer.from(e.runPath, 'utf8'));
    md5.update(Buffer.from([0]));
    md5.update(readFileSync(e.src));
    md5.update(Buffer.from([0]));
  }
  return md5.digest('hex');
}

function withoutKeys(flags: Record<string, YamlValue>, names: Iterable<string>): Record<string, YamlValue> {
  const drop = new Set(names);
  const out: Record<string, YamlValue> = {};
  for (const [k, v] of Object.entries(flags)) if (!drop.has(k)) out[k] = v;
  return out;
}

/** The key of a planned run. */
export function planMemoKey(plan: RunPlan, seed: string, index: MemoIndex): string {
  const deps: Record<string, string> = {};
  // a project file counts by its content (its manifest line holds its sha1)
  for (const d of plan.deps) {
    deps[d.name] = d.kind === 'file' ? d.manifestLines.join('\n') : d.kind === 'deferred' ? `deferred:${d.runId}` : d.kind === 'unmet' ? 'unmet' : (index.keyOfRun(d.runId) ?? `run:${d.runId}`);
  }
  return memoKey({
    operation: encodeOpref(plan.opref),
    sourceDigest: planSourceDigest(plan),
    flags: withoutKeys(plan.flags, plan.deps.map((d) => d.name)),
    deps,
    seed: plan.unstable ? seed : null,
  });
}

function attr(runDir: string, name: string): YamlValue | undefined {
  const a = readAttr(runDir, name);
  return a.kind === 'ok' ? a.value : undefined;
}

function isMap(v: YamlValue | undefined): v is Record<string, YamlValue> {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** Upstream run ids of the `deps` attr (`{name: {name: {config: <id>, …}}}`). */
function depRunIds(runDir: string): Record<string, string> {
  const deps = attr(runDir, 'deps');
  const out: Record<string, string> = {};
  if (!isMap(deps)) return out;
  for (const [name, v] of Object.entries(deps)) {
    if (!isMap(v)) continue;
    for (const inner of Object.values(v)) {
      if (isMap(inner) && typeof inner.config === 'string') out[name] = inner.config;
    }
  }
  return out;
}

/**
 * A run's key: the one it was created with, else one computed from its attrs (a Guild run, or
 * one `grun run` made), taking its operation for stable.
 */
export function runMemoKey(runDir: string, keyOfRun: (id: string) => string | null): string | null {
  try {
    return readFileSync(guildPath(runDir, MEMO_KEY_FILE), 'utf8').trim() || null;
  } catch {
    // no recorded key: compute one
  }
  let operation: string;
  try {
    operation = readFileSync(guildPath(runDir, 'opref'), 'utf8').trim();
  } catch {
    return null;
  }
  const flags = attr(runDir, 'flags');
  const digest = attr(runDir, 'sourcecode_digest');
  const ups = depRunIds(runDir);
  const deps: Record<string, string> = {};
  for (const [name, id] of Object.entries(ups)) deps[name] = keyOfRun(id) ?? `run:${id}`;
  return memoKey({
    operation,
    sourceDigest: typeof digest === 'string' ? digest : null,
    flags: withoutKeys(isMap(flags) ? flags : {}, Object.keys(ups)),
    deps,
    seed: null,
  });
}

interface MemoCache {
  version: number;
  /** key → completed run ids, originals first. */
  hits: Record<string, string[]>;
  /** run id → key, for the runs indexed. */
  keys: Record<string, string>;
  /** Runs already judged (ended): not read again. */
  seen: Record<string, true>;
}

export const memoCachePath = (home: string): string => join(home, 'cache', 'grun', 'memo.json');

const ENDED = new Set(['completed', 'error', 'terminated']);

/** The memo index of a home, brought up to date with the run dirs on open. */
export class MemoIndex {
  private readonly db;
  private dirty = false;

  private constructor(private readonly home: string) {
    this.db = openCache<MemoCache>(memoCachePath(home), { version: 1, hits: {}, keys: {}, seen: {} });
  }

  static open(home: string): MemoIndex {
    const index = new MemoIndex(home);
    index.refresh();
    return index;
  }

  private get data(): MemoCache {
    return this.db.data;
  }

  /** Reads the runs not seen yet; a completed one is indexed under its key. */
  refresh(): void {
    const runs = join(this.home, 'runs');
    let ids: string[];
    try {
      ids = readdirSync(runs);
    } catch {
      return;
    }
    // Only runs that have ended are read (a big staged sweep costs a stat per run); oldest
    // first, so that an upstream run is keyed before the runs that depend on it
    const ended = (dir: string): boolean =>
      existsSync(guildPath(dir, 'attrs', 'exit_status')) &&
      !existsSync(guildPath(dir, 'STAGED')) &&
      !existsSync(guildPath(dir, 'PENDING'));
    const fresh = ids
      .filter((id) => !this.data.seen[id] && ended(join(runs, id)))
      .map((id) => loadRun(join(runs, id)))
      .sort((a, b) => (a.started ?? a.initialized ?? 0) - (b.started ?? b.initialized ?? 0));
    for (const run of fresh) {
      if (!ENDED.has(run.status)) continue;
      this.data.seen[run.id] = true;
      this.dirty = true;
      if (run.status !== 'completed' || run.batch) continue;
      const key = runMemoKey(run.dir, (id) => this.keyOfRun(id));
      if (key) this.add(key, run.id, attr(run.dir, 'memo_of') === undefined);
    }
    this.save();
  }

  private add(key: string, id: string, original: boolean): void {
    const list = (this.data.hits[key] ??= []);
    if (!list.includes(id)) {
      if (original) list.unshift(id);
      else list.push(id);
    }
    this.data.keys[id] = key;
    this.dirty = true;
  }

  keyOfRun(id: string): string | null {
    return this.data.keys[id] ?? null;
  }

  /** A completed run with this key (checked on disk), or null. */
  lookup(key: string): string | null {
    const list = this.data.hits[key] ?? [];
    for (const id of [...list]) {
      const dir = join(this.home, 'runs', id);
      if (existsSync(guildPath(dir, 'opref')) && loadRun(dir).status === 'completed') return dir;
      list.splice(list.indexOf(id), 1); // deleted or changed since: the index forgets it
      delete this.data.keys[id];
      delete this.data.seen[id];
      this.dirty = true;
    }
    return null;
  }

  save(): void {
    if (!this.dirty) return;
    try {
      this.db.write();
      this.dirty = false;
    } catch {
      // a read-only home still memoizes from its run dirs
    }
  }
}

/**
 * Copies (reflinked where the file system can) every file of `from` that `to` lacks: the run's
 * outputs, not its source copy or dependency links, which the new run has made itself. In
 * `.guild`, only the output log and event files (the original's scalars) come along.
 */
export function copyOutputs(from: string, to: string, rel = ''): number {
  let n = 0;
  let entries;
  try {
    entries = readdirSync(join(from, rel), { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = rel ? join(rel, e.name) : e.name;
    const src = join(from, path);
    const dst = join(to, path);
    if (path === '.guild') {
      for (const name of readdirSync(src)) {
        if (!/^(output(\.index)?|events\.out\.tfevents\..*)$/.test(name) || existsSync(join(dst, name))) continue;
        cowCopy(join(src, name), join(dst, name));
        n++;
      }
    } else if (e.isDirectory()) {
      mkdirSync(dst, { recursive: true });
      n += copyOutputs(from, to, path);
    } else if (e.isFile() && !existsSync(dst)) {
      cowCopy(src, dst);
      n++;
    }
  }
  return n;
}

/** A copy that shares blocks until either side is written (FICLONE), a plain copy elsewhere. */
function cowCopy(src: string, dst: string): void {
  mkdirSync(dirname(dst), { recursive: true });
  copyFileSync(src, dst, fsConstants.COPYFILE_FICLONE);
}

/** A completed run made from a memo hit: the plan's run dir (as `id`), the original's outputs, `memo_of`. */
export function writeMemoRun(
  home: string,
  parentDir: string | null,
  child: ChildSpec,
  key: string,
  originalDir: string,
  id = newRunId(),
): CreatedRun {
  const dir = writeRunDir(child.plan, { home, runId: id });
  writeAttr(dir, 'random_seed', BigInt(child.seed));
  writeFileSync(guildPath(dir, MEMO_KEY_FILE), key);
  if (parentDir) attachChild(parentDir, dir);
  return { id, dir, memoOf: completeFromMemo(dir, originalDir) };
}

/** Gives a prepared run the original's outputs and ends it completed; returns `memo_of`. */
function completeFromMemo(dir: string, originalDir: string): string {
  copyOutputs(originalDir, dir);
  const memoOf = basename(originalDir);
  writeAttr(dir, 'memo_of', memoOf);
  writeAttr(dir, 'exit_status', 0);
  writeAttr(dir, 'stopped', guildTimestamp());
  return memoOf;
}

/** `.guild/grun-no-memo`: the run was submitted with --no-memo; it runs whatever the index says. */
export const NO_MEMO_FILE = 'grun-no-memo';

/**
 * At the moment a claimed staged run would start: when a completed run now has its key (a
 * repeat whose twin has finished meanwhile, as Accio checks its cache when a node is
 * scheduled), the run is completed from it instead of started. Returns `memo_of`, or null.
 */
export function memoizeStaged(runDir: string, index: MemoIndex): string | null {
  if (existsSync(guildPath(runDir, NO_MEMO_FILE))) return null;
  let key: string;
  try {
    key = readFileSync(guildPath(runDir, MEMO_KEY_FILE), 'utf8').trim();
  } catch {
    return null;
  }
  index.refresh();
  const original = key ? index.lookup(key) : null;
  if (!original || original === runDir) return null;
  rmSync(guildPath(runDir, 'STAGED'), { force: true });
  writeAttr(runDir, 'started', guildTimestamp());
  return completeFromMemo(runDir, original);
}

/**
 * A child writer that memoizes: a hit becomes a completed copy, a miss a staged run that
 * records its key, so that it is found once it completes. `reuse: false` (`--no-memo`) never
 * reuses a run but still records keys.
 */
export function memoChildWriter(home: string, opts: { reuse: boolean }, index = MemoIndex.open(home)): ChildWriter {
  return (h, parentDir, child) => {
    const key = planMemoKey(child.plan, child.seed, index);
    const original = opts.reuse ? index.lookup(key) : null;
    if (original) return writeMemoRun(h, parentDir, child, key, original);
    const extraFiles = { ...child.extraFiles, [MEMO_KEY_FILE]: key, ...(opts.reuse ? {} : { [NO_MEMO_FILE]: '' }) };
    return stagedChildWriter(h, parentDir, { ...child, extraFiles });
  };
}

/**
 * `grun run --memo`: when a completed run has the plan's inputs, a completed copy of it
 * (outputs copied, `memo_of`) instead of a new run; null when there is none.
 */
export function memoizeRun(home: string, plan: RunPlan, seed = newSeed()): CreatedRun | null {
  const index = MemoIndex.open(home);
  const key = planMemoKey(plan, seed, index);
  const original = index.lookup(key);
  return original ? writeMemoRun(home, null, { plan, seed }, key, original) : null;
}
