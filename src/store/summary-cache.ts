// The summary cache on disk, in three files, so that a listing reads what it shows:
// - `summaries.tsv`, the index, read whole by every listing: one line per run,
//   `name TAB sort TAB probe TAB parent TAB key TAB status TAB flags TAB at`:
//     name    `runs/<id>` or `trash/runs/<id>`
//     sort    `started`, else `initialized` (µs), empty when neither: the listing's order
//     probe   `s` (settled: finished, cannot gain links) or `u`, then the attr files its key
//             stats (`l` label, `t` tags, `c` comments, `x` exit_status, `r` the run root): a
//             run is re-checked from this column alone, without reading its summary; `p`
//             (placed): a run found by a listing that did not show it, of which only its sort
//             time was read (`placedEntry`), read whole when first shown or checked
//     parent  the sweep parent's id, or empty
//     key     a digest of the stats the summary was read under (`cacheKey`)
//     status  a settled run's status (it follows from the summary alone), else empty
//     flags   the run's flags (JSON): with status and values, what most filters read
//     at      where its summary is in the data file: `offset.length`
//     vat     where its line is in the values file (a character offset), empty without one
//   The first line is `grun-summaries TAB <version> TAB <journal offset consumed> TAB <dirs>`,
//   dirs (JSON) the stamp of `runs/` (and `trash/runs/`) when their names were last read and
//   the names there that were not runs then (see `DirStamp`). Lines are written newest first,
//   so a listing's sort finds them in order.
// - `summaries.data`: the compact summaries (summary-codec.ts), one record `name TAB key TAB
//   head TAB tail` a line (the head, what a listing's row needs, as `encodeHead` text; the tail JSON), appended as runs are read afresh and read by offset for the runs shown (or
//   whole when many are). A record is used only when it starts with its entry's name and key,
//   so a record torn by a crash or misplaced by two gruns appending at once reads as missing
//   and its run is read afresh; the file is rewritten once most of it is dead records.
// - `summaries.values`: what filters read of each run's scalars (`ScalarValues`), a line
//   `name TAB key TAB stamp TAB values`, written once a filter asked for them and read only by
//   filters and sorts; a line counts only for the entry of the same key. The values are
//   `encodeValues`' text, in which a filter finds one scalar without decoding the others.
import { appendFileSync, closeSync, constants, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { homeOfRunDir } from './home.js';
import { jsonReplacer } from './cache-file.js';
import { loadRunSummary } from './run.js';
import { readAt } from './small-file.js';
import { asciiJson, compactSummary, decodeHead, decodeValues, encodeHead, encodeValues, expandSummary, lastValueIn, parseJson, type CompactSummary, type ScalarValueRow } from './summary-codec.js';
import type { ScalarStamp } from './scalars.js';
import { deriveStatus } from './status.js';
import type { RunSummary, YamlValue } from './types.js';

const MAGIC = 'grun-summaries';
// 13: a run's `compare` attr in the tail (12: heads as `encodeHead` text; 11: records in a head
// and a tail, scalar values as `encodeValues` text)
const VERSION = '13';
const DATA_HEAD = `grun-summary-data\t${VERSION}\n`;
const VALUES_HEAD = `grun-summary-values\t${VERSION}`;

export const summaryCachePath = (home: string): string => join(home, 'cache', 'grun', 'summaries.tsv');
const dataPath = (home: string): string => join(home, 'cache', 'grun', 'summaries.data');
const valuesPath = (home: string): string => join(home, 'cache', 'grun', 'summaries.values');
/** Runs grun changed, one `runs/<id>` a line: a listing re-checks them at once. */
export const changeJournalPath = (home: string): string => join(home, 'cache', 'grun', 'summaries.changed');
/** Where the slow round of re-checks stands (see `SummaryFile.rotate`): tiny, rewritten often. */
const cursorPath = (home: string): string => join(home, 'cache', 'grun', 'summaries.cursor');

/** The journal is started afresh once a listing has consumed this much of it. */
const JOURNAL_MAX = 256 * 1024;
/** Dead bytes the data file may hold beyond its live records before it is written afresh. */
const COMPACT_SLACK = 64 * 1024;
/**
 * Records read one by one (a read each) before the data file is read whole: at least this many,
 * and one per `BYTES_PER_READ` of the file (a read of one record costs about what reading that
 * much of it whole does: 120 rows of a 100k-run home are read by offset, 50k rows whole).
 */
const RECORD_READS = 64;
const BYTES_PER_READ = 5 * 1024;

/** Where `CacheEntry.findRecord` found a record: read at once. */
const recordPlace = { off: 0, len: 0 };

/**
 * One run's index line: only the fields a listing needs to order and re-check runs are taken
 * out when the file is read; the others are parsed when asked for, the summary read from the
 * data file when shown.
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
  /** The compact summary's JSON when it is not in the data file yet (read afresh here). */
  json: string | undefined;
  /** Its line's number in the index as read, -1 when it had none. */
  lineNo = -1;

  constructor(
    readonly file: SummaryFile | null,
    readonly name: string,
    public sort: number,
    public probe: string,
    private text: string,
  ) {}

  get line(): string {
    return this.text;
  }

  set line(line: string) {
    this.text = line;
    this.parentId = undefined;
  }

  // Fields are found by searching for their tabs each time they are read: an array of where they
  // start, kept per entry, cost more (in memory that lives as long as the 53k entries a filter
  // keeps) than the few searches of a short line.

  /** Where field `n` starts, -1 past the last one. */
  private fieldStart(n: number): number {
    let i = 0;
    for (let k = 0; k < n; k++) {
      const tab = this.text.indexOf('\t', i);
      if (tab < 0) return -1;
      i = tab + 1;
    }
    return i;
  }

  /** Where the field starting at `from` ends: the tab after it, or the line's end. */
  private fieldEnd(from: number): number {
    const tab = this.text.indexOf('\t', from);
    return tab < 0 ? this.text.length : tab;
  }

  /** Field `n`, or '' past the last one. */
  private field(n: number): string {
    const from = this.fieldStart(n);
    return from < 0 ? '' : this.text.slice(from, this.fieldEnd(from));
  }

  /** Read for every row kept (a sweep's family is found from it), so found once. */
  private parentId: string | undefined;

  get parent(): string {
    return (this.parentId ??= this.field(3));
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

  // `at` and `vat`, the last two fields, are found from the line's end: two searches, not eight.

  /**
   * Where its record is in the data file (the `at` field, `offset.length`), read in place into
   * `recordPlace` (no strings made for each of the 53k records a filter prints); false when it
   * has none yet.
   */
  findRecord(): boolean {
    const last = this.text.lastIndexOf('\t');
    const before = last < 0 ? -1 : this.text.lastIndexOf('\t', last - 1);
    let off = 0;
    let len = 0;
    let dot = -1;
    for (let i = before + 1; i < last; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 46 && dot < 0) dot = i;
      else if (c < 48 || c > 57) return false;
      else if (dot < 0) off = off * 10 + c - 48;
      else len = len * 10 + c - 48;
    }
    recordPlace.off = off;
    recordPlace.len = len;
    return before >= 0 && dot > before + 1 && dot < last - 1 && len > 0;
  }

  setAt(at: string): void {
    const last = this.text.lastIndexOf('\t');
    const before = this.text.lastIndexOf('\t', last - 1);
    this.line = `${this.text.slice(0, before + 1)}${at}${this.text.slice(last)}`;
  }

  /** Where its line is in the values file (a character offset), -1 without one: read in place, for every run a filter tests. */
  valuesOffset(): number {
    const from = this.text.lastIndexOf('\t') + 1;
    if (from === 0 || from === this.text.length) return -1;
    let n = 0;
    for (let i = from; i < this.text.length; i++) {
      const d = this.text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      n = n * 10 + d;
    }
    return n;
  }

  /** Where its key ends in `src` (the values text, a data file's bytes) if `src` holds its key at `at` (compared in place), else -1. */
  keyEndIn(src: string | Buffer, at: number): number {
    const from = this.fieldStart(4);
    if (from < 0) return -1;
    const end = this.fieldEnd(from);
    if (at + end - from > src.length) return -1;
    const t = this.text;
    if (typeof src === 'string') {
      for (let i = from; i < end; i++) if (t.charCodeAt(i) !== src.charCodeAt(at + i - from)) return -1;
    } else for (let i = from; i < end; i++) if (t.charCodeAt(i) !== src[at + i - from]) return -1;
    return at + end - from;
  }

  setValuesAt(at: string): void {
    this.line = `${this.text.slice(0, this.text.lastIndexOf('\t') + 1)}${at}`;
  }

  /** Its record (a summary read afresh here: not in the data file yet), null when the record is missing or torn. */
  private recordSpan(): RecordSpan | null {
    if (this.json === undefined) return this.file?.record(this) ?? null;
    const buf = Buffer.from(this.json, 'latin1'); // ASCII
    const tab = buf.indexOf(9);
    return tab < 0 ? null : { buf, head: 0, tail: tab + 1, end: buf.length };
  }

  /** The compact summary, flags included; null when its record is missing or torn. */
  compact(): CompactSummary | null {
    const r = this.recordSpan();
    const c = r && decodeHead(r.buf, r.head, r.tail - 1);
    if (!c) return null;
    try {
      Object.assign(c, parseJson(r!.buf.toString('latin1', r!.tail, r!.end)) as CompactSummary);
    } catch {
      return null;
    }
    const flags = this.field(6);
    if (flags !== '{}') c.flags = parseJson(flags) as Record<string, YamlValue>;
    return c;
  }

  /** The compact head of its record, decoded without the tail; null when the record is missing or torn. */
  compactHead(): CompactSummary | null {
    const r = this.recordSpan();
    return r && decodeHead(r.buf, r.head, r.tail - 1);
  }

  /**
   * False when its flags surely lack `name`, told from their JSON text without parsing it: a key
   * is written as its JSON string and a colon, which no string value's text holds unescaped.
   */
  mayHaveFlag(name: string): boolean {
    if (flagNeedle.name !== name) flagNeedle = { name, needle: `${JSON.stringify(name)}:` };
    const from = this.fieldStart(6);
    const at = from < 0 ? -1 : this.text.indexOf(flagNeedle.needle, from);
    return at >= 0 && at < this.fieldEnd(from);
  }

  /** Its line in the values file (`name TAB key TAB stamp TAB values`), as set here or read for its key. */
  private values: string | null | undefined;

  /** Its line in the values file, when it has values for its key. */
  valuesLine(): string | null {
    if (this.probe === 'p') return null; // no key to hold them under
    if (this.values === undefined) this.values = this.file?.valuesLineOf(this) ?? null;
    return this.values;
  }

  /** Field `n` of its values line ('' without one). */
  private valuesField(n: 2 | 3): string {
    const line = this.valuesLine();
    if (line === null) return '';
    const s = line.indexOf('\t', this.name.length + 1) + 1;
    return n === 2 ? line.slice(s, line.indexOf('\t', s)) : line.slice(line.indexOf('\t', s) + 1);
  }

  /** Its scalar values, null when none were kept for this key (or their line is torn). */
  scalarValues(): ScalarValues['values'] | null {
    return this.valuesLine() === null ? null : decodeValues(this.valuesField(3));
  }

  /** The last value of the scalar a filter names (`loss`, `train#loss`), found in the values' text. */
  scalarLast(key: string): number | undefined {
    return this.valuesLine() === null ? undefined : lastValueIn(this.valuesField(3), key);
  }

  /** The stamp the values were read under (null without values, or torn: never valid against a run). */
  scalarStamp(): ScalarStamp | null {
    if (this.valuesLine() === null) return null;
    try {
      return JSON.parse(this.valuesField(2)) as ScalarStamp;
    } catch {
      return null;
    }
  }

  setScalars(v: ScalarValues): void {
    this.values = `${this.name}\t${this.key}\t${asciiJson(v.stamp)}\t${encodeValues(v.values)}`;
    this.file?.valuesChanged(this);
  }
}

/** What `mayHaveFlag` searches for (the last name's, kept: a filter asks of one flag in every run). */
let flagNeedle = { name: '', needle: '"":' };

/**
 * What filters and sorts read of a run's scalars, kept in its cache line: per scalar its
 * prefix, tag, last, min and max, with the stamp they were read under (scalars.ts).
 */
export interface ScalarValues {
  stamp: ScalarStamp;
  values: ScalarValueRow[];
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

/**
 * 64 bits of FNV-1a and of a multiplicative mix over a string, in base 36: the key a line keeps
 * of a run's stats (a tenth of their text; crypto's hashes cost more per call than the stats).
 */
function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(36) + '.' + (b >>> 0).toString(36);
}

/** The stats key of a run dir for a probe, or null without `.guild`. */
export function cacheKey(dir: string, probe: string): string | null {
  const g = join(dir, '.guild');
  const guild = statOrNull(g);
  if (!guild) return null;
  const attrs = `${g}${sep}attrs`; // joined once: a listing takes thousands of keys
  let key = stamp(guild) + stamp(statOrNull(attrs));
  if (probe.includes('l')) key += 'l' + stamp(statOrNull(`${attrs}${sep}label`));
  if (probe.includes('t')) key += 't' + stamp(statOrNull(`${attrs}${sep}tags`));
  if (probe.includes('c')) key += 'c' + stamp(statOrNull(`${attrs}${sep}comments`));
  if (probe.includes('x')) key += 'x' + stamp(statOrNull(`${attrs}${sep}exit_status`));
  if (probe.includes('r')) key += 'r' + stamp(statOrNull(dir));
  return digest(key);
}

const isAscii = (text: string): boolean => !/[^\x00-\x7f]/.test(text);

/** Whether a name can stand in a line (run dir names are untrusted: no tabs or newlines). */
const lineSafe = (name: string): boolean => !/[\t\n\r]/.test(name);

/** An entry for a summary read afresh (its record is appended to the data file on save). */
export function entryOf(file: SummaryFile | null, name: string, summary: RunSummary, key: string): CacheEntry | null {
  if (!lineSafe(name) || (summary.parent !== null && !lineSafe(summary.parent))) return null; // a parent is read from a file of the run's
  const { head, tail } = compactSummary(summary);
  const { flags, ...rest } = tail;
  const sort = summary.started ?? summary.initialized ?? -Infinity;
  const probe = probeOf(summary);
  // A settled run's status follows from its summary alone (its exit status, its markers).
  const status = probe[0] === 's' ? deriveStatus(summary).status : '';
  const text = `${name}\t${Number.isFinite(sort) ? sort : ''}\t${probe}\t${summary.parent ?? ''}\t${key}\t${status}\t${JSON.stringify(flags ?? {}, jsonReplacer)}\t\t`;
  const e = new CacheEntry(file, name, sort, probe, text);
  e.json = `${encodeHead(head)}\t${asciiJson(rest)}`;
  e.summary = summary;
  e.checked = true;
  return e;
}

/**
 * An entry for a run of which only its place is known (probe `p`): a listing that does not
 * show it needs no more, and its summary is read when it is first shown or checked.
 */
export function placedEntry(file: SummaryFile, name: string, sort: number): CacheEntry | null {
  if (!lineSafe(name)) return null;
  return new CacheEntry(file, name, sort, 'p', `${name}\t${Number.isFinite(sort) ? sort : ''}\tp\t\t\t\t{}\t\t`);
}

/**
 * The summary of an entry: from its record, or, when that is missing or torn (or the entry is
 * only placed), read afresh from the run directory (the truth; the entry then takes what was
 * read, and counts as checked).
 */
export function summaryOf(e: CacheEntry, id: string, dir: string, deleted: boolean): RunSummary {
  if (e.summary) return e.summary;
  const c = e.compact();
  if (c) return (e.summary = expandSummary(c, id, dir, deleted));
  const summary = loadRunSummary(dir, deleted);
  const key = cacheKey(dir, probeOf(summary));
  const fresh = key === null ? null : entryOf(e.file, e.name, summary, key);
  if (fresh) {
    Object.assign(e, { sort: fresh.sort, probe: fresh.probe, line: fresh.line, json: fresh.json, checked: true });
    e.file?.set(e);
  }
  return (e.summary = summary);
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
  /** The index as read: its text, and where each line starts (a line ends just before the next). */
  private text = '';
  private starts = new Int32Array(1);
  /** How many lines were read, and per line its sort time and whether it is trusted (`trustedAt`). */
  readonly lines: number = 0;
  private sorts = new Float64Array(0);
  private trusted = new Uint8Array(0);
  /**
   * Per line, its entry once made (null once deleted or torn): most lines are never made.
   * Allocated at its length: a write far past the end of an empty array turns it into a
   * dictionary, every read of it then a hash lookup.
   */
  private made: (CacheEntry | null | undefined)[] = [];
  /** Entries of names without a line. */
  private readonly extra = new Map<string, CacheEntry>();
  /** Line numbers by name, made at the first lookup by name. */
  private byName: Map<string, number> | undefined;
  /** Names the journal announced since the cache was written. */
  readonly announced = new Set<string>();
  /** The runs directories' stamps, by prefix (`runs/`, `trash/runs/`). */
  readonly dirs: Record<string, DirStamp> = {};
  private journalEnd = 0;
  private journalFrom = 0;
  dirty = false;
  /** The data file read whole, once records are read by the many (null: read one by one). */
  private data: Buffer | null | undefined;
  private recordReads = 0;
  /** The data file held open for the record reads of one synchronous pass (closed on the next tick), and its size. */
  private dataFd: { fd: number; size: number } | null | undefined;
  /** The values file's text (read when a filter first asks; '' when missing, torn or foreign). */
  private valuesText: string | undefined;
  private valuesDirty = false;

  constructor(private readonly home: string) {
    openFiles.set(home, this);
    let text = '';
    try {
      // Read, then decoded: readFileSync's own utf8 path costs 2.5x more CPU on a big file.
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
      this.text = text;
      let n = 0;
      for (let i = first + 1; i < text.length; i = text.indexOf('\n', i) + 1) n++;
      this.lines = n;
      this.starts = new Int32Array(n + 1);
      this.sorts = new Float64Array(n);
      this.trusted = new Uint8Array(n);
      this.made = new Array<CacheEntry | null | undefined>(n);
      let torn = false;
      let k = 0;
      for (let i = first + 1; i < text.length; k++) {
        const end = text.indexOf('\n', i);
        this.starts[k] = i;
        const t1 = text.indexOf('\t', i);
        const t2 = text.indexOf('\t', t1 + 1);
        const t3 = text.indexOf('\t', t2 + 1);
        if (t1 <= i || t3 < 0 || t3 > end) {
          this.made[k] = null;
          torn = true;
        } else {
          this.sorts[k] = t2 === t1 + 1 ? -Infinity : Number(text.slice(t1 + 1, t2));
          const probe = text.charCodeAt(t2 + 1);
          this.trusted[k] = probe === 115 || probe === 112 ? 1 : 0; // 's', 'p'
        }
        i = end + 1;
      }
      this.starts[n] = text.length;
      // A run whose line is lost must be found again: the directories are read.
      if (torn) for (const d of Object.keys(this.dirs)) delete this.dirs[d];
    } else if (text !== '') this.dirty = true;
    this.readJournal();
  }

  /** Whether line `k` is there (not deleted, not torn) and its name starts with `prefix`. */
  lineOf(k: number, prefix: string): boolean {
    return this.made[k] !== null && this.text.startsWith(prefix, this.starts[k]!);
  }

  /** The name on line `k`. */
  nameAt(k: number): string {
    const i = this.starts[k]!;
    return this.made[k]?.name ?? this.text.slice(i, this.text.indexOf('\t', i));
  }

  sortAt(k: number): number {
    return this.made[k]?.sort ?? this.sorts[k]!;
  }

  /**
   * Whether a listing may place line `k`'s run without re-checking it (settled or placed: see
   * the probe column), read without making its entry.
   */
  trustedAt(k: number): boolean {
    const e = this.made[k];
    return e ? e.probe[0] === 's' || e.probe === 'p' : this.trusted[k] === 1;
  }

  /**
   * The entry of line `k` (undefined once deleted or torn). A `transient` one is not kept (a
   * filter's test of every run) unless `adopt`ed, or changed: its scalar values set.
   */
  entryAt(k: number, transient = false): CacheEntry | undefined {
    const e = this.made[k];
    if (e !== undefined) return e ?? undefined;
    const i = this.starts[k]!;
    const line = this.text.slice(i, this.starts[k + 1]! - 1);
    const t1 = line.indexOf('\t');
    const t2 = line.indexOf('\t', t1 + 1);
    const made = new CacheEntry(this, line.slice(0, t1), this.sorts[k]!, line.slice(t2 + 1, line.indexOf('\t', t2 + 1)), line);
    made.lineNo = k;
    return transient ? made : (this.made[k] = made);
  }

  /** Keeps an entry `entryAt` made transient (no-op for one kept, or one of another line's making). */
  adopt(e: CacheEntry): void {
    if (e.lineNo >= 0 && this.made[e.lineNo] === undefined) this.made[e.lineNo] = e;
  }

  private lookups = 0;

  /**
   * The line of a name, or -1. The first few are found by searching the text (a listing looks
   * up a handful: announced runs); past them, a map of every name is made once.
   */
  lineNamed(name: string): number {
    if (!this.byName && ++this.lookups > 4) {
      this.byName = new Map();
      for (let k = 0; k < this.lines; k++) if (this.made[k] !== null) this.byName.set(this.nameAt(k), k);
    }
    if (this.byName) return this.byName.get(name) ?? -1;
    const i = this.text.indexOf(`\n${name}\t`);
    if (i < 0) return -1;
    // the line starting at i + 1: a binary search of the starts
    let lo = 0;
    let hi = this.lines - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= i + 1) lo = mid;
      else hi = mid - 1;
    }
    return this.made[lo] === null ? -1 : lo;
  }

  /** The lines of the announced names that start with `prefix`. */
  announcedLines(prefix: string): Set<number> {
    const out = new Set<number>();
    for (const name of this.announced) {
      const k = name.startsWith(prefix) ? this.lineNamed(name) : -1;
      if (k >= 0) out.add(k);
    }
    return out;
  }

  get(name: string): CacheEntry | undefined {
    const k = this.lineNamed(name);
    return k >= 0 ? this.entryAt(k) : this.extra.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every entry, made (a save, a deletion sweep): lines first, in their order. */
  all(): CacheEntry[] {
    const out: CacheEntry[] = [];
    for (let k = 0; k < this.lines; k++) {
      const e = this.entryAt(k);
      if (e) out.push(e);
    }
    return [...out, ...this.extra.values()];
  }

  /** How many entries have names starting with `prefix` (lines counted without being made). */
  countOf(prefix: string): number {
    let n = 0;
    for (let k = 0; k < this.lines; k++) if (this.lineOf(k, prefix)) n++;
    for (const name of this.extra.keys()) if (name.startsWith(prefix)) n++;
    return n;
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
   * An entry's record in the data file, or null when it is not there as the entry says (missing,
   * torn, or another's: it must start with the entry's name and key). The first records are read
   * one by one; past `RECORD_READS` the file is read whole.
   */
  record(e: CacheEntry): RecordSpan | null {
    if (!e.findRecord()) return null;
    const { off, len } = recordPlace;
    if (this.data === undefined && ++this.recordReads > RECORD_READS && this.recordReads > (this.openData()?.size ?? 0) / BYTES_PER_READ) {
      try {
        this.data = readFileSync(dataPath(this.home));
      } catch {
        this.data = null;
      }
    }
    const buf = this.data ? (this.data.length >= off + len ? this.data : undefined) : this.readData(off, len);
    if (buf === undefined) return null;
    const at = this.data ? off : 0; // where the record starts in buf
    const end = at + len - 1; // its newline
    const { name } = e;
    const k = at + name.length + 1; // where the key starts
    if (buf.length <= end || buf[end] !== 10 || !bytesAre(buf, at, name) || buf[k - 1] !== 9) return null;
    const head = e.keyEndIn(buf, k) + 1;
    if (head === 0 || buf[head - 1] !== 9) return null;
    const tab = buf.indexOf(9, head);
    return tab < 0 || tab >= end ? null : { buf, head, tail: tab + 1, end };
  }

  /**
   * Tells the file that about `n` records are about to be read: past what reads one by one cost
   * more than reading the file whole, it is read whole now rather than after the first ones.
   */
  expectRecords(n: number): void {
    if (this.data === undefined && n > RECORD_READS && n > (this.openData()?.size ?? 0) / BYTES_PER_READ) this.recordReads = Infinity;
  }

  /** The data file, opened for this synchronous pass (null when it cannot be). */
  private openData(): { fd: number; size: number } | null {
    if (this.dataFd !== undefined) return this.dataFd;
    try {
      const fd = openSync(dataPath(this.home), 'r');
      this.dataFd = { fd, size: fstatSync(fd).size };
      process.nextTick(() => this.closeData());
    } catch {
      this.dataFd = null;
      process.nextTick(() => this.closeData());
    }
    return this.dataFd;
  }

  /** `len` bytes of the data file at `off` (undefined when they cannot be read). */
  private readData(off: number, len: number): Buffer | undefined {
    const open = this.openData();
    try {
      return open ? readAt(open.fd, off, len) : undefined;
    } catch {
      return undefined;
    }
  }

  private closeData(): void {
    if (this.dataFd) closeSync(this.dataFd.fd);
    this.dataFd = undefined;
  }

  /** An entry's line in the values file, at the offset its line names, when it has the entry's key (and all four fields). */
  valuesLineOf(e: CacheEntry): string | null {
    const at = e.valuesOffset();
    if (at < 0) return null;
    if (this.valuesText === undefined) {
      this.valuesText = '';
      try {
        // ASCII (names are checked to be: see `save`), so read as one-byte text
        const text = readFileSync(valuesPath(this.home)).toString('latin1');
        // A torn file (no final newline) or another version reads as empty.
        if (text.startsWith(`${VALUES_HEAD}\n`) && text.endsWith('\n')) this.valuesText = text;
      } catch {
        // none yet
      }
    }
    const text = this.valuesText;
    const { name } = e;
    const k = at + name.length + 1;
    if (!text.startsWith(name, at) || text.charCodeAt(k - 1) !== 9) return null;
    const keyEnd = e.keyEndIn(text, k);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== 9) return null;
    const end = text.indexOf('\n', at);
    const stampEnd = text.indexOf('\t', keyEnd + 1);
    return stampEnd < 0 || stampEnd > end ? null : text.slice(at, end);
  }

  valuesChanged(e: CacheEntry): void {
    this.adopt(e);
    this.valuesDirty = true;
    this.dirty = true;
  }

  /**
   * Caches a summary read afresh. A run that is not settled is re-checked by every listing
   * anyway, so its changes alone do not make the file be written again (a running run would
   * otherwise rewrite a 100k-run cache on every listing); a new run or a settled one does.
   */
  set(e: CacheEntry, replacing?: CacheEntry): void {
    const k = replacing && replacing.lineNo >= 0 ? replacing.lineNo : e.lineNo >= 0 ? e.lineNo : this.lineNamed(e.name);
    const had = k >= 0 ? this.made[k] !== null : this.extra.has(e.name);
    if (e.probe[0] === 's' || e.probe === 'p' || !had) this.dirty = true;
    if (k >= 0) {
      e.lineNo = k;
      this.made[k] = e;
    } else this.extra.set(e.name, e);
  }

  delete(name: string): void {
    const k = this.lineNamed(name);
    if (k >= 0 && this.made[k] !== null) {
      this.made[k] = null;
      this.dirty = true;
    } else if (this.extra.delete(name)) this.dirty = true;
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
      // Written in place, not renamed over: ext4 flushes a file renamed (or truncated to
      // nothing) over another at once, ~10 ms of every listing. A torn cursor starts the round over.
      const buf = Buffer.from(JSON.stringify(c));
      const fd = openSync(cursorPath(this.home), constants.O_WRONLY | constants.O_CREAT, 0o666);
      try {
        writeAll(fd, buf, 0);
        ftruncateSync(fd, buf.length);
      } finally {
        closeSync(fd);
      }
    } catch {
      // a read-only home: the round starts over next time
    }
  }

  /**
   * Writes the cache back when it changed: the records of summaries read afresh appended to the
   * data file (rewritten instead once most of it is dead), the values file if values changed,
   * then the index. Two gruns writing at once: the last index renamed wins, and what the
   * other one learnt is learnt again; the journal offset written is the one this process read
   * up to, so an announcement is never consumed by a write that lacks it.
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
      const entries = this.all().sort(newestFirst);
      this.writeRecords(entries);
      if (this.valuesDirty) {
        this.valuesDirty = false;
        const lines = [VALUES_HEAD];
        let at = VALUES_HEAD.length + 1;
        for (const e of entries) {
          let line = e.valuesLine();
          if (line !== null && !isAscii(line)) line = null; // a run dir named past ASCII: its values read afresh
          e.setValuesAt(line ? String(at) : '');
          if (line) {
            lines.push(line);
            at += line.length + 1;
          }
        }
        writeFileAtomicSync(valuesPath(this.home), lines.join('\n') + '\n');
        this.valuesText = undefined;
      }
      const parts = [`${MAGIC}\t${VERSION}\t${offset}\t${JSON.stringify(this.dirs)}`];
      for (const e of entries) parts.push(e.line);
      writeFileAtomicSync(summaryCachePath(this.home), parts.join('\n') + '\n');
      rmSync(join(dirname(summaryCachePath(this.home)), 'summaries.json'), { force: true }); // the JSON cache of earlier versions
    } catch {
      // a read-only home still lists; the cache just stays cold
    }
  }

  /**
   * Puts every entry's summary in the data file: appends the new records (one write, synced
   * before the index that points at them is written), or, when the live records would be less
   * than half the file, writes the file afresh with the live ones alone.
   */
  private writeRecords(entries: CacheEntry[]): void {
    const path = dataPath(this.home);
    const fresh = entries.filter((e) => e.json !== undefined);
    if (fresh.length === 0) return;
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      // no data file yet
    }
    let live = 0;
    for (const e of entries) live += e.json === undefined ? (e.findRecord() ? recordPlace.len : 0) : e.json.length + e.name.length + 64;
    // a file of another version (an upgrade) holds no record of this one: written afresh
    if (size > 2 * live + COMPACT_SLACK || (size > 0 && this.readData(0, DATA_HEAD.length)?.toString('latin1') !== DATA_HEAD)) return this.rewriteRecords(entries, path);
    const records = fresh.map((e) => recordOf(e));
    const bytes = Buffer.concat(records);
    const fd = openSync(path, 'a');
    try {
      let at = fstatSync(fd).size;
      if (at === 0) {
        writeAll(fd, Buffer.from(DATA_HEAD));
        at = DATA_HEAD.length;
      }
      writeAll(fd, bytes); // O_APPEND: at the end, whatever another grun appended meanwhile
      fsyncSync(fd);
      at = whereWritten(fd, bytes, at);
      this.data = undefined; // what was read whole lacks them
      if (at < 0) return; // not found (a concurrent compaction): the runs are read afresh next time
      for (let i = 0; i < fresh.length; i++) {
        fresh[i]!.setAt(`${at}.${records[i]!.length}`);
        fresh[i]!.json = undefined;
        at += records[i]!.length;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The data file afresh, with the records of these entries alone. */
  private rewriteRecords(entries: CacheEntry[], path: string): void {
    const records: Buffer[] = [Buffer.from(DATA_HEAD)];
    let at = DATA_HEAD.length;
    const placed: [CacheEntry, string][] = [];
    for (const e of entries) {
      const span = e.json === undefined ? this.record(e) : null;
      const json = e.json ?? (span && span.buf.toString('latin1', span.head, span.end));
      if (json === null) {
        e.setAt(''); // lost: read afresh when next shown
        continue;
      }
      const r = recordOf(e, json);
      records.push(r);
      placed.push([e, `${at}.${r.length}`]);
      at += r.length;
    }
    writeFileAtomicSync(path, Buffer.concat(records));
    this.data = undefined;
    this.closeData(); // the file read by offset was the one replaced
    for (const [e, where] of placed) {
      e.setAt(where);
      e.json = undefined;
    }
  }
}

/** A record in `buf`: its head from `head` to the tab before `tail`, its tail from there to `end` (its newline). */
export interface RecordSpan {
  buf: Buffer;
  head: number;
  tail: number;
  end: number;
}

/** Whether the bytes of `buf` at `at` are the text `s` (one byte a character: names and keys are ASCII where they match). */
function bytesAre(buf: Buffer, at: number, s: string): boolean {
  if (at + s.length > buf.length) return false;
  for (let i = 0; i < s.length; i++) if (buf[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** A data record: `name TAB key TAB json` and a newline. */
const recordOf = (e: CacheEntry, json = e.json ?? ''): Buffer => Buffer.from(`${e.name}\t${e.key}\t${json}\n`);

/** All of `buf` written: appended (O_APPEND), or at `position`. */
function writeAll(fd: number, buf: Buffer, position?: number): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off, position === undefined ? null : position + off);
}

/**
 * Where an appended block landed: at the size the file had before, unless another grun
 * appended in between; then it is looked for in what was appended since. -1: not found.
 */
function whereWritten(fd: number, bytes: Buffer, from: number): number {
  const size = fstatSync(fd).size;
  if (size === from + bytes.length) return from;
  let i = -1;
  try {
    i = readAt(fd, from, size - from).indexOf(bytes);
  } catch {
    // unreadable: not found
  }
  return i < 0 ? -1 : from + i;
}
