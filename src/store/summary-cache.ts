// The summary cache on disk: one line per run, read whole but parsed lazily, and a journal of
// the runs grun changed. A line is
// `name TAB sort TAB probe TAB parent TAB key TAB status TAB flags TAB json [TAB values TAB stamp]`:
//   name    `runs/<id>` or `trash/runs/<id>`
//   sort    `started`, else `initialized` (µs), empty when neither: the listing's order
//   probe   `s` (settled: finished, cannot gain links) or `u`, then the attr files its key
//           stats (`l` label, `t` tags, `c` comments, `x` exit_status, `r` the run root): a run is re-checked
//           from this column alone, without parsing its summary
//   parent  the sweep parent's id, or empty
//   key     the stats the summary was read under (`cacheKey`)
//   status  a settled run's status (it follows from the summary alone), else empty
//   flags   the run's flags (JSON): with status and values, what most filters read
//   json    the rest of the compact summary (summary-codec.ts)
//   values  optional: the prefix, tag, last, min and max of each of the run's scalars (JSON),
//   stamp   and the stamp they were read under: written once a filter asked for them; a line
//           read afresh starts without
// The first line is `grun-summaries TAB <version> TAB <journal offset consumed> TAB <dirs>`,
// dirs (JSON) the stamp of `runs/` (and `trash/runs/`) when their names were last read and the
// names there that were not runs then (see `DirStamp`). Lines are written newest first, so
// a listing's sort finds them in order. A listing reads the file (a few MB per 10k runs) and
// splits it; only the runs it shows are parsed.
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { homeOfRunDir } from './home.js';
import { jsonReplacer, jsonReviver } from './cache-file.js';
import { compactSummary, expandSummary, type CompactSummary } from './summary-codec.js';
import type { ScalarStamp } from './scalars.js';
import { deriveStatus } from './status.js';
import type { RunSummary, YamlValue } from './types.js';

const MAGIC = 'grun-summaries';
// 9: status and flags columns, scalar values apart from their stamp, the stamps of runs dirs,
// the cmd attr in the summary, and the key stats exit_status (rewritten in place, as Guild's
// write_attr does)
const VERSION = '9';

export const summaryCachePath = (home: string): string => join(home, 'cache', 'grun', 'summaries.tsv');
/** Runs grun changed, one `runs/<id>` a line: a listing re-checks them at once. */
export const changeJournalPath = (home: string): string => join(home, 'cache', 'grun', 'summaries.changed');
/** Where the slow round of re-checks stands (see `SummaryFile.rotate`): tiny, rewritten often. */
const cursorPath = (home: string): string => join(home, 'cache', 'grun', 'summaries.cursor');

/** The journal is started afresh once a listing has consumed this much of it. */
const JOURNAL_MAX = 256 * 1024;

/**
 * One run's line: only the fields a listing needs to order and re-check runs are taken out
 * when the file is read; the others are parsed when asked for (the summary when shown).
 */
export class CacheEntry {
  /** Set once built (or read from the run directory). */
  summary: RunSummary | null = null;
  /** Re-checked against the run directory in this process. */
  checked = false;
  /**
   * Its scalar values to be checked against their stamp before use: set by a full check and
   * the slow round; a run re-checked only because it is shown keeps them while its key holds.
   */
  checkScalars = false;

  constructor(
    readonly name: string,
    readonly sort: number,
    readonly probe: string,
    public line: string,
  ) {}

  /** Field `n`, or '' past the last one (a line without scalars). */
  private field(n: number): string {
    let i = 0;
    for (let k = 0; k < n; k++) {
      i = this.line.indexOf('\t', i) + 1;
      if (i === 0) return '';
    }
    const end = this.line.indexOf('\t', i);
    return this.line.slice(i, end < 0 ? this.line.length : end);
  }

  get parent(): string {
    return this.field(3);
  }

  get key(): string {
    return this.field(4);
  }

  /** A settled run's status, '' for the others. */
  get status(): string {
    return this.field(5);
  }

  flags(): Record<string, YamlValue> {
    return parseJson(this.field(6)) as Record<string, YamlValue>;
  }

  /** The compact summary, flags included. */
  compact(): CompactSummary {
    const c = parseJson(this.field(7)) as CompactSummary;
    const flags = this.field(6);
    if (flags !== '{}') c.flags = parseJson(flags) as Record<string, YamlValue>;
    return c;
  }

  private values: ScalarValues['values'] | null | undefined;

  /** The values column, decoded (once); null when the line has none or it is torn. */
  scalarValues(): ScalarValues['values'] | null {
    if (this.values !== undefined) return this.values;
    const text = this.field(8);
    this.values = null;
    if (text) {
      try {
        this.values = parseJson(text) as ScalarValues['values'];
      } catch {
        // a torn column: read afresh
      }
    }
    return this.values;
  }

  /** The stamp the values were read under (null without values). */
  scalarStamp(): ScalarStamp | null {
    const text = this.field(9);
    try {
      return text ? (JSON.parse(text) as ScalarStamp) : null;
    } catch {
      return null;
    }
  }

  /** Sets the values and stamp columns (JSON never holds a raw tab or newline). */
  setScalars(v: ScalarValues): void {
    let end = 0;
    for (let k = 0; k < 8 && end >= 0; k++) end = this.line.indexOf('\t', end + (k > 0 ? 1 : 0));
    const head = end < 0 ? this.line : this.line.slice(0, end);
    this.line = head + '\t' + JSON.stringify(v.values, jsonReplacer) + '\t' + JSON.stringify(v.stamp);
    this.values = v.values;
  }
}

// The reviver only where a value needs it (nan, inf): it costs more than the parse.
const parseJson = (json: string): unknown => JSON.parse(json, json.includes('"$') ? jsonReviver : undefined);

/**
 * What filters and sorts read of a run's scalars, kept in its cache line: per scalar its
 * prefix, tag, last, min and max, with the stamp they were read under (scalars.ts).
 */
export interface ScalarValues {
  stamp: ScalarStamp;
  values: [prefix: string, tag: string, last: number, min: number, max: number][];
}

/** The summary files read in this process, by home: the latest one of a home is the one kept current. */
const openFiles = new Map<string, SummaryFile>();

/** The summary file of a home as this process last read it (read now if it has not). */
export function summaryFileOf(home: string): SummaryFile {
  return openFiles.get(home) ?? new SummaryFile(home);
}

function statOrNull(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR and the like: a stray file in runs/
  }
}

const stamp = (st: Stats | undefined): string => (st ? `${st.mtimeMs}.${st.size}:` : '-:');

/**
 * What a listed field can change without: `.guild` (markers, LOCK, process record) and
 * `.guild/attrs` (attrs written by rename, created or deleted), plus the attrs Guild rewrites
 * in place (label, tags, comments, exit_status) where they exist: creating one changes `.guild/attrs`. The
 * run root (trial and step links) counts only for runs that can still gain links: batches,
 * pipelines, and runs without an exit status.
 */
type KeyedFields = Pick<CompactSummary, 'label' | 'tags' | 'comments' | 'batch' | 'children' | 'exitStatus'>;

const canGainLinks = (s: KeyedFields): boolean =>
  !!s.batch || (s.children?.length ?? 0) > 0 || s.exitStatus === undefined || s.exitStatus === null;

/** The probe column of a summary: settled or not, and which attr files its key stats. */
export function probeOf(s: KeyedFields): string {
  const links = canGainLinks(s);
  return (
    (links ? 'u' : 's') +
    (s.label != null ? 'l' : '') +
    (s.tags?.length ? 't' : '') +
    (s.comments?.length ? 'c' : '') +
    (s.exitStatus != null ? 'x' : '') +
    (links ? 'r' : '')
  );
}

/** The stats key of a run dir for a probe, or null without `.guild`. */
export function cacheKey(dir: string, probe: string): string | null {
  const guild = statOrNull(join(dir, '.guild'));
  if (!guild) return null;
  let key = stamp(guild) + stamp(statOrNull(join(dir, '.guild', 'attrs')));
  if (probe.includes('l')) key += 'l' + stamp(statOrNull(join(dir, '.guild', 'attrs', 'label')));
  if (probe.includes('t')) key += 't' + stamp(statOrNull(join(dir, '.guild', 'attrs', 'tags')));
  if (probe.includes('c')) key += 'c' + stamp(statOrNull(join(dir, '.guild', 'attrs', 'comments')));
  if (probe.includes('x')) key += 'x' + stamp(statOrNull(join(dir, '.guild', 'attrs', 'exit_status')));
  if (probe.includes('r')) key += 'r' + stamp(statOrNull(dir));
  return key;
}

/** Whether a name can stand in a line (run dir names are untrusted: no tabs or newlines). */
const lineSafe = (name: string): boolean => !/[\t\n\r]/.test(name);

export function entryOf(name: string, summary: RunSummary, key: string): CacheEntry | null {
  if (!lineSafe(name)) return null;
  const { flags, ...c } = compactSummary(summary);
  const sort = summary.started ?? summary.initialized ?? -Infinity;
  const probe = probeOf(c);
  // A settled run's status follows from its summary alone (its exit status, its markers).
  const status = probe[0] === 's' ? deriveStatus(summary).status : '';
  const text = `${name}\t${Number.isFinite(sort) ? sort : ''}\t${probe}\t${summary.parent ?? ''}\t${key}\t${status}\t${JSON.stringify(flags ?? {}, jsonReplacer)}\t${JSON.stringify(c, jsonReplacer)}`;
  const e = new CacheEntry(name, sort, probe, text);
  e.summary = summary;
  e.checked = true;
  return e;
}

export function summaryOf(e: CacheEntry, id: string, dir: string, deleted: boolean): RunSummary {
  e.summary ??= expandSummary(e.compact(), id, dir, deleted);
  return e.summary;
}

/** The entry of the line from `i` to `end` of the file's text, or null when it is torn. */
function parseLine(text: string, i: number, end: number): CacheEntry | null {
  const t1 = text.indexOf('\t', i);
  const t2 = text.indexOf('\t', t1 + 1);
  const t3 = text.indexOf('\t', t2 + 1);
  if (t1 <= i || t3 < 0 || t3 > end) return null;
  const sort = t2 === t1 + 1 ? -Infinity : Number(text.slice(t1 + 1, t2));
  return new CacheEntry(text.slice(i, t1), sort, text.slice(t2 + 1, t3), text.slice(i, end));
}

/** Newest first (`sort`), then by name: the order of a listing and of the file. */
export const newestFirst = (a: { sort: number; name: string }, b: { sort: number; name: string }): number =>
  b.sort - a.sort || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * A runs directory as its names were last read: its stat then (inode, ctime, mtime: any name
 * added, removed or renamed there changes the ctime and mtime), and the names there without an
 * entry (a run being made is not one until its opref comes, inside, without changing the
 * directory).
 */
export interface DirStamp {
  stat: string;
  /** Names there that have no entry: not runs when last seen, unreadable, or to be read afresh. */
  recheck: string[];
}

/**
 * A directory's stamp to record before its names are read, or null when a change in the same
 * clock tick could leave it as it is: its ctime must be older than the file system's coarsest
 * timestamp granularity (2 s), so that any later change gives it another.
 */
export function dirStampOf(dir: string): string | null {
  const st = statOrNull(dir);
  if (!st || Date.now() - st.ctimeMs < 2000) return null;
  return `${st.dev}.${st.ino}.${st.ctimeMs}.${st.mtimeMs}`;
}

/** The directory's stat now, to compare with a recorded stamp ('' when it cannot be stat-ed). */
export function dirStatNow(dir: string): string {
  const st = statOrNull(dir);
  return st ? `${st.dev}.${st.ino}.${st.ctimeMs}.${st.mtimeMs}` : '';
}

/**
 * Tells listings that grun changed a run (a user-edited attr, an exit status, a restart), so
 * that the next one re-reads it at once, however many runs there are. Best effort: without a
 * writable cache directory there is no cache to correct either.
 */
export function announceRunChange(runDir: string): void {
  const home = homeOfRunDir(runDir);
  if (home === null) return;
  const name = `${basename(dirname(dirname(runDir))) === 'trash' ? 'trash/runs/' : 'runs/'}${basename(runDir)}`;
  if (!lineSafe(name)) return;
  try {
    mkdirSync(dirname(changeJournalPath(home)), { recursive: true });
    appendFileSync(changeJournalPath(home), name + '\n'); // O_APPEND: one short write, never torn
  } catch {
    // a read-only home: nothing to announce to
  }
}

/** The summary cache of one home, as read at the start of a listing. */
export class SummaryFile {
  readonly entries = new Map<string, CacheEntry>();
  /** Names the journal announced since the cache was written. */
  readonly announced = new Set<string>();
  /** The runs directories' stamps, by prefix (`runs/`, `trash/runs/`). */
  readonly dirs: Record<string, DirStamp> = {};
  private journalEnd = 0;
  private journalFrom = 0;
  dirty = false;

  constructor(private readonly home: string) {
    openFiles.set(home, this);
    let text = '';
    try {
      // Read, then decoded: readFileSync's own utf8 path costs 2.5x more CPU on a 100 MB file.
      text = readFileSync(summaryCachePath(home)).toString('utf8');
    } catch {
      // no cache yet
    }
    const first = text.indexOf('\n');
    const head = text.slice(0, first).split('\t');
    // Anything but a whole file of this version reads as empty (a torn or foreign file).
    if (head[0] === MAGIC && head[1] === VERSION && text.endsWith('\n')) {
      this.journalFrom = Number(head[2]) || 0;
      try {
        Object.assign(this.dirs, JSON.parse(head[3] ?? '{}') as Record<string, DirStamp>);
      } catch {
        // a foreign header: every directory is read
      }
      let torn = false;
      for (let i = first + 1; i < text.length; ) {
        const end = text.indexOf('\n', i);
        const e = parseLine(text, i, end);
        if (e) this.entries.set(e.name, e);
        else torn = true;
        i = end + 1;
      }
      // A run whose line is lost must be found again: the directories are read.
      if (torn) for (const k of Object.keys(this.dirs)) delete this.dirs[k];
    } else if (text !== '') this.dirty = true;
    this.readJournal();
  }

  private readJournal(): void {
    let buf: Buffer;
    try {
      buf = readFileSync(changeJournalPath(this.home));
    } catch {
      return;
    }
    // A journal shorter than the offset was started afresh: read it all.
    const from = buf.length >= this.journalFrom ? this.journalFrom : 0;
    const end = buf.lastIndexOf(10) + 1; // whole lines only
    if (end <= from) return;
    for (const name of buf.subarray(from, end).toString('utf8').split('\n')) if (name) this.announced.add(name);
    this.journalEnd = end;
    this.dirty = true; // the offset moves on
  }

  /**
   * Caches a summary read afresh. A run that is not settled is re-checked by every listing
   * anyway, so its changes alone do not make the file be written again (a running run would
   * otherwise rewrite a 100k-run cache on every listing); a new run or a settled one does.
   */
  set(e: CacheEntry): void {
    if (e.probe[0] === 's' || !this.entries.has(e.name)) this.dirty = true;
    this.entries.set(e.name, e);
  }

  delete(name: string): void {
    if (this.entries.delete(name)) this.dirty = true;
  }

  /** Where the slow round of re-checks of settled runs stands, per runs directory. */
  cursor(prefix: string): number {
    try {
      const c = JSON.parse(readFileSync(cursorPath(this.home), 'utf8')) as Record<string, unknown>;
      return typeof c[prefix] === 'number' ? (c[prefix] as number) : 0;
    } catch {
      return 0;
    }
  }

  saveCursor(prefix: string, at: number): void {
    try {
      let c: Record<string, unknown> = {};
      try {
        c = JSON.parse(readFileSync(cursorPath(this.home), 'utf8')) as Record<string, unknown>;
      } catch {
        // first round
      }
      c[prefix] = at;
      mkdirSync(dirname(cursorPath(this.home)), { recursive: true });
      writeFileAtomicSync(cursorPath(this.home), JSON.stringify(c), { durable: false });
    } catch {
      // a read-only home: the round starts over next time
    }
  }

  /**
   * Writes the cache back when it changed. Two gruns writing at once: the last rename wins,
   * and what the other one learnt is learnt again; the journal offset written is the one this
   * process read up to, so an announcement is never consumed by a write that lacks it.
   */
  save(): void {
    if (!this.dirty) return;
    this.dirty = false;
    let offset = this.journalEnd || this.journalFrom;
    try {
      mkdirSync(dirname(summaryCachePath(this.home)), { recursive: true });
      if (offset >= JOURNAL_MAX) {
        // Started afresh: an announcement appended between our read and this truncation is
        // lost, and its run is then re-checked by the slow round (see ARCHITECTURE.md).
        writeFileAtomicSync(changeJournalPath(this.home), '');
        offset = 0;
      }
      const parts = [`${MAGIC}\t${VERSION}\t${offset}\t${JSON.stringify(this.dirs)}`];
      for (const e of [...this.entries.values()].sort(newestFirst)) parts.push(e.line);
      writeFileAtomicSync(summaryCachePath(this.home), parts.join('\n') + '\n');
      rmSync(join(dirname(summaryCachePath(this.home)), 'summaries.json'), { force: true }); // the JSON cache of earlier versions
    } catch {
      // a read-only home still lists; the cache just stays cold
    }
  }
}
