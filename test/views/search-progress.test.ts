// A search's progress in the dashboard: the batch's overview lines and the pruned trial's glyph.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Run } from '../../src/store/types.js';
import { statusText } from '../../src/views/RunsTable.js';
import { searchLines } from '../../src/views/search-progress.js';
import { fakeRun } from './helpers.js';

describe('search progress', () => {
  const batch = fakeRun({ id: 'b'.repeat(32), batch: true, status: 'running', search: { optimizer: 'tpe', objective: 'minimize loss', best: { run: 'c'.repeat(32), value: 0.0123 } } });
  const trial = (o: Partial<Run>) => fakeRun({ parent: batch.id, ...o });

  test('best trial and value so far, trials done, pruned, running and failed', () => {
    const trials = [
      trial({ status: 'completed' }),
      trial({ status: 'completed' }),
      trial({ status: 'terminated', pruned: 'pruned at step 6: loss 2 > median 1' }),
      trial({ status: 'terminated' }),
      trial({ status: 'error' }),
      trial({ status: 'running' }),
    ];
    assert.deepEqual(searchLines(batch, trials), [
      '',
      'search',
      '  tpe, minimize loss',
      '  best       0.0123 (trial cccccccc)',
      '  trials     ✔ 2 done  ✂ 1 pruned  ▶ 1 running  ✖ 2 failed',
    ]);
    assert.equal(searchLines({ ...batch, search: { ...batch.search!, best: null } }, [])[3], '  best       none yet');
    assert.deepEqual(searchLines(fakeRun({ batch: true }), trials), [], 'a plain sweep has no search lines');
  });

  test('a pruned trial has its own glyph in the status column; another terminated one keeps ■', () => {
    assert.equal(statusText(trial({ status: 'terminated', pruned: 'pruned at step 6' })), '✂ terminated');
    assert.equal(statusText(trial({ status: 'terminated' })), '■ terminated');
  });
});
