// Watches a Guild home for runs added, changed (status, attrs, output growth) and removed.
//
// chokidar watchers on directories (chokidar 4 drops globs silently): one per existing root
// (runs/, trash/runs/) at depth 0, which sees run directories appear and vanish with a single
// inotify watch per root; `live` watches `.guild/` and `.guild/attrs/` (an `ignored` function
// picks them) of runs that can still change by themselves
// (no `exit_status` yet, or added while we watch). Watching every finished run would need
// three inotify watches per run, which a 100k-run home does not have. A slow poll covers
// what inotify misses: network file systems, finished runs edited by another process, and
// a watcher that failed (ENOSPC).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export type HomeEventKind = 'added' | 'changed' | 'removed';

export interface HomeEvent {
  kind: HomeEventKind;
  /** The run directory's name. */
  id: string;
  /** True for runs under trash/runs. */
  deleted: boolean;
}

export interface HomeWatcher {
  close(): Promise<void>;
}

const DEFAULT_POLL_MS = 5000;
/** Finished runs whose mtimes are checked per poll, round robin, to bound the poll's cost. */
const POLL_STAT_BATCH = 4000;
/** Runs stamped per batch at the start (between frames). */
const STAMP_BATCH = 1000;
/** Upper bound on deep-watched runs (3 inotify watches each). */
const MAX_LIVE = 3000;
/** Sub-directories of `.guild/` that never signal a change of the run itself. */
const QUIET_GUILD_DIRS = new Set(['proto', 'sourcecode', 'generated', 'job-packages', 'cache']);

interface Where {
  id: string;
  deleted: boolean;
  /** Path parts below the run directory. */
  rest: string[];
}

export function watchHome(
  home: string,
  onEvent: (e: HomeEvent) => void,
  opts: { pollMs?: number } = {},
): HomeWatcher {
  const roots = [
    { dir: join(home, 'runs'), deleted: false },
    { dir: join(home, 'trash', 'runs'), deleted: true },
  ];
  let closed = false;
  const emit = (e: HomeEvent): void => {
    if (!closed) onEvent(e);
  };

  /** Which run a path belongs to, or null when it is not inside a run directory. */
  const locate = (p: string): Where | null => {
    for (const r of roots) {
      const rel = relative(r.dir, p);
      if (rel === '' || rel.startsWith('..')) continue;
      const parts = rel.split(sep);
      return { id: parts[0]!, deleted: r.deleted, rest: parts.slice(1) };
    }
    return null;
  };

  // Known run names per root, for the poll's diff and for the top watcher's dedup; with the
  // mtimes the poll compares, null until taken.
  const known = roots.map(() => new Map<string, Stamps | null>());
  const rootIndex = (deleted: boolean): number => (deleted ? 1 : 0);

  const live = new Set<string>();
  // Not persistent: the dashboard's terminal keeps its process alive, and chokidar 4 can leave a
  // run's `.guild` watch open when it is closed while adding it (its add returns on `closed`
  // without closing the fs.watch it has just made), which would keep a process from exiting.
  const liveWatcher: FSWatcher = watch([], {
    persistent: false,
    ignoreInitial: true,
    depth: 2,
    ignored: (p) => {
      const w = locate(p);
      if (!w || w.deleted) return true;
      const [first, second, third] = w.rest;
      if (first === undefined) return false; // the run dir itself
      if (first !== '.guild') return true;
      if (second === undefined) return false;
      if (QUIET_GUILD_DIRS.has(second)) return true;
      if (second !== 'attrs' && third !== undefined) return true;
      return false;
    },
  });
  liveWatcher.on('all', (event, p) => {
    const w = locate(p);
    if (!w || w.rest.length === 0) return;
    if (event === 'addDir' && w.rest.length === 1) return; // `.guild` made: the files follow
    emit({ kind: 'changed', id: w.id, deleted: false });
  });
  liveWatcher.on('error', () => {}); // the poll still covers the run

  const watchLive = (id: string): void => {
    if (closed || live.has(id) || live.size >= MAX_LIVE) return;
    live.add(id);
    liveWatcher.add(join(roots[0]!.dir, id));
  };
  const unwatchLive = (id: string): void => {
    if (!live.delete(id)) return;
    liveWatcher.unwatch(join(roots[0]!.dir, id));
  };

  const runAdded = (id: string, deleted: boolean): void => {
    const seen = known[rootIndex(deleted)]!;
    if (seen.has(id)) return;
    seen.set(id, stamps(join(roots[rootIndex(deleted)]!.dir, id)));
    emit({ kind: 'added', id, deleted });
    if (deleted) return;
    watchLive(id);
    // files written before the deep watch was ready would otherwise wait for the poll
    setTimeout(() => emit({ kind: 'changed', id, deleted }), 300).unref();
  };
  const runRemoved = (id: string, deleted: boolean): void => {
    if (!known[rootIndex(deleted)]!.delete(id)) return;
    if (!deleted) unwatchLive(id);
    emit({ kind: 'removed', id, deleted });
  };

  // A root that does not exist yet (no trash before the first delete) is watched once the
  // poll finds it: chokidar 4 does not wait for a missing path to appear.
  const tops = new Map<number, FSWatcher>();
  const watchRoot = (i: number): void => {
    const r = roots[i]!;
    if (closed || tops.has(i) || !existsSync(r.dir)) return;
    const w = watch(r.dir, { persistent: false, ignoreInitial: true, depth: 0 });
    w.on('addDir', (p) => {
      if (dirname(p) === r.dir) runAdded(basename(p), r.deleted);
    });
    w.on('unlinkDir', (p) => {
      if (dirname(p) === r.dir) runRemoved(basename(p), r.deleted);
      if (p !== r.dir) return;
      // the root itself removed: every run under it is gone
      for (const id of [...known[i]!.keys()]) runRemoved(id, r.deleted);
      tops.delete(i);
      void w.close();
    });
    w.on('ready', diffNames);
    w.on('error', () => {});
    tops.set(i, w);
  };

  // Initial state: the names at once (one readdir per root); the stamps, and deep watches for
  // runs that can still change on their own, in batches between frames (three stats a run: 100k
  // runs would hold the dashboard's first frame for seconds). The poll compares a run only once
  // its stamp is taken; until then a run that can change is watched, and a finished run is read
  // by the dashboard's own full check (ARCHITECTURE.md, "Dashboard").
  const pending: { id: string; i: number }[] = [];
  roots.forEach((r, i) => {
    for (const id of listDir(r.dir)) {
      known[i]!.set(id, null);
      pending.push({ id, i });
    }
  });
  let next = 0;
  const stampBatch = (): void => {
    if (closed) return;
    for (const end = Math.min(pending.length, next + STAMP_BATCH); next < end; next++) {
      const { id, i } = pending[next]!;
      const dir = join(roots[i]!.dir, id);
      if (known[i]!.get(id) !== null) continue; // gone, or stamped by the poll
      known[i]!.set(id, stamps(dir));
      if (i === 0 && !existsSync(join(dir, '.guild', 'attrs', 'exit_status'))) watchLive(id);
    }
    if (next < pending.length) setImmediate(stampBatch);
    else pending.length = 0;
  };
  setImmediate(stampBatch);

  // Names diff on both roots: in the poll, and once a root watcher is ready (runs made
  // during its initial scan count as initial, so chokidar never reports them).
  const diffNames = (): void => {
    roots.forEach((r, i) => {
      const now = new Set(listDir(r.dir));
      for (const id of now) runAdded(id, r.deleted);
      for (const id of [...known[i]!.keys()]) if (!now.has(id)) runRemoved(id, r.deleted);
    });
  };
  roots.forEach((_, i) => watchRoot(i));

  // The poll: names, then `.guild` and `.guild/attrs` mtimes of a slice of the runs.
  let cursor = 0;
  const poll = (): void => {
    roots.forEach((_, i) => watchRoot(i));
    diffNames();
    const ids = [...known[0]!.keys()];
    const n = Math.min(ids.length, POLL_STAT_BATCH);
    for (let k = 0; k < n; k++) {
      const id = ids[(cursor + k) % ids.length]!;
      const before = known[0]!.get(id);
      const after = stamps(join(roots[0]!.dir, id));
      if (before === null) known[0]!.set(id, after);
      else if (before && (after.guild !== before.guild || after.attrs !== before.attrs)) {
        known[0]!.set(id, after);
        emit({ kind: 'changed', id, deleted: false });
      }
    }
    cursor = ids.length === 0 ? 0 : (cursor + n) % ids.length;
  };
  const timer = setInterval(poll, opts.pollMs ?? DEFAULT_POLL_MS);
  timer.unref();

  return {
    async close() {
      closed = true;
      clearInterval(timer);
      await Promise.all([...[...tops.values()].map((w) => w.close()), liveWatcher.close()]);
    },
  };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() || d.isSymbolicLink())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/** mtimes that move when markers, LOCK or attrs files are created, replaced or removed. */
interface Stamps {
  guild: number;
  attrs: number;
}

function stamps(runDir: string): Stamps {
  return { guild: mtime(join(runDir, '.guild')), attrs: mtime(join(runDir, '.guild', 'attrs')) };
}

function mtime(p: string): number {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}
