// Output search and the real first and last lines in the real dashboard (tmux, 80x24, NO_COLOR)
// over a real run that printed 1,000,000 lines: g shows line 0, G the real last line, / finds a
// line far from the end, n and N go between the matches; attach does the same.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { emptyHome, grunBin, tempDir } from '../helpers/home.js';
import { withTmux, type TmuxGrun, tmuxSkip } from './tmux.js';

const skip = tmuxSkip;

describe('dashboard output search in tmux', { skip }, () => {
  let home = '';
  let project = '';
  before(() => {
    project = tempDir('grun-search-proj-');
    writeFileSync(join(project, 'big.py'), [
      'import sys',
      'w = sys.stdout.write',
      'for i in range(1000000):',
      '    w(f"needle at {i}\\n" if i in (123456, 876543) else f"line {i}\\n")',
      'w("THE END\\n")',
      '',
    ].join('\n'));
    home = emptyHome();
    // its million lines go to /dev/null here (a pipe would need the whole output buffered)
    const r = spawnSync(grunBin, ['-H', home, 'run', 'big.py', '-y'], { cwd: project, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
  });

  const searchAround = async (t: TmuxGrun) => {
    t.keys('g');
    let s = await t.waitFor(/^ line 0$/m, 15000);
    assert.match(s, /^ line 1$/m);
    t.keys('G');
    s = await t.waitFor(/^ THE END$/m, 15000);
    assert.match(s, /^ line 999999$/m);
    t.type('/');
    await t.waitFor(/Search the output for/);
    t.type('needle');
    t.keys('Enter');
    // from the end the search wraps to the first match
    s = await t.waitFor(/^ needle at 123456$[\s\S]*"needle" on line 123457/m, 15000);
    t.keys('n');
    s = await t.waitFor(/^ needle at 876543$[\s\S]*"needle" on line 876544/m, 15000);
    t.keys('N');
    s = await t.waitFor(/^ line 123455$[\s\S]*"needle" on line 123457/m, 15000);
  };

  test('80x24: the output tab and attach search 1,000,000 lines; g and G reach the real first and last lines', async () => {
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1' } }, async (t) => {
      await t.waitFor(/1\/1 runs/);
      t.keys('Enter');
      await t.waitFor(/1 overview/, 15000);
      t.keys('4');
      await t.waitFor(/^ THE END$/m, 15000);
      await searchAround(t);
      t.keys('Escape');
      await t.waitFor(/1 overview/, 15000);
      t.keys('w');
      const s = await t.waitFor(/attached to .* 1000001 lines/, 15000);
      assert.match(s, /^ THE END$/m);
      await searchAround(t);
      // the match is highlighted (inverse video) on screen
      t.type('/');
      await t.waitFor(/Search the output for/);
      t.keys('C-u');
      t.type('needle');
      t.keys('Enter');
      const esc = await t.waitFor(/\x1b\[7mneedle/, 15000, true);
      assert.match(esc, /needle/);
      t.keys('Escape', 'Escape', 'q');
      await t.waitFor(/EXIT=0/);
    });
  });
});
