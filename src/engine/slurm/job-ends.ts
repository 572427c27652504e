// The ends of Slurm jobs written into their runs: a job cancelled while queued, lost with its
// node or killed with its supervisor; Slurm's word for a run its supervisor ended by a signal.
// The reconcile step (reconcile.ts), the Slurm executor and the dashboard's poller write them
// from what Slurm said; status reads (`status.ts`) never do.
import { rmSync } from 'node:fs';
import { readAttr } from '../../store/attrs.js';
import { loadRun } from '../../store/index.js';
import { guildPath } from '../../store/run.js';
import { readSlurmRecord, writeSlurmRecord } from '../../store/slurm-record.js';
import type { Run } from '../../store/types.js';
import { finalizeParentIfDone } from '../batch.js';
import { finishRunDir } from '../run-writer.js';
import { FINISHED_PHASES, type JobState } from './states.js';
import { asksSlurm, exitStatusOfJob } from './status.js';

/** The directory of the job file a queued run's supervisor reads (removed once it has started). */
export const JOB_DIR = 'grun-slurm-job';

/**
 * Writes the end of a run whose supervisor never recorded one (cancelled while queued, timed
 * out hard, lost with its node): Guild then reads the same status grun shows. The job file goes
 * first, so that a supervisor starting this moment finds nothing to run.
 */
export function finalizeFromSlurm(runDir: string, s: JobState): void {
  if (readAttr(runDir, 'exit_status').kind === 'ok') return;
  rmSync(guildPath(runDir, JOB_DIR), { recursive: true, force: true });
  rmSync(guildPath(runDir, 'PENDING'), { force: true });
  rmSync(guildPath(runDir, 'STAGED'), { force: true });
  finishRunDir(runDir, exitStatusOfJob(s));
  recordFinalState(runDir, s);
  try {
    finalizeParentIfDone(runDir); // a sweep's last child to end records its parent's outcome
  } catch {
    // the parent was deleted or is unreadable: the child's own outcome stands
  }
}

/** A queued run grun itself cancelled: terminated, CANCELLED, without asking Slurm (which may already have forgotten it). */
export function recordCancelled(runDir: string): void {
  finalizeFromSlurm(runDir, { jobId: '', phase: 'cancelled', state: 'CANCELLED' });
}

/**
 * Slurm's word for how a run's job ended (TIMEOUT, CANCELLED…; '' when Slurm no longer knows
 * it), kept in its record once. A cancelled job keeps its last pending reason: only other ends say why.
 */
function recordFinalState(runDir: string, s: JobState): void {
  const rec = readSlurmRecord(runDir);
  if (!rec || rec.finalState !== undefined) return;
  writeSlurmRecord(runDir, { ...rec, finalState: s.state, ...(s.reason && s.phase !== 'cancelled' ? { finalReason: s.reason } : {}) });
}

/**
 * Writes what `jobs` say has ended into the runs that have not recorded it; returns the runs,
 * those written re-read. A COMPLETED job's run is read again, never written: its supervisor
 * recorded the end before the job ended, after the run was read (or a shared file system does
 * not show it yet: then the run shows Slurm's word without it).
 */
export function recordJobEnds(runs: Run[], jobs: (jobId: string) => JobState | undefined): Run[] {
  return runs.map((run) => {
    if (!asksSlurm(run)) return run;
    const s = jobs(run.slurm!.jobId);
    if (!s) return run;
    const ended = FINISHED_PHASES.has(s.phase);
    try {
      if (run.exitStatus === null && ended && s.phase !== 'completed') finalizeFromSlurm(run.dir, s);
      else if (run.exitStatus !== null && (ended || s.phase === 'unknown')) recordFinalState(run.dir, s);
      else if (run.exitStatus !== null || s.phase !== 'completed') return run;
      return loadRun(run.dir, run.deleted);
    } catch {
      return run; // deleted meanwhile: the next listing no longer has it
    }
  });
}
