// A search's progress for the detail overview of its batch run: what it optimizes, its best trial
// and value so far, and its trials done / pruned / running / failed, counted from the trials in
// the runs list. Pure.
import type { Run } from '../store/types.js';
import { PRUNED_GLYPH, STATUS_GLYPH } from './theme.js';

export function searchLines(run: Run, trials: readonly Run[]): string[] {
  const s = run.search;
  if (!s) return [];
  const count = (f: (r: Run) => boolean): number => trials.filter(f).length;
  const pruned = count((r) => r.pruned !== null);
  const done = count((r) => r.status === 'completed');
  const running = count((r) => r.status === 'running' || r.status === 'pending' || r.status === 'staged');
  const failed = count((r) => r.status === 'error' || (r.status === 'terminated' && r.pruned === null));
  const best = s.best ? `${s.best.value} (trial ${s.best.run.slice(0, 8)})` : 'none yet';
  return [
    '',
    'search',
    `  ${s.optimizer}, ${s.objective}`,
    `  best       ${best}`,
    `  trials     ${STATUS_GLYPH.completed} ${done} done  ${PRUNED_GLYPH} ${pruned} pruned  ${STATUS_GLYPH.running} ${running} running  ${STATUS_GLYPH.error} ${failed} failed`,
  ];
}
