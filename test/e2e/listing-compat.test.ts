// How listings read to a Guild user: comments in `runs`, `runs info` and `comment --list`, a
// batch run's own metadata, `select` over several runs and orders of mixed values.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureHome, copySampleHome, emptyHome } from '../helpers/home.js';
import { project } from './engine-helpers.js';
import { fails, grun, ok, okSaid } from './cli-helpers.js';

const COMMENTED = '4cad94ad746246858852b7eb8736ac22';

describe('runs info as Guild 0.9 shows a run', () => {
  test("attributes: the operation's opdef_attrs, then logged ones; other raw attrs and the seed stay out", () => {
    const home = copyFixtureHome();
    const attrs = join(home, 'runs', COMMENTED, '.guild', 'attrs');
    writeFileSync(join(attrs, 'opdef_attrs'), 'custom: bar\nnested:\n  a: 1\nstatus: from-opdef\n');
    writeFileSync(join(attrs, 'some_tool_attr'), 'x\n');
    const info = ok(home, ['runs', 'info', '4cad']);
    // a logged attr of the same name wins over the operation's
    assert.match(info, /\nattributes:\n {2}custom: bar\n {2}nested:\n {4}a: 1\n {2}status: done\n$/);
    assert.doesNotMatch(info, /some_tool_attr|^seed:|^random_seed:|^opdef_attrs:/m);
    assert.match(info, /\npid: \ntags:\n/);
    // no attributes: no heading (the listing ends with the scalars)
    assert.match(ok(home, ['runs', 'info', '9d33']), /\nscalars:\n$/);
  });
});

describe('comments in listings', () => {
  test('runs -c: each comment under its run, author and time, then the body indented twice', () => {
    const home = copyFixtureHome();
    const out = ok(home, ['runs', '-c', '-Fc', 'first comment']);
    assert.match(out, /^\[1:4cad94ad\] {2}.+\n {2}alice@gpu-box 2026-11-22 \d\d:\d\d:\d\d\n\n {4}first comment\n\n$/);
    // a run without comments lists alone
    const plain = ok(home, ['runs', '-c', '-n', '1', '-Fc', '-']);
    assert.equal(plain.split('\n').filter(Boolean).length, 1, plain);
    fails(home, ['runs', '-c', '-v'], /--comments and --verbose cannot both be specified/);
  });

  test('runs info --comments adds the comments, fields sorted; without it they stay out', () => {
    const home = copyFixtureHome();
    const info = ok(home, ['runs', 'info', '--comments', '4cad']);
    assert.match(info, /\ncomments:\n {2}-\n {4}body: first comment\n {4}host: gpu-box\n {4}time: 2026-11-22 \d\d:\d\d:\d\d\n {4}user: alice\n/);
    assert.doesNotMatch(ok(home, ['runs', 'info', '4cad']), /comments|first comment/);
  });

  test('comment --list numbers each comment; a run without any says so; the edits say "for"', () => {
    const home = copyFixtureHome();
    const list = ok(home, ['comment', '--list', '4cad']);
    assert.match(list, /^4cad94ad {2}.+\n\[1\] alice@gpu-box 2026-11-22 \d\d:\d\d:\d\d\n\n {2}first comment\n\n$/);
    assert.equal(okSaid(home, ['comment', '-y', '-d', '1', '4cad']), 'Deleted comment for 1 run(s)\n');
    assert.match(ok(home, ['comment', '--list', '4cad']), /^4cad94ad {2}.+\n {2}<no comments>\n$/);
    ok(home, ['comment', '-y', '-a', 'again', '4cad']);
    assert.equal(okSaid(home, ['comment', '-y', '-c', '4cad']), 'Deleted all comments for 1 run(s)\n');
    assert.ok(!existsSync(join(home, 'runs', COMMENTED, '.guild', 'attrs', 'comments')));
  });
});

const cwd = (): string => project({ 'op.py': 'x = 1\nprint("x: %s" % x)\n' });

describe('batch metadata', () => {
  test('--batch-label/-tag/-comment go to the batch run, -c to each trial', () => {
    const home = emptyHome();
    ok(home, ['run', 'op.py', 'x=[1,2]', '--keep-batch', '-y', '-c', 'trial note', '--batch-comment', 'batch note', '--batch-label', 'my batch', '--batch-tag', 'b1'], { cwd: cwd() });
    const out = ok(home, ['runs', '-c']);
    const [t1, t2, batch] = out.split(/\n(?=\[\d:)/);
    assert.match(t1!, /^\[1:\w+\] {2}op\.py .+\n {2}\S*@\S+ .+\n\n {4}trial note\n/);
    assert.match(t2!, /^\[2:\w+\] {2}op\.py .+\n {2}\S*@\S+ .+\n\n {4}trial note\n/);
    assert.match(batch!, /^\[3:\w+\] {2}op\.py\+ .+ {2}my batch\n {2}\S*@\S+ .+\n\n {4}batch note\n/);
    assert.match(ok(home, ['runs', 'info', '3']), /\ntags:\n {2}- b1\n/);
  });

  test('--batch-comment on an operation that is not a batch: a warning, and the run has no comment', () => {
    const home = emptyHome();
    const r = grun(home, ['run', 'op.py', '-y', '--batch-comment', 'ignored'], { cwd: cwd() });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'x: 1\n');
    assert.match(r.err, /^WARNING: operation is not a batch - ignoring batch comment\n/);
    assert.match(ok(home, ['comment', '--list']), /\n {2}<no comments>\n$/);
  });
});

describe('select over several runs', () => {
  test('--all prints every run, as do several RUN arguments', () => {
    const home = copySampleHome('filter-runs');
    const all = ok(home, ['select', '--all', '-s']).trim().split('\n');
    assert.equal(all.length, ok(home, ['runs', '-a']).trim().split('\n').length);
    assert.equal(ok(home, ['select', '-s', '1', '3']), `${all[0]}\n${all[2]}\n`);
  });

  test('--min/--max order text naturally (.id); a column no run has leaves the latest', () => {
    const home = emptyHome();
    const dir = cwd();
    for (const id of ['10', '9', '100']) ok(home, ['run', 'op.py', '--run-id', id, '-y'], { cwd: dir });
    assert.equal(ok(home, ['select', '--min', '.id']), '9\n');
    assert.equal(ok(home, ['select', '--max', '.id']), '100\n');
    assert.equal(ok(home, ['select', '--min', 'nosuchscalar']), '100\n');
  });
});

describe('compare --min/--max over mixed values', () => {
  test('numbers by value, text after numbers, runs without a value last either way', () => {
    const home = emptyHome();
    const dir = project({ 'op.py': 'x = None\nprint(x)\n' });
    const values: [string, string | null][] = [['1', null], ['2', '1'], ['3', '1.5'], ['4', 'hello'], ['5', ''], ['6', '10']];
    for (const [id, x] of values) ok(home, ['run', 'op.py', ...(x === null ? [] : [`x=${x}`]), '--run-id', id, '-y'], { cwd: dir });
    const order = (flag: string): string[] =>
      ok(home, ['compare', '-t', '--skip-core', '--cols', '=x', flag, 'x']).trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]!);
    assert.deepEqual(order('--min'), ['5', '2', '3', '6', '4', '1']);
    assert.deepEqual(order('--max'), ['4', '6', '3', '2', '5', '1']);
  });
});

describe("an operation's compare columns", () => {
  const guildYml = 'fit:\n  main: fit\n  flags-import: [a]\n  compare:\n    - =a as A\n    - loss step as at\n    - loss\n';
  const fit = 'a = 2\nprint("loss: %s" % (a * 1.5))\n';

  test("guild.yml compare: heads the operation's own columns; other runs keep theirs, empty under these", () => {
    const home = emptyHome();
    const dir = project({ 'guild.yml': guildYml, 'fit.py': fit });
    ok(home, ['run', 'fit.py', 'a=1', '-y'], { cwd: dir });
    ok(home, ['run', 'fit', 'a=3', '-y'], { cwd: dir });
    const [header, fitRow, scriptRow] = ok(home, ['compare', '-t', '--skip-core']).trimEnd().split('\n').map((l) => l.trimEnd().split(/ {2,}/));
    assert.deepEqual(header, ['run', 'A', 'at', 'loss', 'a', 'step']);
    assert.deepEqual(fitRow!.slice(1), ['3', '0', '4.5']);
    assert.deepEqual(scriptRow!.slice(1), ['1.5', '1', '0']);
    // the file as it reads now decides, as Guild's latest_compare
    writeFileSync(join(dir, 'guild.yml'), guildYml.replace('=a as A', '=a as Alpha'));
    assert.match(ok(home, ['compare', '-t', '--skip-core']), /^run +Alpha +at +loss/);
  });

  test('api compare: JSON rows with the full run id first, floats as floats', () => {
    const home = emptyHome();
    const dir = project({ 'guild.yml': guildYml, 'fit.py': fit });
    ok(home, ['run', 'fit', 'a=2', '-y'], { cwd: dir });
    const id = ok(home, ['select']).trim();
    const out = ok(home, ['api', 'compare']);
    assert.match(out, /, 2, 0, 3\.0\]\]\n$/);
    const rows = JSON.parse(out) as unknown[][];
    assert.deepEqual(rows[0], ['id', 'operation', 'started', 'time', 'status', 'label', 'A', 'at', 'loss']);
    assert.equal(rows[1]![0], id);
    assert.deepEqual(rows[1]!.slice(-3), [2, 0, 3]);
    const formatted = ok(home, ['api', 'compare', '-f']);
    assert.deepEqual(JSON.parse(formatted), rows);
    assert.match(formatted, /^\[\n {2}\[\n {4}"id",\n/);
  });
});

describe('ls as Guild lists a run', () => {
  // a run that makes files, a hidden dir and a link to a dir, as a Guild user's script might
  const makeFiles = [
    'import os',
    'for p in ["a", "b10", "b9"]: open(p, "w").close()',
    'os.mkdir("c")',
    'for p in ["c/d.txt", "c/e.txt", "c/f.bin"]: open(p, "w").close()',
    'os.symlink("c", "l")',
    'os.mkdir(".hid")',
    'for p in [".hid/.x", ".hid/y"]: open(p, "w").close()',
  ].join('\n');

  function madeRun(): { home: string; dir: string; ls: (...args: string[]) => string } {
    const home = emptyHome();
    ok(home, ['run', 'make.py', '--run-id', 'r1', '-y'], { cwd: project({ 'make.py': makeFiles + '\n', 'Notes.md': '' }) });
    const dir = join(home, 'runs', 'r1');
    return { home, dir, ls: (...args) => ok(home, ['ls', '-n', ...args]) };
  }

  test('hidden names left out, a linked dir shown as a dir but not entered, names sorted naturally', () => {
    const { home, dir, ls } = madeRun();
    assert.equal(ls(), 'Notes.md\na\nb9\nb10\nc/\nc/d.txt\nc/e.txt\nc/f.bin\nl/\nmake.py\n');
    assert.equal(ls('-L').split('\n').filter((l) => l.startsWith('l/')).join(' '), 'l/ l/d.txt l/e.txt l/f.bin');
    assert.match(ok(home, ['ls']), new RegExp(`^${dir}:\n {2}Notes\.md\n`));
    assert.equal(ok(home, ['ls', '-f']).split('\n')[3], `${join(dir, 'b10')}`);
    // -g shows generated files, hidden ones too, never dirs
    assert.equal(ls('-g'), '.hid/.x\n.hid/y\na\nb9\nb10\nc/d.txt\nc/e.txt\nc/f.bin\n');
    assert.equal(ls('-s'), 'Notes.md\nmake.py\n');
  });

  test('-p: a path and what is below it, a hidden name only when named, patterns part by part', () => {
    const { home, dir, ls } = madeRun();
    assert.equal(ls('-p', 'c'), 'c/\nc/d.txt\nc/e.txt\nc/f.bin\n');
    assert.equal(ls('-p', '.hid'), '.hid/\n.hid/y\n');
    assert.equal(ls('-p', '.hi'), '');
    assert.equal(ls('-p', '.hi*'), '.hid/\n.hid/y\n');
    assert.equal(ls('-p', '*/*.txt'), 'c/d.txt\nc/e.txt\n');
    assert.equal(ls('-p', '*/*.bin', '-L'), 'c/f.bin\nl/f.bin\n');
    assert.equal(ls('-p', '../..'), '', 'nothing outside the run');
    assert.equal(ok(home, ['ls', '-p', 'no-match']), `${dir}:\n`);
    assert.equal(ok(home, ['ls', '-s', '-p', 'Notes.md']), `${dir}:\n  Notes.md\n`);
  });

  test("-h/--human-readable: accepted as Guild 0.9.1's, which lists no sizes (its help: \"when -x is used\", an option it lacks); --help is help", () => {
    const { home, dir, ls } = madeRun();
    assert.equal(ok(home, ['ls', '-h']), ok(home, ['ls']));
    assert.match(ok(home, ['ls', '-h']), new RegExp(`^${dir}:\n {2}Notes\\.md\n {2}a\n`));
    assert.equal(ls('--human-readable', '-p', 'c'), 'c/\nc/d.txt\nc/e.txt\nc/f.bin\n');
    assert.match(ok(home, ['ls', '--help']), /^Usage: grun ls \[options\] \[RUN\]\n[^]*\n {2}-h, --human-readable /);
    assert.doesNotMatch(ok(home, ['ls', '--help']), /Guild options not supported yet/);
  });
});

describe('diff against a directory', () => {
  test("--working: the run's source code (its dest) against the project's root as it is now; --dir: the run against DIR", () => {
    const home = emptyHome();
    const dir = project({ 'guild.yml': 'say:\n  sourcecode:\n    root: code\n    dest: src\n' });
    mkdirSync(join(dir, 'code'));
    writeFileSync(join(dir, 'code', 'say.py'), 'print("hi")\n');
    ok(home, ['run', 'say', '-y'], { cwd: dir });
    const runDir = ok(home, ['select', '--dir']).trim();
    assert.equal(runDir, ok(home, ['select', '--path']).trim());
    assert.equal(ok(home, ['diff', '--working', '--cmd', 'echo'], { cwd: dir }), `${join(runDir, 'src')} ${join(dir, 'code')}\n`);
    assert.equal(ok(home, ['diff', '-w', '-p', 'say.py', '-c', 'echo'], { cwd: dir }), `${join(runDir, 'src', 'say.py')} ${join(dir, 'code', 'say.py')}\n`);
    // the diff program's own status: the file changed since
    writeFileSync(join(dir, 'code', 'say.py'), 'print("hello")\n');
    assert.equal(grun(home, ['diff', '--working', '-p', 'say.py'], { cwd: dir }).code, 1);
    assert.equal(ok(home, ['diff', '--dir', 'code', '--cmd', 'echo'], { cwd: dir }), `${runDir} ${join(dir, 'code')}\n`);
    fails(home, ['diff', '1', '2', '--working'], /cannot specify second RUN and --working/);
    fails(home, ['diff', '--working', '--dir', 'x'], /--working and --dir cannot both be specified/);
  });
});
