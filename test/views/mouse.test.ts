// The mouse report parser, the stdin Ink reads when reporting is on, the reducer's handling of
// wheel and clicks, and the `dashboard:` setting.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MouseParser, decodeSgr, type MouseEvent } from '../../src/views/mouse.js';
import { MouseStdin } from '../../src/views/mouse-stdin.js';
import { appReducer, currentScreen, cursorRow, initialState, runsView, type AppState, type KeyContext } from '../../src/views/state/app.js';
import { NO_SCALARS } from '../../src/views/state/view.js';
import { tabAt } from '../../src/views/state/detail.js';
import { loadDashboardSettings } from '../../src/engine/dashboard-settings.js';
import { emptyHome } from '../helpers/home.js';
import { fakeRun, waitFor } from './helpers.js';

const report = (b: number, x: number, y: number, f = 'M') => `\x1b[<${b};${x};${y}${f}`;

describe('SGR mouse parser', () => {
  test('reports are taken out of the text around them; wheel and left press are events', () => {
    const p = new MouseParser();
    const r = p.push(`a${report(64, 3, 4)}b${report(65, 10, 20)}${report(0, 7, 8)}${report(0, 7, 8, 'm')}c`);
    assert.equal(r.text, 'abc');
    assert.deepEqual(r.events, [
      { kind: 'wheel', dir: 'up', x: 3, y: 4 },
      { kind: 'wheel', dir: 'down', x: 10, y: 20 },
      { kind: 'press', x: 7, y: 8 },
    ]);
    assert.equal(p.holding, false);
  });

  test('a report split across reads, at every byte, gives the same event and no text', () => {
    const whole = `x${report(65, 123, 45)}y`;
    for (let cut = 1; cut < whole.length; cut++) {
      const p = new MouseParser();
      const a = p.push(whole.slice(0, cut));
      const b = p.push(whole.slice(cut));
      assert.equal(a.text + b.text, 'xy', `cut at ${cut}`);
      assert.deepEqual([...a.events, ...b.events], [{ kind: 'wheel', dir: 'down', x: 123, y: 45 }], `cut at ${cut}`);
    }
  });

  test('buttons grun does not use are dropped, not typed: right, middle, release, motion, horizontal wheel, buttons 8-11', () => {
    const p = new MouseParser();
    const r = p.push([report(1, 1, 1), report(2, 1, 1), report(0, 1, 1, 'm'), report(32, 5, 5), report(35, 5, 5), report(66, 1, 1), report(67, 1, 1), report(128, 1, 1)].join(''));
    assert.deepEqual(r, { text: '', events: [] });
    // modifiers do not change what a notch or a click is
    assert.deepEqual(decodeSgr(64 + 4, 1, 2, false), { kind: 'wheel', dir: 'up', x: 1, y: 2 });
    assert.deepEqual(decodeSgr(16, 1, 2, false), { kind: 'press', x: 1, y: 2 });
  });

  test('keys pass untouched: arrows, Esc sequences, Alt+key; a lone ESC at the end is held until flushed', () => {
    const p = new MouseParser();
    assert.deepEqual(p.push('\x1b[A\x1b[5~\x1bx'), { text: '\x1b[A\x1b[5~\x1bx', events: [] });
    const r = p.push('q\x1b');
    assert.equal(r.text, 'q');
    assert.equal(p.holding, true);
    assert.equal(p.flush(), '\x1b');
    // what looks like a report's start but is not one goes through as it came
    assert.deepEqual(p.push('\x1b[<1;2X'), { text: '\x1b[<1;2X', events: [] });
    assert.deepEqual(p.push(`\x1b[<${'1;'.repeat(20)}`), { text: `\x1b[<${'1;'.repeat(20)}`, events: [] });
  });
});

/** A stdin as Ink uses it, over a PassThrough standing in for the terminal: the text read and the mouse events. */
function terminal(): { real: PassThrough & { isTTY: boolean; setRawMode(m: boolean): void }; input: MouseStdin; read: () => string; events: MouseEvent[] } {
  const real = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  real.setEncoding('utf8');
  const input = new MouseStdin(real as unknown as NodeJS.ReadStream);
  let got = '';
  input.on('readable', () => {
    let c: string | null;
    while ((c = input.read()) !== null) got += c;
  });
  const events: MouseEvent[] = [];
  input.on('mouse', (e: MouseEvent) => events.push(e));
  return { real, input, read: () => got, events };
}

describe('the stdin Ink reads with the mouse on', () => {
  test('text reaches the reader, reports the mouse listeners, a report split over two writes included', async () => {
    const { real, read, events } = terminal();
    real.write('ab\x1b[<0;1');
    await waitFor(() => read() === 'ab', 2000, 'the text');
    real.write('2;3Mc');
    await waitFor(() => read() === 'abc', 2000, 'the rest');
    assert.deepEqual(events, [{ kind: 'press', x: 12, y: 3 }]);
  });

  test('a report whose rest comes 100 ms later (a slow link) is still one report, not keys', async () => {
    const { real, read, events } = terminal();
    real.write('\x1b[<0;1');
    await new Promise((r) => setTimeout(r, 100));
    real.write('2;3Mc');
    await waitFor(() => read() === 'c', 2000, 'the key after it');
    assert.deepEqual(events, [{ kind: 'press', x: 12, y: 3 }]);
  });

  test('a lone Esc reaches the reader after the short hold', async () => {
    const { real, read } = terminal();
    real.write('\x1b');
    await waitFor(() => read() === '\x1b', 2000, 'the Esc');
  });

  test('the terminal is read only while Ink listens (a program run in the terminal gets the keys)', () => {
    const { real, input } = terminal();
    assert.equal(real.listenerCount('readable'), 1);
    input.removeAllListeners('readable');
    assert.equal(real.listenerCount('readable'), 0);
  });
});

describe('wheel and click in the reducer', () => {
  const runs = Array.from({ length: 12 }, (_, i) => fakeRun({ operation: `op${i}` }));
  const ctx: KeyContext = { scalars: NO_SCALARS, metrics: { count: 12, pageSize: 5 }, sortKeys: [], columns: { extras: [], maxScroll: 0 } };
  const loaded = (): AppState => appReducer(initialState(false), { type: 'runs', runs, done: true });
  const mouse = (s: AppState, event: MouseEvent) => appReducer(s, { type: 'mouse', event, ctx });
  const cursor = (s: AppState) => cursorRow(s.table, runsView(s));

  test('a notch moves the cursor three rows; a click on a row (below the title and header lines) selects it', () => {
    let s = mouse(loaded(), { kind: 'wheel', dir: 'down', x: 1, y: 5 });
    assert.equal(cursor(s), 3);
    s = mouse(s, { kind: 'wheel', dir: 'down', x: 1, y: 5 });
    assert.equal(cursor(s), 6);
    assert.equal(s.table.top, 2); // the window followed: rows 2..6 shown
    s = mouse(s, { kind: 'press', x: 9, y: 3 }); // the first row shown
    assert.equal(cursor(s), 2);
    s = mouse(s, { kind: 'press', x: 9, y: 7 }); // the last row shown
    assert.equal(cursor(s), 6);
    for (const y of [1, 2, 8, 20]) assert.equal(mouse(s, { kind: 'press', x: 9, y }), s, `a click on line ${y} is no row`);
  });

  test('clicks and the wheel do nothing while text is typed; a click opens the detail tab under it', () => {
    const typing = appReducer(loaded(), { type: 'key', input: '/', key: { shift: false } as never, ctx });
    assert.notEqual(typing.draft, null);
    assert.equal(mouse(typing, { kind: 'wheel', dir: 'down', x: 1, y: 5 }), typing);
    assert.equal(mouse(typing, { kind: 'press', x: 1, y: 5 }), typing);
    const detail = appReducer(loaded(), { type: 'openDetail', id: runs[0]!.id });
    const s = mouse(detail, { kind: 'press', x: ' 1 overview  2 flags  3 scalars  4 out'.length, y: 2 });
    const top = currentScreen(s);
    assert.equal(top.kind === 'detail' && top.tab, 'output');
    assert.equal(tabAt(1), 'overview');
    assert.equal(tabAt(200), undefined);
  });
});

describe('dashboard: settings', () => {
  const noUser = { HOME: '/nonexistent' };
  test('mouse is on by default, off with mouse: no; a bad value names the file and field', () => {
    const home = emptyHome();
    assert.deepEqual(loadDashboardSettings(home, noUser), { mouse: true });
    writeFileSync(join(home, 'config.yml'), 'dashboard:\n  mouse: no\n');
    assert.deepEqual(loadDashboardSettings(home, noUser), { mouse: false });
    writeFileSync(join(home, 'config.yml'), 'dashboard:\n  mouse: 1\n');
    assert.throws(() => loadDashboardSettings(home, noUser), /config\.yml: dashboard\.mouse must be yes or no, not 1/);
    writeFileSync(join(home, 'config.yml'), 'dashboard: [mouse]\n');
    assert.throws(() => loadDashboardSettings(home, noUser), /config\.yml: 'dashboard' must be a mapping \(mouse\)/);
  });
});
