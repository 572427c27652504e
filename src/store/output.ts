// A run's `.guild/output` (raw bytes of both streams) and `.guild/output.index` (one 9-byte
// `!QB` record per line: big-endian ms time, stream byte), as Guild's RunOutput writes them.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readAt } from './small-file.js';

export interface OutputLine {
  time: number; // ms since the epoch; 0 when the line has no index record
  stream: 0 | 1;
  text: string;
}

const RECORD = 9;
const LF = 0x0a;
const CHUNK = 1 << 20;
/**
 * Longest line kept whole in memory. A longer line (a 1 GiB line without LF) keeps its first and
 * last CUT_KEEP_BYTES with its length between: `head … [1073741824 bytes] … tail`.
 */
export const MAX_LINE_BYTES = 1 << 20;
const CUT_KEEP_BYTES = 2048;
/** The mark between the head and tail of a line too long to keep; group 1 is its length. */
export const CUT_MARK = / … \[(\d+) bytes\] … /;
/** Below this size `tailOutputLines` counts every line exactly; above it, it trusts the index. */
const EXACT_COUNT_LIMIT = 64 << 20;

function outputPaths(runDir: string): { output: string; index: string } {
  return { output: join(runDir, '.guild', 'output'), index: join(runDir, '.guild', 'output.index') };
}

function openOrNull(path: string): number | null {
  try {
    return openSync(path, 'r');
  } catch {
    return null;
  }
}

/** Index records for lines [first, first+count), as far as whole records exist. */
class IndexFile {
  private fd: number | null;
  constructor(path: string) {
    this.fd = openOrNull(path);
  }
  /** Number of whole records; a torn last record is not counted. */
  count(): number {
    return this.fd === null ? 0 : Math.floor(fstatSync(this.fd).size / RECORD);
  }
  records(first: number, count: number): { time: number; stream: 0 | 1 }[] {
    if (this.fd === null || count <= 0) return [];
    const buf = readAt(this.fd, first * RECORD, count * RECORD);
    const out: { time: number; stream: 0 | 1 }[] = [];
    for (let off = 0; off + RECORD <= buf.length; off += RECORD) {
      out.push({ time: Number(buf.readBigUInt64BE(off)), stream: buf[off + 8] === 1 ? 1 : 0 });
    }
    return out;
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Decodes line bytes (LF excluded): invalid UTF-8 becomes U+FFFD; a CRLF ending is dropped. */
function lineText(bytes: Buffer): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, end);
}

function pairLines(texts: string[], firstLine: number, index: IndexFile): OutputLine[] {
  const recs = index.records(firstLine, Math.min(texts.length, index.count() - firstLine));
  return texts.map((text, i) => {
    const r = recs[i];
    return { time: r ? r.time : 0, stream: r ? r.stream : 0, text };
  });
}

/**
 * Collects line bytes with a cap, so one endless line cannot exhaust memory: up to
 * MAX_LINE_BYTES whole; beyond, only the head and a rolling tail are kept, and the length.
 */
class LineBuffer {
  private parts: Buffer[] = [];
  private size = 0;
  private tail: Buffer[] = [];
  private tailSize = 0;
  private total = 0;
  add(b: Buffer): void {
    if (b.length === 0) return;
    this.total += b.length;
    const room = MAX_LINE_BYTES - this.size;
    const part = b.length > room ? b.subarray(0, room) : b;
    if (part.length > 0) {
      this.parts.push(Buffer.from(part)); // copy: the source is a reused read buffer
      this.size += part.length;
    }
    const rest = b.subarray(part.length);
    if (rest.length === 0) return;
    this.tail.push(Buffer.from(rest.subarray(Math.max(0, rest.length - CUT_KEEP_BYTES))));
    this.tailSize += Math.min(rest.length, CUT_KEEP_BYTES);
    while (this.tailSize - this.tail[0]!.length >= CUT_KEEP_BYTES) this.tailSize -= this.tail.shift()!.length;
  }
  get empty(): boolean {
    return this.total === 0;
  }
  /** The bytes so far, kept. */
  peek(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
  }
  take(): Buffer {
    let out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    if (this.total > this.size) out = cutLine(out, Buffer.concat(this.tail), this.total);
    this.parts = [];
    this.tail = [];
    this.size = this.tailSize = this.total = 0;
    return out;
  }
}

/** A line too long to keep: its head and tail with its length between (see CUT_MARK). */
function cutLine(start: Buffer, end: Buffer, total: number): Buffer {
  const head = start.subarray(0, CUT_KEEP_BYTES);
  const tail = end.length >= CUT_KEEP_BYTES ? end.subarray(end.length - CUT_KEEP_BYTES) : Buffer.concat([start, end]).subarray(-CUT_KEEP_BYTES);
  return Buffer.concat([head, Buffer.from(` … [${total} bytes] … `), tail]);
}

/**
 * Reads lines [start, start+limit) of a run's output, paired with their index records. Streams
 * the file forwards; a trailing line without LF is included (time 0 unless it has a record).
 */
export function readOutputLines(runDir: string, opts: { start?: number; limit?: number } = {}): OutputLine[] {
  const start = Math.max(0, opts.start ?? 0);
  const limit = opts.limit ?? Infinity;
  if (limit <= 0) return [];
  const texts: string[] = [];
  eachOutputLine(runDir, start, (text) => texts.push(text) < limit);
  const index = new IndexFile(outputPaths(runDir).index);
  try {
    return pairLines(texts, start, index);
  } finally {
    index.close();
  }
}

/**
 * Streams the text of each line from line `start` on (a trailing line without LF included) to
 * `fn` until it returns false; memory holds one line (a long one as its head and tail).
 */
export function eachOutputLine(runDir: string, start: number, fn: (text: string, lineNo: number) => boolean): void {
  const fd = openOrNull(outputPaths(runDir).output);
  if (fd === null) return;
  const line = new LineBuffer();
  let lineNo = 0;
  let lineHasBytes = false;
  try {
    const buf = Buffer.alloc(CHUNK);
    let pos = 0;
    outer: for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n === 0) break;
      pos += n;
      let i = 0;
      while (i < n) {
        const lf = buf.indexOf(LF, i);
        const end = lf === -1 || lf >= n ? n : lf;
        if (lineNo >= start) line.add(buf.subarray(i, end));
        if (end > i) lineHasBytes = true;
        if (end === n) break;
        const more = lineNo >= start ? fn(lineText(line.take()), lineNo) : true;
        lineNo++;
        lineHasBytes = false;
        i = end + 1;
        if (!more) return;
      }
    }
    if (lineHasBytes && lineNo >= start) fn(lineText(line.take()), lineNo);
  } finally {
    closeSync(fd);
  }
}

/** Lines of a run's output, a final line without LF included: counted up to 64 MiB, else from the index. */
export function outputLineCount(runDir: string): number {
  const paths = outputPaths(runDir);
  const fd = openOrNull(paths.output);
  if (fd === null) return 0;
  const index = new IndexFile(paths.index);
  try {
    return lineTotal(fd, fstatSync(fd).size, index);
  } finally {
    closeSync(fd);
    index.close();
  }
}

function lineTotal(fd: number, size: number, index: IndexFile): number {
  if (size === 0) return 0;
  const endsWithLf = readAt(fd, size - 1, 1)[0] === LF;
  const complete = size <= EXACT_COUNT_LIMIT ? countLines(fd, size) : index.count();
  return complete + (endsWithLf ? 0 : 1);
}

/**
 * The next line (dir 1) after `from`, or the previous one (dir -1) before it, whose text holds
 * `query` (case-insensitive unless it has a capital), wrapping around the end; null if none does.
 * One pass over the output, one line in memory.
 */
export function findOutputLine(runDir: string, query: string, from: number, dir: 1 | -1): number | null {
  const fold = query === query.toLowerCase();
  let first: number | null = null;
  let last: number | null = null;
  let before: number | null = null;
  let after: number | null = null;
  eachOutputLine(runDir, 0, (text, n) => {
    if (!(fold ? text.toLowerCase() : text).includes(query)) return true;
    first ??= n;
    last = n;
    if (n < from) before = n;
    if (n > from) after ??= n;
    // forward: the first past `from` ends it; backward: past `from` only a wrap needs the last
    return n <= from || (dir === -1 && before === null);
  });
  return dir === 1 ? (after ?? first) : (before ?? last);
}

function countLines(fd: number, size: number): number {
  const buf = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
  let count = 0;
  for (let pos = 0; pos < size; ) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    for (let i = buf.indexOf(LF, 0); i !== -1 && i < n; i = buf.indexOf(LF, i + 1)) count++;
    pos += n;
  }
  return count;
}

/** Bytes of line text `tailOutputLines` holds at most, whatever `n` and the lines' lengths. */
const TAIL_BUDGET = 64 << 20;

/** The text of the line at [start, end): whole, or head and tail when too long to keep. */
function lineAt(fd: number, start: number, end: number): string {
  const len = end - start;
  if (len <= MAX_LINE_BYTES) return lineText(readAt(fd, start, len));
  return lineText(cutLine(readAt(fd, start, CUT_KEEP_BYTES), readAt(fd, end - CUT_KEEP_BYTES, CUT_KEEP_BYTES), len));
}

/**
 * Where the last `n` lines of the first `size` bytes start (a final line without LF is one of
 * them; with n = 0, that line still is). Scans backwards in chunks and gives up after
 * MAX_LINE_BYTES·(n+1) bytes: inside one huge line, the lines then start mid-line.
 */
function lastLinesStart(fd: number, size: number, n: number): number {
  if (size === 0) return 0;
  const endsWithLf = readAt(fd, size - 1, 1)[0] === LF;
  const need = endsWithLf ? n + 1 : Math.max(n, 1);
  let lfs = 0;
  for (let pos = size; pos > 0; ) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const chunk = readAt(fd, pos, len);
    for (let i = chunk.lastIndexOf(LF); i !== -1; i = i > 0 ? chunk.lastIndexOf(LF, i - 1) : -1) {
      if (++lfs >= need) return pos + i + 1;
    }
    if (size - pos > MAX_LINE_BYTES * (n + 1)) return pos;
  }
  return 0;
}

/**
 * The last `n` lines of a run's output. Scans backwards from the end for line breaks, holding
 * only their offsets, then reads each line (a line too long to keep as its head and tail), so
 * memory stays bounded by the lines returned (and TAIL_BUDGET) even for a 1 GiB line. Line
 * numbers (to pair with index records) are counted exactly for files up to 64 MiB; for larger
 * ones the last complete line is taken to be the last record.
 */
export function tailOutputLines(runDir: string, n: number): OutputLine[] {
  if (n <= 0) return [];
  const paths = outputPaths(runDir);
  const fd = openOrNull(paths.output);
  if (fd === null) return [];
  const index = new IndexFile(paths.index);
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return [];
    const endsWithLf = readAt(fd, size - 1, 1)[0] === LF;
    // Line ends, last first: the end of the text, then each LF before it, until n lines are bounded.
    const ends: number[] = [endsWithLf ? size - 1 : size];
    const buf = Buffer.alloc(CHUNK);
    let held = 0;
    scan: for (let pos = ends[0]!; pos > 0 && ends.length <= n; ) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const got = readSync(fd, buf, 0, len, pos);
      for (let i = buf.subarray(0, got).lastIndexOf(LF); i !== -1; i = i > 0 ? buf.subarray(0, got).lastIndexOf(LF, i - 1) : -1) {
        held += Math.min(ends[ends.length - 1]! - (pos + i + 1), MAX_LINE_BYTES);
        ends.push(pos + i);
        if (ends.length > n || held > TAIL_BUDGET) break scan;
      }
    }
    // ends[k+1] is the LF before line k (or the file start): line k is (ends[k+1], ends[k]).
    if (ends.length <= n && held <= TAIL_BUDGET) ends.push(-1);
    const texts: string[] = [];
    for (let k = ends.length - 2; k >= 0; k--) texts.push(lineAt(fd, ends[k + 1]! + 1, ends[k]!));
    return pairLines(texts, Math.max(0, lineTotal(fd, size, index) - texts.length), index);
  } finally {
    closeSync(fd);
    index.close();
  }
}

/** The offset just after the first LF at or after `from` (or `end` when there is none). */
function lineStartAfter(fd: number, from: number, end: number): number {
  const buf = Buffer.alloc(CHUNK);
  for (let pos = from; pos < end; ) {
    const got = readSync(fd, buf, 0, Math.min(CHUNK, end - pos), pos);
    if (got === 0) break;
    const lf = buf.subarray(0, got).indexOf(LF);
    if (lf !== -1) return pos + lf + 1;
    pos += got;
  }
  return end;
}

/**
 * Follows a growing output incrementally. Each `poll()` returns the lines completed since the
 * last poll. A complete line whose index record has not been written yet is held back for one
 * poll (the writer appends the raw chunk before its records); after that it is returned with
 * time 0 and stream 0, so a missing or torn index never stalls the reader. A final line
 * without LF is returned once it has a record (Guild records it when the run ends); until
 * then `partialLine()` gives it as written so far (a progress bar redrawn with `\r`).
 */
export class OutputReader {
  private readonly paths: { output: string; index: string };
  private offset = 0; // bytes of `output` consumed into `pending`/complete lines
  private lineNo = 0; // number of the next line to return
  private partial = new LineBuffer();
  private partialBytes = 0;
  private held: { text: string; polls: number }[] = [];

  /** Set until the first poll when only the end of a long output is wanted. */
  private tailBytes: number | undefined;
  private tailLines: number | undefined;
  /** The first poll skipped ahead: its lines pair with the index counted from the end. */
  private alignToEnd = false;

  /**
   * `tailBytes`: when the output is longer, the first poll starts at the first line within the
   * last `tailBytes` (a dashboard following a 2 GB output holds only its end). `tailLines`: the
   * first poll starts at the last `tailLines` lines (`grun watch -n`).
   */
  constructor(runDir: string, opts: { tailBytes?: number; tailLines?: number } = {}) {
    this.paths = outputPaths(runDir);
    this.tailBytes = opts.tailBytes;
    this.tailLines = opts.tailLines;
  }

  poll(): OutputLine[] {
    const fd = openOrNull(this.paths.output);
    if (fd === null) return [];
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.reset(); // replaced or truncated: start over
      if (this.tailBytes !== undefined && this.offset === 0 && size > this.tailBytes) {
        this.offset = lineStartAfter(fd, size - this.tailBytes, size);
        this.alignToEnd = true;
      }
      if (this.tailLines !== undefined && this.offset === 0) {
        this.offset = lastLinesStart(fd, size, this.tailLines);
        this.alignToEnd = this.offset > 0;
      }
      this.tailBytes = this.tailLines = undefined;
      const buf = Buffer.alloc(CHUNK);
      while (this.offset < size) {
        const got = readSync(fd, buf, 0, Math.min(CHUNK, size - this.offset), this.offset);
        if (got === 0) break;
        this.offset += got;
        let i = 0;
        while (i < got) {
          const lf = buf.indexOf(LF, i);
          const end = lf === -1 || lf >= got ? got : lf;
          this.partial.add(buf.subarray(i, end));
          this.partialBytes += end - i;
          if (end === got) break;
          this.held.push({ text: lineText(this.partial.take()), polls: 0 });
          this.partialBytes = 0;
          i = end + 1;
        }
      }
    } finally {
      closeSync(fd);
    }
    return this.release();
  }

  /**
   * The line being written, as far as the last poll read it (its `\r` redraws included), or ''
   * when there is none or complete lines are still held back (they come first).
   */
  partialLine(): string {
    return this.held.length === 0 && this.partialBytes > 0 ? lineText(this.partial.peek()) : '';
  }

  private reset(): void {
    this.offset = 0;
    this.lineNo = 0;
    this.partial = new LineBuffer();
    this.partialBytes = 0;
    this.held = [];
  }

  private release(): OutputLine[] {
    const index = new IndexFile(this.paths.index);
    try {
      const records = index.count();
      if (this.alignToEnd) {
        // Lines read so far are the last ones written: their records are the last ones too.
        this.lineNo = Math.max(0, records - this.held.length);
        this.alignToEnd = false;
      }
      const out: OutputLine[] = [];
      const recs = index.records(this.lineNo, Math.min(this.held.length + 1, records - this.lineNo));
      let k = 0;
      while (k < this.held.length) {
        const h = this.held[k]!;
        const r = recs[k];
        if (!r && h.polls === 0) break;
        out.push({ time: r ? r.time : 0, stream: r ? r.stream : 0, text: h.text });
        k++;
      }
      for (const h of this.held.slice(k)) h.polls++;
      this.held = this.held.slice(k);
      this.lineNo += k;
      // A record beyond the complete lines belongs to the final partial line: the run ended.
      const r = recs[k];
      if (this.held.length === 0 && this.partialBytes > 0 && r) {
        out.push({ time: r.time, stream: r.stream, text: lineText(this.partial.take()) });
        this.partialBytes = 0;
        this.lineNo++;
      }
      return out;
    } finally {
      index.close();
    }
  }
}

/**
 * Follows a growing output byte for byte (`grun watch` to a pipe: the file's own bytes, CRLF,
 * invalid UTF-8 and a last line without LF included). `tailLines`: start at the last N lines.
 * Each poll returns at most CHUNK bytes, so a burst never has to fit in memory at once.
 */
export class OutputBytesReader {
  private offset: number | undefined;

  constructor(
    private readonly runDir: string,
    private readonly tailLines?: number,
  ) {}

  /** The bytes written since the last poll (empty when none). */
  poll(): Buffer {
    const fd = openOrNull(outputPaths(this.runDir).output);
    if (fd === null) return Buffer.alloc(0);
    try {
      const size = fstatSync(fd).size;
      if (this.offset === undefined) this.offset = this.tailLines !== undefined ? lastLinesStart(fd, size, this.tailLines) : 0;
      if (size < this.offset) this.offset = 0; // replaced or truncated: start over
      const buf = Buffer.alloc(Math.min(CHUNK, size - this.offset));
      const got = buf.length ? readSync(fd, buf, 0, buf.length, this.offset) : 0;
      this.offset += got;
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Writes a run's output the way Guild's RunOutput does: every chunk goes raw to the shared
 * `output` file at once; lines are assembled per stream, and each completed line (LF) appends
 * a record with the time in ms and the stream. Bytes below 9 (control codes) are kept in
 * `output` but left out of the assembled line, as Guild does. Line text kept in memory per
 * stream is capped at MAX_LINE_BYTES; the raw bytes are never capped.
 */
export class OutputWriter {
  private out: number | null;
  private index: number | null;
  private readonly lines: [LineBuffer, LineBuffer] = [new LineBuffer(), new LineBuffer()];
  private readonly hasLine: [boolean, boolean] = [false, false];

  constructor(guildDir: string) {
    this.out = openSync(join(guildDir, 'output'), 'a');
    this.index = openSync(join(guildDir, 'output.index'), 'a');
  }

  /** Appends a chunk; returns the lines (without LF) this chunk completed on that stream. */
  write(stream: 0 | 1, chunk: Buffer): string[] {
    if (this.out === null) throw new Error('OutputWriter is closed');
    writeAll(this.out, chunk);
    const done: string[] = [];
    const records: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      const lf = chunk.indexOf(LF, i);
      const end = lf === -1 ? chunk.length : lf;
      this.addLineBytes(stream, chunk.subarray(i, end));
      if (lf === -1) break;
      done.push(this.finishLine(stream, records));
      i = lf + 1;
    }
    this.writeRecords(records);
    return done;
  }

  /** Records the final partial line of each stream (Guild does so at EOF) and returns them. */
  end(): string[] {
    const done: string[] = [];
    const records: Buffer[] = [];
    for (const s of [0, 1] as const) if (this.hasLine[s]) done.push(this.finishLine(s, records));
    this.writeRecords(records);
    return done;
  }

  close(): void {
    if (this.out !== null) closeSync(this.out);
    if (this.index !== null) closeSync(this.index);
    this.out = this.index = null;
  }

  /**
   * A writable that records text as `stream` of this output, and passes it on to `tee` (a
   * terminal) too: a batch's own log of the trials it runs, as Guild's batch run keeps one.
   */
  stream(stream: 0 | 1, tee?: NodeJS.WritableStream): NodeJS.WritableStream {
    return {
      write: (text: string): boolean => {
        if (this.out !== null) this.write(stream, Buffer.from(text));
        return tee ? tee.write(text) : true;
      },
    } as unknown as NodeJS.WritableStream;
  }

  private addLineBytes(stream: 0 | 1, bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.hasLine[stream] = true;
    let start = 0;
    for (let j = 0; j < bytes.length; j++) {
      if (bytes[j]! < 9) {
        this.lines[stream].add(bytes.subarray(start, j));
        start = j + 1;
      }
    }
    this.lines[stream].add(bytes.subarray(start));
  }

  private finishLine(stream: 0 | 1, records: Buffer[]): string {
    const text = this.lines[stream].empty ? '' : lineText(this.lines[stream].take());
    this.hasLine[stream] = false;
    const rec = Buffer.alloc(RECORD);
    rec.writeBigUInt64BE(BigInt(Date.now()), 0);
    rec[8] = stream;
    records.push(rec);
    return text;
  }

  /** The records of one chunk go out in one write, right after the chunk itself. */
  private writeRecords(records: Buffer[]): void {
    if (records.length && this.index !== null) writeAll(this.index, Buffer.concat(records));
  }
}

function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}
