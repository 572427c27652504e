// `o` in the real dashboard (tmux, 80x24): a shell opens in the run's directory on the main
// screen, and when it exits the dashboard is back whole (table, counts, key hints) and still
// takes keys; in the files tab `o` opens the selected file (the first: hello.py) in $EDITOR.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { withTmux, tmuxSkip } from './tmux.js';
import { waitFor } from '../views/helpers.js';

const skip = tmuxSkip;

describe('dashboard o in tmux', { skip }, () => {
  let home = '';
  let project = '';
  before(() => {
    project = tempDir('grun-open-proj-');
    writeFileSync(join(project, 'hello.py'), "open('out.txt', 'w').write('hi')\n");
    home = emptyHome();
    ok(home, ['run', 'hello.py', '-y'], { cwd: project });
  });

  test('80x24: o opens $SHELL in the run dir and returns to an intact dashboard; in files, $EDITOR on the file', async () => {
    const [id] = readdirSync(join(home, 'runs'));
    const where = join(tempDir(), 'pwd.txt');
    const edited = join(tempDir(), 'edited.txt');
    // an "editor" that notes what it was given
    const editor = join(tempDir(), 'ed.sh');
    writeFileSync(editor, `#!/bin/sh\necho "$PWD $1" > ${edited}\n`, { mode: 0o755 });
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1', SHELL: '/bin/sh', EDITOR: editor } }, async (t) => {
      const before = await t.waitFor(/1\/1 runs/);
      t.keys('o');
      // the shell has the main screen: the table is gone
      await t.waitFor(/^(?![\s\S]*1\/1 runs)/);
      t.type(`pwd > ${where}; exit`);
      t.keys('Enter');
      await waitFor(() => existsSync(where), 10000, 'the shell ran');
      assert.equal(readFileSync(where, 'utf8').trim(), join(home, 'runs', id!));
      const after = await t.waitFor(/back from \/bin\/sh/);
      const table = (s: string) => s.split('\n').filter((l) => /[0-9a-f]{8} /.test(l) || /Enter open/.test(l)).join('\n');
      assert.equal(table(after), table(before), 'the table and key hints as they were');
      assert.equal(after.split('\n').filter((l) => /hello\.py/.test(l)).length, 1, 'drawn once, not twice');
      // still takes keys: the files tab, o on the selected file
      t.keys('Enter');
      await t.waitFor(/1 overview/);
      t.keys('5');
      await t.waitFor(/\d+  out\.txt/);
      t.keys('o');
      await waitFor(() => existsSync(edited), 10000, 'the editor ran').catch((e) => {
        throw new Error(`${e.message}\n${t.screen()}`);
      });
      assert.equal(readFileSync(edited, 'utf8').trim(), `${join(home, 'runs', id!)} hello.py`);
      await t.waitFor(/back from/);
      t.keys('Escape', 'q');
      await t.waitFor(/EXIT=0/);
    });
  });
});
