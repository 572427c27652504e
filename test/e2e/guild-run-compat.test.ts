// `grun run` as a Guild project expects it: guild.yml run features and Guild's wording, through
// the real binary on small projects of grun's own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseYaml11 } from '../../src/store/yaml11.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { fails, grun, ok, okSaid } from './cli-helpers.js';
import { findProcesses } from '../reliability/helpers.js';

/** A project dir holding the given files. */
function project(files: Record<string, string>): string {
  const dir = tempDir('grun-proj-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A run's exit status rewritten as a writer would (a new file renamed in place). */
function setExitStatus(home: string, id: string, status: number): void {
  const path = join(home, 'runs', id, '.guild', 'attrs', 'exit_status');
  writeFileSync(`${path}.tmp`, `${status}\n`);
  renameSync(`${path}.tmp`, path);
}

const statusesOf = (out: string): string[] => out.trimEnd().split('\n').filter(Boolean).map((l) => l.trimEnd().split(/\s+/).slice(1).join(' '));

describe('delete-on-success', () => {
  test('a completed run goes to the trash, --keep-run keeps it, a failed one stays', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'step:\n  main: step\n  delete-on-success: yes\n  flags:\n    code: 0\n',
      'step.py': 'import sys\ncode = 0\nsys.exit(code)\n',
    });
    const r = grun(home, ['run', 'step', '-l', 'first', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^Deleting interim run [0-9a-f]{32} \('step' is configured for deletion on success\)\n$/);
    assert.equal(ok(home, ['runs', '-s']), '');
    assert.deepEqual(statusesOf(ok(home, ['runs', '-s', '-d'], { cwd })), ['step completed first']);
    assert.equal(grun(home, ['run', 'step', '-l', 'kept', '--keep-run', '-y'], { cwd }).err, '');
    assert.equal(grun(home, ['run', 'step', 'code=3', '-l', 'failed', '-y'], { cwd }).code, 3);
    assert.deepEqual(statusesOf(ok(home, ['runs', '-s'], { cwd })), ['step error failed', 'step completed kept']);
    // the run's own `op` attr records the word it ran under
    const kept = ok(home, ['select', '2']).trim();
    assert.match(ok(home, ['cat', '-p', '.guild/attrs/op', kept]), /^delete-on-success: false$/m);
  });
});

describe('run options read the Guild way', () => {
  test("-Fo is run's --opt-flag: refused without an optimizer, before anything is written", () => {
    const home = emptyHome();
    const cwd = project({ 'pass.py': 'x = 1\n' });
    fails(home, ['run', 'pass.py', '-Fo', 'foo=123', '-y'], /^grun: invalid optimizer flag foo=123: no optimizer specified\n/, { cwd });
    assert.equal(ok(home, ['runs', '-s']), '');
    // an optimizer named: its settings are checked, even with nothing to search
    fails(
      home,
      ['run', 'pass.py', '-Fo', 'foo=123', '-o', 'random', '-y'],
      /^grun: unsupported flag 'foo'\nTry 'grun run skopt:random --help-op' for a list of flags or\nuse --force-flags to skip this check\.\n$/,
      { cwd },
    );
    assert.equal(ok(home, ['runs', '-s']), '');
    // the command the hint names lists the optimizer's flags
    assert.match(ok(home, ['run', 'skopt:random', '--help-op'], { cwd }), /^Usage: grun run \[OPTIONS\] skopt:random .*\n[^]*This optimizer has no flags\.\n$/);
    assert.match(ok(home, ['run', 'gp', '--help-op'], { cwd }), /\n  xi {13}Improvement over the best so far that EI and PI look for\n {17}\(default is 0\.05\)\n/, 'filled to 78 columns');
    // --force-flags skips the check: the setting is dropped and the run made
    ok(home, ['run', 'pass.py', '-Fo', 'foo=123', '-o', 'random', '--force-flags', '-y'], { cwd });
    assert.match(ok(home, ['runs', '-s']), /pass\.py .*completed/);
  });
});

describe('--needed', () => {
  const echo = { 'echo.py': 'x = 1.0\ny = 2\nprint(x, y)\n' };

  test('a new run is skipped for a completed or terminated run with the same flags, in Guild words', () => {
    const home = emptyHome();
    const cwd = project(echo);
    assert.equal(ok(home, ['run', 'echo.py', '--run-id', 'aaa', '-y'], { cwd }), '1.0 2\n');
    const out = ok(home, ['run', 'echo.py', '--needed', '-y'], { cwd });
    assert.match(out, /^Skipping because the following runs match this operation \(--needed specified\):\n {2}\[aaa\] {2}echo\.py .* completed {2}x=1\.0 y=2\n$/);
    setExitStatus(home, 'aaa', -9);
    assert.match(ok(home, ['run', 'echo.py', '--needed', '-y'], { cwd }), /^Skipping because .*\n.* terminated {2}x=1\.0 y=2\n$/);
    assert.equal(ok(home, ['runs', '-s'], { cwd }).trimEnd().split('\n').length, 1);
  });

  test('a restart keeps float flags; with --needed it runs only when flags change or the run did not end well', () => {
    const home = emptyHome();
    const cwd = project(echo);
    ok(home, ['run', 'echo.py', '--run-id', 'aaa', '-y'], { cwd });
    assert.equal(ok(home, ['run', '--restart', 'aaa', '-y']), '1.0 2\n');
    assert.match(ok(home, ['runs', '-s'], { cwd }), / {2}x=1\.0 y=2\n$/);
    // Guild's select spells the run's directory both ways
    assert.equal(ok(home, ['select', '--dir', 'aaa']), `${join(home, 'runs', 'aaa')}\n`);
    const started = (): string => ok(home, ['select', '--attr', 'started', 'aaa']);
    const before = started();
    assert.equal(ok(home, ['run', '--restart', 'aaa', '--needed', '-y']), 'Skipping run because flags have not changed (--needed specified)\n');
    assert.equal(started(), before, 'the run was left as it was');
    assert.equal(ok(home, ['run', '--restart', 'aaa', '--needed', 'x=2.0', '-y']), '2.0 2\n');
    setExitStatus(home, 'aaa', 1);
    assert.equal(ok(home, ['run', '--restart', 'aaa', '--needed', '-y']), '2.0 2\n', 'an error run always restarts');
    writeFileSync(join(home, 'runs', 'aaa', '.guild', 'PENDING'), '');
    assert.equal(ok(home, ['run', '--restart', 'aaa', '--needed', '-y']), '2.0 2\n', 'a pending run always restarts');
    writeFileSync(join(home, 'runs', 'aaa', '.guild', 'STAGED'), '');
    assert.equal(ok(home, ['run', '--restart', 'aaa', '--needed', '-y']), '2.0 2\n', 'a staged run always starts, its output afresh');
    // a LOCK left by a process that is gone, no exit status: an error run, restarted
    writeFileSync(join(home, 'runs', 'aaa', '.guild', 'LOCK'), String(spawnSync('true').pid));
    rmSync(join(home, 'runs', 'aaa', '.guild', 'attrs', 'exit_status'));
    assert.match(ok(home, ['runs', '-s'], { cwd }), / error {2}x=2\.0 y=2\n$/);
    assert.equal(ok(home, ['run', '--restart', 'aaa', '--needed', '-y']), '2.0 2\n', 'an error run always restarts');
    assert.match(ok(home, ['runs', '-s'], { cwd }), / completed {2}x=2\.0 y=2\n$/);
  });

  test('a running run is not restarted', () => {
    const home = emptyHome();
    const cwd = project({ 'wait.py': 'import time\nwhile True: time.sleep(0.1)\n' });
    assert.match(ok(home, ['run', 'wait.py', '--run-id', 'bbb', '--background', '-y'], { cwd }), /^wait\.py started in background as bbb/);
    try {
      const r = grun(home, ['run', '--restart', 'bbb', '-y']);
      assert.equal(r.code, 1);
      assert.equal(r.err, "grun: cannot restart run bbb because it's running\nUse 'grun stop bbb' to stop it first and try again.\n");
    } finally {
      // Guild's `runs stop` is `stop`
      assert.match(okSaid(home, ['runs', 'stop', '--timeout', '10', '-y']), /^Stopping bbb \(pid \d+\)\n$/);
    }
    assert.match(ok(home, ['runs', '-s'], { cwd }), /^\[1\] {2}wait\.py {2}terminated {2}\n$/);
  });
});

describe('dependencies', () => {
  const guildYml = [
    'fetch:',
    '  main: fetch',
    '  requires:',
    '    - file: data.txt',
    '    - file: conf',
    '      target-path: in',
    'use:',
    '  main: use',
    '  sourcecode:',
    '    - exclude: data.txt',
    '  requires:',
    '    - operation: fetch',
    '      select: data.txt',
    '',
  ].join('\n');
  const files = { 'guild.yml': guildYml, 'fetch.py': 'print(open("data.txt").read().strip(), open("in/conf/a").read().strip())\n', 'use.py': 'print(open("data.txt").read().strip())\n' };

  test('a missing upstream run or project file makes an error run, in Guild words', () => {
    const home = emptyHome();
    const cwd = project(files);
    const down = grun(home, ['run', 'use', '-y'], { cwd });
    assert.equal(down.code, 1);
    assert.equal(
      down.err,
      "WARNING: cannot find a suitable run for required resource 'operation:fetch'\nResolving operation:fetch\n" +
        "grun: run failed because a dependency was not met: could not resolve 'operation:fetch' in operation:fetch resource: no suitable run for fetch\n",
    );
    const up = grun(home, ['run', 'fetch', '-y'], { cwd });
    assert.equal(up.code, 1);
    assert.equal(
      up.err,
      "Resolving file:data.txt\ngrun: run failed because a dependency was not met: could not resolve 'file:data.txt' in file:data.txt resource: cannot find source file 'data.txt'\n",
    );
    assert.deepEqual(statusesOf(ok(home, ['runs', '-s'], { cwd })), ['fetch error', 'use error']);
    // never started: no `started` and no `deps` (Guild writes it once every one is resolved), and
    // no flag for the dependency that found no run
    const failed = join(home, 'runs', ok(home, ['select', '2']).trim(), '.guild', 'attrs');
    assert.ok(!existsSync(join(failed, 'started')));
    assert.ok(!existsSync(join(failed, 'deps')));
    assert.equal(readFileSync(join(failed, 'flags'), 'utf8'), '{}\n');
  });

  test('project files are copied in and recorded; the downstream run links them from its upstream', () => {
    const home = emptyHome();
    const cwd = project(files);
    writeFileSync(join(cwd, 'data.txt'), 'hello\n');
    mkdirSync(join(cwd, 'conf'));
    writeFileSync(join(cwd, 'conf', 'a'), 'A\n');
    const up = grun(home, ['run', 'fetch', '--run-id', 'up1', '-y'], { cwd });
    assert.equal(up.code, 0, up.err);
    assert.equal(up.out, 'hello A\n');
    assert.equal(up.err, 'Resolving file:data.txt\nResolving file:conf\n');
    const dir = join(home, 'runs', 'up1');
    assert.ok(!lstatSync(join(dir, 'data.txt')).isSymbolicLink(), 'a copy, not a link');
    const manifest = readFileSync(join(dir, '.guild', 'manifest'), 'utf8');
    assert.match(manifest, /^d data\.txt f572d396fae9206628714fb2ce00f72e94f2258f file:data\.txt$/m);
    assert.match(manifest, /^d in\/conf - file:conf$/m);
    assert.deepEqual(parseYaml11(readFileSync(join(dir, '.guild', 'attrs', 'deps'), 'utf8')), {
      'file:data.txt': { 'file:data.txt': { paths: [relative(dir, join(cwd, 'data.txt'))], uri: 'file:data.txt' } },
      'file:conf': { 'file:conf': { paths: [relative(dir, join(cwd, 'conf'))], uri: 'file:conf' } },
    });
    // the project file changes; the run keeps what it was given
    writeFileSync(join(cwd, 'data.txt'), 'changed\n');
    const down = grun(home, ['run', 'use', '-y'], { cwd });
    assert.equal(down.out, 'hello\n');
    assert.equal(down.err, 'Resolving operation:fetch\nUsing run up1 for operation:fetch\n');
  });

  test('X=ID: the marked, else the latest, run of the operation whose id starts with ID, even an ID that reads as a number', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'up:\n  main: up\ndown:\n  main: down\n  requires:\n    - operation: up\n',
      'up.py': 'pass\n',
      'down.py': 'pass\n',
    });
    for (const id of ['100', '1e5', '010']) ok(home, ['run', 'up', '--run-id', id, '-y'], { cwd });
    const using = (flag: string): string => {
      const r = grun(home, ['run', 'down', flag, '-y'], { cwd });
      assert.equal(r.code, 0, r.err);
      return r.err;
    };
    assert.equal(using('up=1'), 'Resolving operation:up\nUsing run 1e5 for operation:up\n');
    assert.equal(using('operation:up=10'), 'Resolving operation:up\nUsing run 100 for operation:up\n');
    ok(home, ['mark', '100', '-y']);
    assert.equal(using('up=1'), 'Resolving operation:up\nUsing run 100 for operation:up\n');
    // runs of another operation are not candidates
    const r = grun(home, ['run', 'down', 'up=0', '--run-id', '0d', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.equal(using('up=0'), 'Resolving operation:up\nUsing run 010 for operation:up\n');
  });

  test("an operation dependency links what the upstream run made, as Guild: its own source code stays the run's", () => {
    const home = emptyHome();
    const make = "import os\nos.makedirs('out/sub', exist_ok=True)\nopen('out/sub/model.txt', 'w').write('m')\nopen('top.txt', 'w').write('t')\nopen('data.txt', 'w').write('made')\n";
    const cwd = project({
      'guild.yml': [
        'up:',
        '  main: up',
        'down:',
        '  main: show',
        '  requires:',
        '    - operation: up',
        'pick:',
        '  main: show',
        '  requires:',
        '    - operation: up',
        '      select: [out, out/sub/model.txt, data.txt]',
        '',
      ].join('\n'),
      'up.py': make,
      'data.txt': 'mine\n',
      'show.py': "import os\nfor n in sorted(os.listdir('.')):\n    print(n, os.readlink(n) if os.path.islink(n) else '-')\nprint(open('data.txt').read().strip())\n",
    });
    ok(home, ['run', 'up', '--run-id', 'up1', '-y'], { cwd });
    // no select: the top-level entries holding files the run made, a directory linked whole; its source code is not taken
    const down = grun(home, ['run', 'down', '-y'], { cwd });
    assert.equal(down.code, 0, down.err);
    assert.equal(down.err, 'Resolving operation:up\nUsing run up1 for operation:up\n');
    assert.equal(down.out, '.guild -\ndata.txt -\nguild.yml -\nout ../up1/out\nshow.py -\ntop.txt ../up1/top.txt\nup.py -\nmine\n');
    const dir = join(home, 'runs', ok(home, ['select', '1']).trim());
    assert.match(readFileSync(join(dir, '.guild', 'manifest'), 'utf8'), /^d out - operation:up$/m);
    // runs info shows them as Guild's -d, -m and -p do (and -e the environment the run had)
    const info = ok(home, ['runs', 'info', '-d', '-m', '-p']);
    assert.ok(
      info.endsWith(
        'manifest:\n  dependencies:\n    - out\n    - top.txt\n  sourcecode:\n    - data.txt\n    - guild.yml\n    - show.py\n    - up.py\n' +
          'dependencies:\n  operation:up:\n    operation:up:\n      config: up1\n      paths:\n      - ../up1/out\n      - ../up1/top.txt\n      uri: operation:up\nplugins:\n',
      ),
      info,
    );
    const env = (JSON.parse(ok(home, ['runs', 'info', '-e', '--json'])) as { environment: Record<string, string> }).environment;
    assert.equal(env.RUN_DIR, dir);
    assert.equal(env.GUILD_OP, 'down');
    // select: a directory matched is linked whole (what is under it with it), a file by its name; one the run has is left
    const pick = grun(home, ['run', 'pick', '-y'], { cwd });
    assert.equal(pick.code, 0, pick.err);
    assert.equal(pick.err, 'Resolving operation:up\nUsing run up1 for operation:up\nWARNING: data.txt already exists, skipping link\n');
    assert.equal(pick.out, '.guild -\ndata.txt -\nguild.yml -\nout ../up1/out\nshow.py -\nup.py -\nmine\n');
    const picked = join(home, 'runs', ok(home, ['select', '1']).trim(), '.guild', 'attrs', 'deps');
    assert.deepEqual((parseYaml11(readFileSync(picked, 'utf8')) as Record<string, Record<string, { paths: string[] }>>)['operation:up']!['operation:up']!.paths, ['../up1/data.txt', '../up1/out']);
    // Guild's GUILD_LEGACY_OPDEP_SELECT=2: every file of the upstream run, its source code too (here the run's own names)
    const legacy = grun(home, ['run', 'down', '-y'], { cwd, env: { GUILD_LEGACY_OPDEP_SELECT: '2' } });
    assert.equal(legacy.code, 0, legacy.err);
    assert.match(legacy.err, /^WARNING: up\.py already exists, skipping link$/m);
  });

  test('--force-deps: each dependency that cannot be resolved is warned of where it would be, and the run goes on without it', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'up:\n  main: up\ndown:\n  main: down\n  requires:\n    - file: missing.txt\n    - file: here.txt\n    - operation: up\n',
      'up.py': 'pass\n',
      'down.py': 'import os\nprint(sorted(f for f in os.listdir(".") if f.endswith(".txt")))\n',
      'here.txt': 'hi\n',
    });
    const missing = "could not resolve 'file:missing.txt' in file:missing.txt resource: cannot find source file 'missing.txt'";
    const noUp = "WARNING: cannot find a suitable run for required resource 'operation:up'\n";
    // without it, the runs of operation dependencies are chosen (and warned of) before the first failure stops the run
    const failed = grun(home, ['run', 'down', '-y'], { cwd });
    assert.equal(failed.code, 1);
    assert.equal(failed.err, `${noUp}Resolving file:missing.txt\ngrun: run failed because a dependency was not met: ${missing}\n`);
    const forced = grun(home, ['run', 'down', '--force-deps', '-y'], { cwd });
    assert.equal(forced.code, 0, forced.err);
    assert.equal(forced.out, "['here.txt']\n");
    assert.equal(
      forced.err,
      `${noUp}Resolving file:missing.txt\nWARNING: a dependency was not met: ${missing}\nResolving file:here.txt\nResolving operation:up\n` +
        "WARNING: a dependency was not met: could not resolve 'operation:up' in operation:up resource: no suitable run for up\n",
    );
    const attrs = join(home, 'runs', ok(home, ['select', '1']).trim(), '.guild', 'attrs');
    const deps = readFileSync(join(attrs, 'deps'), 'utf8');
    assert.match(deps, /^file:missing\.txt: \{\}$/m);
    assert.match(deps, /^operation:up: \{\}$/m);
    assert.match(deps, /^ {2}file:here\.txt:$/m);
    assert.match(readFileSync(join(attrs, 'run_params'), 'utf8'), /^force_deps: true$/m);
  });
});

describe('dependencies of a staged run', () => {
  test('staging leaves operation dependencies for the start, which resolves them to a run ready by then', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'make:\n  main: make\nuse:\n  main: use\n  requires:\n    - operation: make\n',
      'make.py': 'open("out.txt", "w").write("made")\n',
      'use.py': 'import os\nprint(open("out.txt").read() if os.path.exists("out.txt") else "none")\n',
    });
    const none = grun(home, ['run', 'use', '--stage', '--run-id', 'u0', '-y'], { cwd });
    assert.equal(none.code, 0, none.err);
    assert.equal(
      none.err,
      "WARNING: cannot find a suitable run for required resource 'operation:make'\nResolving operation:make\nSkipping resolution of operation:make because it's being staged\n",
    );
    assert.equal(ok(home, ['run', 'make', '--stage', '--run-id', 'm1', '-y'], { cwd }), "make staged as m1\nTo start the operation, use 'grun run --start m1'\n");
    ok(home, ['run', 'use', '--stage', '--run-id', 'u1', '-y'], { cwd });
    assert.match(ok(home, ['runs', '-s'], { cwd }), /^\[1\] {2}use {3}staged {2}operation:make=m1\n/);
    assert.equal(readFileSync(join(home, 'runs', 'u1', '.guild', 'attrs', 'deps'), 'utf8'), 'operation:make: {}\n');
    // m1 is still staged: u1 cannot start, and is left in error
    const early = grun(home, ['run', '--start', 'u1', '-y']);
    assert.equal(early.code, 1);
    assert.equal(
      early.err,
      "Resolving operation:make\ngrun: run failed because a dependency was not met: could not resolve 'operation:make' in operation:make resource: no suitable run for make\n",
    );
    assert.match(ok(home, ['runs', '-s'], { cwd }), /^\[1\] {2}use {3}error {3}operation:make=m1\n/);
    // --force-deps given to the start goes past it, as Guild's
    ok(home, ['run', 'use', '--stage', '--run-id', 'u2', '-y'], { cwd });
    const forced = grun(home, ['run', '--start', 'u2', '--force-deps', '-y']);
    assert.equal(forced.code, 0, forced.err);
    assert.equal(
      forced.err,
      "Resolving operation:make\nWARNING: a dependency was not met: could not resolve 'operation:make' in operation:make resource: no suitable run for make\n",
    );
    assert.equal(forced.out, 'none\n');
    ok(home, ['run', '--start', 'm1', '-y']);
    // u0 named no run when staged: it takes the one completed now
    const later = grun(home, ['run', '--start', 'u0', '-y']);
    assert.equal(later.code, 0, later.err);
    assert.equal(later.err, 'Resolving operation:make\nUsing run m1 for operation:make\n');
    assert.equal(later.out, 'made\n');
    assert.match(readFileSync(join(home, 'runs', 'u0', '.guild', 'manifest'), 'utf8'), /^d out\.txt [0-9a-f]{40} operation:make$/m);
  });
});

describe('run-attrs', () => {
  test("an operation's run-attrs are the run's opdef_attrs, shown by runs info; Guild's own names are refused with its warning", () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'op:\n  main: op\n  run-attrs:\n    label: no\n    team: computer vision\n    limits:\n      n: 2\n      gpu: 1\n',
      'op.py': 'pass\n',
    });
    const r = grun(home, ['run', 'op', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, "WARNING: Invalid run attribute 'label' (reserved attribute) - ignoring\n");
    const id = ok(home, ['select']).trim();
    assert.equal(readFileSync(join(home, 'runs', id, '.guild', 'attrs', 'opdef_attrs'), 'utf8'), "limits:\n  gpu: 1\n  'n': 2\nteam: computer vision\n");
    // runs info writes values as Guild's encode_flag_val and maps as plain YAML: `n` and a
    // string with spaces unquoted (the attr file quotes `n` for other readers)
    const info = ok(home, ['runs', 'info'], { cwd });
    assert.match(info, /\nattributes:\n {2}limits:\n {4}gpu: 1\n {4}n: 2\n {2}team: computer vision\n$/);
    assert.doesNotMatch(info, /^(opdef_attrs|plugins):/m);
  });
});

describe('restart without the operation', () => {
  test('a run whose guild.yml is gone restarts from its record; with new flags it says what it needs, in Guild words', () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': 'op:\n  main: op\n  flags:\n    n: 1\n', 'op.py': 'import os\nn = 1\nprint(n, os.environ["FLAG_N"], os.environ["RUN_ID"])\n' });
    assert.equal(ok(home, ['run', 'op', 'n=3', '--run-id', 'r1', '-y'], { cwd }), '3 3 r1\n');
    rmSync(join(cwd, 'guild.yml'));
    const r = grun(home, ['run', '--restart', 'r1', 'n=2', '-y']);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      "grun: cannot find definition for operation 'op' in run r1\nThis is required when setting flags or using '--force-sourcecode'\nfor restart or a new run.\n",
    );
    // without new flags it restarts from its record: its command, flags and environment
    assert.equal(ok(home, ['run', '--restart', 'r1', '-y']), '3 3 r1\n');
    assert.equal(ok(home, ['cat', '--output', 'r1']), '3 3 r1\n');
    assert.match(ok(home, ['runs', '-s'], { cwd }), /^\[1\] {2}op {2}completed {2}n=3\n$/);
    assert.equal(ok(home, ['run', '--restart', 'r1', '--needed', '-y']), 'Skipping run because flags have not changed (--needed specified)\n');
  });
});

describe('a batch in the foreground', () => {
  test("each trial is announced with its flags as Guild's flags_desc writes them: sorted, comma-separated", () => {
    const home = emptyHome();
    const cwd = project({ 'op.py': "x = 1\ny = 1.5\nz = 'a'\nprint(x, y, z)\n" });
    const out = ok(home, ['run', 'op.py', 'x=[1,2]', 'z=two words', '-y'], { cwd });
    const trials = out.split('\n').filter((l) => l.startsWith('INFO:'));
    assert.deepEqual(
      trials.map((l) => l.replace(/trial [0-9a-f]{32}:/, 'trial ID:')),
      ["INFO: [grun] Running trial ID: op.py (x=1, y=1.5, z='two words')", "INFO: [grun] Running trial ID: op.py (x=2, y=1.5, z='two words')"],
    );
    // the batch went to the trash on success: a trial's info names no parent, shows its own tags
    const [trial] = readdirSync(join(home, 'runs'));
    const info = ok(home, ['runs', 'info', trial!.slice(0, 8)], { cwd });
    assert.match(info, /^seed: -?\d+\ntags:\n(?! {2}-)/m);
    assert.doesNotMatch(info, /^(parent|name|parent-tags):/m);
  });
});

describe('main with flag references', () => {
  test("`${flag}` in main is the flag's value in the command; the op attr keeps the reference", () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'op:\n  main: op ${foo} ${bar}\n  flags:\n    foo: 123\n    bar: 4.5\n',
      'op.py': 'import sys\nprint(sys.argv[1:])\n',
    });
    assert.equal(ok(home, ['run', 'op', 'foo=321', '--run-id', 'm1', '-y'], { cwd }), "['321', '4.5']\n");
    const op = parseYaml11(readFileSync(join(home, 'runs', 'm1', '.guild', 'attrs', 'op'), 'utf8')) as { 'op-cmd': { 'cmd-args': string[] } };
    assert.deepEqual(op['op-cmd']['cmd-args'].slice(3), ['op', '${foo}', '${bar}', '--', '__flag_args__']);
    fails(home, ['run', 'op', '-y'], /^grun: main 'op \$\{foo\} \$\{nope\}': unknown reference \$\{nope\}/, {
      cwd: project({ 'guild.yml': 'op:\n  main: op ${foo} ${nope}\n  flags:\n    foo: 1\n', 'op.py': 'pass\n' }),
    });
  });
});

describe('--print-cmd', () => {
  test("a sweep prints each trial's command; a value quoted whole is written as Guild writes it", () => {
    const home = emptyHome();
    const cwd = project({ 'op.py': "x = 1\nz = 'a'\n" });
    const lines = ok(home, ['run', 'op.py', 'x=[1,2]', '--print-cmd'], { cwd }).trimEnd().split('\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, / op\.py --x 1 --z a$/);
    assert.match(lines[1]!, / op\.py --x 2 --z a$/);
    assert.match(ok(home, ['run', 'op.py', "z='1'", '--print-cmd'], { cwd }), / op\.py --x 1 --z "'1'"\n$/);
    assert.equal(ok(home, ['runs', '-s']), '', 'nothing was run');
  });
});

describe('flags-dest global:NAME and namespace:NAME', () => {
  const files = {
    'guild.yml': [
      'train:',
      '  main: train',
      '  flags-dest: global:cfg',
      '  flags-import: all',
      '  flags:',
      '    opt:',
      '      default: sgd',
      '      arg-name: optim.name',
      'ns:',
      '  main: ns',
      '  flags-dest: namespace:cfg',
      '  flags-import: all',
      '',
    ].join('\n'),
    'train.py': "cfg = {'lr': 0.1, 'model': {'depth': 3}, 'layers': [8, 'x'], '_skip': 1}\nprint(sorted(cfg.items()))\n",
    'ns.py': 'from types import SimpleNamespace\ncfg = SimpleNamespace(lr=0.5, tag="a")\nprint(cfg.lr, cfg.tag)\n',
  };

  test("the dict's items are the flags (nested keys dotted, a list one splittable value); the run gets the dict back, nested", () => {
    const home = emptyHome();
    const cwd = project(files);
    const help = ok(home, ['run', 'train', '--help-op'], { cwd });
    assert.match(help, /\nFlags:\n {2}layers +\(default is '8 x'\)\n {2}lr +\(default is 0\.1\)\n {2}model\.depth +\(default is 3\)\n {2}opt +\(default is sgd\)\n$/);
    assert.equal(
      ok(home, ['run', 'train', 'lr=0.2', 'layers=4 5', '-y'], { cwd }),
      "[('layers', [4, 5]), ('lr', 0.2), ('model', {'depth': 3}), ('optim', {'name': 'sgd'})]\n",
    );
    assert.equal(ok(home, ['run', 'ns', 'tag=b', '-y'], { cwd }), '0.5 b\n');
  });
});

describe('output-attrs', () => {
  test("an operation's output-attrs patterns replace the default ones; with output-scalars off nothing else is captured", () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': [
        'picked:',
        '  main: out',
        '  output-attrs:',
        "    note: 'note: (.*)'",
        '  output-scalars: off',
        'none:',
        '  main: out',
        '  output-attrs: no',
        '',
      ].join('\n'),
      'out.py': 'print("model: cnn")\nprint("note: kept with spaces")\nprint("loss: 0.5")\n',
    });
    ok(home, ['run', 'picked', '-y'], { cwd });
    const info = ok(home, ['runs', 'info']);
    assert.match(info, /\nscalars:\nattributes:\n {2}note: kept with spaces\n$/);
    // recorded in the op attr as Guild does, so a staged run started later reads the same
    assert.match(ok(home, ['cat', '-p', '.guild/attrs/op']), /^output-attrs:\n- note: 'note: \(\.\*\)'\n/m);
    ok(home, ['run', 'none', '-y'], { cwd });
    assert.match(ok(home, ['runs', 'info']), /\nscalars:\n {2}loss: 0\.500000 \(step 0\)\n$/);
  });

  test('a logged attr named _… is private: runs info leaves it out, as Guild', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': "op:\n  main: out\n  output-scalars: off\n  output-attrs:\n    _secret: 'secret: (.*)'\n    shown: 'shown: (.*)'\n",
      'out.py': 'print("secret: s3")\nprint("shown: hello")\n',
    });
    ok(home, ['run', 'op', '-y'], { cwd });
    assert.match(ok(home, ['runs', 'info']), /\nscalars:\nattributes:\n {2}shown: hello\n$/);
    const dir = ok(home, ['select', '--dir']).trim();
    const events = readdirSync(join(dir, '.guild')).filter((n) => n.endsWith('.attrs'));
    assert.ok(events.some((n) => readFileSync(join(dir, '.guild', n)).includes('_secret')), 'it was logged all the same');
  });
});

describe('globals assigned twice', () => {
  test('a script runs with the first value of a global assigned twice, as Guild imports it', () => {
    const home = emptyHome();
    const cwd = project({ 'twice.py': 'depth = 32\ndepth = 4\nprint("depth", depth)\n' });
    assert.equal(ok(home, ['run', 'twice.py', '-y'], { cwd }), 'depth 32\n');
    assert.match(ok(home, ['runs', 'info']), /\nlabel: depth=32\n[^]*\nflags:\n {2}depth: 32\n/);
  });
});

describe('--test-output-scalars and --test-output-attrs', () => {
  // Expected text as Guild 0.9.1 prints it for the same guild.yml and input (its repr of each
  // pattern, the groups of each match, what they assign).
  const NUM = String.raw`(?:[-+]?[0-9]*\\.?(?:[0-9]+)?(?:[eE][-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF])`;
  const cwd = project({
    'guild.yml': [
      'named:',
      '  main: op',
      '  output-scalars:',
      "    - loss: 'loss=(\\value)'",
      "    - 'it''s (\\key) \"(\\value)\"'",
      "    - '(?P<_key>\\w+)->(?P<_val>\\value)'",
      'silent:',
      '  main: op',
      '  output-scalars: no',
      '',
    ].join('\n'),
    'op.py': 'pass\n',
    'out.txt': 'loss=0.5 acc\nit\'s x "3"\nlr->1e-7 m->2  \n',
  });

  test("each line, then each pattern with its matches and what they assign, as Guild prints them", () => {
    const home = emptyHome();
    const loss = `'loss=(${NUM})'`;
    const its = `'it\\'s ([_a-zA-Z]\\\\S*) "(${NUM})"'`;
    const arrow = `'(?P<_key>\\\\w+)->(?P<_val>${NUM})'`;
    assert.equal(
      ok(home, ['run', 'named', '--test-output-scalars', 'out.txt'], { cwd }),
      [
        'loss=0.5 acc',
        `  ${loss}: [('0.5',)] (loss=0.5)`,
        `  ${its}: <no matches>`,
        `  ${arrow}: <no matches>`,
        'it\'s x "3"',
        `  ${loss}: <no matches>`,
        `  ${its}: [('x', '3')] (x=3.0)`,
        `  ${arrow}: <no matches>`,
        'lr->1e-7 m->2',
        `  ${loss}: <no matches>`,
        `  ${its}: <no matches>`,
        `  ${arrow}: [('lr', '1e-7'), ('m', '2')] (lr=1e-07, m=2.0)`,
        '',
      ].join('\n'),
    );
    // the default attr pattern, on stdin
    assert.equal(
      ok(home, ['run', 'named', '--test-output-attrs', '-'], { cwd, input: 'a: b\nbad line\n' }),
      "a: b\n  '^([_a-zA-Z]\\\\S*):\\\\s+(\\\\S+)$': [('a', 'b')] (a=b)\nbad line\n  '^([_a-zA-Z]\\\\S*):\\\\s+(\\\\S+)$': <no matches>\n",
    );
    const off = grun(home, ['run', 'silent', '--test-output-scalars', 'out.txt'], { cwd });
    assert.deepEqual([off.code, off.out, off.err], [0, '', 'Output scalars disabled, nothing to test\n']);
    fails(home, ['run', 'named', '--test-output-scalars', 'missing.txt'], /^grun: missing\.txt does not exist\n$/, { cwd });
    assert.equal(readdirSync(join(home, 'runs')).length, 0, 'no run is made');
  });
});

describe('--print-trials and --save-trials', () => {
  // As Guild 0.9.1 prints and saves them for the same guild.yml and flags.
  const cwd = project({
    'guild.yml': 'train:\n  main: train\n  flags:\n    lr: 0.01\n    epochs: 3\n    optimizer:\n      default: adam\n      choices: [adam, sgd]\n',
    'train.py': 'lr = 0.01\nepochs = 3\noptimizer = "adam"\n',
  });
  const sweep = ['run', 'train', 'lr=[1e-5,0.2,3.0]', 'epochs=[1,2]'];

  test("a grid's trials: printed as a table, saved as CSV or JSON; none run", () => {
    const home = emptyHome();
    assert.equal(
      ok(home, [...sweep, '--print-trials'], { cwd }),
      '#  epochs  lr       optimizer\n1  1       1.0e-05  adam\n2  1       0.2      adam\n3  1       3.0      adam\n' +
        '4  2       1.0e-05  adam\n5  2       0.2      adam\n6  2       3.0      adam\n',
    );
    assert.equal(ok(home, [...sweep, '--save-trials', 'trials.csv'], { cwd }), `Saving trials to ${join(cwd, 'trials.csv')}\n`);
    assert.equal(readFileSync(join(cwd, 'trials.csv'), 'utf8'), 'epochs,lr,optimizer\n1,1.0e-05,adam\n1,0.2,adam\n1,3.0,adam\n2,1.0e-05,adam\n2,0.2,adam\n2,3.0,adam\n');
    ok(home, [...sweep.slice(0, 3), '--save-trials', 'trials.json'], { cwd });
    assert.equal(
      readFileSync(join(cwd, 'trials.json'), 'utf8'),
      '[{"epochs": 3, "lr": 1e-05, "optimizer": "adam"}, {"epochs": 3, "lr": 0.2, "optimizer": "adam"}, {"epochs": 3, "lr": 3.0, "optimizer": "adam"}]',
    );
    assert.ok(!existsSync(join(home, 'runs')) || readdirSync(join(home, 'runs')).length === 0, 'no run is made');
  });

  test('refused for an operation that runs no batch, and for a path of another kind', () => {
    const home = emptyHome();
    fails(home, ['run', 'train', '--print-trials'], /^grun: cannot print trials for a non-batch operation\n$/, { cwd });
    fails(home, ['run', 'train', '--save-trials', 't.csv'], /^grun: cannot save trials for a non-batch operation\n$/, { cwd });
    fails(home, [...sweep, '--save-trials', 't.txt'], /^grun: Unsupported extension '\.txt' - use '\.csv', '\.json', or no extension\n$/, { cwd });
    assert.ok(!existsSync(join(cwd, 't.txt')));
  });
});

describe('--stop-after', () => {
  test('a run past its minutes is stopped (TERM), said as Guild says it, and ends terminated; one that ends first is left alone', async () => {
    const home = emptyHome();
    const cwd = project({
      'sleepy.py': 'import time\nprint("started", flush=True)\ntime.sleep(60)\nprint("never")\n',
      'quick.py': 'print("done")\n',
    });
    const r = grun(home, ['run', 'sleepy.py', '--stop-after', '0.01', '-y'], { cwd });
    assert.match(r.err, /^INFO: \[grun\] Stopping process early \(pid \d+\) - 0\.0 minute\(s\) elapsed$/m);
    const [id] = readdirSync(join(home, 'runs'));
    const attr = (name: string): string => readFileSync(join(home, 'runs', id!, '.guild', 'attrs', name), 'utf8');
    assert.equal(attr('exit_status').trim(), '-15');
    assert.match(attr('run_params'), /^stop_after: 0\.01$/m);
    assert.match(ok(home, ['runs']), / terminated/);
    const output = readFileSync(join(home, 'runs', id!, '.guild', 'output'), 'utf8');
    assert.match(output, /^started\n/);
    assert.doesNotMatch(output, /never/);
    // a run that ends first: its supervisor ends with it, not when the minutes are up
    assert.equal(ok(home, ['run', 'quick.py', '--stop-after', '1', '-y'], { cwd }), 'done\n');
    const quick = readdirSync(join(home, 'runs')).find((d) => d !== id)!;
    for (let i = 0; findProcesses(`grun supervise ${quick}`).length > 0; i++) {
      assert.ok(i < 100, 'the supervisor of a run that ended is gone');
      await new Promise((res) => setTimeout(res, 50));
    }
    fails(home, ['run', 'quick.py', '--stop-after', '0', '-y'], /^grun: invalid value '0' for --stop-after: expected a number of minutes above 0\n/, { cwd });
  });
});

describe('--fail-on-trial-error', () => {
  test("a sweep stops at its first trial in error: the trials after it are left to start later, the batch ends in error; without it every trial runs", () => {
    const home = emptyHome();
    const cwd = project({ 't.py': 'import sys\ncode = 0\nprint("code", code)\nsys.exit(1 if code == 1 else 0)\n' });
    const r = grun(home, ['run', 't.py', 'code=[0,1,2]', '--fail-on-trial-error', '-y'], { cwd });
    assert.notEqual(r.code, 0);
    assert.match(r.out, /^ERROR: \[grun\] Stopping batch because a trial failed \(pending trials can be started as needed\)$/m);
    assert.doesNotMatch(r.out, /code=2\)/, 'the trial after it does not start');
    assert.deepEqual(statusesOf(ok(home, ['runs', '-s'], { cwd })), ['t.py error code=1', 't.py completed code=0', 't.py staged code=2', 't.py+ error']);
    const all = grun(home, ['run', 't.py', 'code=[0,1,2]', '-y'], { cwd });
    assert.doesNotMatch(all.out, /Stopping batch/);
    assert.deepEqual(statusesOf(ok(home, ['runs', '-s', '-n', '4'], { cwd })), ['t.py completed code=2', 't.py error code=1', 't.py completed code=0', 't.py+ error']);
  });
});
