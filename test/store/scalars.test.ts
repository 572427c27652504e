import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  readScalarData,
  readRunScalars,
  readScalarSeries,
  scalarKey,
  scalarSourcesDigest,
  scalarText,
} from '../../src/store/scalars.js';
import { listRuns } from '../../src/store/index.js';
import { runScalarData, ScalarIndex, scalarCacheDir } from '../../src/store/scalar-index.js';
import { EventFileWriter } from '../../src/store/tfevents.js';
import type { ScalarSummary } from '../../src/store/types.js';
import { copyFixtureHome, copySampleHome, tempDir } from '../helpers/home.js';

function byKey(summaries: ScalarSummary[]): Map<string, ScalarSummary> {
  return new Map(summaries.map((s) => [scalarKey(s.prefix, s.tag), s]));
}

function makeRun(dir: string): string {
  mkdirSync(join(dir, '.guild'), { recursive: true });
  writeFileSync(join(dir, '.guild', 'opref'), "script:/p '' '' train.py\n");
  return dir;
}

function writeOne(dir: string, tag: string, value: number): void {
  const w = new EventFileWriter(dir, { host: 'h', pid: 1 });
  w.addScalar(tag, value, 0);
  w.close();
}

describe('scalarKey', () => {
  test('bare tag for root and .guild, prefix#tag otherwise', () => {
    assert.equal(scalarKey('', 'loss'), 'loss');
    assert.equal(scalarKey('.guild', 'loss'), 'loss');
    assert.equal(scalarKey('target/.guild', 'loss'), 'target/.guild#loss');
  });
});

describe('readRunScalars', () => {
  test("Guild's filter-runs sample: last loss per run (format notes §12)", () => {
    const runs = join(copySampleHome('filter-runs'), 'runs');
    const last = (id: string, key: string) => byKey(readRunScalars(join(runs, id)).summaries).get(key)?.last;
    assert.equal(last('e394b696ea204ade95ca29e4b868fdf9', 'target/.guild#loss')!.toFixed(5), '0.52803');
    assert.equal(last('a5520d132b4148a5bad3c4f795b7c362', 'target/.guild#loss')!.toFixed(5), '0.47875');
    assert.equal(last('2dc1529ba06c46fda486395a61475dbe', 'loss')!.toFixed(5), '0.47875');
    assert.equal(last('79ca9e64e4d7453f999a6bbd1e7c03f0', 'loss')!.toFixed(5), '0.43514');
    assert.equal(last('e394b696ea204ade95ca29e4b868fdf9', 'loss'), undefined);
  });

  test('summary of a real Guild run matches its index row shape', () => {
    const run = join(copyFixtureHome(), 'runs', 'e1cf955019fc498ba318ae5d147456c2');
    const { summaries, problems } = readRunScalars(run);
    assert.deepEqual(problems, []);
    assert.deepEqual(byKey(summaries).get('loss'), {
      prefix: '.guild', tag: 'loss', first: 0.5, firstStep: 0, last: 0.25, lastStep: 1,
      min: 0.25, minStep: 1, max: 0.5, maxStep: 0, avg: 0.375, total: 0.75, count: 2,
    });
    assert.deepEqual(readScalarData(run).attrs, { status: 'done' });
    assert.ok(!summaries.some((s) => s.tag === 'status'), 'attrs files are not scalars');
  });

  test('first = lowest step, last = highest step with later event winning ties, min/max steps', () => {
    const run = makeRun(tempDir());
    const w = new EventFileWriter(join(run, '.guild'), { host: 'h', pid: 1 });
    for (const [v, step] of [[4, 3], [2, 1], [8, 5], [1, 5], [3, 1]] as const) w.addScalar('x', v, step, 100 + step);
    w.close();
    const s = byKey(readRunScalars(run).summaries).get('x')!;
    assert.deepEqual(
      [s.first, s.firstStep, s.last, s.lastStep, s.min, s.minStep, s.max, s.maxStep, s.total, s.count, s.avg],
      [2, 1, 1, 5, 1, 5, 8, 5, 18, 5, 3.6],
    );
    assert.deepEqual(readScalarSeries(run, 'x').map((p) => [p.step, p.value]), [[3, 4], [1, 2], [5, 8], [5, 1], [1, 3]]);
  });

  test('walks subdirs and symlinked runs, not other symlinked dirs; sys/* kept; problems listed', () => {
    const root = tempDir();
    const other = makeRun(join(root, 'other'));
    writeOne(join(other, '.guild'), 'acc', 0.5);
    const plain = join(root, 'plain');
    mkdirSync(plain);
    writeOne(plain, 'hidden', 1);
    const run = makeRun(join(root, 'run'));
    mkdirSync(join(run, 'train', 'logs'), { recursive: true });
    const w = new EventFileWriter(join(run, 'train', 'logs'), { host: 'h', pid: 4 });
    w.addScalar('loss', 1, 0);
    w.addScalar('sys/cpu/util', 0.2, 0);
    w.close();
    symlinkSync('../other', join(run, 'upstream'));
    symlinkSync('../plain', join(run, 'data'));
    writeFileSync(join(run, 'events.out.tfevents.1.h.9.0'), 'not an event file at all');
    const { summaries, problems } = readRunScalars(run);
    assert.deepEqual([...byKey(summaries).keys()].sort(), ['train/logs#loss', 'train/logs#sys/cpu/util', 'upstream/.guild#acc']);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.file, 'events.out.tfevents.1.h.9.0');
  });

  test('links between runs that loop (a run to itself, two runs to each other) are read once each', () => {
    const root = tempDir();
    const a = makeRun(join(root, 'a'));
    const b = makeRun(join(root, 'b'));
    writeOne(join(a, '.guild'), 'loss', 1);
    writeOne(join(b, '.guild'), 'acc', 2);
    symlinkSync('../b', join(a, 'up'));
    symlinkSync('../a', join(b, 'down'));
    symlinkSync('.', join(a, 'self'));
    // a run inside the run, also linked: read once, under whichever name the walk met first
    const inner = makeRun(join(a, 'inner'));
    writeOne(join(inner, '.guild'), 'val', 3);
    symlinkSync('inner', join(a, 'alias'));
    const keys = readRunScalars(a).summaries.map((s) => scalarKey(s.prefix, s.tag));
    assert.equal(keys.filter((k) => k.endsWith('#val')).length, 1, keys.join(' '));
    assert.deepEqual(keys.filter((k) => !k.endsWith('#val')), ['loss', 'up/.guild#acc']);
  });
});

describe('scalarSourcesDigest', () => {
  test('changes when an event file grows or is added, not otherwise', () => {
    const run = makeRun(tempDir());
    const d0 = scalarSourcesDigest(run);
    const w = new EventFileWriter(join(run, '.guild'), { host: 'h', pid: 1 });
    w.addScalar('x', 1, 0);
    const d1 = scalarSourcesDigest(run);
    assert.notEqual(d1, d0);
    assert.equal(scalarSourcesDigest(run), d1);
    w.addScalar('x', 2, 1);
    assert.notEqual(scalarSourcesDigest(run), d1);
    w.close();
  });
});

describe('scalar index', () => {
  /** Logs `n` steps of `tag` into the run's `.guild`: 200 steps are past the bytes worth a cache file. */
  function logSteps(runDir: string, tag: string, n: number): void {
    const w = new EventFileWriter(join(runDir, '.guild'), { host: 'h', pid: 1 });
    for (let i = 0; i < n; i++) w.addScalar(tag, i / 10, 100 + i);
    w.close();
  }

  test('finished runs are cached across processes; a new event file is read', () => {
    const home = copyFixtureHome();
    const run = listRuns(home).find((r) => r.id.startsWith('e1cf9550'))!;
    logSteps(run.dir, 'lr', 200);
    const first = new ScalarIndex(home);
    const before = first.get(run);
    assert.equal(before.summaries.find((s) => s.tag === 'loss')?.lastStep, 1);
    first.save();
    assert.ok(existsSync(join(scalarCacheDir(home), `${run.id}.json`)));
    assert.deepEqual(new ScalarIndex(home).get(run), before, 'a second process reads the cache');
    // New events after the cache was written (say a later restart of the run) are seen.
    const guildDir = join(run.dir, '.guild');
    const writer = new EventFileWriter(guildDir, { host: 'h', pid: 1 });
    writer.addScalar('loss', 0.125, 7);
    writer.close();
    assert.equal(new ScalarIndex(home).get(run).summaries.find((s) => s.tag === 'loss')?.lastStep, 7);
  });

  test('scalars read with a cold listing (compare of every run) are what the index gives, and a file is written then', () => {
    const home = copyFixtureHome();
    const dir = listRuns(home, { noCache: true }).find((r) => r.id.startsWith('e1cf9550'))!.dir;
    logSteps(dir, 'lr', 200);
    const run = listRuns(home, { scalars: true }).find((r) => r.dir === dir)!;
    const listed = readScalarData(dir);
    logSteps(dir, 'later', 1); // after the listing: this process has read the run's scalars once, with it
    const file = join(scalarCacheDir(home), `${run.id}.json`);
    assert.equal(existsSync(file), false, 'the listing leaves the file to the index, which knows the status');
    assert.deepEqual(runScalarData(run), listed);
    assert.ok(existsSync(file), 'a finished run past the bytes worth a file');
    assert.ok(new ScalarIndex(home).get(run).summaries.some((s) => s.tag === 'later'), 'whose stamp a later event file fails');
  });

  test('a run with a few small event files is read afresh, not cached: its file would cost as much as the read', () => {
    const home = copyFixtureHome();
    const run = listRuns(home).find((r) => r.id.startsWith('e1cf9550'))!;
    const data = new ScalarIndex(home).get(run);
    assert.equal(data.summaries.find((s) => s.tag === 'loss')?.lastStep, 1);
    assert.equal(existsSync(join(scalarCacheDir(home), `${run.id}.json`)), false);
    // More directories than a cached reading's stamp covers make the cache worth it again.
    for (let i = 0; i < 8; i++) mkdirSync(join(run.dir, 'data', `d${i}`), { recursive: true });
    assert.deepEqual(new ScalarIndex(home).get(run).summaries, data.summaries);
    assert.ok(existsSync(join(scalarCacheDir(home), `${run.id}.json`)));
  });

  test('nan, inf and -inf come back from the cache as they were logged', () => {
    const home = copyFixtureHome();
    const run = listRuns(home).find((r) => r.id.startsWith('e1cf9550'))!;
    logSteps(run.dir, 'lr', 200);
    const writer = new EventFileWriter(join(run.dir, '.guild'), { host: 'h', pid: 1 });
    writer.addScalar('odd', NaN, 0);
    writer.addScalar('odd', Infinity, 1);
    writer.addScalar('odd', -Infinity, 2);
    writer.addScalar('odd', NaN, 3);
    writer.close();
    const first = new ScalarIndex(home);
    const fresh = first.get(run).summaries.find((s) => s.tag === 'odd')!;
    first.save();
    assert.ok(existsSync(join(scalarCacheDir(home), `${run.id}.json`)));
    const cached = new ScalarIndex(home).get(run).summaries.find((s) => s.tag === 'odd')!;
    assert.deepEqual(cached, fresh);
    assert.ok(Number.isNaN(cached.last) && Number.isNaN(cached.first));
  });
});

describe('scalarText', () => {
  test('a 32-bit value reads as its shortest decimal; any other number as it is', () => {
    assert.equal(scalarText(Math.fround(0.0152)), '0.0152');
    assert.equal(scalarText(Math.fround(0.1742)), '0.1742');
    assert.equal(scalarText(Math.fround(-3.5e-8)), '-3.5e-8');
    assert.equal(scalarText(16777217), '16777217'); // not a 32-bit float
    assert.equal(scalarText(0.1), '0.1'); // a 64-bit value: unchanged
    assert.equal(scalarText(1 / 3), String(1 / 3));
    assert.equal(scalarText(NaN), 'NaN');
    assert.equal(scalarText(2), '2');
  });
});
