// Scalars and logged attrs of runs, as compare, filters and the dashboard ask for them: read
// once per process, and kept across processes for finished runs whose reading costs more than
// a cache file (a finished run's event files no longer change; the stamp catches the ones that
// do), each run in a file of its own (`cache/grun/scalars/<id>.json`), so a command reads only
// the runs it prints. Filters and sorts read less: the last, min and max of each scalar, kept
// in the run's summary cache line (`scalarValuesOf`).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { homeOfRunDir } from './home.js';
import { jsonReplacer, jsonReviver } from './cache-file.js';
import { readScalarData, scalarStampValid, type RunScalarData } from './scalars.js';
import { summaryFileOf, type ScalarValues } from './summary-cache.js';
import { CachedRun } from './cached-run.js';
import { scalarLookup, type ScalarLookup } from './filter/evaluate.js';
import type { Run, ScalarSummary } from './types.js';

const CACHE_VERSION = 3;

export const scalarCacheDir = (home: string): string => join(home, 'cache', 'grun', 'scalars');

const FINAL = new Set(['completed', 'error', 'terminated']);

/** Ids name run dirs, so they are file names; anything else is not cached. */
const cacheable = (id: string): boolean => /^[\w.-]+$/.test(id) && !id.startsWith('.');

/**
 * Event bytes and listed directories from which a reading is cached. Below both, reading the
 * run afresh costs what reading its cache file would (~0.1 ms on the bench machine: a few
 * small files, two or three listings), and writing the file costs as much again: a cold
 * `compare` of 1,000 such runs would spend more on cache files than on the runs. Decoding
 * costs ~70 µs a KiB, so a run past a few KiB of events is worth its file.
 */
const CACHE_MIN_BYTES = 4096;
const CACHE_MIN_DIRS = 8;

function worthCaching(data: RunScalarData): boolean {
  let bytes = 0;
  for (const size of Object.values(data.stamp.files)) bytes += size;
  return bytes >= CACHE_MIN_BYTES || data.dirsRead >= CACHE_MIN_DIRS;
}

export class ScalarIndex {
  private readonly memo = new Map<string, RunScalarData>();
  /** Runs in `memo` read afresh by a listing (`prime`), whose cache file `get` has not yet considered. */
  private readonly primed = new Set<string>();
  private saveOnExit = false;
  private wrote = false;
  /** The names in the cache directory, listed once: a run without a file there is not opened. */
  private cachedNames: Set<string> | undefined;

  /** `home` null: runs outside a Guild home (an export): remembered in this process only. */
  constructor(private readonly home: string | null) {}

  get(run: Run): RunScalarData {
    const hit = this.memo.get(run.dir);
    if (hit && !this.primed.delete(run.dir)) return hit;
    const path = this.home !== null && FINAL.has(run.status) && cacheable(run.id) ? join(scalarCacheDir(this.home), `${run.id}.json`) : null;
    const cached = !hit && path && this.isCached(run.id) ? readCached(path, run.dir) : undefined;
    const data = hit ?? cached ?? readScalarData(run.dir);
    if (!cached && path && worthCaching(data)) {
      writeCached(path, data);
      this.cachedNames?.add(basename(path));
      if (!this.wrote) rmSync(join(dirname(scalarCacheDir(this.home!)), 'scalars.json'), { force: true }); // the one-file cache of earlier versions
      this.wrote = true;
    }
    this.memo.set(run.dir, data);
    return data;
  }

  /**
   * A run's scalars read afresh with its summary (a cold listing for `compare`): what `get`
   * returns, writing its cache file then, once the run's status is known.
   */
  prime(dir: string, data: RunScalarData): void {
    this.memo.set(dir, data);
    this.primed.add(dir);
  }

  private isCached(id: string): boolean {
    if (!this.cachedNames) {
      try {
        this.cachedNames = new Set(readdirSync(scalarCacheDir(this.home!)));
      } catch {
        this.cachedNames = new Set(); // no cache yet
      }
    }
    return this.cachedNames.has(`${id}.json`);
  }

  /** Drops what the process remembers (the dashboard does on a run's change event). */
  forget(dir: string): void {
    this.memo.delete(dir);
    this.primed.delete(dir);
  }

  /**
   * The prefix, tag, last, min and max of each scalar of a run, for filters and sorts: from
   * its summary cache line when the line is trusted (a settled run whose key holds, not in a
   * full check or the slow round: see ARCHITECTURE.md) or the stamp there still holds; else read afresh and,
   * for a finished run, written to the line (saved with the summary cache).
   */
  values(run: Run): ScalarValue[] {
    const memo = this.memo.get(run.dir);
    if (memo) return memo.summaries;
    const entry = run instanceof CachedRun ? run.entry : this.home === null ? undefined : summaryFileOf(this.home).get((run.deleted ? 'trash/runs/' : 'runs/') + run.id);
    const cached = entry?.scalarValues();
    if (entry && cached) {
      const trusted = !entry.checkScalars && entry.probe[0] === 's';
      const stamp = trusted ? null : entry.scalarStamp();
      if (trusted || (stamp && scalarStampValid(run.dir, stamp))) return valuesOf(cached);
    }
    // Read here, not through `get`: a filter over 100k runs would write a file for each.
    const data = readScalarData(run.dir);
    this.memo.set(run.dir, data);
    if (entry && FINAL.has(run.status)) {
      entry.setScalars({ stamp: data.stamp, values: data.summaries.map((s) => [s.prefix, s.tag, s.last, s.min, s.max]) });
      if (!this.saveOnExit) {
        this.saveOnExit = true;
        process.once('exit', () => this.save());
      }
    }
    return data.summaries;
  }

  /** Writes the summary cache if scalar values were added to it. */
  save(): void {
    if (this.home !== null) summaryFileOf(this.home).save();
  }
}

/** One scalar as filters and sorts read it. */
export type ScalarValue = Pick<ScalarSummary, 'prefix' | 'tag' | 'last' | 'min' | 'max'>;

function readCached(path: string, runDir: string): RunScalarData | undefined {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8'), jsonReviver) as { version: number; data: RunScalarData };
    return c.version === CACHE_VERSION && scalarStampValid(runDir, c.data.stamp) ? c.data : undefined;
  } catch {
    return undefined; // none yet, torn or foreign: read afresh
  }
}

/**
 * A cache file, renamed into place but not fsynced: after a crash it may read as torn, and is
 * then read afresh (a thousand fsyncs would cost a cold `compare` more than its reads).
 */
let written = 0;
const madeDirs = new Set<string>();

function writeCached(path: string, data: RunScalarData): void {
  try {
    const dir = dirname(path);
    if (!madeDirs.has(dir)) mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
    const tmp = join(dir, `.${basename(path)}.${process.pid}.${written++}.tmp`);
    writeFileSync(tmp, JSON.stringify({ version: CACHE_VERSION, data }, jsonReplacer));
    renameSync(tmp, path);
  } catch {
    // a read-only home keeps working with a cold cache
  }
}

const indexes = new Map<string | null, ScalarIndex>();

/** The process-wide scalar index of the home a run dir lives in. */
function indexOfDir(dir: string): ScalarIndex {
  const home = homeOfRunDir(dir);
  let idx = indexes.get(home);
  if (!idx) indexes.set(home, (idx = new ScalarIndex(home)));
  return idx;
}

export const scalarIndexFor = (run: Run): ScalarIndex => indexOfDir(run.dir);

/** A run's scalars read with its summary (`readRunAfresh`), for `runScalarData` to find. */
export function primeRunScalarData(dir: string, data: RunScalarData): void {
  indexOfDir(dir).prime(dir, data);
}

/** A run's scalars and logged attrs through the index of its home. */
export function runScalarData(run: Run): RunScalarData {
  return scalarIndexFor(run).get(run);
}

/** How a filter looks up a run's scalars (`loss`, `train#loss`). */
export function runScalarLookup(run: Run): ScalarLookup {
  // A filter's first pass: a trusted line's values searched as text, without finding its home.
  if (run instanceof CachedRun && run.trustsScalars && run.entry.valuesLine() !== null) {
    const entry = run.entry;
    return (key) => entry.scalarLast(key);
  }
  return scalarLookup(scalarIndexFor(run).values(run));
}

const valuesOf = (cached: ScalarValues['values']): ScalarValue[] => cached.map(([prefix, tag, last, min, max]) => ({ prefix, tag, last, min, max }));
