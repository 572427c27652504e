// Hostile runs: everything a run wrote (output, labels, flags, file names, attrs) is written by
// code the user did not read. Escape sequences never reach the terminal, YAML bombs and
// catastrophic regexes cannot stall grun, a run ends with its main process, and what the
// system refuses (a full disk, a read-only home, another user's run) is said.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome, tempDir } from '../helpers/home.js';
import { TmuxGrun, tmuxSkip } from '../e2e/tmux.js';
import { isProcessAlive } from '../../src/store/proc.js';
import { bin, childEnv, figures, kill, killAllOf, runGrun, size, spawnGrun, waitUntil, type Exit } from './helpers.js';

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
      `print("key" + ${JSON.stringify(ESCAPES.osc0!)} + ": 1")`,
    ].join('\n'),
  });
  let id = '';

  test('a run with escapes in its label, flags, output and file names', async () => {
    ok(await runGrun(['run', '-y', '-q', '-l', `label ${ALL}`, '-t', `tag${ESCAPES.osc0}`, 'evil.py', `msg=flag ${ALL}`], { home, cwd }), 'run');
    id = onlyRun(home);
    // The run's own record keeps every byte: only display is cleaned.
    assert.ok(readFileSync(join(home, 'runs', id, '.guild', 'output'), 'latin1').includes('\x1b]52;c;'));
  });

  const views: [string, string[]][] = [
    ['runs', ['runs']],
    ['runs -v', ['runs', '-v']],
    ['runs info', ['runs', 'info']],
    ['compare', ['compare', '-t']],
    ['compare --print-scalars', ['compare', '--print-scalars']],
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
      if (name === 'compare --print-scalars') {
        assert.match(r.stdout, /^ {2}key/m); // the rest of its line was in an unterminated OSC: left out
        assert.match(r.stdout, /^ {2}loss: 0\.500000 \(step 0\)$/m);
      }
    });
  }

  test('data a run holds (CSV, an attr, its tags): as it is to a pipe, cleaned on a terminal', async () => {
    for (const args of [['compare', '--csv', '-'], ['select', '--attr', 'label'], ['tag', '--list-all']]) {
      const piped = ok(await runGrun(args, { home, cwd }), args.join(' '));
      assert.ok(piped.stdout.includes(ESCAPES.osc0!), `${args.join(' ')}: a pipe gets the text as it is`);
      const onTty = grunOnTty(args, home);
      assert.doesNotMatch(onTty, CONTROL, args.join(' '));
      assert.match(onTty, args[0] === 'tag' ? /^tag\r?$/m : /label +link +hidden/, args.join(' '));
    }
  });

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

  test('grun cat -p: a run file is cleaned on a terminal too, raw with --raw, byte for byte to a pipe', () => {
    const name = `file-${ESCAPES.osc0}.txt`;
    writeFileSync(join(home, 'runs', id, name), `${ALL}\n`);
    const onTty = grunOnTty(['cat', '-p', name], home);
    assert.match(onTty, /link +hidden/);
    assert.doesNotMatch(onTty.replace(/\r\n/g, '\n'), CONTROL);
    assert.ok(grunOnTty(['cat', '-p', name, '--raw'], home).includes('\x1b]52;c;'), '--raw passes escapes');
    const piped = spawnSync(bin, ['cat', '-p', name], { env: childEnv(home) });
    assert.equal(piped.status, 0, String(piped.stderr));
    assert.ok(piped.stdout.equals(Buffer.from(`${ALL}\n`)));
  });

  test('grun cat to a pipe: every byte value, invalid UTF-8 and chunk boundaries included, exactly as in the file', () => {
    // 3 MiB + 7 bytes of every value (several 1 MiB reads, the last one short)
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 8)) & 0xff;
    writeFileSync(join(home, 'runs', id, 'blob.bin'), bytes);
    const file = spawnSync(bin, ['cat', '-p', 'blob.bin'], { env: childEnv(home), maxBuffer: 1 << 26 });
    assert.equal(file.status, 0, String(file.stderr));
    assert.ok(file.stdout.equals(bytes), 'cat -p to a pipe is the file');
    const output = spawnSync(bin, ['cat', '--output'], { env: childEnv(home), maxBuffer: 1 << 26 });
    assert.equal(output.status, 0, String(output.stderr));
    assert.ok(output.stdout.equals(readFileSync(join(home, 'runs', id, '.guild', 'output'))), 'cat --output to a pipe is the output file');
  });

  const skip = tmuxSkip;
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

/** `grun ARGS`, killed (and failed) if it has not ended within `ms`. */
async function grunWithin(ms: number, args: string[], o: { home: string; cwd: string; env?: Record<string, string> }): Promise<Exit> {
  const { proc, exit } = spawnGrun(args, o);
  const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
  const r = await exit;
  clearTimeout(timer);
  assert.notEqual(r.signal, 'SIGKILL', `grun ${args.join(' ')} did not end within ${ms} ms`);
  return r;
}

function listed(stdout: string): { id: string; status: string; status_reason: string | null; problems: { file: string; message: string }[] }[] {
  return JSON.parse(stdout);
}

describe('reliability: resource bombs', () => {
  const homes: string[] = [];
  after(() => homes.forEach(killAllOf));

  test('a YAML alias bomb in an attr reads as corrupt and the run still lists, at once', async () => {
    const home = emptyHome();
    const cwd = project({ 'work.sh': 'echo ok\n' });
    ok(await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd }), 'run');
    ok(await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd }), 'run');
    const id = readdirSync(join(home, 'runs'))[0]!;
    // Nine levels of nine aliases: 9^9 (387 million) strings once expanded.
    const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i < 9; i++) {
      const p = String.fromCharCode(96 + i);
      const c = String.fromCharCode(97 + i);
      levels.push(`${c}: &${c} [${Array(9).fill(`*${p}`).join(', ')}]`);
    }
    for (const attr of ['flags', 'label']) writeFileSync(join(home, 'runs', id, '.guild', 'attrs', attr), levels.join('\n') + '\n');
    // And a document too long to be an attr.
    writeFileSync(join(home, 'runs', id, '.guild', 'attrs', 'tags'), '- x\n'.repeat(9 << 20));
    for (const args of [['runs'], ['runs', '--json'], ['runs', 'info', id.slice(0, 8)], ['compare', '-t'], ['runs', '-F', 'lol contains lol']]) {
      const r = await grunWithin(60_000, args, { home, cwd });
      figures.casesTried++;
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      if (args[0] === 'runs' && args.length === 1) {
        assert.match(r.stdout, /\[corrupt\]/);
        assert.match(r.stderr, /aliases expand to more than/);
        assert.match(r.stderr, /document longer than/);
        assert.equal(r.stdout.trim().split('\n').length, 2, 'both runs listed');
      }
    }
  });

  test('a catastrophic output-scalars regex: the run ends when its command does, scalars still logged', async () => {
    const home = emptyHome();
    homes.push(home);
    const cwd = project({
      'guild.yml': 'op:\n  main: work\n  output-scalars:\n    - ^(a+)+$\n    - loss: loss=(\\value)\n',
      'work.py': 'print("a" * 60 + "!")\nprint("loss=0.25")\n',
    });
    const r = await grunWithin(60_000, ['run', '-y', 'op'], { home, cwd });
    assert.equal(r.code, 0, r.stderr);
    const info = ok(await runGrun(['runs', 'info', '--json'], { home, cwd }), 'info');
    assert.deepEqual(JSON.parse(info.stdout).scalars.loss, [0.25, 0]);
    figures.casesTried++;
  });

  test('a catastrophic --operation regex: grun runs answers at once', async () => {
    const home = emptyHome();
    const name = 'a'.repeat(40) + '.sh';
    const cwd = project({ [name]: 'echo ok\n' });
    ok(await runGrun(['run', '-y', '-q', name], { home, cwd }), 'run');
    for (const args of [['runs', '-Fo', '^(a+)+$'], ['runs', '--operation', '(a|aa)+$'], ['compare', '-t', '-Fo', '^(a+)+$'], ['runs', '-Fo', '*a*a*a*a*a*a*a*a*a*b']]) {
      const r = await grunWithin(60_000, args, { home, cwd });
      figures.casesTried++;
      assert.equal(r.code, 0, r.stderr);
    }
  });

  test('a pattern RE2 cannot run is refused, naming the feature', async () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'op:\n  main: work\n  output-scalars:\n    - (?P<w>\\w+)=(?P=w)\n',
      'work.py': 'print("x")\n',
    });
    const run = await runGrun(['run', '-y', 'op'], { home, cwd });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /output-scalars pattern .* uses backreferences/);
    assert.deepEqual(existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : [], [], 'nothing half-made');
    const fo = await runGrun(['runs', '-Fo', '^(?=a)b$'], { home, cwd });
    assert.equal(fo.code, 1);
    assert.match(fo.stderr, /--operation '\^\(\?=a\)b\$' uses lookahead/);
    figures.casesTried += 2;
  });
});

describe('reliability: a run ends with its main process', () => {
  const homes: string[] = [];
  after(() => homes.forEach(killAllOf));

  test('a background child holding stdout does not keep the run running', async () => {
    const home = emptyHome();
    homes.push(home);
    const cwd = project({ 'serve.sh': 'echo start\n(sleep 600; echo late) &\necho $! > daemon.pid\necho main done\n' });
    const r = await grunWithin(60_000, ['run', '-y', 'serve.sh'], { home, cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /main done/);
    const [run] = listed(ok(await runGrun(['runs', '--json'], { home, cwd }), 'runs').stdout);
    assert.equal(run!.status, 'completed');
    const dir = join(home, 'runs', run!.id);
    assert.ok(!existsSync(join(dir, '.guild', 'LOCK')));
    const daemon = Number(readFileSync(join(dir, 'daemon.pid'), 'utf8'));
    assert.ok(isProcessAlive(daemon), 'the child is the user\'s: grun leaves it running');
    kill(daemon);
    figures.casesTried++;
  });

  test('a forced stop of a run whose daemon (own session) holds stdout is terminated', async () => {
    const home = emptyHome();
    homes.push(home);
    const cwd = project({ 'stubborn.sh': "trap '' TERM\nsetsid sh -c 'echo $$ > daemon.pid; exec sleep 600' &\necho up\nsleep 600\n" });
    ok(await runGrun(['run', '-y', '-b', 'stubborn.sh'], { home, cwd }), 'run -b');
    await waitUntil('the run prints', () => readdirSync(join(home, 'runs')).some((id) => existsSync(join(home, 'runs', id, '.guild', 'output')) && readFileSync(join(home, 'runs', id, '.guild', 'output'), 'utf8').includes('up')));
    const stop = await grunWithin(60_000, ['stop', '-y', '--force', '--timeout', '1'], { home, cwd });
    assert.equal(stop.code, 0, stop.stderr);
    const [run] = listed(ok(await runGrun(['runs', '--json'], { home, cwd }), 'runs').stdout);
    assert.equal(run!.status, 'terminated');
    kill(Number(readFileSync(join(home, 'runs', run!.id, 'daemon.pid'), 'utf8')));
    figures.casesTried++;
  });
});

const asRoot = process.getuid?.() === 0;

/** A fresh tmpfs of `size` at a temp dir, or null where it cannot be mounted (not root). */
function tmpfs(size: string): string | null {
  if (!asRoot) return null;
  const dir = tempDir('grun-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return r.status === 0 ? dir : null;
}

function unmount(dir: string | null): void {
  if (dir) spawnSync('umount', ['-l', dir]);
}

describe('reliability: what the system refuses is said', { skip: asRoot ? false : 'needs root (tmpfs mounts, another uid)' }, () => {
  test('a disk that fills up during a run: the reason is said, the record finished, LOCK removed', async () => {
    const mnt = tmpfs('2m');
    assert.ok(mnt, 'tmpfs mounted');
    try {
      const home = join(mnt, 'home');
      mkdirSync(home);
      const cwd = project({ 'fill.py': 'for i in range(60000):\n    print("loss: %d %s" % (i, "x" * 60))\nprint("done")\n' });
      const r = await grunWithin(120_000, ['run', '-y', 'fill.py'], { home, cwd });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /the disk is full \(ENOSPC\)/);
      const [run] = listed(ok(await runGrun(['runs', '--json'], { home, cwd }), 'runs').stdout);
      assert.equal(run!.status, 'completed', 'the exit status is recorded');
      assert.ok(!existsSync(join(home, 'runs', run!.id, '.guild', 'LOCK')));
      const info = ok(await runGrun(['runs', 'info'], { home, cwd }), 'info');
      assert.match(info.stdout, /problems:\n(?:.*\n)*  \.guild\/grun-failure: its output is recorded only in part: the disk is full \(ENOSPC\)/);
      figures.casesTried++;
    } finally {
      unmount(mnt);
    }
  });

  test('a read-only home: delete, restore and purge say so', async () => {
    const mnt = tmpfs('8m');
    assert.ok(mnt, 'tmpfs mounted');
    try {
      const home = join(mnt, 'home');
      mkdirSync(home);
      const cwd = project({ 'work.sh': 'echo ok\n' });
      ok(await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd }), 'run');
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
      const r = await runGrun(['runs', 'delete', '-y', '1'], { home, cwd });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot delete runs: the file system is read-only \(EROFS\)/);
      assert.equal(listed(ok(await runGrun(['runs', '--json'], { home, cwd }), 'runs').stdout).length, 1, 'still listed');
      figures.casesTried++;
    } finally {
      unmount(mnt);
    }
  });

  test("another user's run with mode 0700 lists as unreadable, with the reason", async () => {
    const home = emptyHome();
    const cwd = project({ 'work.sh': 'echo ok\n' });
    ok(await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd }), 'run');
    ok(await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd }), 'run');
    const [foreign, mine] = readdirSync(join(home, 'runs'));
    // The reader runs as nobody: every other dir readable, the foreign run owned by root, 0700.
    execFileSync('chmod', ['-R', 'a+rX', home]);
    for (let d = home; d !== '/'; d = join(d, '..')) chmodSync(d, statSync(d).mode | 0o005);
    chownSync(join(home, 'runs', mine!), 65534, 65534);
    chmodSync(join(home, 'runs', foreign!), 0o700);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', bin, 'runs', '--json'], { env: childEnv(home), cwd: '/', encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const runs = listed(r.stdout);
    assert.deepEqual(runs.map((x) => x.id).sort(), [foreign, mine].sort(), 'both runs listed');
    const bad = runs.find((x) => x.id === foreign)!;
    assert.equal(bad.status, 'error');
    assert.match(bad.status_reason ?? '', /unreadable: permission denied \(EACCES\): owned by uid 0 with mode 0700/);
    const text = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', bin, 'runs'], { env: childEnv(home), cwd: '/', encoding: 'utf8' });
    assert.match(text.stderr, /unreadable: permission denied/);
    figures.casesTried++;
  });
});

describe('reliability: memory', () => {
  const skip = tmuxSkip;
  test('the output tab of a run that wrote one huge line without a newline: head, length, tail', { skip }, async () => {
    const home = emptyHome();
    const mib = size(256, 1024);
    const cwd = project({ 'huge.py': `import sys\nsys.stdout.write("HEAD")\nfor _ in range(${mib}):\n    sys.stdout.write("x" * (1 << 20))\nsys.stdout.write("TAIL")\n` });
    ok(await runGrun(['run', '-y', '-q', 'huge.py'], { home, cwd }), 'run');
    const t = new TmuxGrun({ columns: 120, rows: 30, cwd, env: { GUILD_HOME: home } });
    try {
      await t.waitFor(/huge\.py/);
      t.keys('Enter', '4');
      await t.waitFor(new RegExp(`HEADx+ … \\[${mib * (1 << 20) + 8} bytes\\] … x+TAIL`), 120_000);
      const status = readFileSync(`/proc/${t.grunPid()}/status`, 'utf8');
      const peakMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
      process.stderr.write(`memory: the dashboard peaked at ${peakMb.toFixed(0)} MB showing a ${mib} MiB line\n`);
      assert.ok(peakMb < 400, `dashboard peaked at ${peakMb.toFixed(0)} MB for a ${mib} MiB line`);
      t.keys('Escape', 'q');
      await t.waitFor(/EXIT=0/);
      figures.casesTried++;
    } finally {
      t.close();
    }
  });
});
