// A lowdb cache file with grun's own adapter: lowdb's stock adapters write through one fixed
// temp name, which corrupts the file when two grun processes write at once (stack notes §1.5).
// Each write here goes to a unique temp file that is renamed into place; a missing, torn or
// foreign file reads as empty, so a cache is rebuilt silently.
import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LowSync, type SyncAdapter } from 'lowdb';
import { writeFileAtomicSync } from './atomic.js';
import { jsonReplacer, jsonReviver } from './cache-file.js';

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
