// A run's own files, as `grun ls` and the dashboard's files tab show them.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { shlexSplit } from './opref.js';

export interface RunFileEntry {
  path: string; // run-relative, `/`-separated
  dir: boolean;
  link: boolean;
  size: number;
}

export interface WalkOptions {
  /** Include `.guild` (left out by default, as Guild's `ls`). */
  all?: boolean;
  /** Descend into linked directories. */
  followLinks?: boolean;
  /** Stop after this many entries (a run with a data set inside must not hang a screen). */
  limit?: number;
}

/**
 * Natural order, as Guild's `natsort`: runs of digits compare as numbers (`img2` before
 * `img10`), the rest as text.
 */
export function naturalCompare(a: string, b: string): number {
  const x = a.split(/(\d+)/);
  const y = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    if (i % 2 === 1) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d;
    }
    return p < q ? -1 : p > q ? 1 : 0;
  }
  return x.length - y.length;
}

/** Entries under the run-relative dir `rel` ('' for the root), depth first, in natural order per dir. */
export function walkRunFiles(runDir: string, rel = '', opts: WalkOptions = {}): RunFileEntry[] {
  const out: RunFileEntry[] = [];
  const limit = opts.limit ?? Infinity;
  const walk = (relDir: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(runDir, relDir)).sort(naturalCompare);
    } catch {
      return;
    }
    for (const name of names) {
      if (out.length >= limit) return;
      if (relDir === '' && name === '.guild' && !opts.all) continue;
      const r = relDir ? `${relDir}/${name}` : name;
      const p = join(runDir, r);
      let dir = false;
      let link = false;
      let size = 0;
      try {
        const st = lstatSync(p);
        link = st.isSymbolicLink();
        const target = link ? statSync(p) : st;
        dir = target.isDirectory() && (!link || !!opts.followLinks);
        size = target.isDirectory() ? 0 : target.size;
      } catch {
        // a dangling link lists as an empty file
      }
      out.push({ path: r, dir, link, size });
      if (dir) walk(r);
    }
  };
  walk(rel.replace(/\/+$/, ''));
  return out;
}

/** The first `maxBytes` of a file as lines; a binary file (a NUL byte) says so instead. */
export function readFileHead(path: string, maxBytes = 512 * 1024): string[] {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(maxBytes);
    const n = readSync(fd, buf, 0, maxBytes, 0);
    const bytes = buf.subarray(0, n);
    if (bytes.includes(0)) return [`(binary file, ${statSync(path).size} bytes)`];
    const lines = bytes.toString('utf8').split('\n');
    if (n === maxBytes) lines.push(`… (first ${Math.round(maxBytes / 1024)} KiB shown)`);
    return lines;
  } catch (e) {
    return [`cannot read: ${(e as Error).message}`];
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Guild's manifest entry types: `s` source code, `d` dependency (`g`, generated, is inferred). */
export type ManifestType = 's' | 'd' | 'g';

/** Run path → manifest type (`s`/`d`) from `.guild/manifest`; empty when it is missing or bad. */
export function readManifestIndex(runDir: string): Map<string, ManifestType> {
  const index = new Map<string, ManifestType>();
  let text: string;
  try {
    text = readFileSync(join(runDir, '.guild', 'manifest'), 'utf8');
  } catch {
    return index;
  }
  for (const line of text.split('\n')) {
    let parts: string[];
    try {
      parts = shlexSplit(line);
    } catch {
      continue; // a torn line
    }
    const [type, path] = parts;
    if ((type === 's' || type === 'd') && path) index.set(path, type);
  }
  return index;
}

/**
 * Guild's `ls -s/-d/-g`: files whose manifest type is one of `types`; a file without an entry
 * is generated, unless it is under `.guild`. Directories are left out.
 */
export function filterByManifest(runDir: string, entries: RunFileEntry[], types: ManifestType[]): RunFileEntry[] {
  const index = readManifestIndex(runDir);
  return entries.filter((e) => {
    if (e.dir) return false;
    const t = index.get(e.path) ?? (e.path === '.guild' || e.path.startsWith('.guild/') ? null : 'g');
    return t !== null && types.includes(t);
  });
}
