// The dashboard's line-diff writer: frames written as Ink 6.8's default renderer writes them go in,
// the bytes that come out are replayed on a small terminal (test/helpers/vt-screen.ts), and the
// screen must show the last frame, with no row of an earlier one left, whatever the frames' heights,
// glyphs, resizes and interruptions; a frame that changes one row must cost that row.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createElement as h } from 'react';
import { LineDiff, lineDiffStreams } from '../../src/views/line-diff.js';
import { VtScreen } from '../helpers/vt-screen.js';
import { waitFor } from './helpers.js';

const BSU = '\x1b[?2026h';
const ESU = '\x1b[?2026l';
/** ansi-escapes' eraseLines, as Ink's log-update writes it before each frame. */
const eraseLines = (n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '\x1b[2K' + (i < n - 1 ? '\x1b[1A' : '');
  return n ? s + '\x1b[G' : s;
};

/** A terminal of a given size, and a LineDiff writing to it; `sent` is every byte it got. */
function setup(columns: number, rows: number, settleMs = 5) {
  const size = { columns, rows };
  const screen = new VtScreen(columns, rows);
  const sent: string[] = [];
  const diff = new LineDiff((s, cb) => {
    sent.push(s);
    screen.write(s);
    cb?.();
    return true;
  }, () => size, settleMs);
  return { size, screen, sent, diff };
}

/** Ink 6.8's default renderer: erase the last frame's lines, write the new one (with its trailing
 * newline below `rows` lines; at `rows` none, and the next frame clears the terminal first). */
class InkLike {
  private prevLines = 0;
  private prevHeight = 0;
  constructor(private readonly diff: LineDiff, private readonly rows: () => number) {}

  frame(lines: string[], staticOutput = ''): void {
    const full = lines.length >= this.rows();
    const str = lines.join('\n') + (full ? '' : '\n');
    this.diff.write(BSU);
    if (this.prevHeight >= this.rows()) this.diff.write(`\x1b[2J\x1b[3J\x1b[H${lines.join('\n')}`);
    else if (staticOutput) this.diff.write(eraseLines(this.prevLines) + staticOutput + str);
    else this.diff.write(eraseLines(this.prevLines) + str);
    this.diff.write(ESU);
    this.prevLines = str.split('\n').length;
    this.prevHeight = lines.length;
  }
}

const padded = (lines: string[], rows: number): string[] => [...lines, ...Array(rows).fill('')].slice(0, rows);
const bytes = (xs: string[]): number => xs.reduce((n, s) => n + Buffer.byteLength(s), 0);
const table = (n: number, cursor: number, width = 78): string[] =>
  Array.from({ length: n }, (_, i) => `${i === cursor ? '›' : ' '} ${String(i).padStart(3)} run-${i.toString(16).padStart(8, '0')} ${'train.py'.padEnd(20)} completed`.slice(0, width));

describe('line-diff writer', () => {
  test('the screen shows the last frame, whatever the heights of the frames before it', () => {
    const { screen, diff } = setup(80, 24);
    screen.write('$ grun\r\nleft by the shell\r\n'); // what the terminal showed before the first frame
    const ink = new InkLike(diff, () => 24);
    const frames = [table(23, 0), table(10, 3), table(23, 5), table(5, 1), ['only one line'], table(24, 2), table(12, 7), table(24, 0), table(23, 22), []];
    for (const f of frames) {
      ink.frame(f);
      assert.deepEqual(screen.lines(), padded(f, 24), `after a frame of ${f.length} lines`);
    }
    assert.equal(screen.scrolls, 0, 'nothing was written past the bottom row');
  });

  test('a frame that changes two rows sends those rows; an unchanged frame sends nothing', () => {
    const { screen, sent, diff } = setup(80, 24);
    const ink = new InkLike(diff, () => 24);
    ink.frame(table(23, 4));
    const full = bytes(sent);
    sent.length = 0;
    ink.frame(table(23, 5));
    const rows = table(23, 5);
    assert.deepEqual(screen.lines(), padded(rows, 24));
    const changed = Buffer.byteLength(rows[4]!) + Buffer.byteLength(rows[5]!);
    assert.ok(bytes(sent) <= changed + 48, `${bytes(sent)} B for two rows of ${changed} B (a full frame: ${full} B)`);
    sent.length = 0;
    ink.frame(table(23, 5));
    assert.equal(bytes(sent), 0);
  });

  test('wide and combining glyphs: a shorter row replacing them leaves no half glyph behind', () => {
    const { screen, diff } = setup(40, 10);
    const ink = new InkLike(diff, () => 10);
    const a = ['名前 ✔ 実験 🚀 done', 'café · naïve', 'e\u0301t\u0301e\u0301', '日本語日本語日本語日本語日本語日本語日本', 'tail'];
    ink.frame(a);
    assert.deepEqual(screen.lines(), padded(a, 10));
    const b = ['x', 'café', '日', 'ab日本', 'tail', '日本語日本語日本語日本語日本語日本語日本']; // the last: all 40 columns
    ink.frame(b);
    assert.deepEqual(screen.lines(), padded(b, 10));
  });

  test('a resize redraws the whole screen at the new size, shrinking or growing', () => {
    const { size, screen, sent, diff } = setup(80, 24);
    const ink = new InkLike(diff, () => size.rows);
    ink.frame(table(23, 3));
    for (const [columns, rows] of [[60, 10], [120, 40], [80, 24]] as const) {
      Object.assign(size, { columns, rows });
      screen.resize(columns, rows); // the terminal keeps what fits, where it was
      sent.length = 0;
      const f = table(rows - 1, 2, columns - 2);
      ink.frame(f);
      assert.ok(sent.join('').startsWith(`${BSU}\x1b[H\x1b[2J`), `a full redraw at ${columns}x${rows}`);
      assert.deepEqual(screen.lines(), padded(f, rows), `at ${columns}x${rows}`);
    }
    assert.equal(screen.scrolls, 0);
  });

  test('an editor run from the dashboard: the screen comes back whole after the alternate screen is re-entered', async () => {
    const { screen, diff } = setup(80, 24);
    screen.write('\x1b[?1049h');
    const ink = new InkLike(diff, () => 24);
    ink.frame(table(23, 1));
    diff.write('\x1b[?1049l\x1b[?25h'); // as app.tsx before it runs the program
    screen.write('the editor drew this\r\nand this\r\n');
    diff.write('\x1b[?1049h\x1b[H\x1b[2J'); // back: a cleared alternate screen
    await waitFor(() => screen.lines().every((l) => l === ''), 2000, 'the cleared screen');
    const f = [...table(22, 1), 'back from vi'];
    ink.frame(f);
    assert.deepEqual(screen.lines(), padded(f, 24));
  });

  test("Ink's static output sits above the frame", () => {
    const { screen, diff } = setup(60, 20);
    const ink = new InkLike(diff, () => 20);
    ink.frame(table(8, 0, 58));
    ink.frame(table(8, 1, 58), 'static line one\nstatic line two\n');
    assert.deepEqual(screen.lines(), padded(['static line one', 'static line two', ...table(8, 1, 58)], 20));
  });

  test('a write to stderr on the same terminal makes the next frame a full redraw', () => {
    const term = Object.assign(new EventEmitter(), { isTTY: true, columns: 50, rows: 12, out: [] as string[], write(s: string) { this.out.push(s); return true; } });
    const err = Object.assign(new EventEmitter(), { isTTY: true, columns: 50, rows: 12, write(s: string) { term.out.push(s); return true; } });
    const streams = lineDiffStreams(term as unknown as NodeJS.WriteStream, err as unknown as NodeJS.WriteStream);
    const screen = new VtScreen(50, 12);
    const ink = new InkLike(streams.diff, () => 12);
    ink.frame(table(11, 0, 48));
    // Ink's writeToStderr: clear its lines, the message, its lines again, in one synchronized update
    streams.stdout.write(BSU + eraseLines(12));
    streams.stderr.write('a warning\n');
    streams.stdout.write(table(11, 0, 48).join('\n') + '\n' + ESU);
    screen.write(term.out.join(''));
    assert.deepEqual(screen.lines(), padded(table(11, 0, 48), 12));
    assert.match(term.out.at(-1)!, /^\x1b\[\?2026h\x1b\[H\x1b\[2J/);
    streams.diff.dispose();
  });

  test('escape sequences cut between writes are put back together', () => {
    const { screen, diff } = setup(30, 8);
    const frame = ['\x1b[31mred\x1b[39m plain', '\x1b]8;;https://x.io\x1b\\link\x1b]8;;\x1b\\ after', '日本 ok'];
    const text = BSU + frame.join('\n') + '\n' + ESU;
    for (const ch of text) diff.write(ch);
    assert.deepEqual(screen.lines(), padded(['red plain', 'link after', '日本 ok'], 8));
  });

  test('colours are sent with their row; without colours (NO_COLOR) no SGR is added', () => {
    const plain = setup(40, 6);
    new InkLike(plain.diff, () => 6).frame(['a', 'b c', 'd']);
    assert.doesNotMatch(plain.sent.join(''), /\x1b\[[0-9;]*m/);
    const coloured = setup(40, 6);
    const ink = new InkLike(coloured.diff, () => 6);
    ink.frame(['a', '\x1b[32m✔ ok\x1b[39m', 'd']);
    coloured.sent.length = 0;
    ink.frame(['a', '\x1b[31m✖ no\x1b[39m', 'd']);
    assert.match(coloured.sent.join(''), /\x1b\[2H\x1b\[2K\x1b\[31m✖ no\x1b\[39m/);
  });

  test('the terminal modes, bell and clipboard pass through in order', () => {
    const { sent, diff } = setup(40, 6);
    diff.write('\x1b[?25l');
    diff.write(`${BSU}x\n${ESU}`);
    diff.write('\x07\x1b]52;c;aGk=\x07');
    assert.deepEqual(sent.slice(0, 1), ['\x1b[?25l']);
    assert.equal(sent.at(-1), '\x07\x1b]52;c;aGk=\x07');
  });
});

/** Ink's own test (is-in-ci): with CI set it writes only the last frame. */
const inCi = (['CI', 'CONTINUOUS_INTEGRATION'].some((k) => k in process.env) || Object.keys(process.env).some((k) => k.startsWith('CI_'))) &&
  process.env.CI !== '0' && process.env.CI !== 'false';

describe('line-diff writer under Ink 6.8', { skip: inCi ? 'Ink writes no frames while CI is set' : false }, () => {
  test("Ink's real frames, growing, shrinking and changing rows, leave the screen equal to the last one", async () => {
    const { render, Box, Text } = await import('ink');
    const term = Object.assign(new EventEmitter(), { isTTY: true, columns: 60, rows: 16, out: [] as string[], write(s: string, cb?: () => void) { this.out.push(s); cb?.(); return true; } });
    const streams = lineDiffStreams(term as unknown as NodeJS.WriteStream, process.stderr);
    const screen = new VtScreen(60, 16);
    const View = ({ lines }: { lines: string[] }) => h(Box, { flexDirection: 'column' }, ...lines.map((l, i) => h(Text, { key: i, color: i % 2 ? 'green' : undefined }, l)));
    const frames = [table(15, 0, 58), table(15, 1, 58), table(6, 2, 58), table(15, 9, 58), ['日本語 ✔', 'x'], table(15, 14, 58)];
    const instance = render(h(View, { lines: frames[0]! }), { stdout: streams.stdout, stderr: streams.stderr, patchConsole: false, exitOnCtrlC: false });
    try {
      for (const f of frames) {
        instance.rerender(h(View, { lines: f }));
        const want = padded(f, 16);
        await waitFor(() => {
          screen.write(term.out.splice(0).join(''));
          return screen.lines().join('\n') === want.join('\n');
        }, 3000, `the screen to show:\n${f.join('\n')}\n(it shows:\n${screen.lines().join('\n')})`);
      }
      assert.equal(screen.scrolls, 0);
    } finally {
      instance.unmount();
      streams.diff.dispose();
    }
  });
});
