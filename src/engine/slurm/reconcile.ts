// The reconcile step of Slurm runs: asks Slurm (without blocking) about the jobs of runs that
// need its word, and records the ends it reports (job-ends.ts). `grun runs`, `grun watch`,
// searches and pipelines call it when they choose; status reads (`status.ts`) never do.
// Slurm's client and the writers load only when a run needs Slurm's word: a listing of
// local runs pays for neither.
import type { Run } from '../../store/types.js';
import type { QueryOptions } from './cli.js';
import type { JobState } from './states.js';
import { asksSlurm, type SlurmView } from './status.js';

export interface Reconciled {
  /** The runs, those whose end was just written re-read. */
  runs: Run[];
  view: SlurmView;
}

/** Asks Slurm about the jobs of `runs` that need it (one squeue call), and records the ends it reports. */
export async function reconcileSlurmRuns(runs: Run[], o: QueryOptions = {}): Promise<Reconciled> {
  const ids = [...new Set(runs.filter(asksSlurm).map((r) => r.slurm!.jobId))];
  if (ids.length === 0) return { runs, view: { job: () => undefined } };
  let jobs: Map<string, JobState>;
  try {
    jobs = await (await import('./cli.js')).queryJobs(ids, o);
  } catch (e) {
    // Slurm cannot be asked: the runs keep what their directories say, and say why.
    return { runs, view: { job: () => undefined, error: (e as Error).message } };
  }
  const job = (id: string): JobState | undefined => jobs.get(id);
  return { runs: (await import('./job-ends.js')).recordJobEnds(runs, job), view: { job } };
}
