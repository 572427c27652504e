import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, maskedCrc32c } from '../../src/store/crc32c.js';
import { encodeEvent, EventFileWriter, frameRecord, readEventFile, type TfEvent } from '../../src/store/tfevents.js';
import { fixtureHome, samplesDir, tempDir } from '../helpers/home.js';

const RUN = join(fixtureHome, 'runs', 'e1cf955019fc498ba318ae5d147456c2', '.guild');
const SCALARS = join(RUN, 'events.out.tfevents.1795344659.gpu-box.4081.0');
const ATTRS = join(RUN, 'events.out.tfevents.1795344659.gpu-box.4081.1.attrs');

/** Re-encodes decoded events the way Guild's writer does, to compare bytes with the original. */
function reencode(events: TfEvent[]): Buffer {
  const parts = [frameRecord(encodeEvent({ fileVersion: 'brain.Event:2' }))];
  for (const e of events) {
    for (const v of e.values) {
      const value =
        v.text !== undefined
          ? {
              tag: v.tag,
              tensor: { dtype: 7, tensor_shape: {}, string_val: [Buffer.from(v.text)] },
              metadata: { plugin_data: { plugin_name: 'text' } },
            }
          : { tag: v.tag, simple_value: v.value };
      parts.push(frameRecord(encodeEvent({ wallTime: e.wallTime, step: e.step, value })));
    }
  }
  return Buffer.concat(parts);
}

/** A TF2-style scalar: a one-element float tensor, as tf.summary.scalar writes it. */
function tensorEvent(tag: string, tensor: object, step: number): Buffer {
  return frameRecord(encodeEvent({ wallTime: 1.5, step, value: { tag, tensor } }));
}

describe('crc32c', () => {
  test('standard check vector and TensorFlow mask', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    // The length header of Guild's first record, as found in the fixture file.
    const header = Buffer.alloc(8);
    header.writeBigUInt64LE(15n);
    assert.equal(maskedCrc32c(header), readFileSync(SCALARS).readUInt32LE(8));
  });
});

describe('readEventFile', () => {
  test('decodes Guild output scalars and text attrs', () => {
    const r = readEventFile(SCALARS);
    assert.equal(r.problem, undefined);
    assert.equal(r.nextOffset, 277);
    assert.deepEqual(
      r.events.map((e) => [e.step, e.values[0]!.tag, e.values[0]!.value]),
      [[0, 'epoch', 0], [0, 'loss', 0.5], [0, 'acc', 0.75], [1, 'epoch', 1], [1, 'loss', 0.25], [1, 'acc', 0.875]],
    );
    assert.equal(r.events[0]!.wallTime, 1795344659.580447);
    assert.deepEqual(readEventFile(ATTRS).events.map((e) => e.values), [[{ tag: 'status', text: 'done' }]]);
  });

  test('every fixture event file re-encodes to the same bytes', () => {
    const files = [
      ...readdirSync(join(fixtureHome, 'runs'), { recursive: true, encoding: 'utf8' }).map((f) => join(fixtureHome, 'runs', f)),
      ...readdirSync(samplesDir, { recursive: true, encoding: 'utf8' }).map((f) => join(samplesDir, f)),
    ].filter((f) => f.includes('.tfevents.'));
    assert.ok(files.length >= 20);
    for (const f of files) {
      const r = readEventFile(f);
      assert.equal(r.problem, undefined, f);
      assert.ok(reencode(r.events).equals(readFileSync(f)), f);
    }
  });

  test('float and double tensors, tensor_content, and text tags with /text_summary', () => {
    const content = Buffer.alloc(8);
    content.writeDoubleLE(0.125);
    const path = join(tempDir(), 'events.out.tfevents.1.h.1.0');
    writeFileSync(
      path,
      Buffer.concat([
        tensorEvent('a', { dtype: 1, float_val: [0.5] }, 1),
        tensorEvent('b', { dtype: 2, double_val: [0.1] }, 2),
        tensorEvent('c', { dtype: 2, tensor_content: content }, 3),
        tensorEvent('skip', { dtype: 1, float_val: [1, 2] }, 4),
        tensorEvent('note/text_summary', { dtype: 7, string_val: [Buffer.from('hé')] }, 5),
      ]),
    );
    const r = readEventFile(path);
    assert.deepEqual(
      r.events.map((e) => [e.step, e.values]),
      [
        [1, [{ tag: 'a', value: 0.5 }]],
        [2, [{ tag: 'b', value: 0.1 }]],
        [3, [{ tag: 'c', value: 0.125 }]],
        [5, [{ tag: 'note', text: 'hé' }]],
      ],
    );
  });

  test('a truncated tail stops cleanly and reading resumes from nextOffset', () => {
    const bytes = readFileSync(SCALARS);
    const path = join(tempDir(), 'events.out.tfevents.1.h.1.0');
    writeFileSync(path, bytes.subarray(0, 200));
    const first = readEventFile(path);
    assert.equal(first.problem, undefined);
    assert.ok(first.nextOffset < 200);
    appendFileSync(path, bytes.subarray(200));
    const rest = readEventFile(path, first.nextOffset);
    assert.equal(rest.nextOffset, bytes.length);
    assert.deepEqual([...first.events, ...rest.events], readEventFile(SCALARS).events);
  });

  test('CRC mismatches and garbage are problems, not exceptions', () => {
    const bytes = Buffer.from(readFileSync(SCALARS));
    const dir = tempDir();
    const dataBad = Buffer.from(bytes);
    dataBad[60] = dataBad[60]! ^ 0xff; // inside the second record's data
    writeFileSync(join(dir, 'd'), dataBad);
    const d = readEventFile(join(dir, 'd'));
    assert.match(d.problem ?? '', /data CRC/);
    assert.equal(d.events.length, 5, 'the other records still read');

    writeFileSync(join(dir, 'g'), Buffer.concat([bytes.subarray(0, 31), Buffer.from('garbage garbage garbage')]));
    const g = readEventFile(join(dir, 'g'));
    assert.match(g.problem ?? '', /length CRC at offset 31/);
    assert.equal(g.nextOffset, 31);
    assert.match(readEventFile(join(dir, 'missing')).problem ?? '', /cannot read/);
  });
});

describe('EventFileWriter', () => {
  test('creates the file lazily with Guild naming and reads back', () => {
    const dir = tempDir();
    const w = new EventFileWriter(dir, { host: 'gpu-box', pid: 4081 });
    assert.deepEqual(readdirSync(dir), []);
    w.addScalar('loss', 0.4, 0, 1795344659.5);
    w.addScalar('loss', 0.3, 7, 1795344660.5);
    const names = readdirSync(dir);
    assert.equal(names.length, 1);
    assert.match(names[0]!, /^events\.out\.tfevents\.\d{10}\.gpu-box\.4081\.\d+$/);
    // Flushed per event: readable before close.
    const r = readEventFile(join(dir, names[0]!));
    assert.deepEqual(
      r.events.map((e) => [e.wallTime, e.step, e.values]),
      [
        [1795344659.5, 0, [{ tag: 'loss', value: Math.fround(0.4) }]],
        [1795344660.5, 7, [{ tag: 'loss', value: Math.fround(0.3) }]],
      ],
    );
    w.close();
  });

  test('writes the same bytes as Guild for the same events', () => {
    const dir = tempDir();
    const scalars = new EventFileWriter(dir, { host: 'gpu-box', pid: 4081 });
    for (const e of readEventFile(SCALARS).events) scalars.addScalar(e.values[0]!.tag, e.values[0]!.value!, e.step, e.wallTime);
    scalars.close();
    const attrs = new EventFileWriter(dir, { host: 'gpu-box', pid: 4081, attrs: true });
    for (const e of readEventFile(ATTRS).events) attrs.addText(e.values[0]!.tag, e.values[0]!.text!, e.step, e.wallTime);
    attrs.close();
    const names = readdirSync(dir);
    assert.equal(names.length, 2);
    const plain = names.find((n) => !n.endsWith('.attrs'));
    const withAttrs = names.find((n) => n.endsWith('.attrs'));
    assert.ok(readFileSync(join(dir, plain!)).equals(readFileSync(SCALARS)));
    assert.ok(readFileSync(join(dir, withAttrs!)).equals(readFileSync(ATTRS)));
    // Counter: the attrs writer got a later number than the scalars writer.
    const num = (n: string) => Number(n.split('.')[6]);
    assert.ok(num(withAttrs!) > num(plain!));
  });
});
