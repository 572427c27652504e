import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectPythonFlags } from '../../src/engine/flag-detect.js';
import { emptyHome, tempDir } from '../helpers/home.js';

// Each script writes a marker file and exits 7 if it is ever executed.
const TRAP = `open(__file__ + ".RAN", "w").write("ran")\nimport sys\nsys.exit(7)\n`;

const ARGPARSE = `import argparse
DEFAULT_LR = 0.01
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=DEFAULT_LR, help="learning rate")
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--optimizer", default="adam", choices=["adam", "sgd"])
p.add_argument("--data", required=True)
p.add_argument("--verbose", action="store_true")
p.add_argument("--layers", nargs="+", type=int, default=[1, 2])
p.add_argument("pos")
p.add_argument("-q")
${TRAP}`;

const GLOBALS = `${TRAP}
lr = 0.1
epochs = 3
neg = -2
name = "abc"
debug = False
layers = [1, 2.5, "x"]
nothing = None
_private = 1
table = {"a": 1}
x: int = 5
computed = lr * 2
`;

describe('flag detection (helpers/flags.py, ast only)', () => {
  test('argparse: defaults, types, choices, required, store_true, nargs; positional and short options skipped', async () => {
    const dir = tempDir();
    const script = join(dir, 'train.py');
    writeFileSync(script, ARGPARSE);
    const home = emptyHome();
    const d = await detectPythonFlags(home, script);
    assert.equal(d.dest, 'args');
    assert.equal(d.reason, 'train.py imports argparse - assuming args');
    const by = Object.fromEntries(d.defs.map((f) => [f.name, f]));
    assert.deepEqual(Object.keys(by), ['data', 'epochs', 'layers', 'lr', 'optimizer', 'verbose']);
    assert.deepEqual(by.lr, { name: 'lr', default: 0.01, type: 'float', description: 'learning rate' });
    assert.deepEqual(by.epochs, { name: 'epochs', default: 3, type: 'int' });
    assert.deepEqual(by.optimizer, { name: 'optimizer', default: 'adam', choices: [{ value: 'adam' }, { value: 'sgd' }] });
    assert.deepEqual(by.data, { name: 'data', default: null, required: true });
    assert.deepEqual(by.verbose, { name: 'verbose', default: false, type: 'boolean', argSwitch: true, choices: [{ value: true }, { value: false }] });
    assert.deepEqual(by.layers, { name: 'layers', default: [1, 2], type: 'int', argSplit: true });
    assert.equal(existsSync(`${script}.RAN`), false, 'the script was never run');
  });

  test('globals of every kind (None: a flag without a type, as Guild); private names, dicts and expressions are not flags', async () => {
    const dir = tempDir();
    const script = join(dir, 'g.py');
    writeFileSync(script, GLOBALS);
    const d = await detectPythonFlags(emptyHome(), script);
    assert.equal(d.dest, 'globals');
    assert.equal(d.reason, 'g.py does not import argparse - assuming globals');
    const by = Object.fromEntries(d.defs.map((f) => [f.name, { default: f.default, type: f.type }]));
    assert.deepEqual(by, {
      debug: { default: false, type: 'boolean' },
      epochs: { default: 3, type: 'number' },
      layers: { default: [1, 2.5, 'x'], type: undefined },
      lr: { default: 0.1, type: 'number' },
      name: { default: 'abc', type: 'string' },
      neg: { default: -2, type: 'number' },
      nothing: { default: null, type: undefined },
      x: { default: 5, type: 'number' },
    });
    assert.equal(existsSync(`${script}.RAN`), false, 'the script was never run');
  });

  test("a global assigned more than once: its first flag value is the flag (Guild's rule), other assignments ignored", async () => {
    const dir = tempDir();
    const script = join(dir, 'twice.py');
    writeFileSync(script, `${TRAP}\ndepth = 32\ndepth = 4\nsize = compute()\nsize = 7\nrate = 0.5\nrate = scale(rate)\n`);
    const d = await detectPythonFlags(emptyHome(), script);
    assert.deepEqual(Object.fromEntries(d.defs.map((f) => [f.name, f.default])), { depth: 32, rate: 0.5, size: 7 });
  });

  test("sub-commands: the operation's own args pick an argparse sub-parser or a click command, whose flags alone are imported", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'cli.py'),
      `import argparse
p = argparse.ArgumentParser()
p.add_argument("--verbose", type=int, default=0)
cmds = p.add_subparsers()
fit = cmds.add_parser("fit")
fit.add_argument("--epochs", type=int, default=3)
opts = fit.add_argument_group("options")
opts.add_argument("--lr", type=float, default=0.1)
show = cmds.add_parser("show")
show.add_argument("--rows", type=int, default=10)
${TRAP}`,
    );
    writeFileSync(
      join(dir, 'clk.py'),
      `import click
@click.group()
@click.option("--verbose", default=0, type=int)
def cli(verbose):
    pass
@cli.group()
@click.option("--epochs", default=3, type=int)
def train(epochs):
    pass
@train.command()
@click.option("--max-steps", default=9, type=int)
def warm_up(max_steps):
    pass
${TRAP}`,
    );
    const home = emptyHome();
    const names = async (script: string, o: Parameters<typeof detectPythonFlags>[2]) =>
      (await detectPythonFlags(home, join(dir, script), o)).defs.map((d) => `${d.name}=${String(d.default)}`);
    assert.deepEqual(await names('cli.py', {}), ['verbose=0']);
    assert.deepEqual(await names('cli.py', { baseArgs: ['fit'] }), ['epochs=3', 'lr=0.1']);
    assert.deepEqual(await names('cli.py', { baseArgs: ['show'] }), ['rows=10']);
    assert.deepEqual(await names('clk.py', { click: true }), ['verbose=0']);
    assert.deepEqual(await names('clk.py', { click: true, baseArgs: ['train'] }), ['epochs=3']);
    const warm = await detectPythonFlags(home, join(dir, 'clk.py'), { click: true, baseArgs: ['train', 'warm-up'] });
    assert.deepEqual(warm.defs.map((d) => d.name), ['max-steps']);
    assert.equal(warm.dest, 'args:click');
    assert.equal(existsSync(join(dir, 'cli.py.RAN')) || existsSync(join(dir, 'clk.py.RAN')), false);
  });

  test('results are cached as JSON under cache/import-flags and reused', async () => {
    const dir = tempDir();
    const script = join(dir, 'g.py');
    writeFileSync(script, 'lr = 0.1\n');
    const home = emptyHome();
    await detectPythonFlags(home, script);
    const cacheDir = join(home, 'cache', 'import-flags');
    const [entry] = readdirSync(cacheDir);
    assert.match(entry!, /^[0-9a-f]{32}$/);
    const cached = JSON.parse(readFileSync(join(cacheDir, entry!), 'utf8'));
    assert.deepEqual(cached, { $dest: 'globals', lr: { default: 0.1, type: 'number' } });
    // A doctored cache entry is what the next call returns: proof the cache is read.
    writeFileSync(join(cacheDir, entry!), JSON.stringify({ $dest: 'globals', lr: { default: 0.5, type: 'number' } }));
    assert.equal((await detectPythonFlags(home, script)).defs[0]!.default, 0.5);
    // A changed script is a new key.
    writeFileSync(script, 'lr = 0.2\n');
    assert.equal((await detectPythonFlags(home, script)).defs[0]!.default, 0.2);
  });

  test('a script with a syntax error is a GrunError naming it', async () => {
    const script = join(tempDir(), 'bad.py');
    writeFileSync(script, 'def (:\n');
    await assert.rejects(detectPythonFlags(emptyHome(), script), /cannot read flags of .*bad\.py: .*syntax error at line 1/);
  });
});

describe('flag detection without python', () => {
  test('a missing interpreter is named, with the way out', async () => {
    const script = join(tempDir(), 'x.py');
    writeFileSync(script, 'a = 1\n');
    const saved = process.env.GRUN_PYTHON;
    process.env.GRUN_PYTHON = '/nonexistent/python3';
    try {
      await assert.rejects(detectPythonFlags(emptyHome(), script), {
        message: `cannot read flags of ${script}: /nonexistent/python3 not found (set GRUN_PYTHON to a Python 3 interpreter)`,
      });
    } finally {
      if (saved === undefined) delete process.env.GRUN_PYTHON;
      else process.env.GRUN_PYTHON = saved;
    }
  });
});
