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
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR: illegal operation on a directory'), { code: 'EISDIR' });
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EGRUNNOTFILE' });
    if (st.size > max) throw Object.assign(new Error(`too large (${st.size} bytes)`), { code: 'EGRUNTOOBIG' });
    return readAt(fd, 0, st.size);
  } finally {
    closeSync(fd);
  }
}

/** Reused by `readListedFile`: reading one small file allocates nothing. */
let scratch: Buffer | undefined;
const SCRATCH_BYTES = 64 * 1024;

/**
 * The bytes of a file that a directory listing (`readdir` with file types) has just shown to be
 * a regular file, in a buffer that the next call reuses: decode them before reading another.
 * Open (never following a link), one read, close: no fstat, which a cold listing of 10,000 runs
 * would pay 130,000 times. A read shorter than asked is the end of a regular file. What may have
 * replaced the file since it was listed is read by `readSmallFile`, with its checks: a link
 * (ELOOP), a file that fills the buffer (a large one, a device); a directory fails the read
 * (EISDIR), and so does a FIFO (ESPIPE: the read is positioned), never blocking.
 */
export function readListedFile(path: string, max = SMALL_FILE_MAX): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') return readSmallFile(path, max);
    throw e;
  }
  const buf = (scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES));
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n === buf.length) return readSmallFile(path, max);
  if (n > max) throw Object.assign(new Error(`too large (${n} bytes)`), { code: 'EGRUNTOOBIG' });
  return buf.subarray(0, n);
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
