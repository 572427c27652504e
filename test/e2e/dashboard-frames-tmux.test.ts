// The dashboard sends only the rows a frame changes (src/views/line-diff.ts): in a real terminal
// the screen after each cursor move, filter, screen change and return must be the one a full
// redraw of the same state gives (no stale row, nothing a row off), and a cursor move must cost
// a few rows, not the frame. tmux's pipe-pane counts the bytes grun writes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureHome, tempDir } from '../helpers/home.js';
import { type TmuxGrun, withTmux, tmuxSkip } from './tmux.js';

/** The runs and their scalars (loaded after the rows) on screen: nothing more changes by itself. */
const LOADED = /20\/20 runs[^]*0\.8333|0\.8333[^]*20\/20 runs/;
const size = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** Waits until grun has written nothing for `quietMs` (its frame is complete on the pane). */
async function settled(log: string, quietMs = 400, timeoutMs = 15_000): Promise<number> {
  const t0 = Date.now();
  let last = size(log);
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const now = size(log);
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since >= quietMs) return last;
    if (Date.now() - t0 > timeoutMs) throw new Error('grun kept writing');
  }
}

/** The pane as grun left it, then as a full redraw of the same state draws it (a resize away and back). */
async function beforeAndRedrawn(t: TmuxGrun, log: string, columns: number, rows: number): Promise<[string, string]> {
  await settled(log);
  const shown = t.screen();
  t.resize(columns + 1, rows);
  await settled(log);
  t.resize(columns, rows);
  await settled(log);
  return [shown, t.screen()];
}

describe('dashboard frames in tmux', { skip: tmuxSkip }, () => {
  for (const [columns, rows] of [[80, 24], [220, 60]] as const) {
    test(`${columns}x${rows}: after moves, a filter, other screens and back, the pane equals a full redraw`, async () => {
      const log = join(tempDir('grun-frames-'), 'pane.log');
      await withTmux({ columns, rows, env: { GUILD_HOME: copyFixtureHome(), TERM: 'xterm-256color' } }, async (t) => {
        t.tmux('pipe-pane', '-t', 'grun', '-o', `cat >> ${log}`);
        await t.waitFor(LOADED, 15_000);
        const steps: [string, () => void, RegExp][] = [
          ['three rows down', () => t.keys('j', 'j', 'j'), /20\/20 runs/],
          ['one up', () => t.keys('k'), /20\/20 runs/],
          ['a filter that keeps few rows', () => t.type('/best'), /1\/20 runs/],
          ['the filter dropped', () => t.keys('Escape'), /20\/20 runs/],
          ['help', () => t.keys('?'), /^keys: runs/m],
          ['back', () => t.keys('Escape'), /20\/20 runs/],
          ['a run opened', () => t.keys('Enter'), /1 overview/],
          ['back to the list', () => t.keys('Escape'), /20\/20 runs/],
          ['to the end', () => t.keys('G'), /20\/20 runs/],
        ];
        for (const [what, act, re] of steps) {
          act();
          await t.waitFor(re, 15_000);
          const [shown, redrawn] = await beforeAndRedrawn(t, log, columns, rows);
          assert.equal(shown, redrawn, `after ${what}: the pane differs from a full redraw`);
        }
        t.keys('q');
        await t.waitFor(/EXIT=0/);
        assert.equal(t.format('#{alternate_on}'), '0');
      });
    });
  }

  test('220x60: a cursor move writes the rows it changes (under 1 KB), not the frame (~9 KB)', async () => {
    const log = join(tempDir('grun-frames-'), 'pane.log');
    await withTmux({ columns: 220, rows: 60, env: { GUILD_HOME: copyFixtureHome(), TERM: 'xterm-256color' } }, async (t) => {
      t.tmux('pipe-pane', '-t', 'grun', '-o', `cat >> ${log}`);
      await t.waitFor(LOADED, 15_000);
      for (let i = 0; i < 4; i++) {
        const from = await settled(log);
        const cursorRow = t.screen().split('\n').findIndex((l) => l.startsWith('›'));
        t.keys('j');
        await t.waitFor(new RegExp(`^(?:.*\\n){${cursorRow + 1}}›`), 15_000); // the cursor one row lower
        const bytes = (await settled(log)) - from;
        assert.ok(bytes > 0 && bytes <= 1024, `a cursor move wrote ${bytes} B`);
      }
    });
  });
});
