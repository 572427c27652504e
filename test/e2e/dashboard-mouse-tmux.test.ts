// The mouse in the real dashboard (tmux, 80x24, real runs): SGR reports sent to the pane as the
// terminal would send them scroll with the wheel and select with a click (a row, a tab), none of
// them reaches the keys as typed text, and mouse reporting is off again after q and after
// SIGTERM (tmux's pane flags say what the program asked for). `dashboard: mouse: no` in
// config.yml leaves it off.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { waitFor } from '../views/helpers.js';
import { ok } from './cli-helpers.js';
import { withTmux, type TmuxGrun, tmuxSkip } from './tmux.js';

const skip = tmuxSkip;

/** What the pane's program asked for: normal (1000) and SGR (1006) mouse reporting. */
const mouseFlags = (t: TmuxGrun): string => t.format('#{mouse_standard_flag}#{mouse_sgr_flag}');

/** An SGR mouse report (`ESC [ < b ; x ; y M`) as tmux send-keys -H takes it: hex bytes. */
const sgr = (button: number, x: number, y: number, final: 'M' | 'm' = 'M'): string[] =>
  [...Buffer.from(`\x1b[<${button};${x};${y}${final}`)].map((b) => b.toString(16).padStart(2, '0'));

const WHEEL_UP = 64;
const WHEEL_DOWN = 65;

/** The 0-based screen line holding the cursor glyph of the runs table. */
const cursorLine = (screen: string): number => screen.split('\n').findIndex((l) => l.startsWith('›'));

describe('dashboard mouse in tmux', { skip }, () => {
  let home = '';
  let project = '';
  before(() => {
    project = tempDir('grun-mouse-proj-');
    writeFileSync(join(project, 'count.py'), 'n = 1\nfor i in range(100):\n    print(f"line {i} of run {n}")\n');
    home = emptyHome();
    for (let n = 1; n <= 6; n++) ok(home, ['run', 'count.py', `n=${n}`, '-y'], { cwd: project });
  });

  test('80x24: the wheel moves the cursor and scrolls the output, a click selects a row and a tab; off again after q', async () => {
    const bytes = join(tempDir(), 'pane.bytes');
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1' } }, async (t) => {
      t.tmux('pipe-pane', '-t', 'grun', '-o', `cat >> ${bytes}`);
      let s = await t.waitFor(/6\/6 runs/);
      await waitFor(() => mouseFlags(t) === '11', 5000, 'mouse reporting on');
      assert.equal(cursorLine(s), 2, s); // title, header, then the first row

      // a notch down: three rows; the release and a right click are no keys either
      t.keys('-H', ...sgr(WHEEL_DOWN, 20, 5));
      await waitFor(() => cursorLine(t.screen()) === 5, 5000, 'the cursor three rows down');
      // a click on the second row (screen line 4), sent in two pieces as a slow link may deliver it
      const click = sgr(0, 30, 4);
      t.keys('-H', ...click.slice(0, 5));
      t.keys('-H', ...click.slice(5), ...sgr(0, 30, 4, 'm'), ...sgr(2, 30, 7), ...sgr(35, 31, 7));
      await waitFor(() => cursorLine(t.screen()) === 3, 5000, 'the cursor on the clicked row');
      s = t.screen();
      assert.doesNotMatch(s, /\[<|;30;|FILTER/, s);
      const selected = s.split('\n')[3]!;
      const runN = /n=(\d)/.exec(selected)?.[1];
      assert.ok(runN, selected);

      // Enter opens it; a click on the output tab, then the wheel scrolls its 100 lines up
      t.keys('Enter');
      await t.waitFor(/1 overview/);
      const tabs = t.screen().split('\n')[1]!;
      t.keys('-H', ...sgr(0, tabs.indexOf('4 output') + 3, 2));
      s = await t.waitFor(new RegExp(`line 99 of run ${runN}`));
      t.keys('-H', ...sgr(WHEEL_UP, 10, 12), ...sgr(WHEEL_UP, 10, 12));
      // two notches: six lines up from the end, the last line shown is 93
      s = await t.waitFor(new RegExp(`line 93 of run ${runN}\\s*\\n6/6 runs`), 5000);
      assert.doesNotMatch(s, /line 99 of/, s);
      t.keys('Escape', 'q');
      await t.waitFor(/EXIT=0/);
      assert.equal(mouseFlags(t), '00');
      await waitFor(() => readFileSync(bytes, 'latin1').includes('\x1b[?1006l\x1b[?1000l'), 5000, 'mouse reporting turned off in what grun wrote');
    });
  });

  test('SIGTERM turns mouse reporting off too', async () => {
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1' } }, async (t) => {
      await t.waitFor(/6\/6 runs/);
      await waitFor(() => mouseFlags(t) === '11', 5000, 'mouse reporting on');
      process.kill(t.grunPid(), 'SIGTERM');
      await t.waitFor(/EXIT=143/);
      assert.equal(mouseFlags(t), '00');
    });
  });

  test('dashboard: mouse: no leaves reporting off; a bad value is named', async () => {
    const off = emptyHome();
    writeFileSync(join(off, 'config.yml'), 'dashboard:\n  mouse: no\n');
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: off, NO_COLOR: '1' } }, async (t) => {
      await t.waitFor(/0\/0 runs/);
      // reporting is turned on before the first frame is drawn, so it is decided by now
      assert.equal(mouseFlags(t), '00');
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
    writeFileSync(join(off, 'config.yml'), 'dashboard:\n  mouse: sometimes\n');
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: off, NO_COLOR: '1' } }, async (t) => {
      await t.waitFor(/config\.yml: dashboard\.mouse must be yes or no, not\s+"sometimes"[\s\S]*EXIT=1/);
      assert.equal(mouseFlags(t), '00');
    });
  });
});
