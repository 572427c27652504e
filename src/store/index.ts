// Listing runs through the summary cache: a run directory is re-read only when one of the
// stats that cover its listed fields changed. The run directories stay the truth.
import { existsSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { openCache } from './cache-file.js';
import { runsDir, trashRunsDir } from './home.js';
import { isRunDir, loadRunSummary, toRun, unreadableRunDir } from './run.js';
import { TEMP_PREFIX } from './temp-name.js';
import { aggregateStatus } from './status.js';
import { type Run, type RunSummary, UNREADABLE_DIR } from './types.js';
import { compactSummary, expandSummary, type CompactSummary } from './summary-codec.js';

const CACHE_VERSION = 6;

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

/** Whether a summary cache exists (a listing then costs stats, not reads). */
export const hasSummaryCache = (home: string): boolean => existsSync(summaryCachePath(home));

/**
 * What a listed field can change without: `.guild` (markers, LOCK, process record) and
 * `.guild/attrs` (attrs written by rename, created or deleted), plus the attrs Guild rewrites
 * in place (label, tags, comments) where they exist: creating one changes `.guild/attrs`. The
 * run root (trial and step links) counts only for runs that can still gain links: batches,
 * pipelines, and runs without an exit status.
 */
type KeyedFields = Pick<CompactSummary, 'label' | 'tags' | 'comments' | 'batch' | 'children' | 'exitStatus'>;

function statOrNull(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR and the like: a stray file in runs/
  }
}

const stamp = (st: Stats | undefined): string => (st ? `${st.mtimeMs}.${st.size}:` : '-:');

/** The stats key of a run dir as its summary `s` says it stands, or null without `.guild`. */
function cacheKey(dir: string, s: KeyedFields): string | null {
  const guild = statOrNull(join(dir, '.guild'));
  if (!guild) return null;
  let key = stamp(guild) + stamp(statOrNull(join(dir, '.guild', 'attrs')));
  if (s.label != null) key += 'l' + stamp(statOrNull(join(dir, '.guild', 'attrs', 'label')));
  if (s.tags?.length) key += 't' + stamp(statOrNull(join(dir, '.guild', 'attrs', 'tags')));
  if (s.comments?.length) key += 'c' + stamp(statOrNull(join(dir, '.guild', 'attrs', 'comments')));
  if (canGainLinks(s)) key += 'r' + stamp(statOrNull(dir));
  return key;
}

const canGainLinks = (s: { batch?: boolean; children?: string[]; exitStatus?: number | null }): boolean =>
  !!s.batch || (s.children?.length ?? 0) > 0 || s.exitStatus === undefined || s.exitStatus === null;

/**
 * Run dir names, leaving out grun's own in-flight copies (`.grun-tmp-*`, see archive.ts): an
 * import killed mid-copy leaves one behind, and listing it would show the run twice.
 */
function listIds(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith(TEMP_PREFIX));
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

/**
 * One pass over a runs directory through the summary cache, in steps: `step(budgetMs)` reads
 * runs until the budget is spent, so a caller can show what it has between steps (a dashboard
 * opening a big home with a cold cache). The cache is written once, when the pass ends.
 */
export class RunScan {
  readonly summaries: RunSummary[] = [];
  private readonly base: string;
  private readonly prefix: string;
  private readonly db: ReturnType<typeof openCache<SummaryCache>> | null;
  private readonly ids: string[];
  private readonly seen = new Set<string>();
  private next = 0;
  private dirty = false;

  constructor(
    home: string,
    private readonly opts: ListOptions = {},
  ) {
    this.base = opts.deleted ? trashRunsDir(home) : runsDir(home);
    this.prefix = opts.deleted ? 'trash/runs/' : 'runs/';
    this.db = opts.noCache ? null : openCache<SummaryCache>(summaryCachePath(home), { version: CACHE_VERSION, runs: {} });
    this.ids = listIds(this.base);
  }

  get done(): boolean {
    return this.next >= this.ids.length;
  }

  /** Reads runs for about `budgetMs` (all of them without a budget); true once all are read. */
  step(budgetMs = Infinity): boolean {
    const deleted = !!this.opts.deleted;
    const cached = this.db?.data.runs ?? {};
    const t0 = performance.now();
    while (this.next < this.ids.length) {
      if ((this.next & 63) === 0 && performance.now() - t0 > budgetMs) return false;
      const id = this.ids[this.next++]!;
      const dir = join(this.base, id);
      const name = this.prefix + id;
      const hit = cached[name];
      // A cached entry proves opref existed; removing it would have changed the `.guild` stat.
      if (hit && hit.k === cacheKey(dir, hit.s)) {
        this.seen.add(name);
        this.summaries.push(expandSummary(hit.s, id, dir, deleted));
        continue;
      }
      if (!isRunDir(dir) && !unreadableRunDir(dir)) continue;
      const summary = loadRunSummary(dir, deleted);
      const key = cacheKey(dir, summary);
      if (key === null) {
        // Another user's run this user cannot read: listed with the reason, never cached.
        if (summary.problems.some((p) => p.file === UNREADABLE_DIR)) this.summaries.push(summary);
        continue;
      }
      this.seen.add(name);
      this.summaries.push(summary);
      cached[name] = { k: key, s: compactSummary(summary) };
      this.dirty = true;
    }
    this.finish(cached);
    return true;
  }

  private finish(cached: Record<string, CacheEntry>): void {
    for (const name of Object.keys(cached)) {
      if (name.startsWith(this.prefix) && !this.seen.has(name)) {
        delete cached[name];
        this.dirty = true;
      }
    }
    if (this.db && this.dirty) {
      this.dirty = false;
      try {
        this.db.write();
      } catch {
        // a read-only home still lists; the cache just stays cold
      }
    }
  }
}

export function listRunSummaries(home: string, opts: ListOptions = {}): RunSummary[] {
  const scan = new RunScan(home, opts);
  scan.step();
  return scan.summaries.sort(compareRunsNewestFirst);
}

export function listRuns(home: string, opts: ListOptions = {}): Run[] {
  return runsOf(listRunSummaries(home, opts));
}

/** Runs with their derived status (a sweep parent's from its children), newest first. */
export function runsOf(summaries: RunSummary[]): Run[] {
  return withParentStatus(summaries.map(toRun));
}

/**
 * A grun parent that has not recorded its own outcome yet takes its status from its children
 * (running while any runs, …; see `aggregateStatus`). Children name their parent.
 */
export function withParentStatus(runs: Run[]): Run[] {
  const kids = new Map<string, Run[]>();
  for (const r of runs) if (r.parent !== null) kids.get(r.parent)?.push(r) ?? kids.set(r.parent, [r]);
  if (kids.size === 0) return runs;
  return runs.map((r) => {
    const children = kids.get(r.id);
    if (!children || !r.batch || r.exitStatus !== null) return r;
    const status = aggregateStatus(children.map((c) => c.status));
    return { ...r, status, statusInfo: { status } };
  });
}

export function loadRun(dir: string, deleted = false): Run {
  return toRun(loadRunSummary(dir, deleted));
}
