import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { exportRuns, importRuns, listArchiveRuns } from '../../src/store/archive.js';
import { listRuns } from '../../src/store/index.js';
import type { Run } from '../../src/store/types.js';
import { copyFixtureHome, emptyHome, tempDir } from '../helpers/home.js';

const BATCH = '8fa2461079df492da3d07eefeab88a99';
const TRIAL = 'b473328ab1d347d58b826d1aa977a8d0';
const TRAIN = 'abacebc867a84360bdcda39bf9cd45a9'; // has data.txt -> ../5fe4ccc3…/data.txt
const SIMPLE = 'e1cf955019fc498ba318ae5d147456c2';
const PREPARE = '5fe4ccc3174c4c9e9a212c98a4f108ec'; // TRAIN's upstream run

const pick = (runs: Run[], ...ids: string[]): Run[] => ids.map((id) => runs.find((r) => r.id === id)!);

/** Every file of a tree as relative path → bytes (links followed). */
function treeFiles(root: string, rel = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const p = join(root, r);
    if (lstatSync(p).isDirectory()) for (const [k, v] of treeFiles(root, r)) out.set(k, v);
    else out.set(r, readFileSync(p));
  }
  return out;
}

async function writeZip(path: string, add: (z: yazl.ZipFile) => void): Promise<Buffer> {
  const z = new yazl.ZipFile();
  add(z);
  z.end();
  await pipeline(z.outputStream, createWriteStream(path));
  return readFileSync(path);
}

/** A zip whose entry names are rewritten byte for byte (yazl refuses to write bad names). */
async function zipWithNames(path: string, entries: [string, string][], rename: [string, string][]): Promise<void> {
  let buf = await writeZip(path, (z) => {
    for (const [name, data] of entries) z.addBuffer(Buffer.from(data), name);
  });
  for (const [from, to] of rename) {
    assert.equal(from.length, to.length);
    buf = Buffer.from(buf.toString('latin1').split(from).join(to), 'latin1');
  }
  writeFileSync(path, buf);
}

describe('archive: directory export and import', () => {
  test("export keeps links as links, as Guild's; copyResources copies a run's dependency links, others stay; ids there skipped", async () => {
    const home = copyFixtureHome();
    assert.ok(lstatSync(join(home, 'runs', BATCH, TRIAL)).isSymbolicLink());
    const dest = join(tempDir(), 'exp');
    const runs = pick(listRuns(home), BATCH, TRAIN);
    assert.deepEqual(await exportRuns(dest, runs), { exported: [BATCH, TRAIN], skipped: [] });
    assert.ok(existsSync(join(dest, '.guild-nocopy')));
    assert.equal(readlinkSync(join(dest, BATCH, TRIAL)), `../${TRIAL}`);
    assert.equal(readlinkSync(join(dest, TRAIN, 'data.txt')), `../${PREPARE}/data.txt`);
    assert.deepEqual(
      readFileSync(join(dest, TRAIN, '.guild/attrs/flags')),
      readFileSync(join(home, 'runs', TRAIN, '.guild/attrs/flags')),
    );
    assert.deepEqual(await exportRuns(dest, runs), { exported: [], skipped: [BATCH, TRAIN] });
    assert.deepEqual(readdirSync(dest).filter((n) => n.startsWith('.grun-tmp')), []);

    // data.txt is the run's operation dependency (a `d` manifest entry); the trial link is none.
    const res = join(tempDir(), 'res');
    await exportRuns(res, runs, { copyResources: true });
    assert.ok(lstatSync(join(res, TRAIN, 'data.txt')).isFile());
    assert.equal(readFileSync(join(res, TRAIN, 'data.txt'), 'utf8').split('\n')[0], '0');
    assert.equal(readlinkSync(join(res, BATCH, TRIAL)), `../${TRIAL}`);
  });

  test('copyResources: a dependency link to a directory is copied whole, one back into the run stays a link; a zip stores a linked directory empty unless copied', async () => {
    const home = copyFixtureHome();
    const run = join(home, 'runs', TRAIN);
    mkdirSync(join(home, 'runs', PREPARE, 'sub'));
    writeFileSync(join(home, 'runs', PREPARE, 'sub/f.txt'), 'inner\n');
    symlinkSync(`../${PREPARE}/sub`, join(run, 'sub'));
    symlinkSync('.', join(run, 'loop'));
    writeFileSync(join(run, '.guild/manifest'), readFileSync(join(run, '.guild/manifest'), 'utf8') + 'd sub - operation:prepare\nd loop - operation:prepare\n');
    const runs = pick(listRuns(home), TRAIN);
    const dir = join(tempDir(), 'exp');
    await exportRuns(dir, runs, { copyResources: true });
    assert.equal(readFileSync(join(dir, TRAIN, 'sub/f.txt'), 'utf8'), 'inner\n');
    assert.equal(readlinkSync(join(dir, TRAIN, 'loop')), '.');

    const plain = join(tempDir(), 'plain.zip');
    await exportRuns(plain, runs);
    const copied = join(tempDir(), 'copied.zip');
    await exportRuns(copied, runs, { copyResources: true });
    const [a, b] = [emptyHome(), emptyHome()];
    await importRuns(a, plain);
    await importRuns(b, copied);
    assert.deepEqual(readdirSync(join(a, 'runs', TRAIN, 'sub')), [], 'a linked directory: an empty one');
    assert.equal(readFileSync(join(a, 'runs', TRAIN, 'data.txt'), 'utf8').split('\n')[0], '0', 'a linked file: the file');
    assert.equal(readFileSync(join(b, 'runs', TRAIN, 'sub/f.txt'), 'utf8'), 'inner\n');
  });

  test('listing and importing a directory export; existing ids are skipped; --move removes them', async () => {
    const home = copyFixtureHome();
    const dest = join(tempDir(), 'exp');
    await exportRuns(dest, pick(listRuns(home), SIMPLE, TRAIN));
    const listed = await listArchiveRuns(dest);
    assert.deepEqual(listed.map((r) => r.id), [TRAIN, SIMPLE]); // newest first
    assert.equal(listed[0]!.status, 'completed');

    const target = emptyHome();
    assert.deepEqual(await importRuns(target, dest, [SIMPLE]), { imported: [SIMPLE], skipped: [] });
    assert.deepEqual(await importRuns(target, dest), { imported: [TRAIN], skipped: [SIMPLE] });
    assert.deepEqual(treeFiles(join(target, 'runs', SIMPLE)), treeFiles(join(home, 'runs', SIMPLE)));
    assert.deepEqual(readdirSync(join(target, 'runs')).sort(), [TRAIN, SIMPLE].sort());

    const other = emptyHome();
    assert.deepEqual(await importRuns(other, dest, [SIMPLE], { move: true }), { imported: [SIMPLE], skipped: [] });
    assert.ok(!existsSync(join(dest, SIMPLE)));
    assert.ok(existsSync(join(other, 'runs', SIMPLE, '.guild/opref')));
  });

  test('a directory export with a link pointing outside the runs directory is refused', async () => {
    const src = tempDir();
    const id = 'aaaabbbbccccddddeeeeffff00001111';
    mkdirSync(join(src, id, '.guild'), { recursive: true });
    writeFileSync(join(src, id, '.guild/opref'), "script:/p '' '' train.py");
    symlinkSync('../../../../etc', join(src, id, 'escape'));
    const home = emptyHome();
    await assert.rejects(importRuns(home, src), /points outside the runs directory/);
    assert.deepEqual(readdirSync(join(home, 'runs')), []);
  });
});

describe('archive: import with copyResources', () => {
  /** An export dir holding run A, whose `d` entry data.txt links to `../B/data.txt`. */
  function archiveWithDep(bData: (b: string) => void): { dir: string; a: string; b: string } {
    const dir = tempDir();
    const [a, b] = ['aaaabbbbccccddddeeeeffff00001111', 'bbbbccccddddeeeeffff000011112222'];
    for (const id of [a, b]) {
      mkdirSync(join(dir, id, '.guild'), { recursive: true });
      writeFileSync(join(dir, id, '.guild/opref'), "script:/p '' '' train.py");
    }
    writeFileSync(join(dir, a, '.guild/manifest'), 'd data.txt - operation:b\n');
    symlinkSync(`../${b}/data.txt`, join(dir, a, 'data.txt'));
    bData(join(dir, b));
    return { dir, a, b };
  }

  test("a dependency link that leads to a file of the archive is copied; without copyResources it stays a link", async () => {
    const { dir, a } = archiveWithDep((b) => writeFileSync(join(b, 'data.txt'), 'upstream\n'));
    const plain = emptyHome();
    await importRuns(plain, dir, [a]);
    assert.ok(lstatSync(join(plain, 'runs', a, 'data.txt')).isSymbolicLink());
    const copied = emptyHome();
    assert.deepEqual(await importRuns(copied, dir, [a], { copyResources: true }), { imported: [a], skipped: [] });
    assert.ok(lstatSync(join(copied, 'runs', a, 'data.txt')).isFile());
    assert.equal(readFileSync(join(copied, 'runs', a, 'data.txt'), 'utf8'), 'upstream\n');
  });

  test('a dependency link that leads out of the archive (through another link) is not followed', async () => {
    const secret = join(tempDir(), 'secret.txt');
    writeFileSync(secret, 'not for the archive\n');
    const { dir, a, b } = archiveWithDep((bDir) => symlinkSync(secret, join(bDir, 'data.txt')));
    const home = emptyHome();
    await importRuns(home, dir, [a], { copyResources: true });
    assert.equal(readlinkSync(join(home, 'runs', a, 'data.txt')), `../${b}/data.txt`, 'kept as the link it was');
    // and a run whose own resource link leaves the archive is refused, as without copyResources
    writeFileSync(join(dir, b, '.guild/manifest'), 'd data.txt - file:secret.txt\n');
    await assert.rejects(importRuns(emptyHome(), dir, [b], { copyResources: true }), /link to '.*secret\.txt' points outside the runs directory/);
  });
});

describe('archive: zip export and import', () => {
  test('round trip: export to zip, list it, import it byte for byte; a second export keeps entries', async () => {
    const home = copyFixtureHome();
    const zip = join(tempDir(), 'runs.zip');
    const all = listRuns(home);
    assert.deepEqual(await exportRuns(zip, pick(all, SIMPLE)), { exported: [SIMPLE], skipped: [] });
    assert.deepEqual(await exportRuns(zip, pick(all, SIMPLE, TRAIN)), { exported: [TRAIN], skipped: [SIMPLE] });
    const listed = await listArchiveRuns(zip);
    assert.deepEqual(listed.map((r) => r.id), [TRAIN, SIMPLE]);
    assert.equal(listed[1]!.label, 'epochs=2 fail=no lr=0.05 sleep=0.0');

    const target = emptyHome();
    assert.deepEqual(await importRuns(target, zip), { imported: [TRAIN, SIMPLE], skipped: [] });
    assert.deepEqual(treeFiles(join(target, 'runs', SIMPLE)), treeFiles(join(home, 'runs', SIMPLE)));
    assert.equal(readFileSync(join(target, 'runs', TRAIN, 'data.txt'), 'utf8').split('\n')[1], '1');
    assert.deepEqual(await importRuns(target, zip), { imported: [], skipped: [TRAIN, SIMPLE] });
    await assert.rejects(importRuns(emptyHome(), zip, undefined, { move: true }), /cannot move runs out of a zip/);
  });

  test('a zip with ../ entries is refused and nothing is written', async () => {
    const dir = tempDir();
    const zip = join(dir, 'evil.zip');
    const id = 'aaaabbbbccccddddeeeeffff00001111';
    await zipWithNames(
      zip,
      [
        [`${id}/.guild/opref`, "script:/p '' '' train.py"],
        ['xx/xx/xx/evil.txt', 'pwned'],
      ],
      [['xx/xx/xx/', '../../../']],
    );
    const home = emptyHome();
    await assert.rejects(importRuns(home, zip), /refusing zip archive .*invalid relative path: \.\.\/\.\.\/\.\.\/evil\.txt/);
    await assert.rejects(listArchiveRuns(zip), /invalid relative path/);
    assert.deepEqual(readdirSync(join(home, 'runs')), []);
    assert.ok(!existsSync(join(dir, '..', '..', '..', 'evil.txt')));
    assert.ok(!existsSync(join(home, '..', 'evil.txt')));
  });

  test('a zip whose link entry points outside the runs directory is refused before writing', async () => {
    const zip = join(tempDir(), 'link.zip');
    const id = 'aaaabbbbccccddddeeeeffff00001111';
    await writeZip(zip, (z) => {
      z.addBuffer(Buffer.from("script:/p '' '' train.py"), `${id}/.guild/opref`);
      z.addBuffer(Buffer.from('../../../etc'), `${id}/escape`, { mode: 0o120777 });
    });
    const home = emptyHome();
    await assert.rejects(importRuns(home, zip), /link to '\.\.\/\.\.\/\.\.\/etc' points outside the runs directory/);
    assert.deepEqual(readdirSync(join(home, 'runs')), []);
  });

  test('a link entry that stays inside runs/ is restored as a link', async () => {
    const zip = join(tempDir(), 'ok.zip');
    const id = 'aaaabbbbccccddddeeeeffff00001111';
    await writeZip(zip, (z) => {
      z.addBuffer(Buffer.from("script:/p '' '' train.py"), `${id}/.guild/opref`);
      z.addBuffer(Buffer.from(`../${SIMPLE}`), `${id}/${SIMPLE}`, { mode: 0o120777 });
    });
    const home = emptyHome();
    assert.deepEqual(await importRuns(home, zip), { imported: [id], skipped: [] });
    assert.equal(readlinkSync(join(home, 'runs', id, SIMPLE)), `../${SIMPLE}`);
  });

  test('a file that is not a zip gives a clear error', async () => {
    const bad = join(tempDir(), 'bad.zip');
    writeFileSync(bad, 'not a zip');
    await assert.rejects(listArchiveRuns(bad), /cannot read zip archive .*bad\.zip/);
  });
});
