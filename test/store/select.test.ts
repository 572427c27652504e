import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectRuns } from '../../src/store/select.js';
import { GrunError } from '../../src/store/errors.js';
import type { Run } from '../../src/store/types.js';

function makeRun(id: string): Run {
  return {
    id, dir: `/nowhere/${id}`, deleted: false, opref: null, operation: 'op', initialized: null, started: null,
    stopped: null, exitStatus: 0, label: null, tags: [], marked: false, flags: {}, comments: [],
    sourcecodeDigest: null, host: null, user: null, seed: null,
    markers: { lockRemote: null, pending: false, staged: false }, lockPid: null, proc: null, slurm: null, batch: false,
    children: [], parent: null, pruned: null, search: null, problems: [], status: 'completed', statusInfo: { status: 'completed' },
  };
}

const ids = (runs: Run[]): string[] => runs.map((r) => r.id);
// The filter-runs sample, newest first.
const sample = [
  'e394b696ea204ade95ca29e4b868fdf9', 'a5520d132b4148a5bad3c4f795b7c362', '2dc1529ba06c46fda486395a61475dbe',
  '79ca9e64e4d7453f999a6bbd1e7c03f0', 'ac99cff45d1044b4817ab7f7054f2d76', 'fe83a924ae144693a72b420962a7d9d1',
  'fa6f74adb50a4abb8f49840993f081f7',
].map(makeRun);
const select = (...specs: string[]): string[] => ids(selectRuns(sample, specs)).map((id) => id.slice(0, 8));

function throwsMessage(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof GrunError && e.message === message, message);
}

describe('run selection specs', () => {
  test('no spec selects all runs', () => {
    assert.equal(selectRuns(sample, []).length, 7);
  });

  test('one-based indexes and inclusive ranges', () => {
    assert.deepEqual(select('1'), ['e394b696']);
    assert.deepEqual(select('3'), ['2dc1529b']);
    assert.deepEqual(select('7'), ['fa6f74ad']);
    assert.deepEqual(select('2:4'), ['a5520d13', '2dc1529b', '79ca9e64']);
    assert.deepEqual(select(':2'), ['e394b696', 'a5520d13']);
    assert.deepEqual(select('6:'), ['fe83a924', 'fa6f74ad']);
    assert.deepEqual(select(':'), ids(sample).map((id) => id.slice(0, 8)));
    assert.deepEqual(select('4:2'), []);
    assert.deepEqual(select(' 2 '), ['a5520d13']);
  });

  test('several specs add up, each run once, in order of the specs', () => {
    assert.deepEqual(select('3', '1', '1:2'), ['2dc1529b', 'e394b696', 'a5520d13']);
  });

  test('id prefixes, full ids, and out-of-range indexes falling back to prefixes', () => {
    assert.deepEqual(select('fe8'), ['fe83a924']);
    assert.deepEqual(select('2dc1529ba06c46fda486395a61475dbe'), ['2dc1529b']);
    throwsMessage(() => select('8'), "could not find a run matching '8'");
    throwsMessage(() => select('xyz'), "could not find a run matching 'xyz'");
    throwsMessage(() => select('0'), "could not find a run matching '0'");
    throwsMessage(() => select('f'), "'f' matches multiple runs: fe83a924, fa6f74ad");
    throwsMessage(() => select('1:9'), "could not find a run matching '1:9'");
  });

  test('an ambiguous prefix names a few candidates and how many more', () => {
    const many = Array.from({ length: 8 }, (_, i) => makeRun(`abc${i}${'0'.repeat(28)}`));
    throwsMessage(
      () => selectRuns(many, ['abc']),
      "'abc' matches multiple runs: abc00000, abc10000, abc20000, abc30000, abc40000, … (3 more)",
    );
  });

  test('numeric-looking ids stay selectable (guild/tests/numeric-run-ids.md ids)', () => {
    const runs = ['02e234abc', '2e234abc', '1e123', '020abc', '100', '010'].map(makeRun);
    const pick = (spec: string): string[] => ids(selectRuns(runs, [spec]));
    assert.deepEqual(pick('010'), ['010']); // index 10 is out of range: prefix
    assert.deepEqual(pick('100'), ['100']);
    assert.deepEqual(pick('10'), ['100']);
    assert.deepEqual(pick('1e123'), ['1e123']);
    assert.deepEqual(pick('1e12'), ['1e123']);
    assert.deepEqual(pick('2e234'), ['2e234abc']);
    assert.deepEqual(pick('02e'), ['02e234abc']);
    assert.deepEqual(pick('02'), ['2e234abc']); // an index in range wins, as in Guild
    assert.deepEqual(pick('1'), ['02e234abc']);
  });

  test('an exact id wins over longer ids it prefixes', () => {
    const runs = ['abc', 'abcd', 'abce'].map(makeRun);
    assert.deepEqual(ids(selectRuns(runs, ['abc'])), ['abc']);
    throwsMessage(() => selectRuns(runs, ['ab']), "'ab' matches multiple runs: abc, abcd, abce");
  });
});
