// A per-run lock around the read-modify-write of the attrs users edit (tags, comments, label):
// two grun processes adding a tag at once must both be kept, and a run moved to the trash
// meanwhile must not be recreated by the write. An O_EXCL file (works on NFS) holding the
// holder's pid, start time and host; a holder on this host that is gone (killed -9) is broken
// at once, one on another host once the file is older than any holder could need.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GrunError } from './errors.js';
import { hostName, isProcessAlive, selfProcess } from './proc.js';

const LOCK_FILE = 'grun-attrs.lock';
/** A lock is held for a few ms; older than this it is stale whoever holds it. */
const STALE_MS = 30_000;
/** Between open(O_EXCL) and the holder's write: an empty file this young is still being made. */
const EMPTY_GRACE_MS = 2_000;

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number): void => void Atomics.wait(pause, 0, 0, ms);

interface Holder {
  pid: number;
  start: number;
  host: string;
}

function ageMs(path: string): number | null {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function readHolder(path: string): { text: string; holder: Holder | null } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null; // released meanwhile
  }
  try {
    const h = JSON.parse(text) as Holder;
    return { text, holder: Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null };
  } catch {
    return { text, holder: null };
  }
}

function isStale(path: string, h: { holder: Holder | null }): boolean {
  const age = ageMs(path);
  if (age === null) return false;
  if (!h.holder) return age > EMPTY_GRACE_MS;
  if (h.holder.host === hostName()) return !isProcessAlive(h.holder.pid, h.holder.start);
  return age > STALE_MS;
}

/** Removes a stale lock, unless another process is breaking it (or took it anew) meanwhile. */
function breakLock(path: string, seen: string): void {
  const breaker = `${path}.break`;
  let fd: number;
  try {
    fd = openSync(breaker, 'wx');
  } catch {
    // Someone else is breaking it; a breaker killed mid-way leaves a file that ages out.
    const age = ageMs(breaker);
    if (age !== null && age > EMPTY_GRACE_MS) rmSync(breaker, { force: true });
    return;
  }
  closeSync(fd);
  try {
    if (readHolder(path)?.text === seen) rmSync(path, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

/** Runs `fn` holding the run's attrs lock. Throws a GrunError if the run dir is gone. */
export function withRunLock<T>(runDir: string, fn: () => T, timeoutMs = 10_000): T {
  const path = join(runDir, '.guild', LOCK_FILE);
  const me: Holder = { ...selfProcess(), host: hostName() };
  const until = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new GrunError(`run ${runDir} was moved or deleted meanwhile`);
      if (code !== 'EEXIST') throw e;
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      try {
        return fn();
      } finally {
        rmSync(path, { force: true });
      }
    }
    const h = readHolder(path);
    if (h && isStale(path, h)) {
      breakLock(path, h.text);
      continue;
    }
    if (Date.now() > until) {
      throw new GrunError(`run ${runDir} is locked by ${h?.holder ? `pid ${h.holder.pid} on ${h.holder.host}` : 'another process'} (${path})`);
    }
    sleepSync(wait);
  }
}
