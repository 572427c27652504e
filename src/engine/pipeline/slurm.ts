// A pipeline sent to Slurm: the cluster schedules its steps. Each step is a batch job that waits
// on the jobs of the steps it needs (`--dependency=afterok:…`) and is cancelled by Slurm when one
// of them fails (`--kill-on-invalid-dep=yes`), so nothing is left pending forever. What is known
// at submission is planned here; a step's operation dependencies (files of upstream steps that
// do not exist yet) are resolved by its supervisor in the job (`lateDeps`). A step whose needs
// are all memo hits (or that needs none) may be one too: it is not submitted, and its successors
// wait only on the jobs that are. The pipeline run is a job as well, after every step job
// (`afterany`): its driver (`grun __steps`) then records how the steps ended.
import { randomUUID } from 'node:crypto';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAttr } from '../../store/attrs.js';
import { writeStepRecords, type StepRecord } from '../../store/pipeline.js';
import { MemoIndex, planMemoKey, writeMemoRun } from '../memo.js';
import { planRun } from '../plan.js';
import type { YamlValue } from '../../store/types.js';
import type { RunPlan } from '../plan-types.js';
import type { SlurmRemote } from '../remote/config.js';
import { prepareRun, submitWaiting, type SlurmStartedRun } from '../slurm/executor.js';
import { stepFlagArgs, stepLabelTags, type PipelineStep } from './steps.js';

export interface SubmittedPipeline {
  pipeline: SlurmStartedRun;
  /** Each step as recorded: `waiting` with its run (and `jobId`) or `cached`. */
  steps: (StepRecord & { jobId?: string })[];
}

/** The steps in an order where each comes after the steps it needs (the graph has no cycle: parseSteps). */
function graphOrder(steps: readonly PipelineStep[]): PipelineStep[] {
  const placed = new Set<string>();
  const out: PipelineStep[] = [];
  while (out.length < steps.length) {
    for (const s of steps) {
      if (!placed.has(s.name) && s.needs.every((n) => placed.has(n))) {
        placed.add(s.name);
        out.push(s);
      }
    }
  }
  return out;
}

/** Writes the pipeline run and its steps' runs, submits a job per step not memoized, then the pipeline's. */
export async function submitPipeline(
  plan: RunPlan,
  steps: PipelineStep[],
  opts: { home: string; cwd: string; memo: boolean; remote?: SlurmRemote; pidfile?: string | undefined },
): Promise<SubmittedPipeline> {
  const { home } = opts;
  const pipe = prepareRun(plan, home);
  const seedAttr = readAttr(pipe.runDir, 'random_seed');
  const seed = String(seedAttr.kind === 'ok' ? seedAttr.value : '0');
  const params = (plan.runParams && typeof plan.runParams === 'object' && !Array.isArray(plan.runParams) ? plan.runParams : {}) as Record<string, YamlValue>;
  const records = new Map<string, StepRecord & { jobId?: string }>();
  const slurmOpts = { home, ...(opts.remote ? { remote: opts.remote } : {}) };
  for (const s of graphOrder(steps)) {
    const id = randomUUID().replaceAll('-', '');
    const flagArgs = stepFlagArgs(s, plan.flags);
    const runsParent = s.isolateRuns ? { runsParent: pipe.runId } : {};
    const req = { home, cwd: opts.cwd, opspec: s.opspec, flagArgs, runId: id, ...runsParent, ...stepLabelTags(s, params) };
    const jobsNeeded = s.needs.map((n) => records.get(n)!.jobId).filter((j): j is string => j !== undefined);
    // upstream runs all exist (memo hits, or no needs): planned in full, and perhaps a hit itself
    if (jobsNeeded.length === 0) {
      const full = await planRun({ ...req, runParams: { keep_batch: true, yes: true } });
      const index = opts.memo ? MemoIndex.open(home) : null;
      const key = index ? planMemoKey(full, seed, index) : null;
      const original = key && index ? index.lookup(key) : null;
      if (key && original) {
        const made = writeMemoRun(home, null, { plan: full, seed }, key, original, id);
        symlinkSync(`../${id}`, join(pipe.runDir, s.name));
        records.set(s.name, { name: s.name, needs: s.needs, state: 'cached', run: id, memoOf: made.memoOf! });
        continue;
      }
      const waiting = prepareRun(full, home, {}, id);
      symlinkSync(`../${id}`, join(pipe.runDir, s.name));
      const job = await submitWaiting(waiting, full, slurmOpts);
      records.set(s.name, { name: s.name, needs: s.needs, state: 'waiting', run: id, jobId: job.jobId });
      continue;
    }
    const known = await planRun({ ...req, deferDeps: true, runParams: { keep_batch: true, yes: true } });
    const lateDeps = { cwd: opts.cwd, opspec: s.opspec, flagArgs, ...runsParent };
    const waiting = prepareRun(known, home, { lateDeps }, id);
    symlinkSync(`../${id}`, join(pipe.runDir, s.name));
    const job = await submitWaiting(waiting, known, {
      ...slurmOpts,
      sbatchOptions: [`--dependency=afterok:${jobsNeeded.join(':')}`, '--kill-on-invalid-dep=yes'],
    });
    records.set(s.name, { name: s.name, needs: s.needs, state: 'waiting', run: id, jobId: job.jobId });
  }
  const list = steps.map((s) => records.get(s.name)!);
  writeStepRecords(pipe.runDir, list.map(({ jobId: _jobId, ...r }) => r));
  const jobs = list.flatMap((r) => (r.jobId ? [r.jobId] : []));
  const pipeline = await submitWaiting(pipe, plan, { ...slurmOpts, sbatchOptions: jobs.length ? [`--dependency=afterany:${jobs.join(':')}`] : [] });
  if (opts.pidfile) writeFileSync(opts.pidfile, pipeline.jobId);
  return { pipeline, steps: list };
}
