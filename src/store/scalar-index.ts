// Scalars and logged attrs of many runs, as compare, filters and the dashboard ask for them:
// read once per process, and kept across processes in a cache for runs that have finished
// (a finished run's event files no longer change; the stamp catches the ones that do).
import { join } from 'node:path';
import { homeOfRunDir } from './home.js';
import { openCache } from './cache-file.js';
import { readScalarData, scalarStampValid, type RunScalarData } from './scalars.js';
import type { Run } from './types.js';

const CACHE_VERSION = 2;

interface ScalarCacheFile {
  version: number;
  runs: Record<string, RunScalarData>;
}

export const scalarCachePath = (home: string): string => join(home, 'cache', 'grun', 'scalars.json');

const FINAL = new Set(['completed', 'error', 'terminated']);

export class ScalarIndex {
  private readonly memo = new Map<string, RunScalarData>();
  private db: ReturnType<typeof openCache<ScalarCacheFile>> | null = null;
  private dirty = false;

  /** `home` null: runs outside a Guild home (an export): remembered in this process only. */
  constructor(private readonly home: string | null) {}

  get(run: Run): RunScalarData {
    const hit = this.memo.get(run.dir);
    if (hit) return hit;
    const final = FINAL.has(run.status);
    let data: RunScalarData | undefined;
    const file = final ? this.file() : null;
    if (file) {
      const cached = file.data.runs[run.id];
      if (cached && scalarStampValid(run.dir, cached.stamp)) data = cached;
    }
    if (!data) {
      data = readScalarData(run.dir);
      if (file) {
        file.data.runs[run.id] = data;
        this.dirty = true;
      }
    }
    this.memo.set(run.dir, data);
    return data;
  }

  /** Drops what the process remembers (the dashboard does on a run's change event). */
  forget(dir: string): void {
    this.memo.delete(dir);
  }

  save(): void {
    if (!this.dirty || !this.db) return;
    this.dirty = false;
    try {
      this.db.write();
    } catch {
      // a read-only home keeps working with a cold cache
    }
  }

  private file() {
    if (this.home === null) return null;
    if (!this.db) {
      this.db = openCache<ScalarCacheFile>(scalarCachePath(this.home), { version: CACHE_VERSION, runs: {} });
      process.once('exit', () => this.save());
    }
    return this.db;
  }
}

const indexes = new Map<string | null, ScalarIndex>();

/** The process-wide scalar index of the home a run lives in. */
export function scalarIndexFor(run: Run): ScalarIndex {
  const home = homeOfRunDir(run.dir);
  let idx = indexes.get(home);
  if (!idx) indexes.set(home, (idx = new ScalarIndex(home)));
  return idx;
}

/** A run's scalars and logged attrs through the index of its home. */
export function runScalarData(run: Run): RunScalarData {
  return scalarIndexFor(run).get(run);
}
