// guild.yml operation features through the real binary: argparse sub-commands, flag aliases,
// `env:` with flag references, `--help-op` defaults of splittable flags, `grun help`, restarts
// with `--force-sourcecode`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome } from '../helpers/home.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attr, grun, onlyRunDir, project, runIds } from './engine-helpers.js';

const GUILD_YML = `fit:
  main: cli fit
  flags-import: all

show:
  main: cli show
  flags-import: all

tag:
  main: guild.pass
  flags-dest: args
  flags:
    label:
      alias: l

noop:
  main: guild.pass
  flags:
    x: 1

envy:
  main: envy
  flags-import: all
  env:
    GREETING: \${word} x\${n} \${on}
    PYTHONPATH: extra
    RAW: \${unknown}

split:
  main: envy
  flags:
    sizes:
      arg-split: yes
`;

const CLI = `import argparse
p = argparse.ArgumentParser()
p.add_argument("--verbose", type=int, default=0)
cmds = p.add_subparsers(dest="cmd")
fit = cmds.add_parser("fit")
fit.add_argument("--epochs", type=int, default=3)
show = cmds.add_parser("show")
show.add_argument("--rows", type=int, default=10)
args = p.parse_args()
print(args)
`;

const ENVY = `import os
word = "hi"
n = 2
on = True
sizes = [1, 2, 3]
for k in ("GREETING", "PYTHONPATH", "RAW"):
    print(k, os.environ[k])
`;

const files = { 'guild.yml': GUILD_YML, 'cli.py': CLI, 'envy.py': ENVY };

describe('guild.yml operations as Guild runs them', () => {
  test("an argparse sub-command gets only its own flags (others would be refused by it)", async () => {
    const home = emptyHome();
    const dir = project(files);
    const r = await grun(['run', 'fit', 'epochs=5', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Namespace(verbose=0, cmd='fit', epochs=5)\n");
    assert.equal(attr(onlyRunDir(home), 'flags'), 'epochs: 5\n');
    const other = await grun(['run', 'show', 'epochs=5', '-y'], { cwd: dir, home });
    assert.equal(other.code, 1);
    assert.match(other.stderr, /unknown flag 'epochs' for show: expected one of rows/);
  });

  test('an alias sets its flag; given with the name it is refused with the way out on its own line', async () => {
    const home = emptyHome();
    const dir = project(files);
    const r = await grun(['run', 'tag', 'l=x', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '--label x\n');
    assert.equal(attr(onlyRunDir(home), 'flags'), 'label: x\n');
    const noop = await grun(['run', 'noop', 'x=2', '-y'], { cwd: dir, home });
    assert.equal(noop.stdout, '', 'guild.pass takes flags as globals unless flags-dest says args');
    const both = await grun(['run', 'tag', 'l=x', 'label=y', '-y'], { cwd: dir, home });
    assert.equal(both.code, 1);
    assert.equal(both.stderr, "grun: cannot specify both alias 'label' and name for flag 'l'\nUse --force-flags to skip this check.\n");
  });

  test("env: values take the run's flag values for ${flag}; the operation's PYTHONPATH comes first", async () => {
    const home = emptyHome();
    const dir = project(files);
    const r = await grun(['run', 'envy', 'n=3', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^GREETING hi x3 true$/m);
    assert.match(r.stdout, /^PYTHONPATH extra:\.(:|$)/m);
    assert.match(r.stdout, /^RAW \$\{unknown\}$/m);
  });

  test("grun help: the project's operations by name, each with its description and flags as --help-op shows them", async () => {
    const dir = project({ ...files, 'guild.yml': `${GUILD_YML}\nneeds:\n  description: Needs a value\n  main: guild.pass\n  flags:\n    data: {required: yes}\n` });
    const r = await grun(['help'], { cwd: dir, home: emptyHome() });
    assert.equal(r.code, 0, r.stderr);
    const body = r.stdout.slice(r.stdout.indexOf('BASE OPERATIONS'));
    assert.match(body, /^ {4}fit\n {6}Flags:\n {8}epochs {2}\(default is 3\)\n/m);
    assert.match(body, /^ {4}needs\n {6}Needs a value\n\n {6}Flags:\n {8}data {2}\(required\)\n/m);
    assert.match(body, /^ {4}tag\n {6}Flags:\n {8}label\n/m);
    const names = [...body.matchAll(/^ {4}(\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(names, ['envy', 'fit', 'needs', 'noop', 'show', 'split', 'tag']);
  });

  test("a restart keeps the run's source code; --force-sourcecode copies the project's again", async () => {
    const home = emptyHome();
    const dir = project({ 'say.py': 'msg = "one"\nprint(msg)\n' });
    assert.equal((await grun(['run', 'say.py', '-y'], { cwd: dir, home })).stdout, 'one\n');
    const id = runIds(home)[0]!;
    writeFileSync(join(dir, 'say.py'), 'msg = "one"\nprint(msg + " changed")\n');
    assert.equal((await grun(['run', '--restart', id, '-y'], { cwd: dir, home })).stdout, 'one\n');
    const forced = await grun(['run', '--restart', id, '--force-sourcecode', 'msg=two', '-y'], { cwd: dir, home });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'two changed\n');
    assert.equal(readFileSync(join(home, 'runs', id, 'say.py'), 'utf8'), 'msg = "one"\nprint(msg + " changed")\n');
  });

  test('--help-op shows a splittable default as the text it is given as', async () => {
    const r = await grun(['run', 'split', '--help-op'], { cwd: project(files), home: emptyHome() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}sizes {2}\(default is '1 2 3'\)$/m);
  });

  // the sample project of Guild's help-op.md doctest, and its expected output as Guild 0.9.1 prints it
  const HELP_OP_YML = `op:
  description: >
    Sample operation

    Another line of op description.

  main: guild.pass

  flags:
    s:
      description:
        a string

        This is some more description.
      required: yes
    i:
      description: an int
      default: 123
      type: int
    c1:
      description: color choices
      default: blue
      choices: [red, blue, green]
    c2:
      description: number choices
      choices:
        - value: 1
          description: 2 minus 1
        - value: 2
          description: 1 plus 1
    c3:
      description: aliases choices
      choices:
        - {value: aaa, alias: a, description: option a}
        - {value: bbb, alias: b, description: option b}
`;

  test("--help-op as Guild lays it out: paragraphs, choices and their descriptions; a required flag missing is no error", async () => {
    const r = await grun(['run', 'op', '--help-op'], { cwd: project({ 'guild.yml': HELP_OP_YML }), home: emptyHome() });
    assert.equal(r.code, 0, r.stderr);
    const pad = (n: number) => ' '.repeat(n);
    assert.equal(
      r.stdout,
      [
        'Usage: grun run [OPTIONS] op [FLAG]...', '', 'Sample operation', '', 'Another line of op description.', '',
        "Use 'grun run --help' for a list of options.", '', 'Flags:',
        '  c1  color choices (default is blue)', pad(6), '      Choices:  red, blue, green', '',
        '  c2  number choices', pad(6), '      Choices:', '        1  2 minus 1', '        2  1 plus 1', '',
        '  c3  aliases choices', pad(6), '      Choices:', '        a  option a', '        b  option b', '',
        '  i   an int (default is 123)',
        '  s   a string (required)', pad(6), '      This is some more description.', '', '',
      ].join('\n'),
    );
  });

  test("a choice's alias runs as its value, and its flags set those not given, as Guild", async () => {
    const dir = project({
      'guild.yml': 'op:\n  main: p\n  flags:\n    model:\n      default: small\n      choices:\n        - {value: small-net, alias: small, flags: {layers: 2, lr: 0.1}}\n        - {value: large-net, alias: large, flags: {layers: 8}}\n        - medium\n    layers: 1\n    lr: 0.01\n',
      'p.py': 'model = "x"\nlayers = 0\nlr = 0.0\nprint(model, layers, lr)\n',
    });
    const home = emptyHome();
    // what Guild 0.9.1 prints for each
    for (const [args, out] of [
      [[], 'small-net 2 0.1'],
      [['model=large'], 'large-net 8 0.01'],
      [['model=large', 'lr=0.5'], 'large-net 8 0.5'],
      [['model=small-net'], 'small-net 1 0.01'],
      [['model=medium'], 'medium 1 0.01'],
      [['layers=3'], 'small-net 3 0.1'],
    ] as const) {
      const r = await grun(['run', 'op', ...args, '-y'], { cwd: dir, home });
      assert.equal(r.stdout, `${out}\n`, `${args.join(' ')}: ${r.stderr}`);
    }
    const bad = await grun(['run', 'op', 'model=bad', '-y'], { cwd: dir, home });
    assert.match(bad.stderr, /^grun: invalid value bad for model: expected one of small, large, medium\n/);
  });

  test("-t tags set the operation's label template aside: the tags, then the default label, as Guild's", async () => {
    const dir = project({ 'guild.yml': 'op:\n  main: p\n  flags: {a: 1}\n  label: a is ${a}\n', 'p.py': 'a = 0\n' });
    const home = emptyHome();
    assert.equal((await grun(['run', 'op', '-y'], { cwd: dir, home })).code, 0);
    assert.equal((await grun(['run', 'op', '-t', 't1', '-t', 't2', '-y'], { cwd: dir, home })).code, 0);
    // what Guild 0.9.1 labels the same two runs
    const labels = (await grun(['runs'], { cwd: dir, home })).stdout.trimEnd().split('\n').map((l) => l.replace(/^.*completed {2}/, ''));
    assert.deepEqual(labels, ['t1 t2 a=1', 'a is 1']);
  });
});
