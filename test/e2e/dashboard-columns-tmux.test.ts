// The runs table's columns and ranking in the real dashboard (tmux, 80x24, with and without
// NO_COLOR) over real runs: a 12-trial sweep of a tiny script made with `grun run`, and one more run.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { viewsPath } from '../../src/store/ui-views.js';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { withTmux, type TmuxGrun, tmuxSkip } from './tmux.js';

const skip = tmuxSkip;

const XS = [0.41, 0.93, 0.12, 0.67, 0.88, 0.25, 0.59, 0.74, 0.06, 0.35, 0.81, 0.5];
const OTHER_X = 0.9;

/** The table's rows (below the header), as shown. */
const tableRows = (screen: string): string[] => {
  const lines = screen.split('\n');
  const h = lines.findIndex((l) => /^\S*\s+#\s+id\s/.test(l));
  return lines.slice(h + 1).filter((l) => /^.{3}\s*\d+ [0-9a-f]{8} /.test(l));
};

describe('dashboard columns and ranking in tmux', { skip }, () => {
  let home = '';
  let project = '';
  before(() => {
    project = tempDir('grun-cols-proj-');
    writeFileSync(join(project, 'train.py'), "x = 0.5\nlr = 0.1\noptimizer = 'adam'\nprint(f'val_acc: {x}')\n");
    home = emptyHome();
    ok(home, ['run', 'train.py', `x=[${XS.join(',')}]`, '-y'], { cwd: project });
    ok(home, ['run', 'train.py', `x=${OTHER_X}`, 'lr=0.01', 'optimizer=sgd', '-y'], { cwd: project });
  });

  // each test starts from the default view: the one a test before it left is not restored
  const open = (noColor: boolean, fn: (t: TmuxGrun) => Promise<void>) => {
    rmSync(viewsPath(home), { force: true });
    return withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, ...(noColor ? { NO_COLOR: '1' } : {}) } }, fn);
  };

  for (const noColor of [false, true]) {
    test(`80x24${noColor ? ' NO_COLOR' : ''}: flag columns, the label of the flags that differ, sideways scroll keeping #, id and status`, async () => {
      await open(noColor, async (t) => {
        let s = await t.waitFor(/(\d+)\/\1 runs/);
        // the label: only the flags that differ (lr, optimizer, x), as Guild writes them
        s = await t.waitFor(/lr=0\.01 optimizer=sgd x=0\.9\b/);
        assert.match(s, /lr=0\.1 optimizer=adam x=0\.93\b/);
        t.type(':cols =lr,=optimizer,=x,max val_acc,min val_acc,.exit_status');
        t.keys('Enter');
        s = await t.waitFor(/^ › .*#.* id .*status/m);
        const header = () => s.split('\n').find((l) => /#\s+id\s/.test(l))!;
        assert.match(header(), /operation/);
        assert.ok(s.split('\n').every((l) => [...l].length <= 80));
        // scroll right one column at a time until the last column shows
        const seen = new Set<string>();
        for (let i = 0; i < 12 && /›/.test(header().slice(0, 3)); i++) {
          const before = header();
          t.keys(i % 2 ? 'l' : 'Right');
          s = await t.waitFor(new RegExp(`^(?!${before.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$).*#\\s+id\\s`, 'm'));
          for (const w of header().trim().split(/\s+/)) seen.add(w.replace(/[▲▼]$/, ''));
          assert.match(header(), /^ ?‹/, 'columns hidden on the left');
          assert.match(header(), /#\s+id\s.*status/, 'the pinned columns stay');
        }
        assert.doesNotMatch(header().slice(0, 3), /›/, 'nothing more on the right');
        assert.doesNotMatch(header(), /operation/);
        assert.match(header(), /exit_status\s*$/);
        for (const c of ['lr', 'optimizer', 'x', 'max val_acc'.split(' ')[0]!]) assert.ok(seen.has(c), `${c} was shown: ${[...seen].join(' ')}`);
        // a row: the pinned id and status, then the flag values
        assert.match(s, /[0-9a-f]{8} ✔ completed .*0\b/);
        // back to the left
        t.keys('Left', 'h', 'Left', 'h', 'Left', 'h', 'Left', 'h', 'Left', 'h', 'Left', 'h');
        s = await t.waitFor(/^ › +# +id +operation/m);
        t.keys('q');
        await t.waitFor(/EXIT=0/);
      });
    });
  }

  test('80x24 NO_COLOR: v ranks the 12 trials with the other run by max val_acc', async () => {
    await open(true, async (t) => {
      await t.waitFor(/(\d+)\/\1 runs/);
      t.type(':sort max val_acc');
      t.keys('Enter');
      await t.waitFor(/sort: max val_acc ▼/);
      t.keys('v');
      const want = [...XS, OTHER_X].sort((a, b) => b - a);
      const xs = (s: string) => tableRows(s).map((l) => Number(/x=([0-9.]+)/.exec(l)?.[1] ?? NaN)).filter((n) => !Number.isNaN(n));
      const s = await t.waitFor(/sort: max val_acc ▼  flat/);
      let got: number[] = [];
      for (let i = 0; i < 100; i++) {
        got = xs(t.screen());
        if (got.join() === want.join()) break;
        await new Promise((r) => setTimeout(r, 100)); // the scalars load in slices
      }
      assert.deepEqual(got, want, t.screen());
      // each row shows its own value of the column sorted by
      for (const l of tableRows(t.screen()).filter((r) => /x=/.test(r))) {
        const x = /x=([0-9.]+)/.exec(l)![1]!;
        assert.match(l, new RegExp(`x=${x.replace('.', '\\.')} +${x.replace('.', '\\.')}$`), `the max val_acc column of ${l}`);
      }
      assert.ok(s.split('\n').every((l) => [...l].length <= 80));
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
  });
});
