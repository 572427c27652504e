// Crash-safe file replacement: readers see the old bytes or the new, never a torn file.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to a temp file beside `path` (unique name, so concurrent writers never share
 * one), fsyncs it, renames it over `path`, then fsyncs the directory. New files get
 * `opts.mode` (default 0o666) less the umask.
 */
export function writeFileAtomicSync(path: string, data: string | Buffer, opts: { mode?: number } = {}): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o666);
  try {
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
      if (!deferredFiles) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    deferredFiles?.add(path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already renamed or never created: nothing to clean
    }
    throw err;
  }
  syncDir(dir);
}

/** Directories whose fsync waits for the end of `withDeferredDirSyncs` (null: none deferred). */
let deferredDirs: Set<string> | null = null;
/** Files whose fsync waits for the `sync` of `deferSyncs` (null: none deferred). */
let deferredFiles: Set<string> | null = null;

/**
 * Runs `fn` (synchronous) with every fsync of its atomic writes, files and directories, left to
 * the `sync` it returns: a new run's directory is written before its command starts, and twenty
 * fsyncs stood between `grun run` and the command. The renames still make each file whole or
 * absent for every reader; only durability waits for `sync()` (a power loss before it may leave
 * files of the new run empty, which readers report as corrupt, as any torn run).
 */
export function deferSyncs<T>(fn: () => T): { value: T; sync: () => void } {
  if (deferredFiles || deferredDirs) return { value: fn(), sync: () => {} }; // the outer one syncs
  const files = new Set<string>();
  const dirs = new Set<string>();
  deferredFiles = files;
  deferredDirs = dirs;
  try {
    const value = fn();
    return { value, sync: () => syncAll(files, dirs) };
  } finally {
    deferredFiles = null;
    deferredDirs = null;
  }
}

function syncAll(files: Set<string>, dirs: Set<string>): void {
  for (const f of files) {
    try {
      const fd = openSync(f, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      // replaced or removed since: its successor was synced by its own writer
    }
  }
  for (const d of dirs) syncDir(d);
}

/**
 * Runs `fn` (synchronous) with the directory fsyncs of its atomic writes deferred to its end,
 * one per directory: writing a new run's twenty files then costs twenty fsyncs, not forty.
 * Each file is still fsynced before its rename, so none is ever seen torn; until the end, a
 * power loss may lose whole files of what `fn` wrote (a run not finished being made).
 */
export function withDeferredDirSyncs<T>(fn: () => T): T {
  if (deferredDirs) return fn(); // already inside one: its end syncs
  const dirs = new Set<string>();
  deferredDirs = dirs;
  try {
    return fn();
  } finally {
    deferredDirs = null;
    for (const d of dirs) syncDir(d);
  }
}

function syncDir(dir: string): void {
  if (deferredDirs) {
    deferredDirs.add(dir);
    return;
  }
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
