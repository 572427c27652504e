import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { copyFixtureHome, copySampleHome, emptyHome, tempDir } from '../helpers/home.js';
import { fails, grun, listedShortIds, ok, okSaid } from './cli-helpers.js';

const E1 = 'e1cf955019fc498ba318ae5d147456c2';
const attr = (home: string, id: string, name: string): string => readFileSync(join(home, 'runs', id, '.guild/attrs', name), 'utf8');
const hasAttr = (home: string, id: string, name: string): boolean => existsSync(join(home, 'runs', id, '.guild/attrs', name));

describe('grun label', () => {
  test('set, prepend, append, remove, clear: attr bytes as PyYAML writes them', () => {
    const home = copyFixtureHome();
    assert.equal(okSaid(home, ['label', '-y', '-s', 'new label', 'e1cf']), 'Labeled 1 run(s)\n');
    assert.equal(attr(home, E1, 'label'), 'new label\n');
    ok(home, ['label', '-y', '-s', 'yes', 'e1cf']);
    assert.equal(attr(home, E1, 'label'), "'yes'\n");
    ok(home, ['label', '-y', '-s', 'lr is ${lr}', 'e1cf']);
    assert.equal(attr(home, E1, 'label'), 'lr is 0.05\n');
    ok(home, ['label', '-y', '--prepend', 'first', 'e1cf']);
    ok(home, ['label', '-y', '-a', 'last', 'e1cf']);
    assert.equal(attr(home, E1, 'label'), 'first lr is 0.05 last\n');
    ok(home, ['label', '-y', '-rm', 'is', 'e1cf']);
    assert.equal(attr(home, E1, 'label'), 'first lr 0.05 last\n');
    assert.match(ok(home, ['runs', 'info', 'e1cf']), /^label: first lr 0\.05 last$/m);
    assert.equal(okSaid(home, ['label', '-y', '-c', 'e1cf']), 'Cleared label for 1 run(s)\n');
    assert.ok(!hasAttr(home, E1, 'label'));
    fails(home, ['label', '-y', 'e1cf'], /specify one of --set/);
    fails(home, ['label', '-y', '-s', 'a', '-a', 'b', 'e1cf'], /cannot be used together/);
    fails(home, ['label', '-y', '-s', 'a', 'zzzz'], /could not find a run matching 'zzzz'/);
  });

  test('the latest run is the default; a no at the prompt changes nothing', () => {
    const home = copyFixtureHome();
    const latest = 'c66e6a9adc7945ee87f50ab05afb16a5';
    const before = attr(home, latest, 'label');
    const r = grun(home, ['label', '-s', 'x'], { input: 'n\n' });
    assert.equal(r.code, 0);
    assert.match(r.out, /You are about to label the following runs with 'x':\n {2}\[c66e6a9a\]/);
    assert.equal(attr(home, latest, 'label'), before);
    ok(home, ['label', '-s', 'x'], { input: 'y\n' });
    assert.equal(attr(home, latest, 'label'), 'x\n');
  });
});

describe('grun tag, comment, mark', () => {
  test('tags are written sorted; --sync-labels edits the label', () => {
    const home = copyFixtureHome();
    assert.equal(okSaid(home, ['tag', '-y', '-a', 'zeta', '-a', 'alpha', '-d', 'model', 'e1cf']), 'Modified tags for 1 run(s)\n');
    assert.equal(attr(home, E1, 'tags'), '- alpha\n- zeta\n');
    ok(home, ['tag', '-y', '-c', '-a', 'only', '-s', 'e1cf']);
    assert.equal(attr(home, E1, 'tags'), '- only\n');
    assert.equal(attr(home, E1, 'label'), 'only epochs=2 fail=no lr=0.05 sleep=0.0\n');
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-Ft', 'only'])), ['e1cf9550']);
    ok(home, ['tag', '-y', '-d', 'only', '-s', 'e1cf']);
    assert.equal(attr(home, E1, 'tags'), '[]\n');
    assert.equal(attr(home, E1, 'label'), 'epochs=2 fail=no lr=0.05 sleep=0.0\n');
    assert.match(ok(home, ['tag', '--list-all']), /^exp1\nextra\nfast\nmodel\ntagA\ntagB\n$/);
  });

  test('comments: add keeps existing entries byte for byte; list; delete; clear', () => {
    const home = copyFixtureHome();
    const id = '4cad94ad746246858852b7eb8736ac22';
    const before = attr(home, id, 'comments');
    assert.equal(okSaid(home, ['comment', '-y', '-a', 'looks good', '-u', 'bob@box', '4cad']), 'Added comment to 1 run(s)\n');
    const after = attr(home, id, 'comments');
    assert.ok(after.startsWith(before), 'existing entry unchanged');
    assert.match(after.slice(before.length), /^- body: looks good\n {2}host: box\n {2}time: \d{16}\n {2}user: bob\n$/);
    const list = ok(home, ['comment', '-l', '4cad']);
    assert.match(list, /\[1\] alice@gpu-box 2026-11-22 \d\d:\d\d:\d\d\n\n {2}first comment\n/);
    assert.match(list, /\[2\] bob@box \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n\n {2}looks good\n/);
    assert.match(ok(home, ['runs', '-Fc', 'looks good']), /\[1:4cad94ad\]/);
    ok(home, ['comment', '-y', '-d', '1', '4cad']);
    assert.match(attr(home, id, 'comments'), /^- body: looks good\n/);
    fails(home, ['comment', '-y', '-d', '5', '4cad'], /has no comment 5/);
    ok(home, ['comment', '-y', '-c', '4cad']);
    assert.ok(!hasAttr(home, id, 'comments'));
    // no action is a comment typed in the editor: one closed unsaved leaves it empty
    const r = grun(home, ['comment', '4cad'], { env: { VISUAL: '', EDITOR: 'true' } });
    assert.equal(r.err, 'grun: Aborting due to an empty comment.\n');
  });

  test('mark writes `true`, --clear removes it; --clear alone unmarks every marked run, as Guild', () => {
    const home = copyFixtureHome();
    assert.equal(grun(home, ['mark', '-y', 'e1cf']).err, 'Marked 1 run(s)\n');
    assert.equal(attr(home, E1, 'marked'), 'true\n');
    assert.match(ok(home, ['runs', '-Fm']), /e1cf9550\] +train\.py \(\/home\/alice\/sandbox\) \[marked\]/);
    assert.equal(grun(home, ['mark', '-y', '-c', 'e1cf']).err, 'Unmarked 1 run(s)\n');
    assert.ok(!hasAttr(home, E1, 'marked'));
    const marked = ok(home, ['runs', '-Fm', '-a']).trim().split('\n').filter(Boolean).length;
    assert.ok(marked > 0, 'the fixture home has a marked run of its own');
    assert.equal(grun(home, ['mark', '-y', '-c']).err, `Unmarked ${marked} run(s)\n`);
    assert.equal(ok(home, ['runs', '-Fm']), '');
    assert.equal(grun(home, ['mark', '-y', '-c']).err, 'No runs to unmark.\n');
  });
});

describe('grun select', () => {
  test('id, short id, attr, path, --min/--max', () => {
    const home = copySampleHome('filter-runs');
    assert.equal(ok(home, ['select']), 'e394b696ea204ade95ca29e4b868fdf9\n');
    assert.equal(ok(home, ['select', '-s', '3']), '2dc1529b\n');
    assert.equal(ok(home, ['select', '--min', 'loss']), '79ca9e64e4d7453f999a6bbd1e7c03f0\n');
    assert.equal(ok(home, ['select', '--max', 'loss', '-s', '3:4']), '2dc1529b\n');
    assert.notEqual(ok(home, ['select', '--max', 'loss']), '79ca9e64e4d7453f999a6bbd1e7c03f0\n');
    assert.equal(ok(home, ['select', '-a', 'label', '3']), 'noise=0.1 x=1.1\n');
    assert.equal(ok(home, ['select', '-p', '2dc1']), `${join(home, 'runs', '2dc1529ba06c46fda486395a61475dbe')}\n`);
    assert.equal(ok(home, ['select', '--all', '-s', '1:2']), 'e394b696\na5520d13\n');
    assert.equal(ok(home, ['select', '-A', '-s', '1:2']), 'e394b696\na5520d13\n', "Guild's -A is --all");
    assert.equal(ok(home, ['select', '--min', 'nosuchscalar']), 'e394b696ea204ade95ca29e4b868fdf9\n', 'no value: the latest');
    fails(home, ['select', '-a', 'nosuchattr'], /^grun: no such run attribute 'nosuchattr'\n$/);
  });

  test("Guild's single-dash -min/-max (=COL too); the help names no Guild option missing", () => {
    const home = copySampleHome('filter-runs');
    assert.equal(ok(home, ['select', '-min', 'loss']), '79ca9e64e4d7453f999a6bbd1e7c03f0\n');
    assert.equal(ok(home, ['select', '-min=loss', '-s']), '79ca9e64\n');
    assert.equal(ok(home, ['select', '-max', 'loss', '-s', '3:4']), '2dc1529b\n');
    assert.equal(ok(home, ['select', '-max', 'loss']), ok(home, ['select', '--max', 'loss']));
    fails(home, ['select', '-min', 'loss', '-max', 'loss'], /^grun: --min and --max cannot both be used\n/);
    assert.doesNotMatch(ok(home, ['select', '--help']), /Guild options not supported yet/);
  });
});

describe('grun export and import', () => {
  test('directory round trip; grun runs -A reads the export; existing ids skipped', () => {
    const home = copyFixtureHome();
    const dest = join(tempDir(), 'exported');
    // as Guild says it, on stderr: each run copied, then how many
    const out = grun(home, ['export', '-y', dest, 'e1cf', 'abac']);
    assert.equal(out.out, '');
    assert.match(out.err, new RegExp(`^Copying [0-9a-f]{32}\nCopying [0-9a-f]{32}\nExported 2 run\\(s\\) to ${dest}\n$`));
    assert.ok(existsSync(join(dest, '.guild-nocopy')));
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-A', dest])), ['abacebc8', 'e1cf9550']);
    const r = grun(home, ['export', '-y', dest, 'e1cf']);
    assert.equal(r.err, `WARNING: ${join(dest, E1)} exists, skipping\nExported 0 run(s) to ${dest}\n`);
    const target = emptyHome();
    assert.match(grun(target, ['import', '-y', dest]).err, new RegExp(`^Copying [0-9a-f]{32}\nCopying [0-9a-f]{32}\nImported 2 run\\(s\\) from ${dest}\n$`));
    assert.deepEqual(listedShortIds(ok(target, ['runs'])), ['abacebc8', 'e1cf9550']);
    assert.equal(attr(target, E1, 'flags'), attr(home, E1, 'flags'));
    // links stay links, as Guild's export keeps them: data.txt still names the run it came from
    assert.equal(readlinkSync(join(target, 'runs/abacebc867a84360bdcda39bf9cd45a9/data.txt')), '../5fe4ccc3174c4c9e9a212c98a4f108ec/data.txt');
    const again = grun(target, ['import', '-y', dest]);
    assert.match(again.err, new RegExp(`^WARNING: [0-9a-f]{32} exists, skipping\nWARNING: [0-9a-f]{32} exists, skipping\nImported 0 run\\(s\\) from ${dest}\n$`));
  });

  test("export -r and import --copy-resources copy what a run's dependency links point to, after Guild's second question", () => {
    const home = copyFixtureHome();
    const train = 'abacebc867a84360bdcda39bf9cd45a9';
    const dest = join(tempDir(), 'exported');
    const no = grun(home, ['export', '-r', dest, 'abac'], { input: '\n\n' });
    assert.equal(no.code, 0, no.err);
    assert.match(no.out, /Continue\? \[Y\/n\]: WARNING: You specified --copy-resources, which will copy resources used by each run\.\nReally copy resources exported runs\? \[y\/N\]: $/);
    assert.ok(!existsSync(join(dest, train)));
    const yes = grun(home, ['export', '--copy-resources', dest, 'abac'], { input: 'y\ny\n' });
    assert.match(yes.out, /\[y\/N\]: $/);
    assert.match(yes.err, /Exported 1 run\(s\) to /);
    assert.ok(lstatSync(join(dest, train, 'data.txt')).isFile());
    const target = emptyHome();
    ok(target, ['import', '-y', dest]);
    assert.equal(readFileSync(join(target, 'runs', train, 'data.txt'), 'utf8').slice(0, 4), '0\n1\n');
    // import --copy-resources from an export that kept its links, the upstream run in it too
    const linked = join(tempDir(), 'linked');
    ok(home, ['export', '-y', linked, 'abac', '5fe4']);
    const plain = emptyHome();
    ok(plain, ['import', '-y', linked, 'abac']);
    assert.ok(lstatSync(join(plain, 'runs', train, 'data.txt')).isSymbolicLink());
    const copied = emptyHome();
    assert.match(grun(copied, ['import', '-y', '--copy-resources', linked, 'abac']).err, /^Copying abacebc8[0-9a-f]{24}\nImported 1 run\(s\) from /);
    assert.equal(readFileSync(join(copied, 'runs', train, 'data.txt'), 'utf8').slice(0, 4), '0\n1\n');
    assert.ok(lstatSync(join(copied, 'runs', train, 'data.txt')).isFile());
    assert.doesNotMatch(ok(home, ['export', '--help']), /not supported yet:.* (-r|--copy-resources)\b/);
    assert.doesNotMatch(ok(home, ['import', '--help']), /not supported yet:.* --copy-resources\b/);
  });

  test('zip round trip, export --move, and moving out of a zip refused', () => {
    const home = copyFixtureHome();
    const zip = join(tempDir(), 'runs.zip');
    ok(home, ['export', '-y', zip, '-Fo', 'prepare']);
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-A', zip])), ['9d33df1f', '5fe4ccc3']);
    const target = emptyHome();
    fails(target, ['import', '-y', '-m', zip], /cannot move runs out of a zip archive/);
    assert.equal(grun(target, ['import', '-y', zip, '5fe4']).err, `Copying 5fe4ccc3174c4c9e9a212c98a4f108ec\nImported 1 run(s) from ${zip}\n`);
    assert.deepEqual(readdirSync(join(target, 'runs')), ['5fe4ccc3174c4c9e9a212c98a4f108ec']);
    assert.equal(readFileSync(join(target, 'runs/5fe4ccc3174c4c9e9a212c98a4f108ec/data.txt'), 'utf8').length, 20);
    const moved = join(tempDir(), 'moved');
    assert.equal(grun(home, ['export', '-y', '-m', moved, 'e1cf']).err, `Moving ${E1}\nExported 1 run(s) to ${moved}\n`);
    assert.ok(!existsSync(join(home, 'runs', E1)));
    assert.ok(existsSync(join(moved, E1, '.guild/opref')));
  });

  test('a zip with ../ entries is rejected and nothing is written outside the home', async () => {
    const dir = tempDir();
    const zip = join(dir, 'evil.zip');
    const z = new yazl.ZipFile();
    z.addBuffer(Buffer.from("script:/p '' '' train.py"), 'aaaabbbbccccddddeeeeffff00001111/.guild/opref');
    z.addBuffer(Buffer.from('pwned'), 'aaaabbbbccccddddeeeeffff00001111/xx/xx/evil');
    z.end();
    await pipeline(z.outputStream, createWriteStream(zip));
    writeFileSync(zip, Buffer.from(readFileSync(zip).toString('latin1').split('xx/xx/').join('../../'), 'latin1'));
    const home = emptyHome();
    fails(home, ['import', '-y', zip], /refusing zip archive .*invalid relative path/);
    fails(home, ['runs', '-A', zip], /invalid relative path/);
    assert.deepEqual(readdirSync(join(home, 'runs')), []);
    assert.ok(!existsSync(join(home, 'evil')) && !existsSync(join(home, 'runs', 'evil')) && !existsSync(join(dir, 'evil')));
    fails(home, ['import', '-y', join(dir, 'missing.zip')], /archive '.*missing\.zip' does not exist/);
  });
});
