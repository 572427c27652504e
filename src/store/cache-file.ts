// A lowdb cache file with grun's own adapter: lowdb's stock adapters write through one fixed
// temp name, which corrupts the file when two grun processes write at once (stack notes §1.5).
// Each write here goes to a unique temp file that is renamed into place; a missing, torn or
// foreign file reads as empty, so a cache is rebuilt silently.
import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LowSync, type SyncAdapter } from 'lowdb';
import { writeFileAtomicSync } from './atomic.js';

// JSON has no bigint and no NaN or infinities (JSON.stringify writes them as null): 64-bit
// seeds and huge int flags travel as {"$bigint": "…"}, a loss of nan as {"$float": "nan"}.
const FLOATS: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
export const jsonReplacer = (_k: string, v: unknown): unknown => {
  if (typeof v === 'bigint') return { $bigint: v.toString() };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $float: Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf' };
  return v;
};
export const jsonReviver = (_k: string, v: unknown): unknown => {
  if (!v || typeof v !== 'object') return v;
  const tagged = v as { $bigint?: unknown; $float?: unknown };
  if (typeof tagged.$bigint === 'string') return BigInt(tagged.$bigint);
  if (typeof tagged.$float === 'string' && tagged.$float in FLOATS) return FLOATS[tagged.$float];
  return v;
};

class AtomicJsonAdapter<T extends { version: number }> implements SyncAdapter<T> {
  constructor(
    private readonly path: string,
    private readonly version: number,
  ) {}

  read(): T | null {
    try {
      const data = JSON.parse(readFileSync(this.path, 'utf8'), jsonReviver) as T;
      return data && data.version === this.version ? data : null;
    } catch {
      return null;
    }
  }

  write(data: T): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileAtomicSync(this.path, JSON.stringify(data, jsonReplacer));
  }
}

/** Opens (reads) a versioned cache file; callers mutate `db.data` and call `db.write()`. */
export function openCache<T extends { version: number }>(path: string, defaults: T): LowSync<T> {
  const db = new LowSync<T>(new AtomicJsonAdapter<T>(path, defaults.version), defaults);
  db.read();
  return db;
}
