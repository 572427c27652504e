import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { makeViewMemo, autoScalarColumns, rowKey, rowOperation, NO_SCALARS, type ScalarLookup, type ViewSpec } from '../../src/views/state/view.js';
import { layoutColumns, type Column, type ColumnId } from '../../src/views/columns.js';
import { differingFlags, labelText, type ColumnSpec } from '../../src/views/state/column-spec.js';
import { executorText } from '../../src/views/format.js';
import type { ScalarSummary } from '../../src/store/types.js';
import { fakeRun } from './helpers.js';

const spec = (over: Partial<ViewSpec> = {}): ViewSpec => ({
  filter: '', status: 'all', sort: { key: 'started', desc: true }, expanded: new Set(), flat: false, ...over,
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

  test("a pipeline's steps (its links) fold under it like trials", () => {
    const prep = fakeRun({ id: 'bbbb0001' + '0'.repeat(24), operation: 'prepare' });
    const train = fakeRun({ id: 'bbbb0002' + '0'.repeat(24), operation: 'train', status: 'running' });
    const pipe = fakeRun({ operation: 'pipeline', status: 'running', children: [prep.id, train.id], steps: { done: 1, total: 3, records: [] } });
    const v = makeViewMemo();
    assert.deepEqual(v([pipe, train, prep], spec(), NO_SCALARS).rows.map((r) => [r.run.id, r.fold]), [[pipe.id, '+']]);
    const open = v([pipe, train, prep], spec({ expanded: new Set([pipe.id]) }), NO_SCALARS);
    assert.deepEqual(open.rows.map((r) => [r.run.operation, r.run.status, r.depth]), [['pipeline', 'running', 0], ['train', 'running', 1], ['prepare', 'completed', 1]]);
  });

  test("an expanded pipeline shows a row per recorded step: its run's, or one for a step with no run", () => {
    const prep = fakeRun({ id: 'cccc0001' + '0'.repeat(24), operation: 'prepare' });
    const train = fakeRun({ id: 'cccc0002' + '0'.repeat(24), operation: 'train', status: 'error', exitStatus: 1 });
    const hit = fakeRun({ id: 'cccc0003' + '0'.repeat(24), operation: 'prepare' });
    const records = [
      { name: 'prep-a', needs: [], state: 'running' as const, run: prep.id },
      { name: 'prep-b', needs: [], state: 'cached' as const, run: hit.id, memoOf: prep.id },
      { name: 'train', needs: ['prep-a', 'prep-b'], state: 'running' as const, run: train.id },
      { name: 'evaluate', needs: ['train'], state: 'cancelled' as const },
      { name: 'report', needs: [], state: 'waiting' as const },
    ];
    const pipe = fakeRun({ operation: 'pipeline', status: 'error', children: [prep.id, hit.id, train.id], steps: { done: 2, total: 5, records } });
    const v = makeViewMemo();
    const list = [pipe, train, hit, prep];
    // all steps waiting (no step run yet) still folds
    const waiting = fakeRun({ operation: 'pipeline', status: 'running', steps: { done: 0, total: 1, records: [records[4]!] } });
    assert.deepEqual(v([waiting], spec(), NO_SCALARS).rows.map((r) => r.fold), ['+']);
    const rows = v(list, spec({ expanded: new Set([pipe.id]) }), NO_SCALARS).rows;
    assert.deepEqual(
      rows.map((r) => [r.run.id, r.step?.name, r.step?.state, r.step?.runless]),
      [
        [pipe.id, undefined, undefined, undefined],
        // a run's own status wins over a record that lags; a memo hit stays cached
        [prep.id, 'prep-a', 'completed', false],
        [hit.id, 'prep-b', 'cached', false],
        [train.id, 'train', 'failed', false],
        [pipe.id, 'evaluate', 'cancelled', true],
        [pipe.id, 'report', 'waiting', true],
      ],
    );
    assert.deepEqual(rows.map(rowKey), [pipe.id, prep.id, hit.id, train.id, `${pipe.id}/evaluate`, `${pipe.id}/report`]);
    assert.deepEqual(rows.map(rowOperation), ['pipeline', 'prep-a', 'prep-b', 'train', 'evaluate', 'report']);
  });

  test('memoised: the same inputs give the same view object', () => {
    const v = makeViewMemo();
    const s = spec();
    assert.equal(v(runs, s, NO_SCALARS), v(runs, s, NO_SCALARS));
  });

  test('automatic scalar columns prefer loss, then the most common', () => {
    const scalars: ScalarLookup = { version: 1, get: () => [summary('acc', 1), summary('loss', 1), summary('sys/gpu', 1)] };
    const rows = makeViewMemo()(runs, spec(), scalars).rows;
    assert.deepEqual(autoScalarColumns(rows, scalars).map((c) => (c.kind === 'scalar' ? c.key : '')), ['loss', 'acc']);
  });
});

describe('column layout', () => {
  const rows = makeViewMemo()([fakeRun({ operation: 'train.py' })], spec(), NO_SCALARS).rows;
  const width = (cols: Column[]) => 3 + cols.reduce((n, c) => n + c.width + 1, 0);
  const loss: ColumnSpec = { kind: 'scalar', agg: 'last', key: 'loss' };
  const valLoss: ColumnSpec = { kind: 'scalar', agg: 'min', key: 'val_loss' };

  test('everything fits at 160 columns: the label after the core columns, then the extra ones', () => {
    const l = layoutColumns(160, rows, [loss, valLoss], 340, { labelWidth: 200 });
    assert.deepEqual(l.columns.map((c) => c.id), ['index', 'id', 'operation', 'started', 'time', 'status', 'label', 'extra0', 'extra1']);
    assert.equal(width(l.columns), 160, 'the label takes the room left, up to its longest text');
    const short = layoutColumns(160, rows, [loss, valLoss], 340, { labelWidth: 12 });
    assert.equal(short.columns.find((c) => c.id === 'label')!.width, 12, 'no wider than its text');
    assert.deepEqual([l.scroll, l.right, l.maxScroll], [0, 0, 0]);
  });

  test('at 80 columns the long start time goes first; extra columns past the width scroll into view', () => {
    const more: ColumnSpec[] = [loss, valLoss, { kind: 'scalar', agg: 'max', key: 'val_acc' }, { kind: 'scalar', agg: 'last', key: 'epoch' }];
    const l = layoutColumns(80, rows, more, 340);
    const ids = l.columns.map((c) => c.id);
    assert.equal(l.columns.find((c) => c.id === 'started')?.short, true);
    assert.ok(['index', 'id', 'status', 'operation', 'label', 'extra0'].every((id) => ids.includes(id as ColumnId)), ids.join());
    assert.ok(width(l.columns) <= 80, `width ${width(l.columns)}`);
    assert.ok(l.right > 0 && l.maxScroll > 0, 'the last columns are reached by scrolling');
    // scrolled to the end: the pinned columns stay, the last column shows, nothing more to the right
    const end = layoutColumns(80, rows, more, 340, { scroll: 99 });
    assert.equal(end.scroll, l.maxScroll, 'clamped');
    assert.equal(end.right, 0);
    const endIds = end.columns.map((c) => c.id);
    assert.deepEqual(endIds.slice(0, 3), ['index', 'id', 'status']);
    assert.equal(endIds.at(-1), 'extra3');
    assert.ok(!endIds.includes('operation'));
    assert.ok(width(end.columns) <= 80);
  });

  test('flag columns: as wide as their widest value, numbers to the right; one column more per scroll step', () => {
    const runs = [fakeRun({ flags: { lr: 0.001, optimizer: 'adam' } }), fakeRun({ flags: { lr: 0.1, optimizer: 'sgd' } })];
    const r = makeViewMemo()(runs, spec(), NO_SCALARS).rows;
    const flags: ColumnSpec[] = ['lr', 'optimizer', 'a', 'b', 'c', 'd'].map((name) => ({ kind: 'flag', name }));
    const l0 = layoutColumns(80, r, flags, 2);
    const lr = l0.columns.find((c) => c.title === 'lr')!;
    assert.deepEqual([lr.width, lr.align, lr.sortKey], [5, 'right', 'flag:lr']);
    assert.equal(layoutColumns(160, r, flags, 2).columns.find((c) => c.title === 'optimizer')!.align, 'left');
    const l1 = layoutColumns(80, r, flags, 2, { scroll: 1 });
    const movable = (l: typeof l0) => l.columns.filter((c) => !['index', 'id', 'status'].includes(c.id)).map((c) => c.id);
    assert.deepEqual(movable(l1)[0], movable(l0)[1], 'the first movable column scrolled out');
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
    assert.ok(!layoutColumns(160, rows, [], 9).columns.some((c) => c.id === 'executor'), 'no column when every run is local');
    const mixed = makeViewMemo()([queued, onNode, lost, fakeRun()], spec(), NO_SCALARS).rows;
    const wide = layoutColumns(160, mixed, [], 9).columns.find((c) => c.id === 'executor');
    assert.equal(wide?.width, 'slurm 1234_56 (JobArrayTaskLimit)'.length);
    assert.ok(layoutColumns(90, mixed, [], 9).columns.some((c) => c.id === 'executor' && c.width === wide?.width), 'whole at 90 columns');
    const narrow = layoutColumns(80, mixed, [loss], 9).columns;
    assert.ok(narrow.some((c) => c.id === 'executor' && c.width >= 'slurm 1234_56'.length));
    assert.ok(width(narrow) <= 80, `width ${width(narrow)}`);
  });

  test('still fits at 50 columns', () => {
    const cols = layoutColumns(50, rows, [loss], 99999).columns;
    assert.ok(width(cols) <= 50, `width ${width(cols)}`);
  });
});

describe('labels of the flags that differ', () => {
  test('only the flags whose values differ, as Guild writes them; a label the user gave stays', () => {
    const a = fakeRun({ flags: { batch_size: 32, lr: 0.0012345678, optimizer: 'adam', fast: true }, label: 'batch_size=32 fast=yes lr=0.00123 optimizer=adam' });
    const b = fakeRun({ flags: { batch_size: 32, lr: 0.1, optimizer: 'sgd', fast: true }, label: null });
    const c = fakeRun({ flags: { batch_size: 32, lr: 0.1, optimizer: 'sgd', fast: false }, label: 'my baseline' });
    const diff = differingFlags([a, b, c]);
    assert.deepEqual(diff, ['fast', 'lr', 'optimizer']);
    assert.equal(labelText(a, diff), 'fast=yes lr=0.00123 optimizer=adam');
    assert.equal(labelText(b, diff), 'fast=yes lr=0.1 optimizer=sgd');
    assert.equal(labelText(c, diff), 'my baseline');
    assert.equal(labelText(a, differingFlags([a])), a.label, 'one run: nothing differs, its label as is');
  });
});

describe('ranking across sweeps', () => {
  const batch = fakeRun({ operation: 'train.py+', batch: true });
  const trials = [0.2, 0.9, 0.5].map((acc) => ({ run: fakeRun({ operation: 'train.py', parent: batch.id, flags: { x: acc } }), acc }));
  const other = fakeRun({ operation: 'train.py', flags: { x: 0.7 } });
  const runs = [other, batch, ...trials.map((t) => t.run)];
  const acc = new Map<string, ScalarSummary[]>(trials.map((t) => [t.run.id, [summary('val_acc', t.acc)]]));
  acc.set(other.id, [summary('val_acc', 0.7)]);
  const scalars: ScalarLookup = { version: 1, get: (id) => acc.get(id) };
  const sort = { key: 'scalar:val_acc', desc: true };

  test('the tree view sorts a batch by its best trial and gives it that value', () => {
    const rows = makeViewMemo()(runs, spec({ sort }), scalars).rows;
    assert.deepEqual(rows.map((r) => r.run.id), [batch.id, other.id]);
    assert.equal(rows[0]!.best, 0.9);
    assert.equal(rows[0]!.fold, '+');
    const asc = makeViewMemo()(runs, spec({ sort: { ...sort, desc: false } }), scalars).rows;
    assert.deepEqual(asc.map((r) => [r.run.id, r.best]), [[batch.id, 0.2], [other.id, undefined]], 'best by the direction: the least first');
  });

  test('the flat view ranks every trial with the other runs', () => {
    const rows = makeViewMemo()(runs, spec({ sort, flat: true }), scalars).rows;
    assert.deepEqual(rows.map((r) => r.run.id), [trials[1]!.run.id, other.id, trials[2]!.run.id, trials[0]!.run.id, batch.id]);
    assert.ok(rows.every((r) => r.fold === null && r.depth === 0 && r.best === undefined));
  });
});
