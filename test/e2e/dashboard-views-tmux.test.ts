// Saved views in the real dashboard (tmux, 80x24): sort, filter, columns and the flat view set in
// one session are there again after grun restarts; a named view comes back by `:view NAME`.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { withTmux, tmuxSkip } from './tmux.js';

const skip = tmuxSkip;

describe('dashboard saved views in tmux', { skip }, () => {
  let home = '';
  let project = '';
  before(() => {
    project = tempDir('grun-views-proj-');
    writeFileSync(join(project, 'train.py'), "x = 0.5\nprint(f'acc: {x}')\n");
    home = emptyHome();
    ok(home, ['run', 'train.py', 'x=[0.2,0.9,0.5]', '-y'], { cwd: project });
  });

  test('80x24: the view set before a restart is restored; :view NAME brings a named one back', async () => {
    const open = (fn: Parameters<typeof withTmux>[1]) => withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1' } }, fn);
    await open(async (t) => {
      await t.waitFor(/(\d+)\/\1 runs/);
      t.type(':view save plain');
      t.keys('Enter');
      await t.waitFor(/view plain saved/);
      t.type(':sort max acc');
      t.keys('Enter');
      t.type(':cols =x,max acc');
      t.keys('Enter');
      t.keys('v');
      await t.waitFor(/sort: max acc ▼  flat/);
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
    await open(async (t) => {
      await t.waitFor(/sort: max acc ▼  flat/, 10000);
      // the flat ranking by max acc, best first, with the x column: the trial of x=0.9 on top
      await t.waitFor(/#\s+id .*\bx\n.{3}\s*\d+ [0-9a-f]{8} .*x=0\.9 +0\.9\n/, 10000);
      t.type(':view plain');
      t.keys('Enter');
      await t.waitFor(/view plain/);
      const back = await t.waitFor(/sort: started ▼\s*$/m);
      assert.doesNotMatch(back, /flat/);
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
  });
});
