// The dashboard's views kept per Guild home (`cache/grun/views.json`, lowdb through cache-db.ts):
// the last sort, filter, status filter, columns and tree/flat choice, restored at start, and named
// views (`:view save NAME`, `:view NAME`). One writer: the first dashboard to open a home claims
// `views.writer` (O_EXCL, its pid and start time); another dashboard on the same home reads the
// views but writes none while that one lives (a claim whose process is gone is taken over).
import { closeSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openCache } from './cache-db.js';
import { isProcessAlive, selfProcess } from './proc.js';

export interface SavedView {
  sort: { key: string; desc: boolean };
  filter: string;
  status: string;
  /** Column specs as `:cols` takes them; null: automatic. */
  columns: string[] | null;
  flat: boolean;
}

interface ViewsFile {
  version: 1;
  last: SavedView | null;
  named: Record<string, SavedView>;
}

export const viewsPath = (home: string): string => join(home, 'cache', 'grun', 'views.json');
const writerPath = (home: string): string => join(home, 'cache', 'grun', 'views.writer');

/** Claims the writer role for this process; false while another live process holds it. */
function claimWriter(home: string): boolean {
  const path = writerPath(home);
  const me = selfProcess();
  try {
    mkdirSync(join(home, 'cache', 'grun'), { recursive: true });
  } catch {
    return false; // a read-only home: views are read, never written
  }
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    let holder: { pid?: unknown; start?: unknown } = {};
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
    } catch {
      // torn or empty: its writer died while claiming
    }
    if (holder.pid === me.pid && holder.start === me.start) return true;
    if (typeof holder.pid === 'number' && isProcessAlive(holder.pid, typeof holder.start === 'number' ? holder.start : undefined)) return false;
    rmSync(path, { force: true });
  }
  return false;
}

export class ViewStore {
  private readonly db;
  /** Whether this process writes the views (see the header). */
  readonly writer: boolean;

  constructor(private readonly home: string) {
    this.db = openCache<ViewsFile>(viewsPath(home), { version: 1, last: null, named: {} });
    this.writer = claimWriter(home);
  }

  last(): SavedView | null {
    return this.db.data.last;
  }

  named(name: string): SavedView | null {
    this.db.read();
    return Object.hasOwn(this.db.data.named, name) ? this.db.data.named[name]! : null;
  }

  names(): string[] {
    this.db.read();
    return Object.keys(this.db.data.named).sort();
  }

  /** Keeps `view` as the one restored next time (and, with a name, under it); false when not the writer. */
  save(view: SavedView, name?: string): boolean {
    if (!this.writer) return false;
    this.db.read();
    if (name === undefined) this.db.data.last = view;
    else this.db.data.named = { ...this.db.data.named, [name]: view };
    try {
      this.db.write();
      return true;
    } catch {
      return false; // the disk is full or the home read-only: a cache, not kept this time
    }
  }

  /** Gives the writer role up (the dashboard exits). */
  close(): void {
    if (!this.writer) return;
    try {
      const holder = JSON.parse(readFileSync(writerPath(this.home), 'utf8')) as { pid?: number };
      if (holder.pid === process.pid) rmSync(writerPath(this.home), { force: true });
    } catch {
      // already gone
    }
  }
}
