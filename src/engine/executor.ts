// The registry of executors: every target that starts work and every handle that follows a
// run. Everything outside the executors (the launch service, commands, watch, stop, the
// dashboard) finds them here and never assumes that a run's process lives on this machine:
// local runs, mirrors of runs on an ssh remote, and Slurm jobs each have theirs.
import { GrunError } from '../store/errors.js';
import type { Run } from '../store/types.js';
import type { RunHandle } from './executor-types.js';
import { localExecutor, localTarget } from './local-executor.js';
import { mirrorExecutor } from './remote/mirror-executor.js';
import { sshTarget } from './remote/remote-run.js';
import { slurmExecutor, slurmTarget } from './slurm/executor.js';

export type { FollowOptions, OutputFollower, RunHandle, StartedRun, StartOptions, StopOptions, StopOutcome } from './executor-types.js';

/** Where work starts: this machine, Slurm, an ssh remote. Each has the starts it can do, no other. */
export const targets = { local: localTarget, slurm: slurmTarget, ssh: sshTarget } as const;

/** The executor that owns a run, by its process record (Guild's own runs are local). */
export function executorFor(run: Run): RunHandle {
  // A mirror of a remote run, and a Slurm job, are judged by where they run: the supervisor
  // inside a Slurm job records itself as `local` to the node it runs on.
  if (run.markers.lockRemote !== null) return mirrorExecutor;
  if (run.slurm) return slurmExecutor;
  const name = run.proc?.executor ?? 'local';
  if (name === 'local') return localExecutor;
  throw new GrunError(`run ${run.id} belongs to executor '${name}', which this grun does not have`);
}
