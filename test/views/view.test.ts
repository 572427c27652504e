import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { makeViewMemo, autoScalarColumns, NO_SCALARS, type ScalarLookup, type ViewSpec } from '../../src/views/state/view.js';
import { layoutColumns } from '../../src/views/columns.js';
import { executorText } from '../../src/views/format.js';
import type { ScalarSummary } from '../../src/store/types.js';
import { fakeRun } from './helpers.js';

const spec = (over: Partial<ViewSpec> = {}): ViewSpec => ({
  filter: '', status: 'all', sort: { key: 'started', desc: true }, expanded: new Set(), ...over,
});

function summary(tag: string, last: number, min = last): ScalarSummary {
  return { prefix: '.guild', tag, first: last, firstStep: 0, last, lastStep: 1, min, minStep: 0, max: last, maxStep: 0, avg: last, total: last, count: 2 };
}

describe('runs view', () => {
  const a = fakeRun({ operation: 'train.py', label: 'best run', tags: ['exp1'] });
  const b = fakeRun({ operation: 'prepare', status: 'error', exitStatus: 1 });
  const c = fakeRun({ operation: 'train', label: 'lr=0.1', status: 'running' });
  const runs = [c, b, a]; // newest first

  test('plain text matches operation, label, tags and id prefix', () => {
    const v = makeViewMemo();
    assert.deepEqual(v(runs, spec({ filter: 'prep' }), NO_SCALARS).rows.map((r) => r.run), [b]);
    assert.deepEqual(v(runs, spec({ filter: 'BEST' }), NO_SCALARS).rows.map((r) => r.run), [a]);
    assert.deepEqual(v(runs, spec({ filter: 'exp1' }), NO_SCALARS).rows.map((r) => r.run), [a]);
    assert.deepEqual(v(runs, spec({ filter: b.id.slice(0, 8) }), NO_SCALARS).rows.map((r) => r.run), [b]);
  });

  test('an expression goes through the Guild filter language, with scalars', () => {
    const scalars: ScalarLookup = { version: 1, get: (id) => (id === a.id ? [summary('loss', 0.05)] : id === c.id ? [summary('loss', 0.5)] : undefined) };
    const v = makeViewMemo();
    assert.deepEqual(v(runs, spec({ filter: 'loss < 0.1' }), scalars).rows.map((r) => r.run), [a]);
    assert.deepEqual(v(runs, spec({ filter: 'status = running or status = error' }), scalars).rows.map((r) => r.run), [c, b]);
    const bad = v(runs, spec({ filter: 'loss < < 1' }), scalars);
    assert.ok(bad.filterError, 'a syntax error is reported');
  });

  test('quick status filter and index stay Guild indexes in the full list', () => {
    const v = makeViewMemo();
    const view = v(runs, spec({ status: 'error' }), NO_SCALARS);
    assert.deepEqual(view.rows.map((r) => [r.run, r.index]), [[b, 2]]);
  });

  test('sorts by a column or a scalar, missing values last either way', () => {
    const scalars: ScalarLookup = { version: 1, get: (id) => (id === a.id ? [summary('loss', 0.05)] : id === c.id ? [summary('loss', 0.5)] : undefined) };
    const v = makeViewMemo();
    assert.deepEqual(v(runs, spec({ sort: { key: 'operation', desc: false } }), scalars).rows.map((r) => r.run), [b, c, a]);
    assert.deepEqual(v(runs, spec({ sort: { key: 'scalar:loss', desc: false } }), scalars).rows.map((r) => r.run), [a, c, b]);
    assert.deepEqual(v(runs, spec({ sort: { key: 'scalar:loss', desc: true } }), scalars).rows.map((r) => r.run), [c, a, b]);
  });

  test('trials fold under their batch until expanded', () => {
    const t1 = fakeRun({ id: 'aaaa0001' + '0'.repeat(24) });
    const t2 = fakeRun({ id: 'aaaa0002' + '0'.repeat(24) });
    const batch = fakeRun({ operation: 'train.py+', batch: true, children: [t1.id, t2.id] });
    const list = [batch, t2, t1];
    const v = makeViewMemo();
    const folded = v(list, spec(), NO_SCALARS);
    assert.deepEqual(folded.rows.map((r) => [r.run.id, r.fold]), [[batch.id, '+']]);
    const open = v(list, spec({ expanded: new Set([batch.id]) }), NO_SCALARS);
    assert.deepEqual(open.rows.map((r) => [r.run.id, r.depth]), [[batch.id, 0], [t2.id, 1], [t1.id, 1]]);
    // a filter shows matching trials flat
    assert.equal(v(list, spec({ filter: 'aaaa0001' }), NO_SCALARS).rows[0]!.run, t1);
  });

  test('memoised: the same inputs give the same view object', () => {
    const v = makeViewMemo();
    const s = spec();
    assert.equal(v(runs, s, NO_SCALARS), v(runs, s, NO_SCALARS));
  });

  test('automatic scalar columns prefer loss, then the most common', () => {
    const scalars: ScalarLookup = { version: 1, get: () => [summary('acc', 1), summary('loss', 1), summary('sys/gpu', 1)] };
    const rows = makeViewMemo()(runs, spec(), scalars).rows;
    assert.deepEqual(autoScalarColumns(rows, scalars).map((c) => c.key), ['loss', 'acc']);
  });
});

describe('column layout', () => {
  const rows = makeViewMemo()([fakeRun({ operation: 'train.py' })], spec(), NO_SCALARS).rows;
  const width = (cols: ReturnType<typeof layoutColumns>) => 3 + cols.reduce((n, c) => n + c.width + 1, 0);

  test('everything fits at 160 columns', () => {
    const cols = layoutColumns(160, rows, [{ agg: 'last', key: 'loss' }, { agg: 'min', key: 'val_loss' }], 340);
    assert.deepEqual(cols.map((c) => c.id), ['index', 'id', 'operation', 'started', 'time', 'status', 'scalar0', 'scalar1', 'label']);
    assert.ok(width(cols) <= 160);
  });

  test('at 80 columns extra scalars, then the long start time and run time go first', () => {
    const cols = layoutColumns(80, rows, [{ agg: 'last', key: 'loss' }, { agg: 'min', key: 'val_loss' }], 340);
    const ids = cols.map((c) => c.id);
    assert.ok(!ids.includes('scalar1'));
    assert.equal(cols.find((c) => c.id === 'started')?.short, true);
    assert.ok(ids.includes('status') && ids.includes('label') && ids.includes('operation') && ids.includes('index'));
    assert.ok(width(cols) <= 80, `width ${width(cols)}`);
  });

  test('the executor column shows only when a run executes elsewhere; at 80 columns it keeps a job id', () => {
    const slurm = { version: 1 as const, executor: 'slurm' as const, jobId: '1234_56', cluster: 'lab', submitted: 0 };
    const queued = fakeRun({ status: 'pending', exitStatus: null, slurm, statusInfo: { status: 'pending', job: { state: 'PENDING', reason: 'JobArrayTaskLimit' } } });
    const onNode = fakeRun({ status: 'running', exitStatus: null, slurm: { ...slurm, jobId: '1234_7' }, statusInfo: { status: 'running', job: { state: 'RUNNING', node: 'gpu3' } } });
    const lost = fakeRun({ status: 'error', exitStatus: 1, slurm: { ...slurm, jobId: '99', finalState: 'NODE_FAIL' } });
    const mirror = fakeRun({ markers: { lockRemote: 'gpu1', pending: false, staged: false } });
    assert.deepEqual([queued, onNode, lost, mirror, fakeRun()].map(executorText), [
      'slurm 1234_56 (JobArrayTaskLimit)', 'slurm 1234_7 @gpu3', 'slurm 99 NODE_FAIL', 'ssh gpu1', 'local',
    ]);
    assert.ok(!layoutColumns(160, rows, [], 9).some((c) => c.id === 'executor'), 'no column when every run is local');
    const mixed = makeViewMemo()([queued, onNode, lost, fakeRun()], spec(), NO_SCALARS).rows;
    const wide = layoutColumns(160, mixed, [], 9).find((c) => c.id === 'executor');
    assert.equal(wide?.width, 'slurm 1234_56 (JobArrayTaskLimit)'.length);
    assert.ok(layoutColumns(80, mixed, [], 9).some((c) => c.id === 'executor' && c.width === wide?.width), 'whole at 80 columns');
    const narrow = layoutColumns(80, mixed, [{ agg: 'last', key: 'loss' }], 9);
    assert.ok(narrow.some((c) => c.id === 'executor' && c.width >= 'slurm 1234_56'.length));
    assert.ok(width(narrow) <= 80, `width ${width(narrow)}`);
  });

  test('still fits at 50 columns', () => {
    const cols = layoutColumns(50, rows, [{ agg: 'last', key: 'loss' }], 99999);
    assert.ok(width(cols) <= 50, `width ${width(cols)}`);
  });
});
