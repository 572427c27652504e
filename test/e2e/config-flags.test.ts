// Flags kept in config files (`flags-dest: config:FILE`) through the real binary: the file's
// values are the flags, and each run gets its own copy of the file with the run's values.
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome } from '../helpers/home.js';
import { attr, grun, onlyRunDir, project, runIds } from './engine-helpers.js';

const GUILD_YML = `train:
  main: show settings.yml
  flags-dest: config:settings.yml
  flags-import: all
  flags-import-skip: [seed]

tune:
  main: show conf/opts.ini
  flags-dest: config:conf/opts.ini
  flags-import: yes

pack:
  main: show params.json
  flags-dest: config:params.json.in
  flags-import: [model.depth]
  flags:
    depth:
      arg-name: model.depth
  requires:
    - config: params.json.in
      rename: params.json.in params.json

frozen:
  main: show params.json
  flags-dest: config:params.json
  flags-import: all
  requires:
    - config: params.json
      always-resolve: no
`;

/** Prints the config file it is given, then any other argument it got. */
const SHOW = `import sys
print(open(sys.argv[1]).read(), end="")
print("args:", sys.argv[2:])
`;

const SETTINGS = `lr: 0.1
seed: 7
layers: [1, 2]
opt:
  name: adam
  beta: 0.9
tag.v: old
`;

const OPTS_INI = `[DEFAULT]
# comments are not values
b = yes
i = 012

[x.y]
s = hello there
f = 1.5
`;

const PARAMS = `{"model": {"depth": 3, "name": "net"}, "epochs": 2}\n`;

function configProject(): string {
  const dir = project({ 'guild.yml': GUILD_YML, 'show.py': SHOW, 'settings.yml': SETTINGS, 'params.json.in': PARAMS, 'params.json': PARAMS });
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf/opts.ini'), OPTS_INI);
  return dir;
}

describe('flags-dest: config:FILE', () => {
  test('YAML: the values are flags (nested keys dotted, lists splittable); the run gets its copy with the values set', async () => {
    const home = emptyHome();
    const dir = configProject();
    const r = await grun(['run', 'train', 'lr=0.5', "layers=3 'a b'", 'opt.name=sgd', 'tag.v=new', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Resolving config:settings\.yml$/m);
    const want = "layers:\n- 3\n- a b\nlr: 0.5\nopt:\n  beta: 0.9\n  name: sgd\nseed: 7\ntag.v: new\nargs: []\n";
    assert.equal(r.stdout, want, 'the flags reach the script through the file only, never as arguments');
    const run = onlyRunDir(home);
    assert.match(readlinkSync(join(run, 'settings.yml')), /^\.guild\/generated\/[^/]+\/settings\.yml$/);
    assert.equal(attr(run, 'flags'), "layers:\n- 3\n- a b\nlr: 0.5\nopt.beta: 0.9\nopt.name: sgd\ntag.v: new\n", 'seed is skipped');
    assert.equal(readFileSync(join(dir, 'settings.yml'), 'utf8'), SETTINGS, 'the project file is untouched');
  });

  test('YAML: an imported number flag refuses text, in Guild words; a name that cannot nest fails its config dependency, recorded as an error run', async () => {
    const home = emptyHome();
    const dir = configProject();
    const bad = await grun(['run', 'train', 'lr=fast', '-y'], { cwd: dir, home });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid value fast for lr: invalid value for type 'number'/);
    const nest = await grun(['run', 'train', 'lr.x=1', '--force-flags', '-y'], { cwd: dir, home });
    assert.equal(nest.code, 1);
    assert.equal(
      nest.stderr,
      "Resolving config:settings.yml\ngrun: run failed because a dependency was not met: unexpected error resolving 'config:settings.yml' in config:settings.yml resource: ValueError(\"'lr.x' cannot be nested: conflicts with {'lr': 0.1}\")\n",
    );
    assert.equal(runIds(home).length, 1);
    assert.match(attr(onlyRunDir(home), 'flags') ?? '', /^lr: 0\.1\nlr\.x: 1\n/m, 'never started, its flags recorded');
  });

  test('INI: sections are flag prefixes, values decoded as Guild (012 is 12, yes is True); the copy sits under its directory', async () => {
    const home = emptyHome();
    const dir = configProject();
    const r = await grun(['run', 'tune', 'DEFAULT.b=no', 'x.y.f=2.0', 'x.y.extra=4', '--force-flags', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[DEFAULT]\nb = False\ni = 12\n\n[x.y]\nextra = 4\nf = 2.0\ns = hello there\n\nargs: []\n');
    assert.equal(attr(onlyRunDir(home), 'flags'), 'DEFAULT.b: false\nDEFAULT.i: 12\nx.y.extra: 4\nx.y.f: 2.0\nx.y.s: hello there\n');
    assert.match(readlinkSync(join(onlyRunDir(home), 'conf/opts.ini')), /^\.\.\/\.guild\/generated\//);
  });

  test('JSON .in with a rename: a flag set by its arg-name; written as Python writes JSON (sorted, one line)', async () => {
    const home = emptyHome();
    const dir = configProject();
    const r = await grun(['run', 'pack', 'depth=5', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Resolving config:params\.json\.in$/m);
    assert.equal(r.stdout, '{"epochs": 2, "model": {"depth": 5, "name": "net"}}args: []\n');
    assert.equal(attr(onlyRunDir(home), 'flags'), 'depth: 5\n');
  });

  test('a config file of a kind grun cannot read: operations warns of it, a run is refused naming it', async () => {
    const home = emptyHome();
    const dir = project({ 'guild.yml': 'odd:\n  main: guild.pass\n  flags-dest: config:params.toml\n  flags-import: all\n', 'params.toml': 'a = 1\n' });
    const ops = await grun(['operations'], { cwd: dir, home });
    assert.equal(ops.code, 0, ops.stderr);
    assert.equal(ops.stderr, 'WARNING: config type for params.toml not supported\n');
    assert.equal(ops.stdout, 'odd  \n', 'no description: the padding before it, as Guild prints it');
    const r = await grun(['run', 'odd', '-y'], { cwd: dir, home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unsupported file type for 'params\.toml'/);
    assert.deepEqual(runIds(home), []);
  });

  test('a restart writes the file again with the new values, unless the dependency says always-resolve: no', async () => {
    const home = emptyHome();
    const dir = configProject();
    assert.equal((await grun(['run', 'pack', '-y'], { cwd: dir, home })).code, 0);
    const id = runIds(home)[0]!;
    const again = await grun(['run', '--restart', id, 'depth=9', '-y'], { cwd: dir, home });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^Resolving config:params\.json\.in$/m);
    assert.match(again.stdout, /"depth": 9/);

    const home2 = emptyHome();
    assert.equal((await grun(['run', 'frozen', 'epochs=4', '-y'], { cwd: dir, home: home2 })).code, 0);
    const frozen = runIds(home2)[0]!;
    const kept = await grun(['run', '--restart', frozen, 'epochs=6', '-y'], { cwd: dir, home: home2 });
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stderr, /Skipping resolution of config:params\.json because it's already resolved/);
    assert.match(kept.stdout, /"epochs": 4/);
  });
});
