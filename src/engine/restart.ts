// Guild's `run --restart RUN` (also `--start` of a run that is not staged): the run's operation
// planned again from its project with its own flags (given ones win), then started again in its
// own directory, which keeps its files.
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import type { Run } from '../store/types.js';
import { loadRun } from '../store/index.js';
import { flagsOf } from '../store/run-values.js';
import { isMarkedFloat } from '../store/yaml11.js';
import type { RunRequest } from './plan-types.js';
import { planRun } from './plan.js';
import { Refusal } from './refusal.js';
import { setStagedEnv } from './queue.js';
import { restageRunDir } from './run-writer.js';

/** The request that plans `run` again: its project, its operation, its flags then `flagArgs`. */
export function restartRequest(run: Run, req: Omit<RunRequest, 'cwd' | 'opspec'>): RunRequest {
  const o = run.opref;
  if (!o || (o.pkgType !== 'guildfile' && o.pkgType !== 'script')) {
    throw new GrunError(`cannot restart run ${run.id}: its operation (${run.operation}) is not a guild.yml operation or a script`);
  }
  if (run.status === 'running') {
    throw new GrunError(`cannot restart run ${run.id} because it's running`, 1, `Use 'grun stop ${run.id}' to stop it first and try again.`);
  }
  const cwd = o.pkgType === 'guildfile' ? dirname(o.pkgName) : o.pkgName;
  const opspec = o.modelName ? `${o.modelName}:${o.opName}` : o.opName;
  const given = new Set(req.flagArgs.map((a) => a.slice(0, a.indexOf('='))));
  // the attr as written: a float flag stays a float (`x=1.0`, not `x=1`)
  const flags = flagsOf(run);
  const kept = Object.entries(flags)
    .filter(([name]) => !given.has(name))
    .map(([name, v]) => `${name}=${formatFlagValue(v, { float: isMarkedFloat(flags, name) })}`);
  // Without --gpus/--no-gpus a restart keeps the run's own GPU choice.
  const params = readAttr(run.dir, 'run_params');
  const p = params.kind === 'ok' && params.value && typeof params.value === 'object' && !Array.isArray(params.value) ? params.value : {};
  const gpus = req.gpus !== undefined ? req.gpus : p.no_gpus === true ? null : typeof p.gpus === 'string' ? p.gpus : undefined;
  return { ...req, cwd, opspec, flagArgs: [...kept, ...req.flagArgs], ...(gpus !== undefined ? { gpus } : {}) };
}

/** A staged run given no new flags just starts; anything else is restaged first (a restart). */
export function isRestart(run: Run, flagArgs: string[]): boolean {
  return run.status !== 'staged' || flagArgs.length > 0;
}

/**
 * `--start`/`--restart RUN` (Guild treats them alike) made ready for the launch service: a staged
 * run starts as it is (`--gpus` put in its staged env); any other run, or one given new flags, is
 * planned again and restaged in its own directory. Returns the run to start, or null when
 * `needed` finds nothing to do: Guild's `--needed` on a restart runs a completed or terminated
 * run again only if its flags change (any other status always restarts).
 */
export async function prepareStart(run: Run, req: Omit<RunRequest, 'cwd' | 'opspec'>, opts: { needed?: boolean } = {}): Promise<Run | null> {
  if (!isRestart(run, req.flagArgs)) {
    if (req.gpus !== undefined) setStagedEnv(run.dir, { CUDA_VISIBLE_DEVICES: req.gpus ?? '' });
    return run;
  }
  const plan = await planRun(restartRequest(run, req)).catch((e: unknown) => {
    // Guild's words: new flags need the operation's definition, which the project no longer has
    if (!(e instanceof Refusal) || e.code !== 'no-operation') throw e;
    throw new GrunError(
      `cannot find definition for operation '${run.operation}' in run ${run.id}`,
      1,
      "This is required when setting flags or using '--force-sourcecode'\nfor restart or a new run.",
    );
  });
  if (Object.keys(plan.sweeps).length) throw new GrunError('a restart runs once: give single flag values, not a sweep');
  if (plan.depFailure) throw new GrunError(plan.depFailure.message);
  // Python's ==, as Guild compares them: 1.0 equals 1
  if (opts.needed && (run.status === 'completed' || run.status === 'terminated') && isDeepStrictEqual({ ...flagsOf(run) }, { ...plan.flags })) return null;
  restageRunDir(plan, run.dir, req.home, run.id);
  return loadRun(run.dir);
}
