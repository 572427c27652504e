// The real dashboard in tmux, at 80x24 and 160x48, with and without NO_COLOR.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeStepRecords } from '../../src/store/step-records.js';
import { copyFixtureHome, emptyHome, tempDir } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { TmuxGrun, withTmux, tmuxSkip } from './tmux.js';

const skip = tmuxSkip;
const BEST = '4cad94ad746246858852b7eb8736ac22';

const withGrun = withTmux;

/** SGR colour parameters (30–37, 90–97, 38;…) in captured escapes. */
const COLOUR = /\x1b\[[0-9;]*(?:3[0-7]|9[0-7]|38;[25])[0-9;]*m/;

/** A guild.yml project with one operation printing `n` ticks, `sleep` seconds apart. */
/** `r`, pick the project's `count` operation, and clear the `n` field of its form. */
async function openCountForm(t: TmuxGrun): Promise<void> {
  t.keys('r');
  await t.waitFor(/count +guildfile/);
  t.keys('Enter');
  await t.waitFor(/n += 3/, 15000);
  t.keys('BSpace');
}

function countProject(): string {
  const project = tempDir('grun-proj-');
  writeFileSync(
    join(project, 'guild.yml'),
    'count:\n  main: count\n  flags:\n    n:\n      default: 3\n      type: int\n    sleep:\n      default: 0.05\n',
  );
  writeFileSync(join(project, 'count.py'), 'import time\nn = 3\nsleep = 0.05\nfor i in range(n):\n    print("tick", i, flush=True)\n    time.sleep(sleep)\nprint("loss: 0.25")\n');
  return project;
}

describe('dashboard in tmux', { skip }, () => {
  for (const [columns, rows] of [[80, 24], [160, 48]] as const) {
    for (const noColor of [false, true]) {
      test(`${columns}x${rows}${noColor ? ' NO_COLOR' : ''}: open, filter, open a run, quit; terminal restored`, async () => {
        const home = copyFixtureHome();
        writeStepRecords(join(home, 'runs/5b543c898ff2499a94e8af9b3028f8e2'), [
          { name: 'prepare', needs: [], state: 'completed', run: '9d33df1fe62b4f869c35c1c66bb6c2cd' },
          { name: 'train', needs: ['prepare'], state: 'cached', run: 'c66e6a9adc7945ee87f50ab05afb16a5', memoOf: '9d33df1fe62b4f869c35c1c66bb6c2cd' },
          { name: 'evaluate', needs: ['train'], state: 'cancelled' },
        ]);
        await withGrun({ columns, rows, env: { GUILD_HOME: home, ...(noColor ? { NO_COLOR: '1' } : {}) } }, async (t) => {
          let s = await t.waitFor(/20\/20 runs/);
          assert.equal(t.format('#{alternate_on}'), '1');
          const lines = s.split('\n');
          assert.equal(lines[rows - 1]!.trim(), '', 'the last row stays empty (frame ≤ rows−1)');
          assert.match(s, /✔ completed/);
          const esc = t.screen(true);
          assert.match(esc, /\x1b\[[0-9;]*7m/, 'the selection is inverse video');
          if (noColor) assert.doesNotMatch(esc, COLOUR);
          else assert.match(esc, COLOUR);
          // the pipeline (the newest run) expands into its steps, a memo hit cached, a step with no run cancelled
          t.keys('+');
          s = await t.waitFor(/└ evaluate/);
          assert.match(s, /└ train .*↺ cached/);
          assert.match(s, /└ evaluate .*⊘ cancelled/);
          if (noColor) assert.doesNotMatch(t.screen(true), COLOUR);
          t.type('/best');
          s = await t.waitFor(/1\/20 runs/);
          t.keys('Enter');
          await t.waitFor(/filter: best/);
          t.keys('Enter');
          s = await t.waitFor(/1 overview/);
          assert.match(s, /best run/);
          t.keys('4');
          await t.waitFor(/status: done/);
          t.keys('Escape');
          await t.waitFor(/filter: best/);
          t.keys('q');
          await t.waitFor(/EXIT=0/);
          assert.equal(t.format('#{alternate_on}'), '0');
        });
      });
    }
  }

  for (const [how, act] of [
    ['Ctrl-C', (t: TmuxGrun) => t.keys('C-c')],
    ['SIGTERM', (t: TmuxGrun) => process.kill(t.grunPid(), 'SIGTERM')],
    ['SIGHUP', (t: TmuxGrun) => process.kill(t.grunPid(), 'SIGHUP')],
  ] as const) {
    test(`${how} leaves the alternate screen`, async () => {
      await withGrun({ columns: 100, rows: 30, env: { GUILD_HOME: copyFixtureHome() } }, async (t) => {
        await t.waitFor(/20\/20 runs/);
        act(t);
        await t.waitFor(/EXIT=\d+/);
        assert.equal(t.format('#{alternate_on}'), '0');
      });
    });
  }

  test('quitting right after a resize restores the terminal with no dashboard rows left', async () => {
    // (a frame taller than a shrunk terminal is tested in test/views/resize.test.tsx: tmux keeps
    // nothing that scrolls off the alternate screen, so it cannot show that defect here)
    for (const [columns, rows] of [[200, 60], [90, 20]] as const) {
      await withGrun({ columns: 120, rows: 30, before: '$ grun', env: { GUILD_HOME: copyFixtureHome() } }, async (t) => {
        await t.waitFor(/20\/20 runs/);
        t.tmux('resize-window', '-t', 'grun', '-x', String(columns), '-y', String(rows), ';', 'send-keys', '-t', 'grun', 'q');
        await t.waitFor(/EXIT=0/);
        assert.equal(t.format('#{alternate_on}'), '0');
        const all = t.tmux('capture-pane', '-p', '-t', 'grun', '-S', '-200');
        assert.match(all, /^\$ grun$/m);
        assert.doesNotMatch(all, /20\/20 runs|5b543c89|Enter open/, `dashboard rows left after ${columns}x${rows}:\n${all}`);
      });
    }
  });

  test('TERM=dumb: a clear error naming grun runs, no full screen', async () => {
    await withGrun({ columns: 100, rows: 30, env: { GUILD_HOME: copyFixtureHome(), TERM: 'dumb' } }, async (t) => {
      const s = await t.waitFor(/EXIT=\d+/);
      assert.match(s, /grun: TERM=dumb: .*grun runs/);
      assert.match(s, /EXIT=1/);
      assert.doesNotMatch(s, /20\/20 runs/);
      assert.equal(t.format('#{alternate_on}'), '0');
    });
  });

  test('LANG=C: status, marks and borders in ASCII', async () => {
    const env = { GUILD_HOME: copyFixtureHome(), LANG: 'C', LC_ALL: '', LC_CTYPE: '' };
    await withGrun({ columns: 80, rows: 24, env }, async (t) => {
      let s = await t.waitFor(/20\/20 runs/);
      assert.match(s, /\+ completed/);
      assert.match(s, /x error/);
      assert.match(s, /^> /m, 'the cursor row');
      t.keys('Space', 'd');
      s = await t.waitFor(/Delete 1 run to the trash\?/);
      assert.match(s, /^\+-+\+/m, 'the dialog border');
      for (const line of s.split('\n')) assert.match(line, /^[\x20-\x7e]*$/, `not ASCII: ${line}`);
      t.keys('Escape', 'q');
      await t.waitFor(/EXIT=0/);
    });
  });

  test('resize redraws to the new size', async () => {
    await withGrun({ columns: 120, rows: 30, env: { GUILD_HOME: copyFixtureHome() } }, async (t) => {
      await t.waitFor(/20\/20 runs/);
      t.resize(80, 20);
      const s = await t.waitFor(/20\/20 runs/);
      const lines = s.split('\n');
      assert.ok(lines.length <= 21);
      assert.ok(lines.every((l) => [...l].length <= 80));
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
  });

  test('compare two runs, delete and undo', async () => {
    const home = copyFixtureHome();
    await withGrun({ columns: 160, rows: 48, env: { GUILD_HOME: home } }, async (t) => {
      await t.waitFor(/20\/20 runs/);
      t.type('/train.py');
      t.keys('Enter');
      await t.waitFor(/FILTER/);
      t.keys('Space', 'Space', 'c');
      let s = await t.waitFor(/compare 2 runs/);
      assert.match(s, /≠ epochs/);
      t.keys('Escape'); // back to the table
      await t.waitFor(/filter: train\.py.*\n(.*\n)*15\/20 runs · 2 marked/);
      t.keys('Escape'); // clears the marks
      await t.waitFor(/15\/20 runs · FILTER/);
      t.keys('Escape'); // clears the filter
      await t.waitFor(/20\/20 runs/);
      t.type(`/${BEST.slice(0, 8)}`);
      t.keys('Enter');
      await t.waitFor(/1\/20 runs/);
      t.keys('d');
      s = await t.waitFor(/Delete 1 run to the trash\?/);
      assert.match(s, /4cad94ad {2}train\.py/);
      t.keys('y');
      await t.waitFor(/deleted 1 run/);
      assert.ok(existsSync(join(home, 'trash', 'runs', BEST)));
      t.keys('u');
      await t.waitFor(/undone: restored 1 run/);
      assert.ok(existsSync(join(home, 'runs', BEST)));
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
  });

  test('launch a script from the form, watch its output and status; stop a long run', async () => {
    const project = countProject();
    const home = emptyHome();
    await withGrun({ columns: 160, rows: 48, cwd: project, env: { GUILD_HOME: home } }, async (t) => {
      await t.waitFor(/0\/0 runs/);
      await openCountForm(t);
      t.type('5');
      await t.waitFor(/n += 5/);
      t.keys('Enter');
      await t.waitFor(/flag +n=5/, 15000);
      t.keys('Enter');
      await t.waitFor(/started [0-9a-f]{8} count/, 15000);
      await t.waitFor(/✔ completed/, 20000);
      t.keys('Enter', '4');
      await t.waitFor(/tick 4/);
      t.keys('Escape');
      // a long run, stopped from the table
      await openCountForm(t);
      t.type('1000');
      t.keys('Down', 'BSpace', 'BSpace', 'BSpace', 'BSpace');
      t.type('0.2');
      t.keys('Enter');
      await t.waitFor(/flag +n=1000/, 15000);
      t.keys('Enter');
      await t.waitFor(/▶ running/, 20000);
      t.keys('x');
      await t.waitFor(/Stop 1 run\?/);
      t.keys('y');
      await t.waitFor(/■ terminated/, 30000);
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
  });

  test('a list value in the launch form starts a sweep', async () => {
    await withGrun({ columns: 160, rows: 48, cwd: countProject(), env: { GUILD_HOME: emptyHome() } }, async (t) => {
      await t.waitFor(/0\/0 runs/);
      await openCountForm(t);
      t.type('[1,2]');
      await t.waitFor(/sweep: 2 runs/);
      t.keys('Enter');
      await t.waitFor(/flag +n=\[1, ?2\] +\(sweep\)/, 15000);
      t.keys('Enter');
      await t.waitFor(/started a batch of 2 trials/, 15000);
      // both trials complete; the batch then goes to the trash, as a Guild batch does on success
      // the label: only the flag that differs
      await t.waitFor(/✔ completed +n=2 .*\n.*✔ completed +n=1 /, 30000);
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
  });

  test('R opens the launch form filled from the cursor run; Enter reruns it with the flags as edited', async () => {
    const project = countProject();
    const home = emptyHome();
    ok(home, ['run', 'count', 'n=5', '-y'], { cwd: project });
    // started elsewhere: the form still plans the run's own project
    await withGrun({ columns: 160, rows: 48, cwd: tempDir(), env: { GUILD_HOME: home } }, async (t) => {
      await t.waitFor(/1\/1 runs/);
      t.keys('R');
      await t.waitFor(/n += 5/, 15000);
      t.keys('BSpace');
      t.type('6');
      t.keys('Enter');
      await t.waitFor(/flag +n=6/, 15000);
      t.keys('Enter');
      await t.waitFor(/started [0-9a-f]{8} count/, 15000);
      await t.waitFor(/✔ completed +n=6/, 20000);
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
  });
});
