import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { liveText, OutputPrinter } from '../../src/engine/output-printer.js';
import { OutputReader } from '../../src/store/output.js';
import { tempDir } from '../helpers/home.js';

/** A stream that says it is a terminal of `columns` columns, collecting what is written. */
function terminal(columns: number, isTTY = true): { out: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const out = Object.assign(new PassThrough(), { isTTY, columns });
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

function record(stream: 0 | 1): Buffer {
  const b = Buffer.alloc(9);
  b.writeBigUInt64BE(BigInt(Date.now()));
  b[8] = stream;
  return b;
}

describe('liveText: what a terminal shows of an open line', () => {
  const cases: [string, number, string][] = [
    ['\r 10%|#   |\r 20%|##  |', 80, ' 20%|##  |'],
    ['\r 20%\r', 80, ' 20%'],
    ['epoch 1 \x1b[32m50%\x1b[0m\tok', 80, 'epoch 1 50% ok'],
    ['abcdefghij', 6, 'abcde'],
    ['abcde', 6, 'abcde'],
    ['', 80, ''],
  ];
  for (const [partial, columns, shown] of cases) test(JSON.stringify(partial), () => assert.equal(liveText(partial, columns), shown));
});

describe('OutputPrinter', () => {
  function run(): { dir: string; out: string; idx: string } {
    const dir = tempDir('grun-printer-');
    mkdirSync(join(dir, '.guild'));
    writeFileSync(join(dir, '.guild', 'output'), '');
    return { dir, out: join(dir, '.guild', 'output'), idx: join(dir, '.guild', 'output.index') };
  }

  test('on a terminal: the open line redrawn in place, then the ended line once', async () => {
    const r = run();
    const reader = new OutputReader(r.dir);
    const t = terminal(40);
    const err = terminal(40);
    const p = new OutputPrinter(t.out, err.out);
    appendFileSync(r.out, '\r 10%');
    p.print(reader);
    appendFileSync(r.out, '\r 20%');
    p.print(reader);
    p.print(reader); // nothing new: nothing written
    appendFileSync(r.out, '\r100%\n');
    appendFileSync(r.idx, record(1));
    p.print(reader);
    p.finish();
    await new Promise((ok) => setImmediate(ok));
    assert.equal(t.text(), '\r\x1b[K 10%\r\x1b[K 20%\r\x1b[K');
    assert.equal(err.text(), '\r 10%\r 20%\r100%\n', 'the ended line goes to its stream, as written');
  });

  test('piped: whole lines only; finish leaves a shown line on its own row', async () => {
    const r = run();
    const piped = terminal(40, false);
    const reader = new OutputReader(r.dir);
    const p = new OutputPrinter(piped.out);
    appendFileSync(r.out, 'a\n\r 10%');
    appendFileSync(r.idx, record(0));
    p.print(reader);
    await new Promise((ok) => setImmediate(ok));
    assert.equal(piped.text(), 'a\n');
    const t = terminal(40);
    const shown = new OutputPrinter(t.out);
    shown.print(new OutputReader(r.dir));
    shown.finish();
    await new Promise((ok) => setImmediate(ok));
    assert.equal(t.text(), 'a\n\r\x1b[K 10%\n');
  });
});
