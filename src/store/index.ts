// Listing runs through the summary cache: a run directory is re-read only when one of the
// stats that cover its listed fields changed. The run directories stay the truth.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { openCache } from './cache-file.js';
import { runsDir, trashRunsDir } from './home.js';
import { isRunDir, loadRunSummary, toRun } from './run.js';
import type { Run, RunSummary } from './types.js';
import { compactSummary, expandSummary, type CompactSummary } from './summary-codec.js';

const CACHE_VERSION = 2;

/** `k`: the stats the entry is valid for; `s`: the summary, compact. */
interface CacheEntry {
  k: string;
  s: CompactSummary;
}

interface SummaryCache {
  version: number;
  runs: Record<string, CacheEntry>;
}

export const summaryCachePath = (home: string): string => join(home, 'cache', 'grun', 'summaries.json');

/**
 * What a listed field can change without: `.guild` (markers, LOCK, process record),
 * `.guild/attrs` (attrs written by rename or created), and the attrs Guild rewrites in place
 * (label, tags, comments). The run root (trial and step links) counts only for runs that can
 * still gain links: batches, pipelines, and runs without an exit status.
 */
const KEY_PATHS = ['.guild', '.guild/attrs', '.guild/attrs/label', '.guild/attrs/tags', '.guild/attrs/comments'];

function statOrNull(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR and the like: a stray file in runs/
  }
}

const stamp = (st: Stats | undefined): string => (st ? `${st.mtimeMs}.${st.size}:` : '-:');

/** The stats key of a run dir, or null when it has no `.guild`. */
function cacheKey(dir: string, withRoot: boolean): string | null {
  let key = '';
  for (const rel of KEY_PATHS) {
    const st = statOrNull(join(dir, rel));
    if (!st && rel === '.guild') return null;
    key += stamp(st);
  }
  return withRoot ? key + stamp(statOrNull(dir)) : key;
}

const canGainLinks = (s: { batch?: boolean; children?: string[]; exitStatus?: number | null }): boolean =>
  !!s.batch || (s.children?.length ?? 0) > 0 || s.exitStatus === undefined || s.exitStatus === null;

function listIds(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface ListOptions {
  deleted?: boolean;
  /** Skip the summary cache (benchmarks of the cold path, and tests). */
  noCache?: boolean;
}

/** Newest first: `started`, else `initialized`; runs with neither go last. */
export function compareRunsNewestFirst(a: RunSummary, b: RunSummary): number {
  const ta = a.started ?? a.initialized ?? -Infinity;
  const tb = b.started ?? b.initialized ?? -Infinity;
  return tb - ta || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function listRunSummaries(home: string, opts: ListOptions = {}): RunSummary[] {
  const deleted = !!opts.deleted;
  const base = deleted ? trashRunsDir(home) : runsDir(home);
  const prefix = deleted ? 'trash/runs/' : 'runs/';
  const db = opts.noCache ? null : openCache<SummaryCache>(summaryCachePath(home), { version: CACHE_VERSION, runs: {} });
  const cached = db?.data.runs ?? {};
  let dirty = false;
  const seen = new Set<string>();
  const out: RunSummary[] = [];
  for (const id of listIds(base)) {
    const dir = join(base, id);
    const name = prefix + id;
    const hit = cached[name];
    // A cached entry proves opref existed; removing it would have changed the `.guild` stat.
    if (hit && hit.k === cacheKey(dir, canGainLinks(hit.s))) {
      seen.add(name);
      out.push(expandSummary(hit.s, id, dir, deleted));
      continue;
    }
    if (!isRunDir(dir)) continue;
    const summary = loadRunSummary(dir, deleted);
    const key = cacheKey(dir, canGainLinks(summary));
    if (key === null) continue;
    seen.add(name);
    out.push(summary);
    cached[name] = { k: key, s: compactSummary(summary) };
    dirty = true;
  }
  for (const name of Object.keys(cached)) {
    if (name.startsWith(prefix) && !seen.has(name)) {
      delete cached[name];
      dirty = true;
    }
  }
  if (db && dirty) {
    try {
      db.write();
    } catch {
      // a read-only home still lists; the cache just stays cold
    }
  }
  return out.sort(compareRunsNewestFirst);
}

export function listRuns(home: string, opts: ListOptions = {}): Run[] {
  return listRunSummaries(home, opts).map(toRun);
}

export function loadRun(dir: string, deleted = false): Run {
  return toRun(loadRunSummary(dir, deleted));
}
