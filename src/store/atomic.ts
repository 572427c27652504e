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
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
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
