// `y` in the real dashboard (tmux with set-clipboard on, 80x24): the OSC 52 sequence grun sends
// puts the run id in tmux's paste buffer, from the runs table and from the run's detail.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { withTmux, type TmuxGrun, tmuxSkip } from './tmux.js';
import { waitFor } from '../views/helpers.js';

const skip = tmuxSkip;

const buffer = (t: TmuxGrun): string => {
  try {
    return t.tmux('show-buffer');
  } catch {
    return ''; // no buffer yet
  }
};

describe('dashboard copy in tmux', { skip }, () => {
  let home = '';
  let project = '';
  before(() => {
    project = tempDir('grun-copy-proj-');
    writeFileSync(join(project, 'hello.py'), "print('hi')\n");
    home = emptyHome();
    ok(home, ['run', 'hello.py', '-y'], { cwd: project });
  });

  test('80x24: y copies the run id (OSC 52) in the table and in the detail', async () => {
    const [id] = readdirSync(join(home, 'runs'));
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1' } }, async (t) => {
      t.tmux('set-option', '-g', 'set-clipboard', 'on');
      await t.waitFor(/1\/1 runs/);
      t.keys('y');
      await t.waitFor(new RegExp(`copied ${id}`));
      await waitFor(() => buffer(t) === id, 5000, 'the id in the paste buffer');
      t.tmux('delete-buffer');
      t.keys('Enter');
      await t.waitFor(/1 overview/);
      t.keys('y');
      await waitFor(() => buffer(t) === id, 5000, 'the id in the paste buffer again');
      assert.equal(buffer(t), id);
      t.keys('Escape', 'q');
      await t.waitFor(/EXIT=0/);
    });
  });
});
