import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { downsample, fit, formatDuration, formatNumber, sparkline } from '../../src/views/format.js';
import { collapseCarriageReturns } from '../../src/views/hooks/useRunData.js';
import { compareCsv } from '../../src/engine/compare.js';
import { compareRows } from '../../src/views/compare-model.js';
import { makeViewMemo } from '../../src/views/state/view.js';
import { fakeRun } from './helpers.js';

describe('dashboard formatting', () => {
  test('downsampling keeps the mean of each bucket', () => {
    assert.equal(downsample([1, 2, 3, 4], 2).length, 2);
    assert.deepEqual(downsample([1, 3, 5, 7], 2), [2, 6]);
  });

  test('sparklines skip non-finite values; flat series draw mid-height', () => {
    assert.equal(sparkline([0, NaN, 7], 10), '▁█');
    assert.equal(sparkline([2, 2, 2], 10), '▄▄▄');
    assert.equal(sparkline([], 10), '');
  });

  test('\\r progress lines keep what the terminal would show', () => {
    assert.equal(collapseCarriageReturns('10%\r50%\r100%'), '100%');
    assert.equal(collapseCarriageReturns('done\r'), 'done');
    assert.equal(collapseCarriageReturns('plain'), 'plain');
  });

  test('numbers, durations and cells', () => {
    assert.equal(formatNumber(0.123456789), '0.123457');
    assert.equal(formatNumber(NaN), 'nan');
    assert.equal(formatNumber(3), '3');
    assert.equal(formatDuration(3_723_000), '1:02:03');
    assert.equal(fit('abcdef', 4), 'abc…');
    assert.equal(fit('ab', 4, 'right'), '  ab');
  });

  test('compare flags differences and writes Guild-style CSV', () => {
    const a = fakeRun({ id: 'aaaaaaaa' + '0'.repeat(24), flags: { lr: 0.1, fast: true }, label: 'x, "y"' });
    const b = fakeRun({ id: 'bbbbbbbb' + '0'.repeat(24), flags: { lr: 0.2, fast: true } });
    const rows = compareRows([a, b], () => []);
    assert.equal(rows.find((r) => r.name === 'lr')!.differs, true);
    assert.equal(rows.find((r) => r.name === 'fast')!.differs, false);
    const csv = compareCsv([a, b]).split('\n');
    assert.equal(csv[0], 'run,operation,started,time,status,label,fast,lr');
    assert.match(csv[1]!, /^aaaaaaaa,train\.py,.*,"x, ""y""",True,0\.1$/);
  });
});

describe('dashboard sort by a scalar', () => {
  test('nan, inf and -inf sort last in both directions', () => {
    const vals: Record<string, number> = { a: -Infinity, b: 2, c: NaN, d: 1, e: Infinity };
    const runs = Object.keys(vals).map((k) => fakeRun({ id: k.repeat(32) }));
    const scalars = {
      version: 1,
      get: (id: string) => [{ prefix: '', tag: 'loss', first: 0, firstStep: 0, last: vals[id[0]!]!, lastStep: 0, min: 0, minStep: 0, max: 0, maxStep: 0, avg: 0, total: 0, count: 1 }],
    };
    for (const [desc, best] of [[false, ['d', 'b']], [true, ['b', 'd']]] as const) {
      const view = makeViewMemo()(runs, { filter: '', status: 'all', sort: { key: 'scalar:loss', desc }, expanded: new Set(), flat: false }, scalars);
      assert.deepEqual(view.rows.slice(0, 2).map((r) => r.run.id[0]), best, `desc=${desc}`);
    }
  });
});
