// A Slurm run's status as listings and the dashboard show it: a pure function of what the run's
// directory records and of the job state a caller already holds. It never asks Slurm and never
// writes; `reconcile.ts` does both, and its callers say when.
import type { Run, SlurmRecord, StatusInfo } from '../../store/types.js';
import { describeJobState, FINISHED_PHASES, type JobState } from './states.js';

/** Job states a caller holds (a poller's last pass, a reconcile step's answer). */
export type KnownJobStates = (jobId: string) => JobState | undefined;

/** What is known of Slurm for a status: job states, and why Slurm could not be asked (if so). */
export interface SlurmView {
  job: KnownJobStates;
  /** Set when the last ask failed (Slurm down, hung, not installed): runs keep what their directory says. */
  error?: string;
}

export const NO_SLURM_VIEW: SlurmView = { job: () => undefined };

/** Why a Slurm run ended, by Slurm's word recorded with it: `Slurm job 12 TIMEOUT`. */
export const slurmEndReason = (rec: SlurmRecord): string =>
  `Slurm job ${rec.jobId} ${rec.finalState}${rec.finalReason ? ` (${rec.finalReason})` : ''}`;

/** Whether a Slurm run needs Slurm's word: unfinished, or ended by a signal whose cause is not recorded yet. */
export function asksSlurm(run: Run): boolean {
  if (!run.slurm) return false;
  return run.exitStatus === null || (run.exitStatus < 0 && run.slurm.finalState === undefined);
}

/** The exit status grun records for a job Slurm ended without the run recording one. */
export function exitStatusOfJob(s: JobState): number {
  return s.phase === 'cancelled' || s.phase === 'timeout' ? -15 : s.exitCode && s.exitCode > 0 ? s.exitCode : 1;
}

/**
 * A Slurm run's status: what its directory says once an exit status is recorded (with Slurm's
 * recorded word for why), else its job's state (`PENDING (Resources)`, `RUNNING on node1`). A
 * job Slurm has finished before the run recorded an end shows the end it will be recorded with;
 * a job Slurm does not know (or not yet asked about) keeps what the directory says.
 */
export function slurmRunStatus(run: Run, view: SlurmView = NO_SLURM_VIEW): StatusInfo {
  const rec = run.slurm;
  if (!rec) return run.statusInfo;
  if (run.exitStatus !== null) {
    return { ...run.statusInfo, reason: rec.finalState ? slurmEndReason(rec) : `Slurm job ${rec.jobId}` };
  }
  const waiting = run.markers.pending ? 'pending' : 'running';
  const s = view.job(rec.jobId);
  if (!s) return { status: waiting, reason: view.error ? `Slurm job ${rec.jobId}: ${view.error}` : `Slurm job ${rec.jobId}` };
  const reason = `Slurm job ${rec.jobId} ${describeJobState(s)}`;
  const job = { state: s.state, ...(s.reason ? { reason: s.reason } : {}), ...(s.node ? { node: s.node } : {}) };
  if (s.phase === 'pending') return { status: 'pending', reason, job };
  if (s.phase === 'running') return { status: 'running', reason, job };
  if (FINISHED_PHASES.has(s.phase)) {
    // COMPLETED means the batch script ended after its supervisor finalized; on a shared file
    // system the exit status may just not be visible yet.
    if (s.phase === 'completed') return { status: 'error', reason: `${reason} without a recorded exit status` };
    return { status: exitStatusOfJob(s) === -15 ? 'terminated' : 'error', reason };
  }
  // Unknown to Slurm (not yet, or no longer): say so and keep what the directory says.
  return { status: waiting, reason, job };
}
