// Jobs grun cancels while they wait in the queue: one scancel for all of them, and each run
// recorded terminated at once (CANCELLED), without asking Slurm, which may forget the job
// before anyone looks again.
import { existsSync } from 'node:fs';
import { loadRun } from '../../store/index.js';
import { guildPath } from '../../store/run.js';
import type { Run } from '../../store/types.js';
import { scancel } from './cli.js';
import { recordCancelled } from './job-ends.js';

export interface Cancelled {
  /** Runs recorded terminated: their jobs never started them. */
  cancelled: Run[];
  /** Runs whose job started them meanwhile (their supervisor cleared PENDING): they end as stopped runs do. */
  started: Run[];
}

/** Cancels the jobs of queued Slurm runs (`scancel` without a signal: nothing runs yet to be told). */
export async function cancelQueued(runs: Run[]): Promise<Cancelled> {
  await scancel(runs.flatMap((r) => (r.slurm ? [r.slurm.jobId] : [])));
  const out: Cancelled = { cancelled: [], started: [] };
  for (const r of runs) {
    if (existsSync(guildPath(r.dir, 'PENDING'))) {
      recordCancelled(r.dir);
      out.cancelled.push(loadRun(r.dir, r.deleted));
    } else out.started.push(loadRun(r.dir, r.deleted));
  }
  return out;
}
