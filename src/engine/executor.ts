// The one seam between grun and the processes of its runs. Everything outside an executor
// (commands, watch, stop, the dashboard) goes through this interface and never assumes that a
// run's process lives on this machine: local runs, mirrors of runs on an ssh remote, and Slurm
// jobs each have theirs.
import { GrunError } from '../store/errors.js';
import type { OutputLine } from '../store/output.js';
import { withParentStatus } from '../store/index.js';
import type { Run, StatusInfo } from '../store/types.js';
import { localExecutor } from './local-executor.js';
import { mirrorExecutor } from './remote/mirror-executor.js';
import { slurmExecutor } from './slurm/executor.js';
import { slurmRunStatus, type SlurmView } from './slurm/status.js';
import type { RunPlan } from './plan-types.js';

export interface StartOptions {
  home: string;
  /** Write the run staged (STAGED + `.guild/ENV`) and stop there. */
  stage?: boolean;
  /** File that receives the supervisor's pid. */
  pidfile?: string;
}

export interface StartedRun {
  runId: string;
  runDir: string;
  supervisorPid: number;
}

export interface StopOptions {
  /** Seconds to wait for the run to end after SIGTERM (default 30). */
  timeout?: number;
  /** SIGKILL the run's processes when the timeout passes. */
  force?: boolean;
  /** Signal and return at once. */
  noWait?: boolean;
}

export type StopOutcome =
  | { kind: 'not-running'; message: string }
  | { kind: 'signalled'; pid: number } // noWait
  | { kind: 'stopped'; pid: number; status: StatusInfo }
  | { kind: 'timed-out'; pid: number; status: StatusInfo };

/** Incremental reader of a run's output: each poll returns the lines completed since the last. */
export interface FollowOptions {
  tailLines?: number;
}

export interface OutputFollower {
  poll(): OutputLine[];
  /** The line being written, not yet ended (a progress bar redrawn with `\r`); '' if none. */
  partialLine(): string;
}

export interface Executor {
  readonly name: string;
  /** Creates the run and starts its supervisor; resolves once the run directory is prepared. */
  start(plan: RunPlan, opts: StartOptions): Promise<StartedRun>;
  /** Starts a staged run in its own directory. */
  startStaged(run: Run, opts: { pidfile?: string }): Promise<StartedRun>;
  /** SIGTERM to the run's processes, then waits (`timeout`), then SIGKILL with `force`. */
  /** `onSignal` is told what was signalled, for `Stopping <id> (…)`: `pid 123`, `Slurm job 45`. */
  stop(run: Run, opts?: StopOptions, onSignal?: (target: string) => void): Promise<StopOutcome>;
  /** Sends SIGINT to the run's process group, as Ctrl-C of a foreground Guild run does. */
  interrupt(run: Run): boolean;
  status(run: Run): StatusInfo;
  /**
   * Resolves once the supervisor of a run that is no longer running has finished writing it
   * (`exit_status` comes before `stopped` and LOCK's removal), or after `ms`. Optional: an
   * executor whose runs are finalized in one step needs none.
   */
  settled?(run: Run, ms?: number): Promise<void>;
  /** Lines `from` onwards (0-based line numbers). */
  readOutput(run: Run, from: number): OutputLine[];
  /** `tailLines`: start at the last N lines of what is there (default: the start). */
  followOutput(run: Run, opts?: FollowOptions): OutputFollower;
}

/** The executor that owns a run, by its process record (Guild's own runs are local). */
export function executorFor(run: Run): Executor {
  // A mirror of a remote run, and a Slurm job, are judged by where they run: the supervisor
  // inside a Slurm job records itself as `local` to the node it runs on.
  if (run.markers.lockRemote !== null) return mirrorExecutor;
  if (run.slurm) return slurmExecutor;
  const name = run.proc?.executor ?? 'local';
  if (name === 'local') return localExecutor;
  throw new GrunError(`run ${run.id} belongs to executor '${name}', which this grun does not have`);
}

/**
 * Runs with the status their executor knows better than their directory, from what `view`
 * holds (a reconcile step's answer, a poller's last pass): an unfinished Slurm run takes its
 * job's state and reason (`Slurm job 12 PENDING (Resources)`), an ended one Slurm's recorded
 * word for why; then each unfinished sweep parent takes its status from its children's. Pure:
 * it never asks Slurm and never writes. Other runs are passed through untouched.
 */
export function withExecutorStatus(runs: Run[], view?: SlurmView): Run[] {
  const out = runs.map((r) => {
    if (r.markers.lockRemote !== null || !r.slurm) return r;
    const statusInfo = slurmRunStatus(r, view);
    return { ...r, status: statusInfo.status, statusInfo };
  });
  // A sweep parent's status follows its children's as they are now, Slurm's states included.
  return withParentStatus(out);
}
