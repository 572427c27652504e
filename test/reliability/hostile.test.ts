// Hostile runs: everything a run wrote (output, labels, flags, file names, attrs) is written by
// code the user did not read. Escape sequences never reach the terminal, YAML bombs and
// catastrophic regexes cannot stall grun, a run ends with its main process, and what the
// system refuses (a full disk, a read-only home, another user's run) is said.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAttr } from '../../src/store/attrs.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { TmuxGrun, distBuilt, tmuxAvailable } from '../e2e/tmux.js';
import { bin, childEnv, figures, FULL, runGrun, size, waitUntil, type Exit } from './helpers.js';

/** Every kind of control sequence a hostile run could print or name things with. */
const ESCAPES: Record<string, string> = {
  osc52: '\x1b]52;c;cHduZWQ=\x07', // clipboard
  osc8: '\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\', // hyperlink
  osc0: '\x1b]0;PWNED-TITLE\x07', // window title
  sgr8: '\x1b[8mhidden\x1b[0m', // concealed text
  csi: '\x1b[2J\x1b[H', // clear screen, cursor home
  dcs: '\x1bPq#0;2;0;0;0\x1b\\', // sixel / DCS
  c1: '\u009b31m', // 8-bit CSI
  bidi: 'abc\u202edcba', // right-to-left override
  bell: 'ring\x07',
};
const ALL = Object.values(ESCAPES).join(' ');
/** Anything a terminal acts on: ESC, C1 controls, BEL and the bidi overrides. */
const CONTROL = /[\x1b\x07\u0080-\u009f\u202a-\u202e\u2066-\u2069]/;

function project(files: Record<string, string>): string {
  const dir = tempDir('grun-hproj-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function ok(r: Exit, what: string): Exit {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  return r;
}

function onlyRun(home: string): string {
  const [id] = readdirSync(join(home, 'runs'));
  return id!;
}

/** `grun ARGS` with stdout on a real terminal (script(1) gives it a pty). */
function grunOnTty(args: string[], home: string): string {
  const cmd = [bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return execFileSync('script', ['-qec', cmd, '/dev/null'], { env: childEnv(home), encoding: 'utf8' });
}

describe('reliability: hostile text never reaches the terminal', () => {
  const home = emptyHome();
  const cwd = project({
    'evil.py': [
      'import sys',
      'msg = "x"',
      `open("file-" + ${JSON.stringify(ESCAPES.osc0!)} + ".txt", "w").write("x")`,
      `sys.stdout.write(${JSON.stringify(ALL)} + "\\n")`,
      'print("loss: 0.5")',
    ].join('\n'),
  });
  let id = '';

  test('a run with escapes in its label, flags, output and file names', async () => {
    ok(await runGrun(['run', '-y', '-q', '-l', `label ${ALL}`, 'evil.py', `msg=flag ${ALL}`], { home, cwd }), 'run');
    id = onlyRun(home);
    // The run's own record keeps every byte: only display is cleaned.
    assert.ok(readFileSync(join(home, 'runs', id, '.guild', 'output'), 'latin1').includes('\x1b]52;c;'));
  });

  const views: [string, string[]][] = [
    ['runs', ['runs']],
    ['runs -v', ['runs', '-v']],
    ['runs info', ['runs', 'info']],
    ['compare', ['compare', '-t']],
    ['ls', ['ls']],
    ['error message', ['runs', 'info', `no-such-run-${ESCAPES.osc0}`]],
  ];
  for (const [name, args] of views) {
    test(`grun ${name}: nothing but text`, async () => {
      const r = await runGrun(args, { home, cwd });
      figures.casesTried++;
      assert.ok(r.stdout.length + r.stderr.length > 0);
      assert.doesNotMatch(r.stdout, CONTROL, r.stdout);
      assert.doesNotMatch(r.stderr, CONTROL, r.stderr);
      if (name === 'runs') assert.match(r.stdout, /label +link +hidden +31m abcdcba ring␇/);
    });
  }

  test('grun cat --output: byte for byte to a pipe, cleaned on a terminal, raw with --raw', async () => {
    const piped = ok(await runGrun(['cat', '--output'], { home, cwd }), 'cat');
    assert.ok(piped.stdout.includes(ALL), 'a pipe gets the file as it is');
    const onTty = grunOnTty(['cat', '--output'], home);
    assert.doesNotMatch(onTty.replace(/\r\n/g, '\n'), CONTROL);
    assert.match(onTty, /link +hidden/);
    assert.ok(grunOnTty(['cat', '--output', '--raw'], home).includes('\x1b]52;c;'), '--raw passes escapes');
    const tail = grunOnTty(['cat', '--output', '-n', '2'], home);
    assert.doesNotMatch(tail, CONTROL);
    assert.match(grunOnTty(['watch', id.slice(0, 8)], home), /link +hidden/);
    assert.doesNotMatch(grunOnTty(['watch', id.slice(0, 8)], home), CONTROL);
  });

  const skip = !tmuxAvailable ? 'tmux is not installed' : !distBuilt ? 'dist/ is not built' : false;
  test('the dashboard: table, output tab and files tab show text only; the pane title stays', { skip }, async () => {
    const t = new TmuxGrun({ columns: 160, rows: 40, cwd, env: { GUILD_HOME: home } });
    try {
      t.tmux('set-option', '-g', 'set-titles', 'off');
      const title = t.format('#{pane_title}');
      await t.waitFor(/label +link +hidden/);
      t.keys('Enter', '4');
      await t.waitFor(/link +hidden +31m abcdcba ring␇/);
      t.keys('5');
      await t.waitFor(/file-\.txt/);
      const screen = t.screen(true);
      // Only grun's own SGR colours may be there: no OSC, DCS, C1, and no concealed text.
      assert.doesNotMatch(screen.replace(/\x1b\[[0-9;]*m/g, ''), CONTROL);
      assert.doesNotMatch(screen, /\x1b\[[0-9;]*\b8m/);
      assert.equal(t.format('#{pane_title}'), title, 'OSC 0 changed the pane title');
      assert.doesNotMatch(t.format('#{pane_title}'), /PWNED/);
      t.keys('Escape', 'q');
      await t.waitFor(/EXIT=0/);
    } finally {
      t.close();
    }
  });
});
