// Flag values through the real binary: what a script receives and what the run records.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome, grunBin } from '../helpers/home.js';
import { attr, grun, onlyRunDir, project } from './engine-helpers.js';

const GLOBALS = `name = 'no'
n = 1
lr = 0.1
print("got", repr(name), repr(n), repr(lr))
`;

describe('quoted flag values (Guild decodes the quotes)', () => {
  test(`name='yes' stores yes, never the quotes; numbers quoted for a number flag are numbers`, async () => {
    const home = emptyHome();
    const dir = project({ 'train.py': GLOBALS });
    const r = await grun(['run', 'train.py', "name='yes'", `n="2"`, "lr='0.5'", '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /got 'yes' 2 0\.5/);
    const run = onlyRunDir(home);
    assert.equal(attr(run, 'flags'), "lr: 0.5\n'n': 2\nname: 'yes'\n");
    assert.equal(attr(run, 'user_flags'), "lr: 0.5\n'n': 2\nname: 'yes'\n");
    assert.equal(attr(run, 'label'), "lr=0.5 n=2 name='yes'\n");
  });

  test(`a quoted list item stays a string: name=['1','yes'] runs trials with '1' and 'yes'`, async () => {
    const home = emptyHome();
    const dir = project({ 'train.py': GLOBALS });
    const r = await grun(['run', 'train.py', "name=['1','yes']", '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /got '1' 1 0\.1/);
    assert.match(r.stdout, /got 'yes' 1 0\.1/);
    const names = readdirSync(join(home, 'runs'))
      .map((id) => attr(join(home, 'runs', id), 'flags') ?? '')
      .filter((f) => !f.includes('$')) // the batch parent holds no script flags
      .map((f) => /name: (.*)/.exec(f)?.[1])
      .filter(Boolean)
      .sort();
    assert.deepEqual(names, ["'1'", "'yes'"]);
  });
});

/** Untyped globals (None) and argparse flags, each value printed with its Python type. */
const UNTYPED = `a = None
b = None
c = None
d = None
for v in (a, b, c, d):
    print(repr(v), type(v).__name__)
`;
const ARGS = `import argparse
p = argparse.ArgumentParser()
p.add_argument("--s", type=str, default="x")
p.add_argument("--n", type=int, default=1)
args = p.parse_args()
print(repr(args.s), repr(args.n))
`;

describe("quoting forms of Guild's own tests (quoted-flag-vals)", () => {
  test('untyped globals: quoted values are strings, unquoted ones YAML', async () => {
    const home = emptyHome();
    const dir = project({ 'g.py': UNTYPED });
    const quoted = await grun(['run', 'g.py', "a='1'", "b='1.1'", "c='[a,b,c]'", "d='yes'", '-y'], { cwd: dir, home });
    assert.equal(quoted.code, 0, quoted.stderr);
    assert.match(quoted.stdout, /'1' str\n'1\.1' str\n'\[a,b,c\]' str\n'yes' str\n/);
    const plain = await grun(['run', 'g.py', 'a=1', 'b=1.1', 'c=hola', 'd=yes', '-y'], { cwd: dir, home });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /1 int\n1\.1 float\n'hola' str\nTrue bool\n/);
  });

  test('argparse: a quoted value reaches a str argument without its quotes, an int one as a number', async () => {
    const home = emptyHome();
    const dir = project({ 'a.py': ARGS });
    const r = await grun(['run', 'a.py', "s='[1,2,3]'", "n='2'", '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /'\[1,2,3\]' 2\n/);
    assert.equal(attr(onlyRunDir(home), 'flags'), "'n': 2\ns: '[1,2,3]'\n");
  });

  test('a mapping value: a dict to a global, its Python repr (keys sorted) to an argparse argument', async () => {
    const home = emptyHome();
    const dir = project({ 'g.py': UNTYPED });
    const g = await grun(['run', 'g.py', "a={b: 2, a: [1, 'x: y']}", "b='{c: 1}'", '-y'], { cwd: dir, home });
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /^\{'a': \[1, 'x: y'\], 'b': 2\} dict\n'\{c: 1\}' str\n/);
    // a flag the script does not declare (--force-flags) is decoded as YAML, then pformat-ed
    const known = 'import argparse\np = argparse.ArgumentParser()\np.add_argument("--n", type=int)\nprint(p.parse_known_args()[1])\n';
    const a = await grun(['run', 'k.py', 'm={b: 2, a: 1.5}', '--force-flags', '-y'], { cwd: project({ 'k.py': known }), home });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, `['--m', "{'a': 1.5, 'b': 2}"]\n`);
  });
});

describe('float sweeps of a script flag whose default is a float', () => {
  const F = `lr = 0.1\nprint("lr", repr(lr))\n`;

  test('from 0 to 1 step 0.5 and a log10 range give 0.0, 1.0, 10.0: attrs, labels, the preview', async () => {
    const home = emptyHome();
    const dir = project({
      'f.py': F,
      'lin.json': JSON.stringify({ workflow: 'f.py', params: { lr: { from: 0, to: 1, step: 0.5 } } }),
      'log.json': JSON.stringify({ workflow: 'f.py', params: { lr: { from: 10, to: 1000, step: 10, log10: true } } }),
    });
    for (const def of ['lin.json', 'log.json']) {
      const r = await grun(['submit', def, '-y', '--stage'], { cwd: dir, home });
      assert.equal(r.code, 0, r.stderr);
    }
    const children = readdirSync(join(home, 'runs'))
      .map((id) => join(home, 'runs', id))
      .filter((run) => attr(run, 'label') !== null);
    const labels = children.map((run) => attr(run, 'label')!.trim()).sort();
    assert.deepEqual(labels, ['lr=0.0', 'lr=0.5', 'lr=1.0', 'lr=10.0', 'lr=100.0', 'lr=1000.0']);
    for (const run of children) assert.equal(attr(run, 'flags'), `${attr(run, 'label')!.trim().replace('=', ': ')}\n`);
    // the confirmation lists the points as the runs will hold them (a terminal for stdin)
    const shown = await new Promise<string>((resolve) => {
      const p = spawn('script', ['-qec', `${grunBin} submit lin.json`, '/dev/null'], { cwd: dir, env: { ...process.env, GUILD_HOME: home } });
      let out = '';
      let answered = false; // once: later chunks still hold the prompt, and the process may be gone
      p.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (!answered && out.includes('Continue?')) {
          answered = true;
          p.stdin.write('n\n');
        }
      });
      p.on('close', () => resolve(out));
    });
    assert.match(shown, /lr: 0\.0, 0\.5, 1\.0/);
  });
});
