// Compare's overlay plot in the real dashboard (tmux, NO_COLOR, 80x24 and 220x60) over real runs:
// four runs of a script whose loss falls a decade per run to 10^-k at step 10k, on a log scale
// each run's last point is on its decade's row at its last step's column; then three seeds of
// one setting drawn as a seed group, its mean inside its min–max band.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { withTmux, tmuxSkip } from './tmux.js';

const skip = tmuxSkip;

const MARKERS = ['●', '×', '+', '○'];
const GUTTER = 11; // the y labels, a space and the axis

describe('dashboard overlay plot in tmux', { skip }, () => {
  let home = '';
  let project = '';
  before(() => {
    project = tempDir('grun-plot-proj-');
    writeFileSync(join(project, 'train.py'), [
      'k = 1', 'seed = 0', 'spread = 0.0',
      'for i in range(10 * k + 1):',
      '    print(f"step: {i}")',
      '    print(f"loss: {10 ** (-i / 10) * (1 + spread * seed)}")',
      'print("loss: nan")',
      '',
    ].join('\n'));
    home = emptyHome();
    for (const k of [1, 2, 3, 4]) ok(home, ['run', 'train.py', `k=${k}`, '-y'], { cwd: project });
  });

  for (const [columns, rows] of [[80, 24], [220, 60]] as const) {
    test(`${columns}x${rows}: 4 runs overlaid on a log scale, each run's last point on its row and column`, async () => {
      await withTmux({ columns, rows, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1' } }, async (t) => {
        await t.waitFor(/4\/4 runs/);
        t.keys('A', 'c');
        await t.waitFor(/compare 4 runs/);
        t.keys('p');
        await t.waitFor(/compare 4 runs: loss 1\/1  y:linear/);
        t.keys('L');
        const s = await t.waitForStill(/y:log  x:step[\s\S]*4 NaN\/inf skipped/);
        const lines = s.split('\n');
        assert.ok(lines.every((l) => [...l].length <= columns));
        // the legend names the run of each marker; the runs list newest (k=4) first
        const legend = lines[1]!;
        const ids = MARKERS.map((m) => new RegExp(`${m.replace('+', '\\+')} ([0-9a-f]{8})`).exec(legend)?.[1]);
        assert.ok(ids.every(Boolean), `legend: ${legend}`);
        const plot = lines.filter((l) => /^ *[\d.e-]+ [┤●×+○┼]|^ {9,10}[┤●×+○┼]/.test(l) && l.length > GUTTER - 1);
        const label = (row: string) => Number(row.slice(0, GUTTER - 2).trim());
        const xAxis = lines.find((l) => /^ {10}0 +40$/.test(l));
        assert.ok(xAxis, 'the x axis runs from step 0 to 40');
        const plotW = columns - GUTTER - 1;
        MARKERS.forEach((m, i) => {
          const k = 4 - i; // newest first
          let best = { row: -1, col: -1 };
          plot.forEach((l, row) => {
            const col = [...l].lastIndexOf(m) - (GUTTER - 1);
            if (col > best.col) best = { row, col };
          });
          assert.equal(best.col, Math.round((10 * k * plotW) / 40), `run k=${k} ends at step ${10 * k}`);
          // the row whose label is nearest 10^-k on the log axis
          const want = plot.map((l, row) => ({ row, d: Math.abs(Math.log10(label(l)) + k) })).sort((a, b) => a.d - b.d)[0]!.row;
          assert.equal(best.row, want, `run k=${k} ends at 1e-${k}: row ${best.row} labelled ${label(plot[best.row]!)}`);
        });
        t.keys('q', 'q');
        await t.waitFor(/EXIT=0/);
      });
    });
  }

  test('80x24: a seed band over three seeds of one setting, its mean between min and max', async () => {
    const seeds = emptyHome();
    for (const seed of [1, 2, 3]) ok(seeds, ['run', 'train.py', 'k=2', `seed=${seed}`, 'spread=0.5', '-y'], { cwd: project });
    ok(seeds, ['run', 'train.py', 'k=1', 'seed=1', '-y'], { cwd: project });
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: seeds, NO_COLOR: '1' } }, async (t) => {
      await t.waitFor(/4\/4 runs/);
      t.keys('A', 'c');
      await t.waitFor(/compare 4 runs/);
      t.keys('b');
      // the scalars load after the table: wait for the groups' values
      let s = await t.waitForStill(/compare 4 runs, 2 seed groups[\s\S]*min loss +0\.1/, 15000);
      // the newest run first: k=1 alone, then the three seeds, whose loss falls to
      // 0.01 × (1 + 0.5 seed): 0.015, 0.02, 0.025 → mean 0.02, std 0.005; the last is NaN in each
      assert.match(s, /k=1 spread=0\.0 +k=2 spread=0\.5/);
      assert.match(s, /≠ seed +1 +\*/);
      assert.match(s, /min loss +0\.1 ± 0 \(1\) +0\.02 ± 0\.005 \(3\)/);
      assert.match(s, /last loss +nan \(1\) +nan \(3\)/);
      t.keys('p');
      s = await t.waitForStill(/seed groups: loss .*mean, min–max band/);
      assert.match(s, /● k=1 spread=0\.0 \(1\) +× k=2 spread=0\.5 \(3\)/);
      assert.match(s, /4 NaN\/inf skipped/);
      const rowsWithBand = s.split('\n').filter((l) => l.includes('░'));
      assert.ok(rowsWithBand.length >= 3, 'the band spans rows');
      t.keys('q', 'q');
      await t.waitFor(/EXIT=0/);
    });
  });
});
