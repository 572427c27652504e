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
  test('export copies runs following links, marks the dir, and skips ids already there', async () => {
    const home = copyFixtureHome();
    assert.ok(lstatSync(join(home, 'runs', BATCH, TRIAL)).isSymbolicLink());
    const dest = join(tempDir(), 'exp');
    const runs = pick(listRuns(home), BATCH, TRAIN);
    assert.deepEqual(await exportRuns(dest, runs), { exported: [BATCH, TRAIN], skipped: [] });
    assert.ok(existsSync(join(dest, '.guild-nocopy')));
    // Links are followed: the trial link becomes a copy of the trial run, data.txt a file.
    assert.ok(lstatSync(join(dest, BATCH, TRIAL)).isDirectory());
    assert.ok(existsSync(join(dest, BATCH, TRIAL, '.guild/opref')));
    assert.ok(lstatSync(join(dest, TRAIN, 'data.txt')).isFile());
    assert.equal(readFileSync(join(dest, TRAIN, 'data.txt'), 'utf8').split('\n')[0], '0');
    assert.deepEqual(
      readFileSync(join(dest, TRAIN, '.guild/attrs/flags')),
      readFileSync(join(home, 'runs', TRAIN, '.guild/attrs/flags')),
    );
    assert.deepEqual(await exportRuns(dest, runs), { exported: [], skipped: [BATCH, TRAIN] });
    assert.deepEqual(readdirSync(dest).filter((n) => n.startsWith('.grun-tmp')), []);
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
