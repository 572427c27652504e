// A run's scalars and logged attrs, read from every TensorBoard event file under the run dir
// as Guild's tfevent/index modules do (§3.8 and §7.2 of the format notes).
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listDir, type Listings } from './dir-listing.js';
import { readEventFile } from './tfevents.js';
import type { ReadProblem, ScalarPoint, ScalarSummary } from './types.js';

/** Display key of a scalar: bare tag for the run root and `.guild`, else `prefix#tag`. */
export function scalarKey(prefix: string, tag: string): string {
  return prefix === '' || prefix === '.guild' ? tag : `${prefix}#${tag}`;
}

/**
 * A scalar value as text: event files hold 32-bit floats, so the shortest decimal that reads back
 * as the same 32-bit float (`0.0152`, not `0.015200000256299973`); any other number as it is.
 */
export function scalarText(v: number): string {
  if (Number.isFinite(v) && Math.fround(v) === v) {
    for (let p = 1; p < 9; p++) {
      const s = v.toPrecision(p);
      if (Math.fround(Number(s)) === v) return String(Number(s));
    }
  }
  return String(v);
}

interface EventFileRef {
  prefix: string;
  name: string;
  /** `prefix/name`, `/`-separated. */
  rel: string;
  path: string;
  size: number;
  attrs: boolean;
}

function isEventFileName(name: string): boolean {
  return name.includes('.tfevents.');
}

/**
 * Every event file under the run dir, grouped by directory (sorted by prefix, then name).
 * Symlinked directories are followed only when they are runs (hold `.guild/opref`); each
 * directory is visited once by its real path: a plain subdirectory's is its parent's plus its
 * name, and `realpath` is taken only of the links followed and then of the run dir (until a
 * link is followed no directory can be reached twice). `sized` false: the size of a regular
 * file is left for its reader to take (-1 here). `listings`: directories already listed.
 */
function findEventFiles(runDir: string, sized = true, listings?: Listings): EventFileRef[] & { dirsRead: number } {
  const found = Object.assign([] as EventFileRef[], { dirsRead: 0 });
  const seen = new Set<string>();
  let root: string | null | undefined; // the run dir's real path, once a link needs it
  const before: string[] = []; // prefixes of the plain dirs visited until then
  const rootReal = (): void => {
    if (root !== undefined) return;
    root = realPath(runDir);
    for (const p of before) seen.add(realUnder(root, p));
  };
  const realUnder = (base: string | null, prefix: string): string => (base === null ? `\0${prefix}` : prefix ? `${base}/${prefix}` : base);
  /** `real` undefined: reached from the run dir through plain directories only. */
  const visit = (dir: string, real: string | undefined, prefix: string): void => {
    const key = real ?? (root === undefined ? undefined : realUnder(root, prefix));
    if (key === undefined) before.push(prefix);
    else if (seen.has(key)) return;
    else seen.add(key);
    const entries = listDir(dir, listings);
    if (!entries) return; // unreadable or vanished: nothing to read there
    found.dirsRead++;
    for (const e of entries) {
      const path = `${dir}/${e.name}`;
      const sub = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (sub === '.guild/attrs') continue; // a run's attr files, one YAML document each: never an event file
        visit(path, real === undefined ? undefined : `${real}/${e.name}`, sub);
      } else if (e.isSymbolicLink()) {
        let st;
        try {
          st = statSync(path);
        } catch {
          continue; // dangling link
        }
        if (st.isDirectory()) {
          if (!existsSync(join(path, '.guild', 'opref'))) continue;
          rootReal();
          const target = realPath(path);
          if (target !== null) visit(path, target, sub);
        } else if (st.isFile() && isEventFileName(e.name)) {
          found.push({ prefix, name: e.name, rel: sub, path, size: st.size, attrs: e.name.endsWith('.attrs') });
        }
      } else if (e.isFile() && isEventFileName(e.name)) {
        let size = -1;
        if (sized) {
          try {
            size = statSync(path).size;
          } catch {
            continue;
          }
        }
        found.push({ prefix, name: e.name, rel: sub, path, size, attrs: e.name.endsWith('.attrs') });
      }
    }
  };
  visit(runDir, undefined, '');
  found.sort((a, b) => (a.prefix === b.prefix ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.prefix < b.prefix ? -1 : 1));
  return found;
}

function realPath(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/**
 * Changes whenever an event file is added, removed or grows: md5 over `prefix, name, size` of
 * every source, the run-wide form of Guild's per-prefix `path_digest`. Callers cache on it.
 */
export function scalarSourcesDigest(runDir: string): string {
  const h = createHash('md5');
  for (const f of findEventFiles(runDir)) h.update(`${f.prefix}\n${f.name}\n${f.size}\n`);
  return h.digest('hex');
}

function newSummary(prefix: string, tag: string, value: number, step: number): ScalarSummary {
  return {
    prefix,
    tag,
    first: value,
    firstStep: step,
    last: value,
    lastStep: step,
    min: value,
    minStep: step,
    max: value,
    maxStep: step,
    avg: value,
    total: value,
    count: 1,
  };
}

/** Folds one value in: first = lowest step, last = highest step (later event wins ties). */
function update(s: ScalarSummary, value: number, step: number): void {
  if (step < s.firstStep) {
    s.first = value;
    s.firstStep = step;
  }
  if (step >= s.lastStep) {
    s.last = value;
    s.lastStep = step;
  }
  if (value < s.min) {
    s.min = value;
    s.minStep = step;
  }
  if (value > s.max) {
    s.max = value;
    s.maxStep = step;
  }
  s.total += value;
  s.count += 1;
  s.avg = s.total / s.count;
}

/** What a cached reading of a run's scalars is valid for: dir mtimes and event file sizes. */
export interface ScalarStamp {
  dirs: Record<string, number>;
  files: Record<string, number>;
}

export interface RunScalarData {
  summaries: ScalarSummary[];
  /** Logged attrs: text summaries in `*.attrs` event files, by display key; the latest wins. */
  attrs: Record<string, string>;
  problems: ReadProblem[];
  stamp: ScalarStamp;
  /** How many directories were listed to find the event files (what a cached reading saves besides decoding). */
  dirsRead: number;
}

function dirMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * The mtimes of a run dir and its `.guild`, the start of a scalars stamp: taken before either is
 * listed, so that an event file added after the listing fails the stamp.
 */
export function scalarDirStamp(runDir: string): ScalarStamp['dirs'] {
  return { '': dirMtime(runDir), '.guild': dirMtime(join(runDir, '.guild')) };
}

/**
 * Scalars and logged attrs from one walk of the run dir. Summaries are per tag (`sys/*`
 * included; callers hide them), in prefix order then first appearance. Unreadable or corrupt
 * files are listed as problems. `listed`: the run's reading so far (`readRunAfresh`): the
 * directories it listed, after the stamp it took first.
 */
export function readScalarData(runDir: string, listed?: { dirs: ScalarStamp['dirs']; listings: Listings }): RunScalarData {
  const byKey = new Map<string, ScalarSummary>();
  const attrs: Record<string, string> = {};
  const problems: ReadProblem[] = [];
  const stamp: ScalarStamp = { dirs: listed?.dirs ?? scalarDirStamp(runDir), files: {} };
  const files = findEventFiles(runDir, false, listed?.listings);
  for (const f of files) {
    stamp.dirs[f.prefix] ??= dirMtime(join(runDir, f.prefix));
    const r = readEventFile(f.path);
    // the size the reader found the file at (-1 when it could not open it: never valid)
    stamp.files[f.rel] = f.size >= 0 ? f.size : r.size ?? -1;
    if (r.problem) problems.push({ file: f.rel, message: r.problem });
    for (const ev of r.events) {
      for (const v of ev.values) {
        if (f.attrs) {
          if (v.text !== undefined) attrs[scalarKey(f.prefix, v.tag)] = v.text;
          continue;
        }
        if (v.value === undefined) continue;
        const id = `${f.prefix}\0${v.tag}`;
        const s = byKey.get(id);
        if (s) update(s, v.value, ev.step);
        else byKey.set(id, newSummary(f.prefix, v.tag, v.value, ev.step));
      }
    }
  }
  return { summaries: [...byKey.values()], attrs, problems, stamp, dirsRead: files.dirsRead };
}

/** Whether nothing a stamp covers changed since it was taken. */
export function scalarStampValid(runDir: string, stamp: ScalarStamp): boolean {
  for (const [rel, mtime] of Object.entries(stamp.dirs)) if (dirMtime(rel ? join(runDir, rel) : runDir) !== mtime) return false;
  for (const [rel, size] of Object.entries(stamp.files)) {
    try {
      if (statSync(join(runDir, rel)).size !== size) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export function readRunScalars(runDir: string): { summaries: ScalarSummary[]; problems: ReadProblem[] } {
  const { summaries, problems } = readScalarData(runDir);
  return { summaries, problems };
}

/** All points of one scalar (by display key), in event order. */
export function readScalarSeries(runDir: string, key: string): ScalarPoint[] {
  const points: ScalarPoint[] = [];
  for (const f of findEventFiles(runDir)) {
    const bare = f.prefix === '' || f.prefix === '.guild';
    if (f.attrs || (!bare && !key.startsWith(`${f.prefix}#`))) continue;
    for (const ev of readEventFile(f.path).events) {
      for (const v of ev.values) {
        if (v.value !== undefined && scalarKey(f.prefix, v.tag) === key) {
          points.push({ step: ev.step, value: v.value, wallTime: ev.wallTime });
        }
      }
    }
  }
  return points;
}
