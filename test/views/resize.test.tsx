// The dashboard's renderer on a terminal that shrinks: no frame taller than the terminal is ever
// written (it would scroll, and terminals that keep what scrolls off the alternate screen show
// those rows above the prompt after grun exits). Its writes are replayed on a small terminal.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { renderDashboard } from '../../src/views/render-dashboard.js';
import { copyFixtureHome } from '../helpers/home.js';
import { VtScreen } from '../helpers/vt-screen.js';
import { waitFor } from './helpers.js';

/** Ink's own test (is-in-ci): with CI set it writes only the last frame and ignores resizes. */
const inCi = (['CI', 'CONTINUOUS_INTEGRATION'].some((k) => k in process.env) || Object.keys(process.env).some((k) => k.startsWith('CI_'))) &&
  process.env.CI !== '0' && process.env.CI !== 'false';

/** A terminal's stdout: a size, resize events, and every write kept. */
class FakeTerminal extends EventEmitter {
  isTTY = true;
  writes: string[] = [];
  constructor(public columns: number, public rows: number) {
    super();
  }
  write(s: string): boolean {
    this.writes.push(s);
    return true;
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

describe('dashboard renderer', { skip: inCi ? 'Ink redraws nothing on resize in CI' : false }, () => {
  test('after the terminal shrinks, every frame fits the new height', async () => {
    const term = new FakeTerminal(100, 30);
    const stdin = Object.assign(new PassThrough(), { isTTY: false, setRawMode: () => {}, ref: () => {}, unref: () => {} });
    const home = copyFixtureHome();
    const instance = renderDashboard(
      { home, readonly: true, projectDir: home, env: { NO_COLOR: '1' }, feed: { debounceMs: 20, pollMs: 60_000, runningMs: 60_000 } },
      term as unknown as NodeJS.WriteStream,
      { stdin: stdin as unknown as NodeJS.ReadStream, exitOnCtrlC: false, patchConsole: false },
    );
    try {
      // what the terminal shows, replayed from every write
      const screen = new VtScreen(100, 30);
      const shows = (re: RegExp) => {
        screen.write(term.writes.splice(0).join(''));
        return re.test(screen.lines().join('\n'));
      };
      await waitFor(() => shows(/20\/20 runs/), 5000, 'the runs listed');
      for (const rows of [22, 16, 12]) {
        term.resize(100, rows);
        screen.resize(100, rows);
        await waitFor(() => shows(new RegExp(`^(?:.*\\n){${rows - 3},${rows - 2}}.*20/20 runs`)), 5000, `the footer on the last rows at ${rows} rows`);
        assert.equal(screen.scrolls, 0, `the screen scrolled at ${rows} rows`);
        assert.equal(screen.belowBottom, 0, `a row below the bottom at ${rows} rows`);
      }
    } finally {
      instance.unmount();
    }
  });
});
