// A run's own files, as `grun ls` and the dashboard's files tab show them.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fnmatch } from './fnmatch.js';
import { shlexSplit } from './opref.js';
import { natsortCompare } from './natsort.js';

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

/** Entries under the run-relative dir `rel` ('' for the root), depth first, in natural order per dir. */
export function walkRunFiles(runDir: string, rel = '', opts: WalkOptions = {}): RunFileEntry[] {
  const out: RunFileEntry[] = [];
  const limit = opts.limit ?? Infinity;
  // a linked directory that leads back to one being walked (a link to its parent) is listed, not walked
  const walking = new Set<string>();
  const walk = (relDir: string): void => {
    let real: string;
    try {
      real = realpathSync(join(runDir, relDir));
    } catch {
      return;
    }
    if (walking.has(real)) return;
    walking.add(real);
    try {
      walkDir(relDir);
    } finally {
      walking.delete(real);
    }
  };
  const walkDir = (relDir: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(runDir, relDir)).sort(natsortCompare);
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
  return new Map((readManifest(runDir) ?? []).map((e) => [e.path, e.type]));
}

/**
 * One line of `.guild/manifest`: `s PATH SHA1 SOURCE` (a source code file and its project path)
 * or `d PATH SHA1 URI [MEMBER]` (a dependency's file, `file:PATH` for a project file, a member
 * of an unpacked archive).
 */
export interface ManifestEntry {
  type: 's' | 'd';
  path: string;
  source: string;
  member?: string;
}

/** The run's manifest entries, null when it has none (a run Guild made before manifests). */
export function readManifest(runDir: string): ManifestEntry[] | null {
  let text: string;
  try {
    text = readFileSync(join(runDir, '.guild', 'manifest'), 'utf8');
  } catch {
    return null;
  }
  const out: ManifestEntry[] = [];
  for (const line of text.split('\n')) {
    let parts: string[];
    try {
      parts = shlexSplit(line);
    } catch {
      continue; // a torn line
    }
    const [type, path, , source = '', member] = parts;
    if ((type === 's' || type === 'd') && path) out.push({ type, path, source, ...(member !== undefined ? { member } : {}) });
  }
  return out;
}

/** What `grun ls` lists (Guild's ls_impl): hidden names, a path or pattern, manifest types. */
export interface ListOptions {
  /** Hidden names (`.guild`, `.foo`) too. */
  all?: boolean;
  /** A run-relative path (that path and what is below it), or a pattern with `*`/`?` matched part by part. */
  path?: string;
  followLinks?: boolean;
  /** `-s/-d/-g`: only source code, dependencies or generated files (hidden ones too). */
  types?: ManifestType[];
}

interface PathFilter {
  match(path: string, forceAll?: boolean): boolean;
  /** Whether the walk leaves out the dir `path` (named `name`) that did not match. */
  prune(name: string, path: string): boolean;
}

const isHidden = (name: string): boolean => name.startsWith('.');
const splitPath = (path: string): string[] => path.split(/[/\\]/).filter(Boolean);
const isPrefix = (prefix: string[], parts: string[]): boolean => prefix.length <= parts.length && prefix.every((p, i) => p === parts[i]);

function defaultFilter(all: boolean): PathFilter {
  return {
    match: (path, forceAll) => forceAll || all || !isHidden(posix.basename(path)),
    prune: (name) => !all && isHidden(name),
  };
}

/** `-p 'c/*.txt'`: each part an fnmatch pattern; a hidden part only where the pattern's part is hidden too. */
function patternFilter(pattern: string, all: boolean): PathFilter {
  const pat = splitPath(pattern);
  return {
    match: (path, forceAll) => {
      const parts = splitPath(path);
      if (parts.length < pat.length || !pat.every((p, i) => fnmatch(parts[i]!, p))) return false;
      return all || !!forceAll || parts.every((part, i) => !isHidden(part) || (i < pat.length && isHidden(pat[i]!)));
    },
    prune: (name, path) => {
      const depth = splitPath(path).length;
      return !all && isHidden(name) && pat.length >= depth && !isHidden(pat[depth - 1]!);
    },
  };
}

/** `-p c`: that path and everything below it; a hidden name only when named itself. */
function subpathFilter(path: string, all: boolean): PathFilter {
  const want = splitPath(path);
  return {
    match: (p, forceAll) => {
      const parts = splitPath(p);
      if (!(all || forceAll) && isHidden(parts[parts.length - 1]!)) return parts.join('/') === want.join('/');
      return isPrefix(want, parts);
    },
    prune: (_name, p) => !isPrefix(splitPath(p), want),
  };
}

/** grun's own bookkeeping in a run (`.guild/grun-proc`, `.guild/attrs/grun-best`, …): not the run's files. */
const GRUN_OWN_FILE = /^\.guild\/(attrs\/)?grun-/;

/**
 * `os.walk` as Guild's ls walks a run (grun's own files left out): each dir's entries (a link to a dir counts as a dir,
 * entered only with `followLinks`, never twice), `visit` deciding whether a dir is entered.
 */
function walkRun(runDir: string, followLinks: boolean, visit: (rel: string, name: string, dir: boolean) => boolean): void {
  const walk = (relDir: string, above: readonly string[]): void => {
    const abs = relDir ? join(runDir, relDir) : runDir;
    let names: string[];
    let real: string;
    try {
      real = realpathSync(abs);
      names = readdirSync(abs);
    } catch {
      return;
    }
    if (above.includes(real)) return; // a link back up the tree
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (GRUN_OWN_FILE.test(rel)) continue;
      let dir = false;
      let link = false;
      try {
        link = lstatSync(join(abs, name)).isSymbolicLink();
        dir = statSync(join(abs, name)).isDirectory();
      } catch {
        // a dangling link lists as a file
      }
      if (visit(rel, name, dir) && dir && (!link || followLinks)) walk(rel, [...above, real]);
    }
  };
  walk('', []);
}

/**
 * The run files `grun ls` lists, as Guild's ls_impl finds them: hidden names left out unless
 * `all` (or a type is asked for, or the path names them), run-relative paths naturally sorted,
 * each with whether it is a dir (a link to one included).
 */
export function listRunPaths(runDir: string, o: ListOptions = {}): { path: string; dir: boolean }[] {
  const all = !!o.all;
  const base = o.path ? (/[*?]/.test(o.path) ? patternFilter(o.path, all) : subpathFilter(o.path, all)) : defaultFilter(all);
  let filter = base;
  if (o.types?.length) {
    // Every file's type: its manifest entry, else a parent dir's (a linked dependency's
    // files), else none (generated); dirs without a typed file below are not entered.
    const entries = readManifestIndex(runDir);
    const index = new Map<string, ManifestType | null>();
    const dirs = new Set<string>();
    const parentEntry = (rel: string): ManifestType | null => {
      for (let d = posix.dirname(rel); d !== '.'; d = posix.dirname(d)) {
        const t = entries.get(d);
        if (t) return t;
      }
      return null;
    };
    walkRun(runDir, !!o.followLinks, (rel, _name, dir) => {
      const t = entries.get(rel) ?? (dir || rel.split('/')[0] === '.guild' ? undefined : parentEntry(rel));
      if (t !== undefined) {
        index.set(rel, t);
        for (let d = posix.dirname(rel); d !== '.'; d = posix.dirname(d)) dirs.add(d);
      }
      return true;
    });
    const types = o.types;
    filter = {
      match: (path) => {
        let t = index.get(path) ?? null;
        if (t === null) {
          if (path.split('/')[0] === '.guild' || isDirPath(join(runDir, path))) return false;
          t = 'g';
        }
        return types.includes(t) && base.match(path, true);
      },
      prune: (_name, path) => !dirs.has(path),
    };
  }
  const out: { path: string; dir: boolean }[] = [];
  walkRun(runDir, !!o.followLinks, (rel, name, dir) => {
    if (filter.match(rel)) {
      out.push({ path: rel, dir });
      return true;
    }
    return dir && !filter.prune(name, rel);
  });
  return out.sort((a, b) => natsortCompare(a.path, b.path));
}

function isDirPath(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
