// Listing runs through the summary cache: a run directory is re-read only when one of the
// stats that cover its listed fields changed. The run directories stay the truth.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { openCache } from './cache-file.js';
import { runsDir, trashRunsDir } from './home.js';
import { isRunDir, loadRunSummary, toRun } from './run.js';
import type { Run, RunSummary } from './types.js';

const CACHE_VERSION = 1;

interface CacheEntry {
  key: string;
  summary: Omit<RunSummary, 'dir' | 'deleted'>;
}

interface SummaryCache {
  version: number;
  runs: Record<string, CacheEntry>;
}

export const summaryCachePath = (home: string): string => join(home, 'cache', 'grun', 'summaries.json');

/**
 * What a listed field can change without: the root (trial links), `.guild` (markers, LOCK,
 * process record), `.guild/attrs` (attrs written by rename or created), and the attrs Guild
 * rewrites in place (label, tags, comments).
 */
const KEY_PATHS = ['', '.guild', '.guild/attrs', '.guild/attrs/label', '.guild/attrs/tags', '.guild/attrs/comments'];

function statOrNull(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR and the like: a stray file in runs/
  }
}

function cacheKey(dir: string): string | null {
  let key = '';
  for (const rel of KEY_PATHS) {
    const st = statOrNull(rel ? join(dir, rel) : dir);
    if (!st && rel === '.guild') return null;
    key += st ? `${st.mtimeMs}.${st.size}:` : '-:';
  }
  return key;
}

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
    const key = cacheKey(dir);
    if (key === null) continue;
    const name = prefix + id;
    const hit = cached[name];
    // A cached entry proves opref existed; removing it would have changed the `.guild` stat.
    if (hit && hit.key === key) {
      seen.add(name);
      out.push({ ...hit.summary, id, dir, deleted });
      continue;
    }
    if (!isRunDir(dir)) continue;
    seen.add(name);
    const summary = loadRunSummary(dir, deleted);
    out.push(summary);
    const { dir: _d, deleted: _x, ...rest } = summary;
    cached[name] = { key, summary: rest };
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
