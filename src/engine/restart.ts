// Guild's `run --restart RUN` (also `--start` of a run that is not staged): the run's operation
// planned again from its project with its own flags (given ones win), then started again in its
// own directory, which keeps its files. `--restart PARENT` does that for the trials of a sweep
// that failed or were stopped (not those a pruner stopped on purpose); `--rerun/--proto RUN`
// plans a new run from the run's operation and flags.
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readAttr, writeAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { prunedReason } from '../store/pruned.js';
import type { Run } from '../store/types.js';
import { loadRun } from '../store/index.js';
import { shlexQuote } from '../store/opref.js';
import { isMarkedFloat } from '../store/yaml11.js';
import { isMap } from './guildfile.js';
import { reopenParent } from './batch.js';
import { childrenOf } from './run-family.js';
import type { RunRequest } from './plan-types.js';
import { planRun } from './plan.js';
import { Refusal } from './refusal.js';
import { setStagedEnv } from './queue.js';
import { restageFromRecord, restageRunDir } from './run-writer.js';
import { isSweepParent } from './stoppable.js';

/** The run's `arg-split` flags (its `op` attr): their list values are one value, not a sweep. */
function splitFlags(runDir: string): Set<string> {
  const op = readAttr(runDir, 'op');
  const cmd = op.kind === 'ok' && isMap(op.value) ? op.value['op-cmd'] : undefined;
  const flags = isMap(cmd) ? cmd['cmd-flags'] : undefined;
  if (!isMap(flags)) return new Set();
  return new Set(
    Object.keys(flags).filter((n) => {
      const f = flags[n];
      return isMap(f) && f['arg-split'] !== undefined && f['arg-split'] !== null && f['arg-split'] !== false;
    }),
  );
}

type Given = Omit<RunRequest, 'cwd' | 'opspec'>;

/** The request of a new run of `run`'s project and operation with its flags, then `flagArgs` (`--rerun`/`--proto`). */
export function protoRequest(run: Run, req: Given): RunRequest {
  const o = run.opref;
  if (!o || (o.pkgType !== 'guildfile' && o.pkgType !== 'script')) {
    throw new GrunError(`cannot run ${run.id} again: its operation (${run.operation}) is not a guild.yml operation or a script`);
  }
  const cwd = o.pkgType === 'guildfile' ? dirname(o.pkgName) : o.pkgName;
  const opspec = o.modelName ? `${o.modelName}:${o.opName}` : o.opName;
  const given = new Set(req.flagArgs.map((a) => a.slice(0, a.indexOf('='))));
  const split = splitFlags(run.dir);
  // the attr as written: a float flag stays a float (`x=1.0`, not `x=1`)
  const flags = run.flags;
  const value = (name: string, v: (typeof flags)[string]): string =>
    Array.isArray(v) && split.has(name) ? v.map((x) => shlexQuote(typeof x === 'string' ? x : formatFlagValue(x))).join(' ') : formatFlagValue(v, { float: isMarkedFloat(flags, name) });
  const kept = Object.entries(flags)
    .filter(([name]) => !given.has(name))
    .map(([name, v]) => `${name}=${value(name, v)}`);
  return { ...req, cwd, opspec, flagArgs: [...kept, ...req.flagArgs] };
}

/** The request that plans `run` again for a restart: as `protoRequest`, keeping its `--gpus`/`--no-gpus` unless given. */
export function restartRequest(run: Run, req: Given): RunRequest {
  if (run.status === 'running') {
    throw new GrunError(`cannot restart run ${run.id} because it's running`, 1, `Use 'grun stop ${run.id}' to stop it first and try again.`);
  }
  const r = protoRequest(run, req);
  const params = readAttr(run.dir, 'run_params');
  const p = params.kind === 'ok' && params.value && typeof params.value === 'object' && !Array.isArray(params.value) ? params.value : {};
  const gpus = req.gpus !== undefined ? req.gpus : p.no_gpus === true ? null : typeof p.gpus === 'string' ? p.gpus : undefined;
  return { ...r, ...(gpus !== undefined ? { gpus } : {}) };
}

/** A staged run given no new flags just starts; anything else is restaged first (a restart). */
export function isRestart(run: Run, flagArgs: string[]): boolean {
  return isSweepParent(run) || run.status !== 'staged' || flagArgs.length > 0;
}

/**
 * `--start`/`--restart RUN` (Guild treats them alike) made ready for the launch service: a staged
 * run starts as it is (`--gpus` put in its staged env); any other run, or one given new flags, is
 * planned again and restaged in its own directory (`say` gets Guild's resolution lines). Returns
 * the run to start, or null when `needed` finds nothing to do: Guild's `--needed` on a restart
 * runs a completed or terminated run again only if its flags change (any other status always
 * restarts).
 */
export async function prepareStart(
  run: Run,
  req: Given,
  o: { maxTrials?: number; needed?: boolean; say?: (line: string) => void } = {},
): Promise<Run | null> {
  if (!isRestart(run, req.flagArgs) && o.maxTrials === undefined) {
    if (req.gpus !== undefined) setStagedEnv(run.dir, { CUDA_VISIBLE_DEVICES: req.gpus ?? '' });
    return run;
  }
  const plan = await planRun(restartRequest(run, req)).catch((e: unknown) => {
    if (!(e instanceof Refusal) || e.code !== 'no-operation') throw e;
    // Without new flags, Guild restarts the run from its record
    if (req.flagArgs.length === 0 && !req.forceSourcecode && o.maxTrials === undefined && !run.batch) return null;
    // Guild's words: new flags need the operation's definition, which the project no longer has
    throw new GrunError(
      `cannot find definition for operation '${run.operation}' in run ${run.id}`,
      1,
      "This is required when setting flags or using '--force-sourcecode'\nfor restart or a new run.",
    );
  });
  if (plan === null) {
    if (o.needed && (run.status === 'completed' || run.status === 'terminated')) return null;
    restageFromRecord(run.dir, req.home, run.id);
    return loadRun(run.dir);
  }
  if (Object.keys(plan.sweeps).length) throw new GrunError('a restart runs once: give single flag values, not a sweep');
  if (plan.depFailure) throw new GrunError(plan.depFailure.message);
  // Python's ==, as Guild compares them: 1.0 equals 1
  if (o.needed && (run.status === 'completed' || run.status === 'terminated') && isDeepStrictEqual({ ...run.flags }, { ...plan.flags })) return null;
  restageRunDir(plan, run.dir, req.home, run.id, { sourcecode: req.forceSourcecode === true });
  // Guild's resolution log: a config file is written again unless it says `always-resolve: no`
  for (const c of plan.configs) {
    o.say?.(`Resolving ${c.name}`);
    if (!c.alwaysResolve) o.say?.(`Skipping resolution of ${c.name} because it's already resolved`);
  }
  // an optimizer operation's batch run keeps its max trials unless given new ones (Guild's)
  if (run.batch && o.maxTrials !== undefined) writeAttr(run.dir, 'max_trials', o.maxTrials);
  return loadRun(run.dir);
}

/**
 * The trials `--restart PARENT` runs again: those that failed, those stopped but not pruned (a
 * pruner stopped those on purpose), and those still staged (a sweep interrupted before them).
 */
export function trialsToRestart(children: Run[]): Run[] {
  return children.filter((c) => c.status === 'error' || c.status === 'staged' || (c.status === 'terminated' && prunedReason(c.dir) === null));
}

/**
 * `--restart PARENT` made ready: every trial to run again restaged in its own directory (the
 * given flags applied to each), and the parent waiting for them again. Refused while a trial
 * still runs or waits, and when every trial completed or was pruned.
 */
export async function prepareSweepRestart(parent: Run, all: readonly Run[], req: Given): Promise<Run[]> {
  const children = childrenOf(parent, all);
  const busy = children.find((c) => c.status === 'running' || c.status === 'pending');
  if (busy) throw new GrunError(`sweep ${parent.id} is still running (trial ${busy.id} is ${busy.status}): stop it before restarting it`);
  const todo = trialsToRestart(children);
  if (!todo.length) throw new GrunError(`sweep ${parent.id} has no trial to restart: each one completed or was pruned`);
  const queued = todo.find((c) => c.slurm !== null);
  if (queued) throw new GrunError(`trial ${queued.id} ran on Slurm: a sweep's trials restart here only; run it again with --rerun ${queued.id.slice(0, 8)} --executor slurm`);
  // Each trial is planned before any is restaged: a bad flag leaves the whole sweep as it was.
  const plans = await Promise.all(todo.map((c) => planRun(restartRequest(c, req))));
  if (plans.some((p) => Object.keys(p.sweeps).length)) throw new GrunError('a restart runs each trial once: give single flag values, not a sweep');
  todo.forEach((c, i) => restageRunDir(plans[i]!, c.dir, req.home, c.id));
  reopenParent(parent.dir);
  return todo.map((c) => loadRun(c.dir));
}
