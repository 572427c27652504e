// The launch service: what `grun run`, `grun run --start`, `grun submit` and the dashboard's
// launch form all call. It reads what a request names (the remote in config.yml, the
// operation's plan, a submission's definition), lets decide.ts take every decision, then
// carries the plan out.
import type { RunPlan, RunRequest } from '../plan-types.js';
import { planRun } from '../plan.js';
import { Refusal } from '../refusal.js';
import { getRemote } from '../remote/config.js';
import { carryOut, type LaunchIO, type LaunchReport } from './carry.js';
import { decideDestination, decideLaunch, optimizerOperation } from './decide.js';
import type { LaunchPlan, LaunchRequest } from './request.js';
import { resolveSubmission } from './submission.js';

export type { LaunchPreview } from './preview.js';
export type { LaunchMode, LaunchRequest, LaunchWork } from './request.js';

/** The plan of an optimizer that is an operation; one the project lacks is named as Guild names it. */
async function planOptimizer(req: RunRequest): Promise<RunPlan> {
  try {
    return await planRun(req);
  } catch (e) {
    if (!(e instanceof Refusal) || e.code !== 'no-operation') throw e;
    throw new Refusal('no-operation', `operation '${req.opspec}' is not defined for this project`, req.opspec, "Try 'grun operations' for a list of available operations.");
  }
}

/** The request's plan: where it goes and how, checked (a Refusal otherwise) before anything is written. */
async function prepareLaunch(req: LaunchRequest): Promise<LaunchPlan> {
  const remote = req.remote !== undefined ? getRemote(req.home, req.remote) : null;
  const dest = decideDestination(req, remote);
  const { work } = req;
  switch (work.kind) {
    case 'staged':
    case 'trials':
      return decideLaunch(req, dest, null);
    case 'submission': {
      const { proto, expansion } = await resolveSubmission(req.home, work.cwd, work.source, work.overrides);
      return decideLaunch(req, dest, proto, expansion);
    }
    case 'operation': {
      // a run on an ssh remote is planned there, by the remote grun
      if (dest.kind === 'ssh') return decideLaunch(req, dest, null);
      const plan = await planRun(work.run);
      const opt = optimizerOperation(req, plan);
      const optimizerPlan = opt ? await planOptimizer({ ...work.run, ...opt }) : undefined;
      return decideLaunch(req, dest, plan, undefined, optimizerPlan);
    }
  }
}

/** Launches what `req` asks for and reports the runs it made. */
export async function launch(req: LaunchRequest, io: LaunchIO = {}): Promise<LaunchReport> {
  return carryOut(await prepareLaunch(req), req.home, io);
}
