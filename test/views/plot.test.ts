// The overlay plot (plot.ts) and seed groups (seed-groups.ts) as pure functions.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { PLOT_GUTTER, SERIES_MARKERS, plotSeries, skippedText, type PlotPoint } from '../../src/views/plot.js';
import { groupCurve, meanStd, meanStdText, seedGroups } from '../../src/views/seed-groups.js';
import { compareGroupRows } from '../../src/views/compare-model.js';
import { legendLines } from '../../src/views/CompareScreen.js';
import { makeTheme } from '../../src/views/theme.js';
import { fakeRun } from './helpers.js';

const noColor = makeTheme({ NO_COLOR: '1' });
const color = makeTheme({});
const line = (n: number, f: (i: number) => number, step = 1): PlotPoint[] => Array.from({ length: n }, (_, i) => ({ x: i * step, y: f(i) }));

/** Row and column (past the axis) of the rightmost cell holding `ch`. */
function lastCell(lines: string[], ch: string): { row: number; col: number } | null {
  let best: { row: number; col: number } | null = null;
  lines.forEach((l, row) => {
    const col = [...l].lastIndexOf(ch) - (PLOT_GUTTER - 1);
    if (col >= 0 && (!best || col > best.col)) best = { row, col };
  });
  return best;
}

describe('overlay plot', () => {
  test('without colour each series has its own marker; a shorter run ends at its last step', () => {
    const p = plotSeries([
      { label: 'a', points: line(101, (i) => 1 - i / 100) },
      { label: 'b', points: line(51, (i) => i / 50) },
    ], { width: 80, height: 12, log: false, theme: noColor });
    const plotW = 80 - PLOT_GUTTER - 1;
    const a = lastCell(p.lines, SERIES_MARKERS[0]);
    const b = lastCell(p.lines, SERIES_MARKERS[1]);
    assert.equal(a?.col, plotW, 'a reaches the last step');
    assert.equal(b?.col, Math.round(plotW / 2), 'b stops at step 50 of 100');
    // a ends at 0 (bottom row), b at 1 (top row)
    assert.equal(a?.row, 11);
    assert.equal(b?.row, 0);
    assert.ok(p.lines.every((l) => [...l].length <= 80), 'fits 80 columns');
    assert.equal(p.lines.length, 13, 'the plot rows and the x axis line');
    assert.match(p.lines.at(-1)!, /^\s+0\s+100$/);
  });

  test('log scale: decades are evenly spaced and the axis is labelled in values', () => {
    const p = plotSeries([{ label: 'a', points: [1, 0.1, 0.01, 0.001].map((y, x) => ({ x, y })) }], { width: 60, height: 4, log: true, theme: noColor });
    const labels = p.lines.slice(0, 4).map((l) => l.slice(0, PLOT_GUTTER - 2).trim());
    assert.deepEqual(labels, ['1', '0.1', '0.01', '0.001']);
    const rows = [0, 1, 2, 3].map((r) => p.lines[r]!);
    assert.ok(rows.every((l) => l.includes('●')), 'one decade per row');
  });

  test('NaN, infinities and (log) values ≤ 0 are skipped and counted, never thrown on', () => {
    const p = plotSeries([{ label: 'a', points: [{ x: 0, y: 1 }, { x: 1, y: NaN }, { x: 2, y: Infinity }, { x: 3, y: 0 }, { x: 4, y: 2 }] }], { width: 40, height: 5, log: true, theme: noColor });
    assert.equal(p.notFinite, 2);
    assert.equal(p.notPositive, 1);
    assert.equal(skippedText(p), '2 NaN/inf skipped, 1 ≤ 0 skipped (log scale)');
    assert.deepEqual(plotSeries([{ label: 'x', points: [{ x: 0, y: NaN }] }], { width: 40, height: 5, log: false, theme: noColor }).lines, []);
    assert.deepEqual(plotSeries([], { width: 40, height: 5, log: false, theme: noColor }).lines, []);
  });

  test('with colour each series is painted its own colour; the text is the same shape', () => {
    const series = [{ label: 'a', points: line(20, (i) => i) }, { label: 'b', points: line(20, (i) => 20 - i) }];
    const p = plotSeries(series, { width: 60, height: 8, log: false, theme: color });
    const all = p.lines.join('\n');
    assert.match(all, /\x1b\[36m/);
    assert.match(all, /\x1b\[35m/);
    assert.ok(p.lines.every((l) => [...stripVTControlCharacters(l)].length <= 60));
  });

  test('fits 220 columns and a tall plot; a flat series draws one row', () => {
    const p = plotSeries([{ label: 'a', points: line(5000, (i) => Math.sin(i / 100)) }], { width: 220, height: 50, log: false, theme: noColor });
    assert.equal(p.lines.length, 51);
    assert.ok(p.lines.every((l) => [...l].length <= 220));
    const flat = plotSeries([{ label: 'a', points: line(10, () => 3) }], { width: 40, height: 5, log: false, theme: noColor });
    assert.equal(flat.lines.filter((l) => l.includes('●')).length, 1);
  });

  test('a band is shaded between min and max under the mean line', () => {
    const p = plotSeries([{ label: 'g', points: line(10, () => 5), band: line(10, () => 0).map((q) => ({ x: q.x, lo: 0, hi: 10 })) }], { width: 40, height: 11, log: false, theme: noColor });
    const shaded = p.lines.filter((l) => l.includes('░')).length;
    assert.equal(shaded, 10, 'every row but the mean line is shaded');
  });

  test('the legend packs markers and labels into the width', () => {
    const ls = legendLines(['●', '×', '+', '○'], ['aaaaaaaa', 'bbbbbbbb', 'cccccccc', 'dddddddd'], 30);
    assert.deepEqual(ls, ['● aaaaaaaa  × bbbbbbbb  ', '+ cccccccc  ○ dddddddd  ']);
  });
});

describe('seed groups', () => {
  const r = (flags: Record<string, unknown>, op = 'train.py') => fakeRun({ flags: flags as never, operation: op });

  test('runs that share every flag but the seed form one group, labelled by the flags that differ', () => {
    const runs = [r({ lr: 0.1, seed: 1 }), r({ lr: 0.1, seed: 2 }), r({ lr: 0.01, seed: 1 }), r({ lr: 0.1, seed: 3 }), r({ lr: 0.1, seed: 4 }, 'other.py')];
    const gs = seedGroups(runs);
    assert.deepEqual(gs.map((g) => g.runs.length), [3, 1, 1]);
    assert.deepEqual(gs.map((g) => g.label), ['train.py lr=0.1', 'train.py lr=0.01', 'other.py lr=0.1']);
    assert.deepEqual(seedGroups(runs.slice(0, 4)).map((g) => g.label), ['lr=0.1', 'lr=0.01']);
  });

  test('mean ± std (n) with the sample std', () => {
    assert.deepEqual(meanStd([1, 2, 3, NaN]), { mean: 2, std: 1, n: 3 });
    assert.equal(meanStdText([1, 2, 3]), '2 ± 1 (3)');
    assert.equal(meanStdText([NaN, NaN]), 'nan (2)');
    assert.equal(meanStd([]), null);
  });

  test('a group curve: the mean at each step with the min and max of the runs there', () => {
    const pts = (vs: number[]) => vs.map((value, step) => ({ step, value, wallTime: step }));
    const g = groupCurve([pts([1, 2, 3]), pts([3, 4, NaN]), pts([2])], (s) => s);
    assert.deepEqual(g.mean, [{ x: 0, y: 2 }, { x: 1, y: 3 }, { x: 2, y: 3 }]);
    assert.deepEqual(g.band, [{ x: 0, lo: 1, hi: 3 }, { x: 1, lo: 2, hi: 4 }, { x: 2, lo: 3, hi: 3 }]);
    assert.equal(g.notFinite, 1);
  });

  test('the compare table of groups: shared flags, * for the seed, mean ± std (n) per scalar', () => {
    const a = r({ lr: 0.1, seed: 1 });
    const b = r({ lr: 0.1, seed: 2 });
    const c = r({ lr: 0.01, seed: 1 });
    const loss = (last: number) => [{ prefix: '', tag: 'loss', first: 0, firstStep: 0, last, lastStep: 1, min: last, minStep: 1, max: last, maxStep: 1, avg: last, total: last, count: 1 }];
    const lasts = new Map([[a.id, 1], [b.id, 3], [c.id, 5]]);
    const rows = compareGroupRows(seedGroups([a, b, c]), (x) => loss(lasts.get(x.id)!));
    const get = (name: string) => rows.find((x) => x.name === name)!.values;
    assert.deepEqual(get('runs'), ['2', '1']);
    assert.deepEqual(get('seed'), ['*', '1']);
    assert.deepEqual(get('lr'), ['0.1', '0.01']);
    assert.deepEqual(get('last loss'), ['2 ± 1.4142 (2)', '5 ± 0 (1)']);
  });
});
