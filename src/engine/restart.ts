// Guild's `run --restart RUN` (also `--start` of a run that is not staged): the run's operation
// planned again from its project with its own flags (given ones win), then started again in its
// own directory, which keeps its files.
import { dirname } from 'node:path';
import { readAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import type { Run } from '../store/types.js';
import { loadRun } from '../store/index.js';
import { shlexQuote } from '../store/opref.js';
import { isMap } from './guildfile.js';
import type { RunRequest } from './plan-types.js';
import { planRun } from './plan.js';
import { setStagedEnv } from './queue.js';
import { restageRunDir } from './run-writer.js';

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

/** The request that plans `run` again: its project, its operation, its flags then `flagArgs`. */
export function restartRequest(run: Run, req: Omit<RunRequest, 'cwd' | 'opspec'>): RunRequest {
  const o = run.opref;
  if (!o || (o.pkgType !== 'guildfile' && o.pkgType !== 'script')) {
    throw new GrunError(`cannot restart run ${run.id}: its operation (${run.operation}) is not a guild.yml operation or a script`);
  }
  if (run.status === 'running') throw new GrunError(`run ${run.id} is running: stop it before restarting it`);
  const cwd = o.pkgType === 'guildfile' ? dirname(o.pkgName) : o.pkgName;
  const opspec = o.modelName ? `${o.modelName}:${o.opName}` : o.opName;
  const given = new Set(req.flagArgs.map((a) => a.slice(0, a.indexOf('='))));
  const split = splitFlags(run.dir);
  const kept = Object.entries(run.flags)
    .filter(([name]) => !given.has(name))
    .map(([name, v]) => `${name}=${Array.isArray(v) && split.has(name) ? v.map((x) => shlexQuote(typeof x === 'string' ? x : formatFlagValue(x))).join(' ') : formatFlagValue(v)}`);
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
 * planned again and restaged in its own directory (`say` gets Guild's resolution lines). Returns
 * the run to start.
 */
export async function prepareStart(
  run: Run,
  req: Omit<RunRequest, 'cwd' | 'opspec'>,
  say: (line: string) => void = () => {},
): Promise<Run> {
  if (!isRestart(run, req.flagArgs)) {
    if (req.gpus !== undefined) setStagedEnv(run.dir, { CUDA_VISIBLE_DEVICES: req.gpus ?? '' });
    return run;
  }
  const plan = await planRun(restartRequest(run, req));
  if (Object.keys(plan.sweeps).length) throw new GrunError('a restart runs once: give single flag values, not a sweep');
  restageRunDir(plan, run.dir, req.home, run.id, { sourcecode: req.forceSourcecode === true });
  // Guild's resolution log: a config file is written again unless it says `always-resolve: no`
  for (const c of plan.configs) {
    say(`Resolving ${c.name}`);
    if (!c.alwaysResolve) say(`Skipping resolution of ${c.name} because it's already resolved`);
  }
  return loadRun(run.dir);
}
