// Reading the small files of a run dir (attrs, opref, LOCK, the process record) without trusting
// what is there: a FIFO or a link to /dev/zero in their place must not hang or exhaust a reader.
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';

/** Far above any real attr (a 10k-flag `flags` is ~1 MB) and small enough to hold. */
export const SMALL_FILE_MAX = 64 * 1024 * 1024;

/**
 * The bytes of a regular file of at most `max` bytes. Throws (ENOENT and the like as fs does)
 * with a message naming the problem for anything else; never blocks on a FIFO.
 */
export function readSmallFile(path: string, max = SMALL_FILE_MAX): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return readOpened(fd, max);
  } finally {
    closeSync(fd);
  }
}

function readOpened(fd: number, max: number): Buffer {
  const st = fstatSync(fd);
  if (st.isDirectory()) throw Object.assign(new Error('EISDIR: illegal operation on a directory'), { code: 'EISDIR' });
  if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EGRUNNOTFILE' });
  if (st.size > max) throw Object.assign(new Error(`too large (${st.size} bytes)`), { code: 'EGRUNTOOBIG' });
  return readAt(fd, 0, st.size);
}

const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * `readSmallFile` of a file its directory listing showed as a regular file (an attr, among a
 * run's dozen): one positioned read without an `fstat` first, as a listing of 1,000 runs
 * reads 12,000 of them. Whatever stands there by the time it is opened, this neither blocks
 * nor runs away: a FIFO, socket or terminal fails the positioned read, and a read that comes
 * back empty or fills the buffer (a device, a file past 64 KiB) is decided as `readSmallFile`
 * decides.
 */
export function readListedFile(path: string, max = SMALL_FILE_MAX): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    let n = 0;
    try {
      n = readSync(fd, scratch, 0, scratch.length, 0);
    } catch {
      // not a file to read at an offset: decided below
    }
    if (n > 0 && n < scratch.length && n <= max) return Buffer.from(scratch.subarray(0, n));
    return readOpened(fd, max);
  } finally {
    closeSync(fd);
  }
}

/** `len` bytes of an open file at `pos`: fewer where it ends first (or shrank meanwhile). */
export function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got === len ? buf : buf.subarray(0, got);
}
