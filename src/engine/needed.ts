// Guild's `--needed` (and a step's `needed: yes`): a run is not needed when a completed (or
// terminated: Guild takes it as ended on purpose) run of the same operation has the same flags.
import { isDeepStrictEqual } from 'node:util';
import { listRuns } from '../store/index.js';
import { encodeOpref } from '../store/opref.js';
import type { Run } from '../store/types.js';
import type { RunPlan } from './plan-types.js';

/** The completed or terminated runs of the plan's operation with its flags, newest first. */
export function matchingRuns(home: string, plan: RunPlan): Run[] {
  const opref = encodeOpref(plan.opref);
  return listRuns(home).filter(
    (r) => (r.status === 'completed' || r.status === 'terminated') && r.opref && encodeOpref(r.opref) === opref && isDeepStrictEqual(r.flags, plan.flags),
  );
}
