// Listing runs through the summary cache (summary-cache.ts). Two ways to list:
// - `RunScan` (and `listRuns`, which every filter and selection takes) re-checks every run dir
//   against the stats its entry was read under: a full check, one to five stats a run.
// - `RunList` trusts settled runs until shown: it re-checks at once the new, unfinished and
//   announced runs, and a slice of the others in a slow round, and the first `CHECKED_ROWS`
//   runs it builds for display; `runs/` is not even read while its stat holds. So `grun runs`
//   costs what changed plus the rows it prints (ARCHITECTURE.md).
// The run directories stay the truth.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runsDir, trashRunsDir } from './home.js';
import { isRunDir, loadRunSummary, runSortTime, toRun } from './run.js';
import { readRunAfresh, readRunsAfresh, type FreshRun } from './fresh-read.js';
import { TEMP_PREFIX } from './temp-name.js';
import { aggregateStatus } from './status.js';
import { type Run, type RunSummary, type StatusInfo, UNREADABLE_DIR } from './types.js';
import { CachedRun } from './cached-run.js';
import { primeRunScalarData } from './scalar-index.js';
import { cacheKey, dirStampOf, dirStatNow, entryOf, placedEntry, SummaryFile, summaryCachePath, summaryOf, type CacheEntry } from './summary-cache.js';

export { summaryCachePath } from './summary-cache.js';

/** Whether a summary cache exists (a listing then costs stats, not reads). */
export const hasSummaryCache = (home: string): boolean => existsSync(summaryCachePath(home));

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
  /**
   * `RunList`: the caller builds every run (`-a`, `--json`, a filter), so runs without a line
   * are read whole at once rather than placed first (that would read their start time twice).
   */
  buildsAll?: boolean;
  /** `RunList`: how many of the rows it shows it re-checks first (`CHECKED_ROWS`). */
  checkedRows?: number;
  /** `RunList`: false for a command that shows one run (`runs info`, `cat`, `ls`): the slow round is left to listings. */
  slowRound?: boolean;
  /** Runs read afresh have their scalars read with them (`compare` of every run: fresh-read.ts). */
  scalars?: boolean;
}

/** Newest first: `started`, else `initialized`; runs with neither go last. */
export function compareRunsNewestFirst(a: RunSummary, b: RunSummary): number {
  const ta = a.started ?? a.initialized ?? -Infinity;
  const tb = b.started ?? b.initialized ?? -Infinity;
  return tb - ta || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** One listed run dir: its cache entry (null when it cannot be cached) and summary if built. */
interface Listed {
  id: string;
  sort: number;
  entry: CacheEntry | null;
  summary: RunSummary | null;
  /** The run as its line holds it, once made (`RunList.cachedRun`). */
  cached?: CachedRun;
}

/** The rows a filter kept (`RunList.candidates`), built as far as they are shown. */
export interface KeptRows {
  /**
   * The first `n` rows kept and every row not settled (the filter decides on those once they
   * are built with their status), built as `slice` builds rows, newest first: `runs` and
   * `family`, and `fresh`, the ids of those read from their directories in this process, for
   * the filter to decide on again. `past`: how many kept rows were left unbuilt (settled runs the
   * filter kept from their lines, trusted as a listing trusts the rows past those it re-checks);
   * `before(run)`: whether a run sorts before the first of those, so that what is built is in
   * its final order up to there.
   */
  pick(n: number): { runs: Run[]; family: Run[]; fresh: Set<string>; past: number; before: (run: Run) => boolean };
}

/** A run of a runs directory: its cache line's number, or the id of a dir without a line. */
type Slot = number | string;

/** Where one runs directory is listed from: `runs/` or the trash. */
class Source {
  readonly base: string;
  readonly prefix: string;
  readonly deleted: boolean;
  readonly file: SummaryFile | null;
  /** Whether runs read afresh have their scalars read too (`ListOptions.scalars`). */
  private readonly scalars: boolean;
  /** The runs there. */
  readonly slots: Slot[] = [];
  /** The directory's stamp taken before its names were read; undefined when they came from the cache. */
  private stamp: string | null | undefined;
  /** Every run checked (`RunScan`): scalar values too, against their stamps. */
  full = false;
  /** Names checked that have no entry (not runs, unreadable): the next listing checks them again. */
  private readonly noEntry = new Set<string>();
  /** Runs read afresh ahead of their check (`prefetch`). */
  private prefetched: Map<string, FreshRun | null> | undefined;

  constructor(home: string, opts: ListOptions) {
    this.deleted = !!opts.deleted;
    this.base = this.deleted ? trashRunsDir(home) : runsDir(home);
    this.prefix = this.deleted ? 'trash/runs/' : 'runs/';
    this.file = opts.noCache ? null : new SummaryFile(home);
    this.scalars = Boolean(opts.scalars);
    this.readNames();
  }

  /**
   * The names in the directory: the cache's when the directory's stat is the one recorded when
   * they were last read (no name came or went since: no `readdir` of 100k names), else read.
   */
  private readNames(): void {
    const { file, prefix } = this;
    const known = file?.dirs[prefix];
    if (file && known && known.stat === dirStatNow(this.base)) {
      for (let k = 0; k < file.lines; k++) if (file.lineOf(k, prefix)) this.slots.push(k);
      for (const id of known.recheck) if (!file.has(prefix + id)) this.slots.push(id);
      return;
    }
    this.stamp = dirStampOf(this.base);
    for (const id of listIds(this.base)) {
      const k = file ? file.lineNamed(prefix + id) : -1;
      this.slots.push(k >= 0 ? k : id);
    }
  }

  /** Reads ahead the runs without a line (a cold cache) that a pass is about to check, on two threads where that pays (`readRunsAfresh`). */
  prefetch(): void {
    const ids = this.slots.filter((s): s is string => typeof s === 'string');
    if (ids.length) this.prefetched = readRunsAfresh(this.base, ids, this.deleted, this.scalars);
  }

  idOf(slot: Slot): string {
    return typeof slot === 'number' ? this.file!.nameAt(slot).slice(this.prefix.length) : slot;
  }

  hitOf(slot: Slot): CacheEntry | undefined {
    return typeof slot === 'number' ? this.file!.entryAt(slot) : undefined;
  }

  /**
   * A run dir as it stands: its entry when the stats it was read under still hold, else read
   * afresh (and cached); null when it is not a run. A cached entry proves opref existed;
   * removing it would have changed the `.guild` stat.
   */
  check(id: string, hit: CacheEntry | undefined): Listed | null {
    const dir = join(this.base, id);
    const name = this.prefix + id;
    if (hit && hit.probe !== 'p' && (hit.checked || hit.key === cacheKey(dir, hit.probe))) {
      hit.checked = true;
      hit.checkScalars ||= this.full;
      return { id, sort: hit.sort, entry: hit, summary: null };
    }
    const read = this.prefetched?.has(id) ? this.prefetched.get(id)! : readRunAfresh(dir, this.deleted, this.scalars);
    this.prefetched?.delete(id);
    if (read?.scalars) primeRunScalarData(dir, read.scalars);
    if (!read) {
      this.file?.delete(name);
      this.noEntry.add(id);
      return null;
    }
    const { summary, key } = read;
    if (key === null) {
      // Another user's run this user cannot read: listed with the reason, never cached.
      this.file?.delete(name);
      this.noEntry.add(id);
      return summary.problems.some((p) => p.file === UNREADABLE_DIR) ? { id, sort: sortOf(summary), entry: null, summary } : null;
    }
    const entry = this.file ? entryOf(this.file, name, summary, key) : null;
    if (entry) this.file!.set(entry, hit);
    else this.noEntry.add(id);
    return { id, sort: sortOf(summary), entry, summary };
  }

  /**
   * A run dir without a line, placed in the listing by its sort time alone (two small reads
   * instead of a summary's dozen: a cold listing of 10k runs shows 20); `check` reads it whole.
   * Given its placed entry (the slow round), the entry is kept while its sort time holds.
   */
  place(id: string, placed?: CacheEntry): Listed | null {
    const dir = join(this.base, id);
    const sort = this.file && isRunDir(dir) ? runSortTime(dir) : undefined;
    if (placed && sort === placed.sort) return { id, sort, entry: placed, summary: null };
    const entry = sort === undefined ? null : placedEntry(this.file!, this.prefix + id, sort);
    if (!entry) return this.check(id, undefined);
    this.file!.set(entry, placed);
    return { id, sort: entry.sort, entry, summary: null };
  }

  summary(l: Listed): RunSummary {
    return (l.summary ??= summaryOf(l.entry!, l.id, join(this.base, l.id), this.deleted));
  }

  /**
   * Drops the entries of runs no longer in the directory, records the directory's stamp with
   * the names it holds that have no entry, then writes the cache if it changed.
   */
  finish(count: number, seen: () => Set<string>): void {
    const file = this.file;
    if (!file) return;
    // Announced runs of the other directory are read afresh when it is next listed.
    for (const name of file.announced) {
      if (name.startsWith(this.prefix) || !file.has(name)) continue;
      file.delete(name);
      const other = name.startsWith('trash/') ? 'trash/runs/' : 'runs/';
      file.dirs[other]?.recheck.push(name.slice(other.length));
    }
    // Entries of runs no longer there (none when the names came from the cache: a run found
    // gone is dropped as it is checked): found by count first, so a home where none went costs
    // no lookups.
    if (this.stamp !== undefined && file.countOf(this.prefix) !== count) {
      const ids = seen();
      for (const { name } of file.all()) if (name.startsWith(this.prefix) && !ids.has(name.slice(this.prefix.length))) file.delete(name);
    }
    const stat = this.stamp === undefined ? file.dirs[this.prefix]!.stat : this.stamp;
    if (stat === null) {
      if (file.dirs[this.prefix]) delete file.dirs[this.prefix];
    } else {
      const recheck = [...this.noEntry].sort();
      const before = file.dirs[this.prefix];
      if (!before || before.stat !== stat || before.recheck.join('/') !== recheck.join('/')) {
        file.dirs[this.prefix] = { stat, recheck };
        file.dirty = true;
      }
    }
    file.save();
  }
}

const sortOf = (s: RunSummary): number => s.started ?? s.initialized ?? -Infinity;

/**
 * One full pass over a runs directory through the summary cache, in steps: `step(budgetMs)`
 * reads runs until the budget is spent, so a caller can show what it has between steps (a
 * dashboard opening a big home with a cold cache). The cache is written once, when the pass ends.
 */
export class RunScan {
  readonly summaries: RunSummary[] = [];
  private readonly src: Source;
  private readonly seen = new Set<string>();
  private next = 0;

  constructor(home: string, opts: ListOptions = {}) {
    this.src = new Source(home, opts);
    this.src.full = true;
  }

  get done(): boolean {
    return this.next >= this.src.slots.length;
  }

  /** Reads runs for about `budgetMs` (all of them without a budget); true once all are read. */
  step(budgetMs = Infinity): boolean {
    const { slots } = this.src;
    if (budgetMs === Infinity && this.next === 0) this.src.prefetch(); // a pass in steps reads as it goes
    const t0 = performance.now();
    while (this.next < slots.length) {
      if ((this.next & 63) === 0 && performance.now() - t0 > budgetMs) return false;
      const slot = slots[this.next++]!;
      const id = this.src.idOf(slot);
      const listed = this.src.check(id, this.src.hitOf(slot));
      if (!listed) continue;
      this.seen.add(id);
      this.summaries.push(this.src.summary(listed));
    }
    this.src.finish(this.seen.size, () => this.seen);
    return true;
  }
}

/** A row the slow round found is no longer a run (its opref went). */
const GONE: Listed = { id: '', sort: -Infinity, entry: null, summary: null };

/**
 * How many settled runs the slow round re-checks per listing: a two-hundredth of them (at least
 * 100), so a home of any size is checked through in 200 listings (a home of up to 20k in fewer),
 * for ~0.5% of a full check each: at 100k, 500 runs' stats, a tenth of the listing.
 */
export const roundSize = (runs: number): number => Math.max(100, Math.ceil(runs / 200));

/**
 * How many of the rows a listing prints it re-checks first: all of them in a listing of up to
 * this many; past them (`-a`, `--json` or a filter over a big home), settled runs are trusted
 * as the runs a listing does not show (ARCHITECTURE.md, "The summary cache").
 */
const CHECKED_ROWS = 1000;

/**
 * A listing that builds only the runs it shows, newest first. New, unfinished (and batch)
 * runs and those grun announced are re-checked when it opens; the first `CHECKED_ROWS` runs
 * it shows are re-checked when built (`slice`); the other settled runs are trusted until the
 * slow round reaches them.
 */
export class RunList {
  private readonly src: Source;
  /** Newest first: a settled run trusted as its line holds it (the line's number), or a listed run. */
  private rows: (number | Listed)[] = [];
  private readonly checkedRows: number;

  constructor(home: string, opts: ListOptions = {}) {
    this.checkedRows = opts.checkedRows ?? CHECKED_ROWS;
    const src = (this.src = new Source(home, opts));
    const { file, slots } = src;
    const place = !opts.buildsAll;
    if (!place) src.prefetch();
    const announced = file?.announcedLines(src.prefix);
    for (const slot of slots) {
      if (typeof slot === 'number' && file!.trustedAt(slot) && !announced!.has(slot)) this.rows.push(slot);
      else {
        // a run without a line (a cold cache, a new run) is placed: read whole when shown
        const listed = typeof slot === 'string' && place ? src.place(slot) : src.check(src.idOf(slot), src.hitOf(slot));
        if (listed) this.rows.push(listed);
      }
    }
    this.sort();
    if (opts.slowRound !== false && this.round()) this.sort();
    src.finish(this.rows.length, () => new Set(this.rows.map((r) => this.idOf(r))));
  }

  private sortOf(r: number | Listed): number {
    return typeof r === 'number' ? this.src.file!.sortAt(r) : r.sort;
  }

  private idOf(r: number | Listed): string {
    return typeof r === 'number' ? this.src.idOf(r) : r.id;
  }

  /** Row `i` as a listed run (made from its line the first time). */
  private listed(i: number): Listed {
    const r = this.rows[i]!;
    if (typeof r !== 'number') return r;
    const entry = this.src.file!.entryAt(r)!;
    return (this.rows[i] = { id: this.src.idOf(r), sort: entry.sort, entry, summary: null });
  }

  private listedAll(): Listed[] {
    return this.rows.map((_, i) => this.listed(i));
  }

  /** Newest first (the cache file is written in this order: the sort finds it sorted). */
  private sort(): void {
    this.rows.sort((a, b) => {
      const d = this.sortOf(b) - this.sortOf(a);
      if (d) return d;
      const ia = this.idOf(a);
      const ib = this.idOf(b);
      return ia < ib ? -1 : ia > ib ? 1 : 0;
    });
  }

  /**
   * The slow round: a slice of the runs re-checked, from where the last listing stopped (in the
   * listing's order). True when a run re-checked moved or went.
   */
  private round(): boolean {
    const { file, prefix } = this.src;
    const n = this.rows.length;
    if (!file || n === 0) return false;
    let at = file.cursor(prefix) % n;
    let moved = false;
    for (let done = Math.min(n, roundSize(n)); done > 0; done--, at = (at + 1) % n) {
      const row = this.listed(at);
      if (row.entry && !row.entry.checked) {
        row.entry.checkScalars = true;
        // a placed run: its sort time re-read, not the whole run (that waits until it is shown)
        const fresh = (this.rows[at] = (row.entry.probe === 'p' ? this.src.place(row.id, row.entry) : this.src.check(row.id, row.entry)) ?? GONE);
        moved ||= fresh.sort !== row.sort;
      }
    }
    if (this.rows.includes(GONE)) this.rows = this.rows.filter((r) => r !== GONE);
    file.saveCursor(prefix, at);
    return moved;
  }

  get length(): number {
    return this.rows.length;
  }

  /** Run ids, newest first. */
  get ids(): string[] {
    return this.rows.map((r) => this.idOf(r));
  }

  /**
   * Runs `start` to `end`, re-checked against their directories (see `CHECKED_ROWS`), as `runs`
   * (the shown runs) and `family` (those plus the children a sweep parent's status is
   * aggregated from).
   */
  slice(start: number, end: number): { runs: Run[]; family: Run[] } {
    const shown: Listed[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, this.rows.length); i++) shown.push(this.listed(i));
    return this.pick(shown, true);
  }

  /**
   * The runs a filter keeps. `keeps` first runs over every settled run as its cache line holds
   * it (`CachedRun`: trusted as the listing trusts it, ARCHITECTURE.md), one at a time, so that
   * nothing is kept of the runs it drops. Only what is shown is then built (`KeptRows.pick`).
   */
  candidates(keeps: (run: Run) => boolean): KeptRows {
    const { file } = this.src;
    const kept: number[] = []; // the rows kept, by index: made into listed rows only when built
    const tested: boolean[] = []; // per kept row: kept by the test from its line
    for (let i = 0; i < this.rows.length; i++) {
      const r = this.rows[i]!;
      // a line's entry made for the test alone (kept by the file only if the test changed it)
      const entry = typeof r === 'number' ? file!.entryAt(r, true) : r.entry;
      const settled = !!entry && entry.probe[0] === 's';
      if (settled && !keeps(typeof r === 'number' ? new CachedRun(entry, this.src.base, this.src.prefix.length, this.src.deleted) : this.cachedRun(r))) continue;
      kept.push(i);
      tested.push(settled);
    }
    return {
      pick: (n) => {
        const take: Listed[] = [];
        const tookTested: boolean[] = [];
        for (let j = 0; j < kept.length; j++) {
          if (j >= n && tested[j]) continue;
          take.push(this.listed(kept[j]!));
          tookTested.push(tested[j]!);
        }
        const picked = this.pick(take, false);
        const fresh = new Set<string>();
        for (let j = 0; j < take.length; j++) {
          const r = take[j]!;
          if (!tookTested[j] || !r.entry || r.entry.checked) fresh.add(r.id);
        }
        let next = -1; // the first kept row left unbuilt
        for (let j = n; j < kept.length && next < 0; j++) if (tested[j]) next = kept[j]!;
        const bound = next < 0 ? null : { started: this.sortOf(this.rows[next]!), initialized: null, id: this.idOf(this.rows[next]!) };
        return {
          ...picked,
          fresh,
          past: kept.length - take.length,
          before: (run) => !bound || compareRunsNewestFirst(run, bound as RunSummary) < 0,
        };
      },
    };
  }

  /** A settled row as its line holds it (made once per row). */
  private cachedRun(r: Listed): CachedRun {
    if (r.cached?.entry !== r.entry) r.cached = new CachedRun(r.entry!, this.src.base, this.src.prefix.length, this.src.deleted);
    return r.cached;
  }

  /**
   * Runs to show, the first `CHECKED_ROWS` re-checked first. A settled run is shown as its line
   * holds it (`CachedRun`: the head of its record decoded for its row, the rest when asked for),
   * but for those `plainChecked` builds: `slice` does, so that a listing of a screenful (what the
   * dashboard's worker sends on, cloned between threads) holds plain runs alone.
   */
  private pick(shown: Listed[], plainChecked: boolean): { runs: Run[]; family: Run[] } {
    const parents = new Set<string>();
    this.src.file?.expectRecords(shown.length);
    const built: (RunSummary | CachedRun)[] = shown.map((r, i) => {
      const checked = i < this.checkedRows;
      if (checked) this.recheck(r);
      if (!(checked && plainChecked) && r.entry && r.entry.probe[0] === 's') return this.cachedRun(r);
      const s = this.src.summary(r);
      if (s.batch && s.exitStatus === null) parents.add(s.id);
      return s;
    });
    const kids: RunSummary[] = [];
    if (parents.size) {
      const picked = new Set(shown);
      for (const r of this.listedAll()) {
        if (picked.has(r) || !r.entry) continue;
        if (r.entry.probe === 'p') this.build(r); // its parent is not known until read
        if (r.entry && parents.has(r.entry.parent)) kids.push(this.build(r));
      }
    }
    this.src.file?.save();
    const family = withParentStatus([...built, ...kids].map((s) => (s instanceof CachedRun ? s : toRun(s))));
    return { runs: family.slice(0, built.length), family };
  }

  /** A row re-checked against its directory (read afresh when that changed). */
  private recheck(row: Listed): void {
    if (row.entry && !row.entry.checked) {
      const fresh = this.src.check(row.id, row.entry);
      if (fresh) Object.assign(row, fresh);
    }
  }

  private build(row: Listed): RunSummary {
    this.recheck(row);
    return this.src.summary(row);
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
 * A grun parent that has not recorded its own outcome yet, and has no process of its own, takes its status from its children
 * (running while any runs, …; see `aggregateStatus`). Children name their parent.
 */
export function withParentStatus(runs: Run[]): Run[] {
  const kids = new Map<string, Run[]>();
  for (const r of runs) if (r.parent !== null) kids.get(r.parent)?.push(r) ?? kids.set(r.parent, [r]);
  if (kids.size === 0) return runs;
  return runs.map((r) => {
    const children = kids.get(r.id);
    // a batch with a process of its own (a background batch, Guild's batch operation) has its own status
    if (!children || !r.batch || r.exitStatus !== null || r.proc !== null) return r;
    return runWithStatus(r, { status: aggregateStatus(children.map((c) => c.status)) });
  });
}

/** A run with another status (a copy: a run as its cache line holds it is made plain first). */
export function runWithStatus(run: Run, statusInfo: StatusInfo): Run {
  return { ...(run instanceof CachedRun ? run.plain() : run), status: statusInfo.status, statusInfo };
}

export function loadRun(dir: string, deleted = false): Run {
  return toRun(loadRunSummary(dir, deleted));
}
