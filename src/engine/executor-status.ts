// The status each run's executor knows better than its directory, apart from the registry of
// executors (executor.ts) so that listings and `runs info` load no executor.
import { runWithStatus, withParentStatus } from '../store/index.js';
import type { Run } from '../store/types.js';
import { slurmRunStatus, type SlurmView } from './slurm/status.js';

/**
 * Runs with the status their executor knows better than their directory, from what `view`
 * holds (a reconcile step's answer, a poller's last pass): an unfinished Slurm run takes its
 * job's state and reason (`Slurm job 12 PENDING (Resources)`), an ended one Slurm's recorded
 * word for why; then each unfinished sweep parent takes its status from its children's. Pure:
 * it never asks Slurm and never writes. Other runs are passed through untouched.
 */
export function withExecutorStatus(runs: Run[], view?: SlurmView): Run[] {
  const out = runs.map((r) => {
    if (!r.slurm || r.markers.lockRemote !== null) return r;
    return runWithStatus(r, slurmRunStatus(r, view));
  });
  // A sweep parent's status follows its children's as they are now, Slurm's states included.
  return withParentStatus(out);
}
