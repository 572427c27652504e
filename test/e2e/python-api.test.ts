// Scripts that import Guild's Python API run unchanged: grun's compatibility package `guild`
// (python/guild) is on a Python run's PYTHONPATH, its SummaryWriter's event files are read as
// the run's scalars and (`.attrs` files) logged attributes, and a real Guild found on sys.path
// is used instead of it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome, grunBin, tempDir } from '../helpers/home.js';
import { grun, ok } from './cli-helpers.js';

/** A directory holding the given files (names may contain `/`). */
function tree(files: Record<string, string>, prefix = 'grun-pyapi-'): string {
  const dir = tempDir(prefix);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const project = (): string =>
  tree({
    'guild.yml': [
      'train:',
      '  main: train',
      '  flags:',
      '    rate: 0.5',
      'logged:',
      '  main: logged',
      '  run-attrs:',
      '    from-yml: kept',
      'marker:',
      '  main: marker',
      '',
    ].join('\n'),
    'train.py': [
      'from guild import summary',
      'rate = 0.1',
      'with summary.SummaryWriter(".") as w:',
      '    for step in range(3):',
      '        w.add_scalar("loss", rate * (3 - step), step=step)',
      '    w.add_scalar("acc", 0.75, step=2)',
      '',
    ].join('\n'),
    'logged.py': [
      'import json',
      'from guild import summary',
      'attrs = summary.SummaryWriter(".", filename_suffix=".attrs")',
      'attrs.add_text("colour", "green")',
      'attrs.add_text("shape", json.dumps({"sides": [3, 4]}))',
      'attrs.add_text("id", "not-the-id")',
      'attrs.add_text("label", "not the label")',
      'attrs.close()',
      '',
    ].join('\n'),
    'marker.py': ['from guild.util import touch', 'import guild', 'touch("made-by-touch")', 'print(getattr(guild, "WHICH", "grun"))', ''].join('\n'),
  });

/** `grun -H HOME ARGS` in `cwd` with the user's PYTHONPATH set to `pythonPath`. */
function grunWithPythonPath(home: string, args: string[], cwd: string, pythonPath: string): { code: number; out: string; err: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PYTHONPATH: pythonPath };
  delete env.GUILD_HOME;
  const r = spawnSync(grunBin, ['-H', home, ...args], { encoding: 'utf8', env, cwd, timeout: 60_000 });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

/** A stand-in for a real Guild installation: a regular `guild` package whose modules say so. */
const fakeGuild = (): string =>
  tree({
    'guild/__init__.py': 'WHICH = "real"\n',
    'guild/util.py': 'def touch(path):\n    open(path + ".real", "w").close()\n',
  }, 'grun-fake-guild-');

describe('Guild Python API in runs', () => {
  test("summary.SummaryWriter's scalars are the run's scalars, in runs info and compare", () => {
    const home = emptyHome();
    const cwd = project();
    const r = grun(home, ['run', 'train', 'rate=1.0', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    const info = ok(home, ['runs', 'info']);
    assert.match(info, /\nscalars:\n {2}acc: 0\.750000 \(step 2\)\n {2}loss: 1\.000000 \(step 2\)\n/);
    const csv = ok(home, ['compare', '--csv', '-']).trimEnd().split('\n');
    const header = csv[0]!.split(',');
    const row = csv[1]!.split(',');
    assert.equal(row[header.indexOf('loss')], '1.0');
    assert.equal(row[header.indexOf('acc')], '0.75');
  });

  test('text summaries of an .attrs writer are run attributes; id and label logged by the script are not', () => {
    const home = emptyHome();
    const cwd = project();
    const r = grun(home, ['run', 'logged', '--run-id', 'abc', '-l', 'my label', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    const info = ok(home, ['runs', 'info']);
    assert.match(info, /^id: abc\n/);
    assert.match(info, /\nlabel: my label\n/);
    assert.match(info, /\nattributes:\n {2}colour: green\n {2}from-yml: kept\n {2}shape: '\{"sides": \[3, 4\]\}'\n$/);
  });

  test('guild.util.touch makes the file', () => {
    const home = emptyHome();
    const cwd = project();
    assert.equal(ok(home, ['run', 'marker', '-y'], { cwd }), 'grun\n');
    const runDir = ok(home, ['select', '--dir']).trim();
    assert.ok(readdirSync(runDir).includes('made-by-touch'));
  });

  test('a real Guild later on sys.path is used instead of the compatibility package', () => {
    const home = emptyHome();
    const cwd = project();
    const real = fakeGuild();
    const r = grunWithPythonPath(home, ['run', 'marker', '-y'], cwd, real);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'real\n');
    const files = readdirSync(ok(home, ['select', '--dir']).trim());
    assert.ok(files.includes('made-by-touch.real') && !files.includes('made-by-touch'), files.join(' '));
  });

  test("a real Guild earlier on sys.path (the operation's PYTHONPATH) is used; a bare guild/ directory is not Guild", () => {
    const home = emptyHome();
    const real = fakeGuild();
    // `guild/` without __init__.py in the project (a namespace package) must not hide the API
    const cwd = tree({
      'guild.yml': `marker:\n  main: marker\n  env:\n    PYTHONPATH: ${real}\nplain:\n  main: marker\n`,
      'marker.py': 'from guild.util import touch\nimport guild\ntouch("t")\nprint(getattr(guild, "WHICH", "grun"))\n',
      'guild/notes.txt': 'not a package\n',
    });
    assert.equal(ok(home, ['run', 'marker', '-y'], { cwd }), 'real\n');
    assert.equal(ok(home, ['run', 'plain', '-y'], { cwd }), 'grun\n');
  });
});
