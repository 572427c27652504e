import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MAX_LINE_BYTES,
  OutputReader,
  OutputWriter,
  readOutputLines,
  tailOutputLines,
} from '../../src/store/output.js';
import { copyFixtureHome, tempDir } from '../helpers/home.js';

function record(time: number, stream: 0 | 1): Buffer {
  const b = Buffer.alloc(9);
  b.writeBigUInt64BE(BigInt(time));
  b[8] = stream;
  return b;
}

/** A run dir with the given output bytes and index records. */
function runWith(output: string | Buffer, records: [number, 0 | 1][] | null): string {
  const run = tempDir('grun-out-');
  mkdirSync(join(run, '.guild'));
  writeFileSync(join(run, '.guild', 'output'), output);
  if (records) writeFileSync(join(run, '.guild', 'output.index'), Buffer.concat(records.map(([t, s]) => record(t, s))));
  return run;
}

describe('output reading', () => {
  test('pairs lines of a real Guild run with their index records (stderr line included)', () => {
    const home = copyFixtureHome();
    const lines = readOutputLines(join(home, 'runs', '13f6d5be7f9f4468aa7f4bd7ffd35d86'));
    assert.equal(lines.length, 10);
    assert.deepEqual(lines[3], { time: 1795344669209, stream: 1, text: 'boom: simulated failure' });
    assert.deepEqual(lines[0], { time: 1795344669044, stream: 0, text: 'epoch: 0' });
    assert.ok(lines.filter((l) => l.stream === 1).length === 1);
  });

  test('start and limit select a window', () => {
    const run = runWith('a\nb\nc\nd\n', [[1, 0], [2, 1], [3, 0], [4, 1]]);
    assert.deepEqual(readOutputLines(run, { start: 1, limit: 2 }), [
      { time: 2, stream: 1, text: 'b' },
      { time: 3, stream: 0, text: 'c' },
    ]);
    assert.deepEqual(readOutputLines(run, { start: 10 }), []);
  });

  test('missing index gives stream 0 and time 0; torn last record is ignored', () => {
    const noIndex = runWith('x\ny\n', null);
    assert.deepEqual(readOutputLines(noIndex), [
      { time: 0, stream: 0, text: 'x' },
      { time: 0, stream: 0, text: 'y' },
    ]);
    const torn = runWith('x\ny\n', [[5, 1], [6, 1]]);
    truncateSync(join(torn, '.guild', 'output.index'), 13);
    assert.deepEqual(readOutputLines(torn), [
      { time: 5, stream: 1, text: 'x' },
      { time: 0, stream: 0, text: 'y' },
    ]);
  });

  test('invalid UTF-8 becomes replacement chars, CR inside a line is kept, CRLF ending dropped', () => {
    const run = runWith(Buffer.concat([Buffer.from('a'), Buffer.from([0xff, 0xfe]), Buffer.from('b\n10%\r50%\r\nend\r\n')]), null);
    assert.deepEqual(
      readOutputLines(run).map((l) => l.text),
      ['a\ufffd\ufffdb', '10%\r50%', 'end'],
    );
  });

  test('a final line without LF is read', () => {
    const run = runWith('one\ntwo', [[1, 0], [2, 0]]);
    assert.deepEqual(readOutputLines(run).map((l) => [l.text, l.time]), [['one', 1], ['two', 2]]);
  });

  test('no output file reads as no lines', () => {
    const run = tempDir();
    assert.deepEqual(readOutputLines(run), []);
    assert.deepEqual(tailOutputLines(run, 5), []);
    assert.deepEqual(new OutputReader(run).poll(), []);
  });
});

describe('tailOutputLines', () => {
  test('returns the last n lines paired with the right records', () => {
    const n = 5000;
    const text = Array.from({ length: n }, (_, i) => `line ${i}`).join('\n') + '\n';
    const recs = Array.from({ length: n }, (_, i) => [1000 + i, (i % 2) as 0 | 1] as [number, 0 | 1]);
    const run = runWith(text, recs);
    const tail = tailOutputLines(run, 3);
    assert.deepEqual(tail, [
      { time: 1000 + n - 3, stream: (n - 3) % 2, text: `line ${n - 3}` },
      { time: 1000 + n - 2, stream: (n - 2) % 2, text: `line ${n - 2}` },
      { time: 1000 + n - 1, stream: (n - 1) % 2, text: `line ${n - 1}` },
    ]);
    assert.deepEqual(tailOutputLines(run, n + 10), readOutputLines(run));
  });

  test('agrees with readOutputLines across chunk boundaries and a trailing partial line', () => {
    // Lines longer than the 1 MiB read chunk force LFs to straddle chunk edges.
    const long = 'x'.repeat((1 << 20) - 3);
    const text = `a\n${long}\nb\n\n${long}y\ntail`;
    const run = runWith(text, [[1, 0], [2, 1], [3, 0], [4, 1], [5, 0]]);
    const all = readOutputLines(run);
    assert.equal(all.length, 6);
    assert.deepEqual(all[5], { time: 0, stream: 0, text: 'tail' });
    for (const k of [1, 2, 3, 6]) assert.deepEqual(tailOutputLines(run, k), all.slice(-k), `n=${k}`);
  });

  test('reads only the end of a large sparse file', () => {
    const run = runWith('', null);
    const out = join(run, '.guild', 'output');
    truncateSync(out, 200 << 20); // 200 MiB of NUL bytes, no LF, stored sparse
    appendFileSync(out, '\nlast 1\nlast 2\n');
    // its time and memory are measured by bench/output-tail.ts
    const tail = tailOutputLines(run, 2);
    assert.deepEqual(tail.map((l) => l.text), ['last 1', 'last 2']);
  });
});

describe('OutputReader', () => {
  test('follows a growing file, waiting one poll for records, and picks up the final partial line', () => {
    const run = runWith('', null);
    const out = join(run, '.guild', 'output');
    const idx = join(run, '.guild', 'output.index');
    const r = new OutputReader(run);
    assert.deepEqual(r.poll(), []);
    appendFileSync(out, 'one\ntw');
    appendFileSync(idx, record(10, 0));
    assert.deepEqual(r.poll(), [{ time: 10, stream: 0, text: 'one' }]);
    appendFileSync(out, 'o\nthree\n');
    // 'two' and 'three' have no records yet: held for one poll.
    assert.deepEqual(r.poll(), []);
    appendFileSync(idx, Buffer.concat([record(11, 1), record(12, 0)]));
    assert.deepEqual(r.poll(), [
      { time: 11, stream: 1, text: 'two' },
      { time: 12, stream: 0, text: 'three' },
    ]);
    appendFileSync(out, 'partial');
    assert.deepEqual(r.poll(), []);
    appendFileSync(idx, record(13, 1));
    assert.deepEqual(r.poll(), [{ time: 13, stream: 1, text: 'partial' }]);
    assert.deepEqual(r.poll(), []);
  });

  test('tailBytes: a long output is followed from its end, lines paired with the last records', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${String(i).padStart(4, '0')}`);
    const run = runWith(lines.join('\n') + '\n', lines.map((_, i) => [i, (i % 2) as 0 | 1]));
    const r = new OutputReader(run, { tailBytes: 100 }); // each line is 10 bytes
    const first = r.poll();
    assert.ok(first.length <= 10 && first.length >= 9, `${first.length} lines`);
    assert.deepEqual(first.at(-1), { time: 999, stream: 1, text: 'line 0999' });
    for (const l of first) assert.equal(l.time, Number(l.text.slice(5)), 'each line keeps its own record');
    appendFileSync(join(run, '.guild', 'output'), 'next\n');
    appendFileSync(join(run, '.guild', 'output.index'), record(1000, 0));
    assert.deepEqual(r.poll(), [{ time: 1000, stream: 0, text: 'next' }]);
    const short = new OutputReader(runWith('a\nb\n', [[1, 0], [2, 1]]), { tailBytes: 100 });
    assert.equal(short.poll().length, 2, 'a short output is read whole');
  });

  test('tailLines: the first poll starts at the last N lines (a final line without LF is one)', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
    const whole = runWith(lines.join('\n') + '\n', lines.map((_, i) => [i, (i % 2) as 0 | 1]));
    assert.deepEqual(new OutputReader(whole, { tailLines: 3 }).poll(), [
      { time: 997, stream: 1, text: 'line 997' },
      { time: 998, stream: 0, text: 'line 998' },
      { time: 999, stream: 1, text: 'line 999' },
    ]);
    assert.equal(new OutputReader(whole, { tailLines: 5000 }).poll().length, 1000);
    const zero = new OutputReader(whole, { tailLines: 0 });
    assert.deepEqual(zero.poll(), []);
    appendFileSync(join(whole, '.guild', 'output'), 'next\n');
    appendFileSync(join(whole, '.guild', 'output.index'), record(1000, 0));
    assert.deepEqual(zero.poll(), [{ time: 1000, stream: 0, text: 'next' }], 'then it follows');
    const open = runWith('a\nb\n\rbar 10%', [[1, 0], [2, 0]]);
    const r = new OutputReader(open, { tailLines: 2 });
    assert.deepEqual(r.poll(), [{ time: 2, stream: 0, text: 'b' }]);
    assert.equal(r.partialLine(), '\rbar 10%');
    assert.equal(new OutputReader(open, { tailLines: 0 }).partialLine(), '', 'nothing before a poll');
  });

  test('partialLine: the line being written, live, until it ends; never ahead of held lines', () => {
    const run = runWith('', null);
    const out = join(run, '.guild', 'output');
    const idx = join(run, '.guild', 'output.index');
    const r = new OutputReader(run);
    appendFileSync(out, '\r 10%');
    assert.deepEqual(r.poll(), []);
    assert.equal(r.partialLine(), '\r 10%');
    appendFileSync(out, '\r 20%');
    assert.deepEqual(r.poll(), []);
    assert.equal(r.partialLine(), '\r 10%\r 20%');
    appendFileSync(out, '\r100%\nnext');
    assert.deepEqual(r.poll(), []);
    assert.equal(r.partialLine(), '', 'the ended line is held for its record: it comes first');
    appendFileSync(idx, record(5, 1));
    assert.deepEqual(r.poll(), [{ time: 5, stream: 1, text: '\r 10%\r 20%\r100%' }]);
    assert.equal(r.partialLine(), 'next');
  });

  test('without an index, lines come with defaults after one poll', () => {
    const run = runWith('a\nb\n', null);
    const r = new OutputReader(run);
    assert.deepEqual(r.poll(), []);
    assert.deepEqual(r.poll(), [
      { time: 0, stream: 0, text: 'a' },
      { time: 0, stream: 0, text: 'b' },
    ]);
  });
});

describe('OutputWriter', () => {
  test('writes raw chunks at once, assembles lines per stream, one record per line', () => {
    const run = tempDir();
    const g = join(run, '.guild');
    mkdirSync(g);
    const w = new OutputWriter(g);
    const t0 = Date.now();
    assert.deepEqual(w.write(0, Buffer.from('out-a')), []);
    assert.equal(readFileSync(join(g, 'output'), 'utf8'), 'out-a');
    assert.deepEqual(w.write(1, Buffer.from('err-1\nerr-')), ['err-1']);
    assert.deepEqual(w.write(0, Buffer.from('b\nx\x07y\n')), ['out-ab', 'xy']);
    assert.deepEqual(w.end(), ['err-']); // stdout has no partial line; stderr does
    w.close();
    assert.equal(readFileSync(join(g, 'output'), 'utf8'), 'out-aerr-1\nerr-b\nx\x07y\n');
    const idx = readFileSync(join(g, 'output.index'));
    assert.equal(idx.length, 4 * 9);
    const streams = [0, 1, 2, 3].map((i) => idx[i * 9 + 8]);
    assert.deepEqual(streams, [1, 0, 0, 1]);
    const time = Number(idx.readBigUInt64BE(0));
    assert.ok(time >= t0 && time <= Date.now());
    // Guild's pairing: n-th line of the file with the n-th record.
    assert.deepEqual(
      readOutputLines(run).map((l) => [l.text, l.stream]),
      [['out-aerr-1', 1], ['err-b', 0], ['x\x07y', 0]],
    );
  });

  test('a reader following the writer sees each line with its stream', () => {
    const run = tempDir();
    const g = join(run, '.guild');
    mkdirSync(g);
    const w = new OutputWriter(g);
    const r = new OutputReader(run);
    w.write(0, Buffer.from('hello\n'));
    w.write(1, Buffer.from('oops\npart'));
    assert.deepEqual(r.poll().map((l) => [l.text, l.stream]), [['hello', 0], ['oops', 1]]);
    assert.deepEqual(r.poll(), []);
    w.write(1, Buffer.from('ial'));
    w.end();
    w.close();
    assert.deepEqual(r.poll().map((l) => [l.text, l.stream]), [['partial', 1]]);
    assert.deepEqual(tailOutputLines(run, 2).map((l) => [l.text, l.stream]), [['oops', 1], ['partial', 1]]);
  });

  test('memory stays bounded for one huge line while every byte reaches the file', () => {
    const run = tempDir();
    const g = join(run, '.guild');
    mkdirSync(g);
    const w = new OutputWriter(g);
    const chunk = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 8; i++) w.write(0, chunk);
    const [line] = w.write(0, Buffer.from('\n'));
    w.close();
    assert.ok(line!.length < 8192, 'the line kept is its head and tail');
    assert.match(line!, /^a+ … \[8388608 bytes\] … a+$/);
    assert.equal(statSync(join(g, 'output')).size, 8 * (1 << 20) + 1);
    assert.equal(statSync(join(g, 'output.index')).size, 9);
  });

  test('a line too long to keep reads as its head and tail with its length, from either end', () => {
    const run = tempDir();
    const g = join(run, '.guild');
    mkdirSync(g);
    const w = new OutputWriter(g);
    w.write(0, Buffer.from('first\nHEAD'));
    for (let i = 0; i < 3; i++) w.write(0, Buffer.alloc(MAX_LINE_BYTES, 0x78));
    w.write(0, Buffer.from('TAIL'));
    w.end();
    w.close();
    const length = 3 * MAX_LINE_BYTES + 8;
    const cut = new RegExp(`^HEADx+ … \\[${length} bytes\\] … x+TAIL$`);
    for (const lines of [tailOutputLines(run, 2), readOutputLines(run), new OutputReader(run).poll()]) {
      assert.deepEqual(lines.map((l) => l.text.length < 8192), [true, true]);
      assert.equal(lines[0]!.text, 'first');
      assert.match(lines[1]!.text, cut);
    }
  });
});

describe('output search and line count', () => {
  test('findOutputLine wraps both ways; case folds unless the query has a capital; outputLineCount counts a final line without LF', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join: j } = await import('node:path');
    const { findOutputLine, outputLineCount } = await import('../../src/store/output.js');
    const dir = mkdtempSync(j(tmpdir(), 'grun-find-'));
    mkdirSync(j(dir, '.guild'));
    writeFileSync(j(dir, '.guild', 'output'), 'a\nNeedle 1\nb\nneedle 2\nc');
    assert.equal(outputLineCount(dir), 5);
    assert.equal(findOutputLine(dir, 'needle', -1, 1), 1);
    assert.equal(findOutputLine(dir, 'needle', 1, 1), 3);
    assert.equal(findOutputLine(dir, 'needle', 3, 1), 1, 'wraps to the first');
    assert.equal(findOutputLine(dir, 'needle', 3, -1), 1);
    assert.equal(findOutputLine(dir, 'needle', 1, -1), 3, 'wraps to the last');
    assert.equal(findOutputLine(dir, 'Needle', -1, 1), 1);
    assert.equal(findOutputLine(dir, 'Needle', 1, 1), 1, 'case matters with a capital');
    assert.equal(findOutputLine(dir, 'nothing', 0, 1), null);
  });
});
