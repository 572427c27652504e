import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, statSync, truncateSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { join } from 'node:path';
import { listRuns, RunList, runWithStatus, summaryCachePath } from '../../src/store/index.js';
import { CachedRun } from '../../src/store/cached-run.js';
import { decodeHead, decodeValues, encodeHead, encodeValues, expandSummary, lastValueIn, type CompactSummary } from '../../src/store/summary-codec.js';
import { readRunAfresh, readRunsAfresh, type FreshRun, type SentRun } from '../../src/store/fresh-read.js';
import { startStoreWorker } from '../../src/store/worker.js';
import { applyRunFilters, runFilter } from '../../src/store/run-filters.js';
import { runScalarLookup } from '../../src/store/scalar-index.js';
import { readRunScalars, readScalarData } from '../../src/store/scalars.js';
import { scalarLookup } from '../../src/store/filter/index.js';
import type { Run } from '../../src/store/types.js';
import { encodeYaml } from '../../src/store/yaml11.js';
import { copyFixtureHome, copySampleHome, projectRoot } from '../helpers/home.js';

/** Runs as plain data (a run a cache line holds gives its plain form: `toJSON`). */
const plain = (runs: Run[]): Run[] => JSON.parse(JSON.stringify(runs)) as Run[];
const plainReads = (reads: Map<string, FreshRun | null>) => [...reads].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, r]) => [id, r && { key: r.key, summary: JSON.parse(JSON.stringify(r.summary)) as unknown }]);

const fixtureStatuses: Record<string, string> = {
  e1cf955019fc498ba318ae5d147456c2: 'completed',
  c0c40c66b7dd465f88b9cbd7ed522dcd: 'error',
  '8fa2461079df492da3d07eefeab88a99': 'completed',
  b473328ab1d347d58b826d1aa977a8d0: 'completed',
  '00075496577a4109811f47f478382fa3': 'completed',
  f5d01912e0f14cf9b18f298497aadcf1: 'completed',
  '2f7d9daee98b42afb1536b1bb36b46e1': 'staged',
  '479f4462199b4050b820440267f8c771': 'error',
  '13f6d5be7f9f4468aa7f4bd7ffd35d86': 'error',
  d87d76a94e344246b6ea3420959d3b7c: 'pending',
  d79e40108ca4478c95974d7ad399acd1: 'terminated',
  '5fe4ccc3174c4c9e9a212c98a4f108ec': 'completed',
};

describe('listing the Guild 0.9.1 fixture home', () => {
  test('every run is found with its status, newest first', () => {
    const home = copyFixtureHome();
    const runs = listRuns(home);
    assert.equal(runs.length, 20);
    for (const [id, status] of Object.entries(fixtureStatuses)) {
      assert.equal(runs.find((r) => r.id === id)?.status, status, id);
    }
    for (let i = 1; i < runs.length; i++) assert.ok((runs[i - 1]!.started ?? 0) >= (runs[i]!.started ?? 0));
    assert.ok(runs.every((r) => r.problems.length === 0), 'no read problems in a clean home');
  });

  test('operations, labels, tags, marks, comments and batches read as Guild shows them', () => {
    const runs = listRuns(copyFixtureHome());
    const by = (id: string) => runs.find((r) => r.id.startsWith(id))!;
    assert.equal(by('8fa24610').operation, 'train.py+');
    assert.equal(by('f5d01912').operation, 'train.py+skopt:random');
    assert.equal(by('5fe4ccc3').operation, 'prepare');
    assert.equal(by('e1cf9550').operation, 'train.py');
    assert.equal(by('4cad94ad').label, 'best run');
    assert.deepEqual(by('4cad94ad').tags, ['exp1', 'fast', 'model']);
    assert.equal(by('4cad94ad').comments[0]?.body, 'first comment');
    assert.equal(by('46993680').marked, true);
    assert.equal(by('e1cf9550').flags.lr, 0.05);
    assert.equal(by('e1cf9550').flags.fail, false);
    assert.ok(by('8fa24610').batch);
    assert.deepEqual(by('8fa24610').children, ['00075496577a4109811f47f478382fa3', 'b473328ab1d347d58b826d1aa977a8d0']);
    assert.deepEqual(by('5b543c89').children.length, 2, 'pipeline steps');
    assert.deepEqual(by('abacebc8').children, [], 'a dependency file link is not a child');
  });

  test('the trash lists separately', () => {
    const runs = listRuns(copyFixtureHome(), { deleted: true });
    assert.deepEqual(runs.map((r) => [r.id, r.status, r.deleted]), [['5cc3ae6b0fe44a25a83c9eaa6a0a3a45', 'completed', true]]);
  });

  test("Guild's filter-runs sample (pre-0.9 layout) lists with Guild's statuses", () => {
    const runs = listRuns(copySampleHome('filter-runs'));
    assert.deepEqual(
      runs.map((r) => `${r.id.slice(0, 8)} ${r.operation} ${r.status}`),
      [
        'e394b696 util:test completed',
        'a5520d13 util:test completed',
        '2dc1529b train terminated',
        '79ca9e64 train completed',
        'ac99cff4 train pending',
        'fe83a924 train error',
        'fa6f74ad train staged',
      ],
    );
  });
});

describe('summary cache', () => {
  test('warm listing equals cold listing, and an in-place label edit is seen', () => {
    const home = copyFixtureHome();
    const cold = listRuns(home, { noCache: true });
    listRuns(home); // fills the cache
    assert.ok(statSync(summaryCachePath(home)).size > 0);
    assert.deepEqual(listRuns(home), cold);
    const warmFlags = listRuns(home).find((r) => r.id.startsWith('e1cf'))!.flags;
    assert.equal(encodeYaml(warmFlags), 'epochs: 2\nfail: false\nlr: 0.05\nsleep: 0.0\n', 'sleep stays a float');
    // Guild rewrites attrs in place (the attrs dir mtime does not change).
    const labelFile = join(home, 'runs', 'e1cf955019fc498ba318ae5d147456c2', '.guild', 'attrs', 'label');
    const dirStat = statSync(join(home, 'runs', 'e1cf955019fc498ba318ae5d147456c2', '.guild', 'attrs'));
    writeFileSync(labelFile, 'edited by guild\n');
    utimesSync(join(home, 'runs', 'e1cf955019fc498ba318ae5d147456c2', '.guild', 'attrs'), dirStat.atime, dirStat.mtime);
    assert.equal(listRuns(home).find((r) => r.id.startsWith('e1cf'))?.label, 'edited by guild');
  });

  test('a deleted or corrupt cache is rebuilt silently; removed runs drop out', () => {
    const home = copyFixtureHome();
    const cold = listRuns(home, { noCache: true });
    listRuns(home);
    writeFileSync(summaryCachePath(home), '{"version":1,"runs":{"runs/x": tor');
    assert.deepEqual(listRuns(home), cold);
    rmSync(summaryCachePath(home));
    assert.deepEqual(listRuns(home), cold);
    rmSync(join(home, 'runs', 'e1cf955019fc498ba318ae5d147456c2'), { recursive: true });
    assert.equal(listRuns(home).length, 19);
    assert.ok(!readFileSync(summaryCachePath(home), 'utf8').includes('e1cf955019fc498ba318ae5d147456c2'));
  });

  test('a summary record torn, overwritten or gone is read afresh from its run', () => {
    const home = copyFixtureHome();
    const cold = listRuns(home, { noCache: true });
    listRuns(home);
    const data = join(home, 'cache', 'grun', 'summaries.data');
    const shown = () => new RunList(home).slice(0, 100).runs;
    // torn: the file cut in the middle of its records
    truncateSync(data, Math.floor(statSync(data).size / 2));
    assert.deepEqual(shown(), cold);
    // overwritten: every record another's (the same bytes, shifted by one)
    const bytes = readFileSync(data);
    writeFileSync(data, Buffer.concat([Buffer.from('x'), bytes]));
    assert.deepEqual(shown(), cold);
    assert.deepEqual(listRuns(home), cold);
    rmSync(data);
    assert.deepEqual(shown(), cold);
    assert.deepEqual(listRuns(home), cold);
  });

  test('past the rows it re-checks, a listing shows runs as their lines hold them, equal to the runs read afresh', () => {
    const home = copyFixtureHome();
    const source = join(home, 'runs', 'e1cf955019fc498ba318ae5d147456c2');
    // a label past ASCII goes through the ASCII data file and back
    writeFileSync(join(source, '.guild', 'attrs', 'label'), 'café 😀 naïve\n');
    // and enough runs that the data file is read whole (past 64 records) as well as record by record
    for (let i = 0; i < 70; i++) cpSync(source, join(home, 'runs', `c0py${String(i).padStart(28, '0')}`), { recursive: true });
    const cold = plain(listRuns(home, { noCache: true }));
    listRuns(home); // the cache written
    for (const rows of [5, 200]) {
      const { runs } = new RunList(home, { checkedRows: 0 }).slice(0, rows);
      assert.ok(runs.filter((r) => r instanceof CachedRun).length >= (rows > 70 ? 70 : 1), 'settled runs shown from their lines');
      assert.deepEqual(plain(runs), cold.slice(0, rows));
    }
    const { runs } = new RunList(home, { checkedRows: 0 }).slice(0, 200);
    const edited = runs.find((r) => r.id === 'e1cf955019fc498ba318ae5d147456c2')!;
    assert.equal(edited.label, 'café 😀 naïve');
    // a copy with another status is the whole run (a spread would lose the fields a cached run computes)
    const errored = runWithStatus(edited, { status: 'error' });
    assert.deepEqual(plain([errored]), [{ ...cold.find((r) => r.id === edited.id), status: 'error', statusInfo: { status: 'error' } }]);
    // a filter over them keeps what it keeps over the runs read afresh
    const opts = { filter: ['lr >= 0.1 and loss < 1'], label: ['a'] };
    const keeps = runFilter(opts, runScalarLookup)!;
    const { runs: candidates, fresh } = new RunList(home, { checkedRows: 0, buildsAll: true }).candidates(keeps).pick(Infinity);
    const kept = candidates.filter((r) => !fresh.has(r.id) || keeps(r)); // those read afresh decided on again
    const want = applyRunFilters(listRuns(home, { noCache: true }), opts, (r) => scalarLookup(readRunScalars(r.dir).summaries));
    assert.ok(want.length > 0 && want.length < 20);
    assert.deepEqual(plain(kept), plain(want));
  });

  test('scalar values as a filter searches them: one scalar found without decoding the others', () => {
    const values: [string, string, number, number, number][] = [
      ['', 'loss', 0.5, 0.25, Infinity],
      ['.guild', '$NaN', NaN, -Infinity, 1],
      ['a\x1fb\x1e', 'ta\tg"\\', 1e-300, 0, 0],
      ['train', 'acc', 0.7, 0.1, 0.9],
      ['.guild', 'acc', 0.8, 0.2, 0.95],
      ['é', 'ünï', 0, 2, 3],
    ];
    const text = encodeValues(values);
    assert.ok(!/[^\x00-\x7f]/.test(text), 'ASCII');
    assert.deepEqual(decodeValues(text), values);
    assert.equal(lastValueIn(text, 'loss'), 0.5);
    assert.ok(Number.isNaN(lastValueIn(text, '$NaN')));
    assert.equal(lastValueIn(text, 'ta\tg"\\'), 1e-300);
    assert.equal(lastValueIn(text, 'acc'), 0.7, 'the first with the tag');
    assert.equal(lastValueIn(text, '.guild#acc'), 0.8, 'the one with the prefix named');
    assert.equal(lastValueIn(text, 'a\x1fb\x1e#ta\tg"\\'), 1e-300);
    assert.equal(lastValueIn(text, 'ünï'), 0);
    assert.equal(lastValueIn(text, 'train'), undefined, 'a prefix is no tag');
    assert.equal(lastValueIn(text, 'nope#loss'), undefined);
    assert.equal(lastValueIn('', 'loss'), undefined);
    assert.equal(decodeValues('"a"\x1f"b"\x1f1'), null, 'torn');
  });

  test('a head as text: every field back as it was, a torn one read as torn', () => {
    const opref = { pkgType: 'guildfile', pkgName: '/home/a b/guild.yml', pkgVersion: '', modelName: '"m"', opName: 'tr\x1fain' };
    const heads: CompactSummary[] = [
      { opref, operation: 'm:train', initialized: 1773225539999000, started: 2 ** 53 - 1, stopped: 0, exitStatus: -15, label: 'lr=0.1 "x"' },
      { operation: '', label: '' }, // no opref; empty strings are not nulls
      { opref: { ...opref, pkgName: 'é\u202e\n\t', opName: '' }, label: '\x1b[31mred\x1f', exitStatus: 1.5, started: 2 ** 60 },
      { operation: 'op', batch: true, children: ['b', 'a'], marked: true, lockRemote: 'rig', problems: [{ file: '.guild/opref', message: 'gone' }] },
      {},
    ];
    // rows after one another share an opref and operation, or not (oprefs are shared by their text)
    const { operation: _, ...noOperation } = heads[0]!;
    for (const head of [...heads, ...heads, heads[0]!, heads[0]!, { ...heads[0]!, operation: 'other' }, noOperation, { ...heads[0]!, opref: { ...opref, opName: 'x' } }]) {
      const text = encodeHead(head);
      assert.ok(!/[^\x00-\x7f]|[\t\n]/.test(text), `ASCII, no tab or newline: ${JSON.stringify(text)}`);
      const buf = Buffer.from(`name\t${text}\tafter`, 'latin1');
      const back = decodeHead(buf, 5, 5 + text.length);
      assert.deepEqual(Object.fromEntries(Object.entries(back!).filter(([, v]) => v !== undefined)), head);
    }
    const good = Buffer.from(encodeHead(heads[0]!), 'latin1');
    const decode = (text: string) => decodeHead(Buffer.from(text, 'latin1'), 0, text.length);
    assert.equal(decode(good.toString('latin1').replace('1773225539999000', '17732x5539999000')), null, 'a time that is no integer');
    assert.equal(decode(good.toString('latin1').replace('1773225539999000', '99999999999999999')), null, 'past 2^53');
    assert.equal(decode(good.toString('latin1').slice(0, -3)), null, 'cut short');
    assert.equal(decode(good.toString('latin1') + '\x1f'), null, 'a field too many');
    assert.equal(decode(good.toString('latin1').replace('"\\"m\\""', '')), null, 'an opref part missing');
  });

  test('a data file of another version is written afresh, not appended to', () => {
    const home = copyFixtureHome();
    const data = join(home, 'cache', 'grun', 'summaries.data');
    const before = listRuns(home, { noCache: true });
    listRuns(home);
    writeFileSync(data, 'grun-summary-data\t1\n' + 'x'.repeat(1000) + '\n');
    rmSync(summaryCachePath(home));
    assert.deepEqual(plain(listRuns(home)), plain(before));
    assert.ok(readFileSync(data, 'latin1').startsWith(`grun-summary-data\t`) && !readFileSync(data, 'latin1').includes('xxx'), 'the old records are gone');
    assert.deepEqual(plain(listRuns(home)), plain(before), 'and the new ones read back');
  });

  test('runs read afresh on two threads (with their scalars or not) are the runs read on one, and the worker sends each as read', async () => {
    const home = copyFixtureHome();
    const runs = join(home, 'runs');
    const ids = readdirSync(runs);
    for (let i = 0; i < 240; i++) cpSync(join(runs, ids[i % ids.length]!), join(runs, `f${String(i).padStart(31, '0')}`), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(runs, 'not-a-run', '.guild'), { recursive: true });
    const all = readdirSync(runs);
    const one = new Map(all.map((id) => [id, readRunAfresh(join(runs, id), false)]));
    const two = readRunsAfresh(runs, all, false, false, 0);
    assert.equal(two.size, all.length);
    assert.equal(two.get('not-a-run'), null);
    assert.deepEqual(plainReads(two), plainReads(one));
    // with their scalars: what they read apart, on either thread
    const withScalars = readRunsAfresh(runs, all, false, true, 0);
    for (const id of all) {
      const r = withScalars.get(id);
      assert.deepEqual(r?.scalars, r ? readScalarData(join(runs, id)) : undefined, id);
    }
    assert.deepEqual(plainReads(withScalars), plainReads(one));
    // the worker alone, given every run: each sent as the summary cache keeps it
    const shared = new Int32Array(new SharedArrayBuffer(8));
    const { port1, port2 } = new MessageChannel();
    const worker = startStoreWorker('fresh-read-worker', { base: runs, ids: all, deleted: false, shared, port: port2 }, [port2]);
    const sent = new Map<string, FreshRun | null>();
    await new Promise<void>((done) => {
      port1.on('message', (batch: [number, SentRun][]) => {
        for (const [i, r] of batch) sent.set(all[i]!, r && { summary: expandSummary(r.compact, all[i]!, join(runs, all[i]!), false), key: r.key });
        if (sent.size === all.length) done();
      });
    });
    port1.close();
    await worker.terminate();
    assert.ok(Atomics.load(shared, 1) >= Math.ceil(all.length / 16) - 1, 'its batches counted (the last perhaps not yet)');
    assert.deepEqual(plainReads(sent), plainReads(one));
  });

  test('the data file is written afresh once most of it is dead records', () => {
    const home = copyFixtureHome();
    listRuns(home);
    const data = join(home, 'cache', 'grun', 'summaries.data');
    const first = statSync(data).size;
    let largest = 0;
    for (let i = 1; i <= 300; i++) {
      const t = new Date(Date.now() + i * 1000);
      utimesSync(join(home, 'runs', 'e1cf955019fc498ba318ae5d147456c2', '.guild'), t, t); // read afresh: a new record
      assert.equal(listRuns(home).find((r) => r.id.startsWith('e1cf'))?.status, 'completed');
      largest = Math.max(largest, statSync(data).size);
    }
    assert.ok(largest > first + 64 * 1024, `dead records accumulate (${largest} bytes)`);
    assert.ok(largest < 3 * first + 64 * 1024 + 4096, `and are dropped (${largest} bytes, ${first} live)`);
  });

  test('concurrent grun processes never leave a corrupt cache', async () => {
    const home = copyFixtureHome();
    const script = `
      import { listRuns } from ${JSON.stringify(join(projectRoot, 'src/store/index.ts'))};
      import { utimesSync } from 'node:fs';
      const home = process.argv[1];
      for (let i = 0; i < 40; i++) {
        const t = new Date(Date.now() + i * 1000);
        utimesSync(home + '/runs/e1cf955019fc498ba318ae5d147456c2/.guild', t, t); // force a rewrite
        if (listRuns(home).length !== 20) process.exit(2);
      }`;
    const procs = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, home], { cwd: projectRoot, stdio: 'inherit' }),
    );
    const codes = await Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const lines = readFileSync(summaryCachePath(home), 'utf8').split('\n');
    assert.match(lines[0]!, /^grun-summaries\t/);
    assert.equal(lines.filter((l) => l.startsWith('runs/')).length, 20);
    assert.equal(lines.at(-1), '', 'whole lines only');
  });
});
