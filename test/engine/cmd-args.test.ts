import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCommand, encodeFlagArg, flagArgs, flagEnv } from '../../src/engine/cmd-args.js';
import { HELPERS_DIR } from '../../src/engine/flag-detect.js';
import type { FlagDef } from '../../src/engine/plan-types.js';
import type { YamlValue } from '../../src/store/types.js';
import { markFloat } from '../../src/store/yaml11.js';
import { tempDir } from '../helpers/home.js';

const GLOBALS_MAIN = join(HELPERS_DIR, 'globals_main.py');

function globalsFlags(): Record<string, YamlValue> {
  const f: Record<string, YamlValue> = { epochs: 2, fail: false, lr: 0.05, name: '012', sleep: 0, tags: ['a', 'yes', 1], nothing: null };
  markFloat(f, 'sleep');
  return f;
}

describe('child argv', () => {
  test('args dest: the launcher runs the script with --name value, sorted; switches, arg-name, arg-skip, null left out', () => {
    const defs: FlagDef[] = [
      { name: 'verbose', default: false, argSwitch: true },
      { name: 'quiet', default: false, argSwitch: true },
      { name: 'operation:prepare', default: 'abc', argSkip: true },
      { name: 'lr', default: 0.1, argName: 'learning-rate' },
      { name: 'layers', default: [1], argSplit: true },
    ];
    const flags = { epochs: 2, lr: 0.05, optimizer: 'adam', 'operation:prepare': 'abc', verbose: true, quiet: false, data: null, fast: true, slow: false, layers: [3, 4] };
    const { cmd, opCmdArgs } = buildCommand({ kind: 'python-script', script: 'train.py' }, flags, defs, 'args', '/usr/bin/python3');
    assert.deepEqual(cmd, ['/usr/bin/python3', '-u', GLOBALS_MAIN, '--args', 'train.py', '--epochs', '2', '--fast', '1', '--layers', '3', '4', '--learning-rate', '0.05', '--optimizer', 'adam', '--slow', '', '--verbose']);
    assert.deepEqual(opCmdArgs, ['${python_exe}', '-um', 'guild.op_main', 'train', '__flag_args__']);
  });

  test('globals dest: the globals_main helper, YAML-ish values, integral floats as floats', () => {
    const { cmd } = buildCommand({ kind: 'python-script', script: 'train.py' }, globalsFlags(), [], 'globals', 'python3');
    assert.deepEqual(cmd, ['python3', '-u', GLOBALS_MAIN, 'train.py', '--epochs', '2', '--fail', 'false', '--lr', '0.05', '--name', "'012'", '--sleep', '0.0', '--tags', "[a, 'yes', 1]"]);
  });

  test('guild.yml main: the module run by the launcher with static args (Guild: op_main MOD ARGS -- flags)', () => {
    const t = { kind: 'python-module' as const, module: 'pkg.train', args: ['--mode', 'x'] };
    const a = buildCommand(t, { lr: 0.1 }, [], 'args', 'py');
    assert.deepEqual(a.cmd, ['py', '-u', GLOBALS_MAIN, '--args', '--module', 'pkg.train', '--mode', 'x', '--lr', '0.1']);
    assert.deepEqual(a.opCmdArgs, ['${python_exe}', '-um', 'guild.op_main', 'pkg.train', '--mode', 'x', '--', '__flag_args__']);
    assert.deepEqual(buildCommand(t, { lr: 0.1 }, [], 'globals', 'py').cmd, ['py', '-u', GLOBALS_MAIN, '--module', 'pkg.train', '--mode', 'x', '--lr', '0.1']);
  });

  test('argparse values: repr floats, lists joined; flags shadowed by the op own args are left out', () => {
    const t = { kind: 'python-module' as const, module: 'train', args: ['--lr', '0.3'] };
    const b = buildCommand(t, { lr: 0.1, eps: 1e-5, ids: [1, 2] }, [], 'args', 'py');
    assert.deepEqual(b.cmd.slice(3), ['--args', '--module', 'train', '--lr', '0.3', '--eps', '1e-05', '--ids', '1 2']);
  });

  test('shell and node scripts', () => {
    assert.deepEqual(buildCommand({ kind: 'shell', script: 'run.sh' }, { n: 3, s: 'a b' }, [], 'args', 'py').cmd, ['bash', 'run.sh', '--n', '3', '--s', 'a b']);
    assert.deepEqual(buildCommand({ kind: 'node', script: 'run.mjs' }, { n: 3 }, [], 'args', 'py').cmd, ['node', 'run.mjs', '--n', '3']);
  });

  test('exec templates: ${python_exe}, ${flag_args}, ${flag}', () => {
    const b = buildCommand({ kind: 'exec', template: "${python_exe} -u 'my run.py' --rate=${lr} ${flag_args}" }, { lr: 0.5, on: true }, [], 'args', '/py');
    assert.deepEqual(b.cmd, ['/py', '-u', 'my run.py', '--rate=0.5', '--lr', '0.5', '--on', '1']);
    assert.deepEqual(b.opCmdArgs, ['${python_exe}', '-u', 'my run.py', '--rate=${lr}', '__flag_args__']);
    assert.throws(() => buildCommand({ kind: 'exec', template: 'echo ${nope}' }, {}, [], 'args', 'py'), {
      name: 'GrunError',
      message: "exec 'echo ${nope}': unknown reference ${nope}: expected a flag name, python_exe or flag_args",
    });
  });

  test('flag env: FLAG_<NAME>, True → 1, False/None → empty, env-name', () => {
    const flags = globalsFlags();
    Object.assign(flags, { 'operation:prepare': 'abc', on: true, rate: 1 });
    const env = flagEnv(flags, [{ name: 'rate', default: 1, envName: 'RATE' }]);
    assert.deepEqual(env, {
      FLAG_EPOCHS: '2',
      FLAG_FAIL: '',
      FLAG_LR: '0.05',
      FLAG_NAME: '012',
      FLAG_SLEEP: '0.0',
      FLAG_TAGS: "a 'yes' 1",
      FLAG_NOTHING: '',
      FLAG_OPERATION_PREPARE: 'abc',
      FLAG_ON: '1',
      RATE: '1',
    });
  });

  test('encodeFlagArg quotes strings that would decode as something else', () => {
    for (const [v, s] of [['012', "'012'"], ['yes', "'yes'"], ['null', "'null'"], ['a b', 'a b'], ["it's", "it's"], ['1e-3', "'1e-3'"], [' x', "' x'"], [1e-5, '1.0e-05'], [1e16, '1.0e+16'], [Infinity, '.inf']] as const) {
      assert.equal(encodeFlagArg(v), s);
    }
    assert.deepEqual(flagArgs({ x: "'0'" }, [], 'globals'), ['--x', "'''0'''"]);
  });
});

describe('helpers/globals_main.py really sets module globals', () => {
  const SCRIPT = `import sys
lr = 0.1
epochs = 3
name = "abc"
debug = False
layers = [1, 2]
sleep: float = 9.0
other = "kept"
print(repr(lr), repr(epochs), repr(name), repr(debug), repr(layers), repr(sleep), repr(other), __name__, sys.argv[1:])
`;
  test('values decode to Python types, own assignments are removed, the rest runs as __main__', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'train.py'), SCRIPT);
    const flags: Record<string, YamlValue> = { lr: 0.001, epochs: 5, name: '012', debug: true, layers: [3, 4.5, 'x'], sleep: 0 };
    markFloat(flags, 'sleep');
    const { cmd } = buildCommand({ kind: 'python-script', script: 'train.py' }, flags, [], 'globals', 'python3');
    const out = execFileSync(cmd[0]!, cmd.slice(1), { cwd: dir, encoding: 'utf8' });
    assert.equal(out, "0.001 5 '012' True [3, 4.5, 'x'] 0.0 'kept' __main__ []\n");
  });

  test('with no flags the script runs unchanged, and sibling modules import', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'helper.py'), 'VALUE = 42\n');
    writeFileSync(join(dir, 'main.py'), 'from helper import VALUE\nx = 1\nprint(VALUE, x)\n');
    const out = execFileSync('python3', ['-u', GLOBALS_MAIN, 'main.py'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out, '42 1\n');
  });

  test('args dest and a shell script get their values', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.py'), 'import argparse\np = argparse.ArgumentParser()\np.add_argument("--lr", type=float)\np.add_argument("--v", action="store_true")\nprint(p.parse_args())\n');
    const a = buildCommand({ kind: 'python-script', script: 'a.py' }, { lr: 0.5, v: true }, [{ name: 'v', default: false, argSwitch: true }], 'args', 'python3');
    assert.equal(execFileSync(a.cmd[0]!, a.cmd.slice(1), { cwd: dir, encoding: 'utf8' }), 'Namespace(lr=0.5, v=True)\n');
    writeFileSync(join(dir, 's.sh'), 'echo "$@|$FLAG_N"\n');
    const s = buildCommand({ kind: 'shell', script: 's.sh' }, { n: 3 }, [], 'args', 'python3');
    assert.equal(execFileSync(s.cmd[0]!, s.cmd.slice(1), { cwd: dir, encoding: 'utf8', env: { ...process.env, ...flagEnv({ n: 3 }, []) } }), '--n 3|3\n');
  });
});

describe('the launcher and Ctrl-C', () => {
  test('a KeyboardInterrupt prints its traceback and exits 1, as op_main does (args, globals, module)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ki.py'), 'x = 1\nraise KeyboardInterrupt\n');
    for (const args of [['--args', 'ki.py'], ['ki.py', '--x', '2'], ['--args', '--module', 'ki']]) {
      const r = spawnSync('python3', ['-u', GLOBALS_MAIN, ...args], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, /KeyboardInterrupt\n$/);
    }
  });

  test('a real SIGINT to the launched script ends it with 1', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'sleeper.py'), 'import time\nprint("ready", flush=True)\ntime.sleep(30)\n');
    const child = spawn('python3', ['-u', GLOBALS_MAIN, '--args', 'sleeper.py'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
    assert.equal(code, 1);
    assert.match(stderr, /KeyboardInterrupt/);
  });

  test("an exception's traceback starts at the script's own frame, which names the script in full", () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'boom.py'), 'def f():\n    raise ValueError("boom")\n\nf()\n');
    for (const args of [['--args', 'boom.py'], ['boom.py'], ['--args', '--module', 'boom'], ['--module', 'boom']]) {
      const r = spawnSync('python3', ['-u', GLOBALS_MAIN, ...args], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 1, args.join(' '));
      const want = `Traceback (most recent call last):\n  File "${join(dir, 'boom.py')}", line 4, in <module>\n    f()\n  File "${join(dir, 'boom.py')}", line 2, in f\n    raise ValueError("boom")\nValueError: boom\n`;
      assert.equal(r.stderr, want, args.join(' '));
    }
  });

  test('a module runs in its package (relative imports), found under a PATH/ prefix too; a package needs __main__', () => {
    const dir = tempDir();
    for (const [root, pkg] of [['.', 'pkg'], ['src', 'lib']] as const) {
      mkdirSync(join(dir, root, pkg), { recursive: true });
      writeFileSync(join(dir, root, pkg, '__init__.py'), '');
      writeFileSync(join(dir, root, pkg, 'helper.py'), `WHERE = ${JSON.stringify(root)}\n`);
      writeFileSync(join(dir, root, pkg, 'main.py'), 'from . import helper\nx = 1\nprint(__name__, __package__, helper.WHERE, x)\n');
    }
    const run = (...args: string[]) => spawnSync('python3', ['-u', GLOBALS_MAIN, ...args], { cwd: dir, encoding: 'utf8' });
    assert.equal(run('--args', '--module', 'pkg.main').stdout, '__main__ pkg . 1\n');
    assert.equal(run('--module', 'pkg.main', '--x', '2').stdout, '__main__ pkg . 2\n');
    assert.equal(run('--args', '--module', 'src/lib.main').stdout, '__main__ lib src 1\n');
    const noMain = run('--args', '--module', 'pkg');
    assert.equal(noMain.status, 1);
    assert.equal(noMain.stderr, "grun: No module named pkg.__main__ ('pkg' is a package and cannot be directly executed)\n");
    assert.equal(run('--args', '--module', 'nope').stderr, 'grun: No module named nope\n');
  });

  test("guild.pass, Guild's no-op module, prints its arguments shell-quoted (not flags set as globals)", () => {
    const out = execFileSync('python3', ['-u', GLOBALS_MAIN, '--args', '--module', 'guild.pass', '--x', 'a b'], { encoding: 'utf8' });
    assert.equal(out, "--x 'a b'\n");
    const globals = execFileSync('python3', ['-u', GLOBALS_MAIN, '--module', 'guild.pass', 'base', '--x', '1'], { encoding: 'utf8' });
    assert.equal(globals, 'base\n', 'flags set as globals are not its args');
  });

  test('--args --module runs a module as __main__ with its arguments', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'mod.py'), 'import sys\nprint(__name__, sys.argv[1:])\n');
    const out = execFileSync('python3', ['-u', GLOBALS_MAIN, '--args', '--module', 'mod', '--a', '1'], { cwd: dir, encoding: 'utf8' });
    assert.equal(out, "__main__ ['--a', '1']\n");
  });
});
