// Where does this run go, and how: the one place that decides it. Pure: a request, the remote it
// names (read from config.yml) and the operation's plan go in; a LaunchPlan comes out, or a
// Refusal, the same for every front end.
import { parseSweepSyntax } from '../flags.js';
import type { RunPlan } from '../plan-types.js';
import { GrunError } from '../../store/errors.js';
import { planTrial } from '../plan.js';
import { Refusal } from '../refusal.js';
import type { RemoteConfig } from '../remote/config.js';
import type { Expansion } from '../sweep/expand.js';
import { parseSeed } from '../sweep/seeds.js';
import type { Destination, LaunchPlan, LaunchRequest, SweepRequest, SweepStart } from './request.js';
import { chooseOptimizer, type ChosenOptimizer, isBuiltinOptimizer, knownOptimizerFlags, optimizerName, optimizerSettings } from '../optimize/optimizer.js';
import { formatFlagValue } from '../../store/flagfmt.js';
import { parseObjective, type SearchOptions } from '../search.js';
import { DEFAULT_RANDOM_TRIALS } from '../sweep/guild-sweep.js';
import { MAX_PARALLEL_ENV, parseSteps, STEP_MEMO_ENV, STEPS_SUBMITTED_ENV } from '../pipeline/steps.js';

/** Answers "where does this run go" from `--executor` and `--remote` (or the dashboard's pick), checked against each other. */
export function decideDestination(req: LaunchRequest, remote: RemoteConfig | null): Destination {
  const { executor } = req;
  // a staged run starts in its own directory, here
  if (req.work.kind === 'staged' || req.work.kind === 'trials') return { kind: 'local' };
  if (remote?.type === 'ssh' && req.work.kind === 'operation') {
    if (executor !== undefined) {
      throw new Refusal('ssh-with-executor', `--executor and an ssh remote do not go together: the run executes on ${remote.name}`);
    }
    return { kind: 'ssh', remote: remote.name };
  }
  if (executor !== undefined && executor !== 'local' && executor !== 'slurm') {
    throw new Refusal('unknown-executor', `--executor '${executor}': expected local or slurm`);
  }
  if (remote?.type === 'ssh') {
    throw new Refusal('ssh-submission', `remote '${remote.name}' is an ssh remote: sweeps and submissions go to a remote of type: slurm`);
  }
  if (remote && executor === 'local') {
    throw new Refusal('local-with-slurm-remote', `--executor local and --remote ${remote.name} (slurm) contradict each other`);
  }
  if (!remote && executor !== 'slurm') return { kind: 'local' };
  if (req.mode === 'stage') throw new Refusal('slurm-stage', '--stage and Slurm do not go together: Slurm queues the runs itself');
  if (req.gpus !== undefined) throw new Refusal('slurm-gpus', '--gpus and Slurm do not go together: Slurm hands out GPUs itself');
  return remote ? { kind: 'slurm', remote } : { kind: 'slurm' };
}

/** A search that learns from its trials (`-o gp|tpe`, `--minimize`, `--prune`): driven from here, in the foreground or the background, its trials here or on Slurm. */
function searchOptions(
  req: LaunchRequest,
  dest: Destination,
  s: SweepRequest,
  chosen: ChosenOptimizer | undefined,
  randomSeed: string | undefined,
): Omit<SearchOptions, 'home' | 'say'> {
  if (dest.kind === 'ssh' || req.mode === 'stage' || s.stageTrials) {
    throw new Refusal('search-here', 'a model-based or pruned search runs from here (its trials here or on Slurm): drop --stage, --stage-trials and an ssh --remote');
  }
  if (s.minimize !== undefined && s.maximize !== undefined) throw new Refusal('bad-value', '--minimize and --maximize cannot both be used');
  const objective = s.maximize !== undefined ? parseObjective(s.maximize, false) : parseObjective(s.minimize ?? 'loss', true);
  return {
    optimizer: chosen?.algorithm ?? 'random',
    optFlags: chosen?.flags ?? {},
    objective,
    maxTrials: s.maxTrials ?? DEFAULT_RANDOM_TRIALS,
    maxParallel: req.maxParallel ?? 1,
    ...(randomSeed !== undefined ? { randomSeed } : {}),
    ...(s.prune !== undefined ? { prune: { name: s.prune, flags: s.pruneFlags ?? {} } } : {}),
    ...(s.batch ? { batch: s.batch } : {}),
    ...(dest.kind === 'slurm' ? { slurm: dest.remote ? { remote: dest.remote } : {} } : {}),
  };
}

/** The optimizer a request asks for (`-o`, `--optimize`, guild.yml `optimizers:`), with its settings. */
function chosenOptimizer(req: LaunchRequest, plan: RunPlan): ChosenOptimizer | undefined {
  const s = req.sweep ?? {};
  const chosen = chooseOptimizer({ name: s.optimizer, optimize: s.optimize }, plan.optimizers ?? [], s.optFlags ?? {}, plan.operation);
  // --force-flags: settings an optimizer does not take are dropped, not refused (Guild's)
  const force = req.work.kind === 'operation' && req.work.run.forceFlags;
  return chosen && force ? { ...chosen, flags: knownOptimizerFlags(chosen.algorithm, chosen.flags) } : chosen;
}

/**
 * When the optimizer asked for is an operation of the project (Guild's custom optimizers), that
 * operation and its flags as `NAME=VALUE` (the section's settings, then `-Fo`); the service plans
 * it and hands it to decideLaunch as the batch run. Null for grun's own optimizers.
 */
export function optimizerOperation(req: LaunchRequest, plan: RunPlan): { opspec: string; flagArgs: string[] } | null {
  if (req.work.kind !== 'operation') return null;
  const chosen = chosenOptimizer(req, plan);
  if (!chosen || isBuiltinOptimizer(chosen.algorithm)) return null;
  return { opspec: chosen.algorithm, flagArgs: Object.entries(chosen.flags).map(([k, v]) => `${k}=${formatFlagValue(v)}`) };
}

/** A definition with `search`: its varying params searched (their values as choices), the others fixed. */
function submissionSearch(req: LaunchRequest, dest: Destination, proto: RunPlan, exp: Expansion): LaunchPlan {
  const { request, choices } = exp.search!;
  const fixed = Object.fromEntries(Object.entries(exp.runs[0]!.userFlags).filter(([name]) => !(name in choices)));
  const sweeps = Object.fromEntries(Object.entries(choices).map(([name, values]) => [name, { kind: 'list' as const, values }]));
  const plan: RunPlan = { ...planTrial(proto, fixed), sweeps };
  const s: SweepRequest = { ...request };
  const chosen = chooseOptimizer({ name: request.optimizer }, proto.optimizers ?? [], request.optFlags ?? {}, proto.operation);
  return { kind: 'search', plan, options: searchOptions(req, dest, s, chosen, exp.seed), background: req.mode === 'background' };
}

/** How the runs of a sweep or submission get going, once written. */
function sweepStart(req: LaunchRequest, dest: Destination): SweepStart {
  if (dest.kind === 'slurm') {
    return { kind: 'slurm', ...(dest.remote ? { remote: dest.remote } : {}), ...(req.maxParallel !== undefined ? { maxParallel: req.maxParallel } : {}) };
  }
  if (req.mode === 'stage' || req.sweep?.stageTrials) return { kind: 'none' };
  const maxParallel = req.maxParallel ?? 1;
  const gpus = req.gpus ? { gpus: req.gpus } : {};
  if (req.mode === 'foreground') return { kind: 'foreground', maxParallel, ...gpus };
  // Guild's batch run in the background is a process of its own; an Accio submission and restarted trials go to a scheduler
  const batch = req.work.kind === 'operation' || req.work.kind === 'staged';
  return batch ? { kind: 'batch', maxParallel, ...gpus } : { kind: 'scheduler', maxParallel, ...gpus };
}

const pipelinesOnSlurm = (plan: RunPlan): Refusal =>
  new Refusal('remote-pipeline', `${plan.operation} is a pipeline: Slurm takes one pipeline at a time (its steps as jobs), not a sweep or submission of pipelines yet`);

/**
 * A pipeline's plan with its step options in the environment its driver reads (also in the
 * inputs a sweep's trials are planned from): step memoization, steps at once.
 */
function withStepOptions(plan: RunPlan, o: { memo: boolean; maxParallel?: number; submitted?: boolean }): RunPlan {
  const env: Record<string, string> = {
    ...(o.memo ? {} : { [STEP_MEMO_ENV]: 'no' }),
    ...(o.submitted ? { [STEPS_SUBMITTED_ENV]: 'yes' } : {}),
    ...(o.maxParallel !== undefined ? { [MAX_PARALLEL_ENV]: String(o.maxParallel) } : {}),
  };
  return { ...plan, env: { ...plan.env, ...env }, inputs: { ...plan.inputs, opEnv: { ...plan.inputs.opEnv, ...env } } };
}

/** The first `name=value` whose value asks for a sweep (`lr=[0.1,0.2]`, `x=uniform[0:1]`). */
function sweptArg(flagArgs: string[]): string | undefined {
  return flagArgs.find((a) => a.includes('=') && parseSweepSyntax(a.slice(a.indexOf('=') + 1)));
}

/**
 * The launch plan of a request going to `dest`. `plan` is the operation's plan, a submission's
 * prototype with its `expansion`, or null for what is not planned here (a run on an ssh
 * remote, a staged run). `optimizerPlan`: the plan of the operation that `optimizerOperation`
 * named, run as the batch of `plan`.
 */
export function decideLaunch(req: LaunchRequest, dest: Destination, plan: RunPlan | null, expansion?: Expansion, optimizerPlan?: RunPlan): LaunchPlan {
  const { work, mode } = req;
  const quiet = !!req.quiet;
  const pidfile = req.pidfile !== undefined ? { pidfile: req.pidfile } : {};
  switch (work.kind) {
    case 'staged':
      if (work.run.status !== 'staged') {
        throw new Refusal('not-staged', `run ${work.run.id} is ${work.run.status}: only a staged run can be started`);
      }
      if (work.run.batch) return { kind: 'staged-batch', run: work.run, start: sweepStart({ ...req, mode: mode === 'background' ? 'background' : 'foreground' }, dest), quiet, ...pidfile };
      return { kind: 'staged', run: work.run, mode: mode === 'background' ? 'background' : 'foreground', ...pidfile, quiet, ...(work.forceDeps ? { forceDeps: true } : {}) };
    case 'trials':
      return { kind: 'trials', parent: work.parent, runs: work.runs, start: sweepStart(req, dest), quiet };
    case 'submission':
      if (!plan || !expansion) throw new Error('decideLaunch: a submission needs its prototype and expansion');
      if (plan.depFailure) throw new GrunError(plan.depFailure.message);
      if (plan.steps !== undefined && dest.kind === 'slurm') throw pipelinesOnSlurm(plan);
      // a pipeline's children memoize step by step, as `--no-memo` says
      if (plan.steps !== undefined) plan = withStepOptions(plan, { memo: req.memo });
      if (expansion.search) return submissionSearch(req, dest, plan, expansion);
      return { kind: 'submission', proto: plan, expansion, memo: req.memo ? 'reuse' : 'record', start: sweepStart(req, dest) };
    case 'operation':
      break;
  }
  if (dest.kind === 'ssh') {
    const swept = sweptArg(work.run.flagArgs);
    if (swept) {
      throw new Refusal('ssh-sweep', `'${swept}' asks for a sweep: a sweep runs here or on Slurm, not on ssh remote '${dest.remote}'`);
    }
    if (mode === 'stage') throw new Refusal('ssh-stage', `--stage and an ssh remote do not go together: the run starts on ${dest.remote}`);
    const { cwd, opspec, flagArgs, label, tags, comment } = work.run;
    // Guild waits for a remote run in the foreground (its output streamed here) unless told not to
    return { kind: 'ssh', remote: dest.remote, request: { cwd, opspec, flagArgs, label, tags, comment }, follow: mode === 'foreground' && !req.noWait };
  }
  if (!plan) throw new Error(`decideLaunch: ${work.run.opspec} needs its plan`);
  if (plan.depFailure) {
    // Guild records the one run it could not prepare; a sweep or a Slurm job is not begun.
    if (dest.kind === 'local' && !Object.keys(plan.sweeps).length) return { kind: 'unresolved', plan };
    throw new GrunError(plan.depFailure.message);
  }
  if (plan.steps !== undefined) {
    const swept = Object.keys(plan.sweeps).length > 0;
    const steps = parseSteps(plan.steps, plan.opref.modelName);
    if (dest.kind === 'slurm') {
      // each step a job, the cluster scheduling them (pipeline/slurm.ts); the pipeline's own job records their ends
      if (swept) throw pipelinesOnSlurm(plan);
      if (mode === 'stage') throw new Refusal('slurm-stage', `--stage and Slurm do not go together: pipeline ${plan.operation}'s steps are queued as jobs`);
      plan = withStepOptions(plan, { memo: !req.noMemo, submitted: true });
      return { kind: 'pipeline', plan, steps, mode, ...pidfile, quiet, slurm: { memo: !req.noMemo, ...(dest.remote ? { remote: dest.remote } : {}) } };
    }
    plan = withStepOptions(plan, { memo: !req.noMemo, ...(!swept && req.maxParallel !== undefined ? { maxParallel: req.maxParallel } : {}) });
    if (!swept) return { kind: 'pipeline', plan, steps, mode, ...pidfile, quiet };
  }
  const memo = req.memo ? 'reuse' : 'off';
  const needed = !!req.needed;
  const maxTrials = req.sweep?.maxTrials;
  if (optimizerPlan) {
    // Guild's custom optimizer: the optimizer's operation runs as the batch, the plan its prototype
    const trials = maxTrials ?? optimizerPlan.defaultMaxTrials;
    const batchPlan: RunPlan = { ...optimizerPlan, batch: { proto: plan, ...(trials !== undefined ? { maxTrials: trials } : {}) } };
    if (dest.kind === 'slurm') return { kind: 'slurm', plan: batchPlan, ...(dest.remote ? { remote: dest.remote } : {}), memo, needed, ...pidfile };
    return { kind: 'local', plan: batchPlan, mode, memo, needed, ...pidfile, quiet };
  }
  const chosen = chosenOptimizer(req, plan);
  // an optimizer's settings are checked whether or not there is anything to search (Guild's)
  if (chosen && (req.sweep?.optimizer !== undefined || req.sweep?.optimize) && chosen.algorithm !== '+' && isBuiltinOptimizer(chosen.algorithm)) {
    try {
      optimizerSettings(chosen.algorithm, chosen.flags);
    } catch (e) {
      throw e instanceof GrunError ? new Refusal('bad-value', e.message, undefined, e.hint) : e;
    }
  }
  // `-o +`: Guild's grid batch, even of one trial
  if (Object.keys(plan.sweeps).length || req.sweep?.optimizer === '+') {
    if (dest.kind === 'slurm' && req.sweep?.stageTrials) {
      throw new Refusal('slurm-stage-trials', '--stage-trials and Slurm do not go together: Slurm queues the trials itself');
    }
    const s = req.sweep ?? {};
    const randomSeed = s.randomSeed === undefined ? undefined : parseSeed(s.randomSeed);
    if (randomSeed === null) throw new Refusal('bad-value', `invalid value '${s.randomSeed}' for --random-seed: expected a 64-bit integer`);
    const grid = chosen?.algorithm === '+';
    if (s.minimize !== undefined || s.maximize !== undefined || s.prune !== undefined || (chosen && !grid && optimizerName(chosen.algorithm) !== 'random')) {
      if (mode === 'stage') throw new Refusal('stage-sweep', '--stage stages a grid or random batch, not a search: drop --stage or the optimizer');
      return { kind: 'search', plan, options: searchOptions(req, dest, s, chosen, randomSeed), background: req.mode === 'background' };
    }
    const options = {
      ...(s.maxTrials !== undefined ? { maxTrials: s.maxTrials } : {}),
      ...(chosen ? { optimizer: grid ? '+' : optimizerName(chosen.algorithm) } : {}),
      ...(randomSeed !== undefined ? { randomSeed } : {}),
      keepBatch: !!s.keepBatch,
      stageTrials: !!s.stageTrials,
      ...(s.batch ? { batch: s.batch } : {}),
    };
    // --stage stages the batch run itself, as Guild does: its trials are made when it starts
    if (mode === 'stage' && memo === 'reuse') {
      throw new Refusal('stage-memo', '--memo and --stage of a batch do not go together: its trials are made when it starts, without memoization');
    }
    return { kind: 'sweep', plan, options, memo, start: sweepStart(req, dest), quiet, ...pidfile, ...(mode === 'stage' ? { stage: true } : {}) };
  }
  const optFlag = Object.entries(req.sweep?.optFlags ?? {})[0];
  if (optFlag && req.sweep?.optimizer === undefined && !req.sweep?.optimize) {
    throw new Refusal('bad-value', `invalid optimizer flag ${optFlag[0]}=${String(optFlag[1])}: no optimizer specified`);
  }
  // Guild's: --max-trials means nothing to one run; of the batch options, only a comment is warned of
  const warnings = [
    ...(maxTrials !== undefined ? ['not a batch run - ignoring --max-trials'] : []),
    ...(req.sweep?.batch?.comment ? ['operation is not a batch - ignoring batch comment'] : []),
  ];
  const said = warnings.length ? { warnings } : {};
  if (dest.kind === 'slurm') return { kind: 'slurm', plan, ...(dest.remote ? { remote: dest.remote } : {}), memo, needed, ...pidfile, ...said };
  return { kind: 'local', plan, mode, memo, needed, ...pidfile, quiet, ...said };
}
