// A model-based search (`grun run OP x=uniform[0:1] -o gp --minimize loss -m 12 [--prune median]`),
// run here in the foreground or by a detached `grun __search` (background): the batch run is
// written first, with the search's job in its `.guild/grun-search`, then each trial is proposed from
// the objective of the trials that finished (their scalars) and the points of those still running,
// written staged and started through the local target, up to --max-parallel at once. With a pruner,
// the scalars of running trials are read every poll and a pruned trial is stopped as `grun stop`
// stops it, the reason written to its `.guild/grun-pruned` first. The batch run records the
// optimizer, its settings and the best trial so far (attrs `grun-optimizer`, `grun-best`).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readAttr, writeAttr } from '../store/attrs.js';
import { writeFileAtomicSync } from '../store/atomic.js';
import { GrunError } from '../store/errors.js';
import { termSafe } from '../store/terminal-text.js';
import { loadRun } from '../store/index.js';
import { guildPath } from '../store/run.js';
import { PRUNED_FILE, prunedReason } from '../store/pruned.js';
import { scalarIndexFor } from '../store/scalar-index.js';
import { readScalarSeries, scalarKey, scalarText } from '../store/scalars.js';
import type { Run, YamlValue } from '../store/types.js';
import { markFloat } from '../store/yaml11.js';
import { batchMetaAttrs, type BatchMeta, type ChildSpec, recordParentEnd, SEARCH_FILE, seededTrial, writeParent, writeStagedRun } from './batch.js';
import { executorFor, targets } from './executor.js';
import { withExecutorStatus } from './executor-status.js';
import type { SlurmRemote } from './remote/config.js';
import { reconcileSlurmRuns } from './slurm/reconcile.js';
import { optimizerSettings, proposerFor, settingsAttr } from './optimize/optimizer.js';
import { judge, prunerSettings, type PrunerSettings, type TrialCurve } from './optimize/pruners.js';
import { Rng } from './optimize/rng.js';
import { decodePoint, type Point, type Space, spaceSize } from './optimize/space.js';
import type { Trial } from './optimize/trials.js';
import type { RunPlan } from './plan-types.js';
import { restoreFloatMarks } from './flags.js';
import { schedulerLogPath } from './queue.js';
import { grunArgv } from './self-command.js';
import { aggregateStatus } from '../store/status.js';
import { stopRuns } from './stop.js';
import { dimensionOf } from './sweep/guild-sweep.js';
import { childSeeds, newSeed } from './sweep/seeds.js';

const QUALIFIERS = ['first', 'last', 'min', 'max', 'avg', 'total', 'count'] as const;
type Qualifier = (typeof QUALIFIERS)[number];

export interface Objective {
  /** As typed (`loss`, `min loss`, `last val_acc`). */
  text: string;
  qualifier: Qualifier;
  tag: string;
  minimize: boolean;
}

/** `--minimize COL` / `--maximize COL` in Guild's column syntax (`[first|last|min|max|avg|total|count] NAME`, last by default). */
export function parseObjective(text: string, minimize: boolean): Objective {
  const words = text.trim().split(/\s+/);
  const q = words.length === 2 ? words[0]! : 'last';
  const tag = words[words.length - 1]!;
  if (!tag || words.length > 2 || !(QUALIFIERS as readonly string[]).includes(q)) {
    throw new GrunError(`invalid column '${text}' for --${minimize ? 'minimize' : 'maximize'}: expected [${QUALIFIERS.join('|')}] NAME`);
  }
  return { text: text.trim(), qualifier: q as Qualifier, tag, minimize };
}

/** The objective of a finished trial from the store's scalar index (always minimized), or undefined. */
function objectiveOf(run: Run, o: Objective): number | undefined {
  const idx = scalarIndexFor(run);
  idx.forget(run.dir);
  const s = idx.get(run).summaries.find((x) => x.tag === o.tag && (x.prefix === '' || x.prefix === '.guild'));
  if (!s) return undefined;
  const v = s[o.qualifier];
  return o.minimize ? v : -v;
}

function curveOf(dir: string, o: Objective): [number, number][] {
  try {
    return readScalarSeries(dir, scalarKey('', o.tag)).map((p) => [p.step, p.value] as [number, number]);
  } catch {
    return []; // a torn event file: judged again at the next poll
  }
}

export interface SearchOptions {
  home: string;
  optimizer: string;
  optFlags: Record<string, YamlValue>;
  objective: Objective;
  maxTrials: number;
  maxParallel: number;
  randomSeed?: string;
  prune?: { name: string; flags: Record<string, YamlValue> };
  /** `--batch-label/-tag/-comment`: the batch run's own metadata. */
  batch?: BatchMeta;
  /** Trials sent to Slurm, each a job of its own (a pruned one's job is cancelled); else run here. */
  slurm?: { remote?: SlurmRemote };
  pollMs?: number;
  say: (line: string) => void;
}

interface Live {
  id: string;
  dir: string;
  point: Point;
  value?: number;
  ended: boolean;
  passedRung?: number;
  curve: [number, number][];
}

/** The search space of the plan's swept flags, names sorted. */
export function searchSpace(plan: RunPlan): Space {
  const names = Object.keys(plan.sweeps).sort();
  if (!names.length) throw new GrunError(`no flag of ${plan.operation} gives a search space (use e.g. lr=loguniform[1e-4:1e-1])`);
  return { names, dims: names.map((n) => dimensionOf(plan.sweeps[n]!)) };
}

function trialFlags(space: Space, point: Point): Record<string, YamlValue> {
  const values = decodePoint(space, point);
  const out: Record<string, YamlValue> = {};
  space.names.forEach((n, i) => {
    out[n] = values[i]!;
    const d = space.dims[i]!;
    if (d.kind === 'loguniform' || (d.kind === 'uniform' && !d.int)) markFloat(out, n);
  });
  return out;
}

/** What a search needs to go on from its batch run alone: `.guild/grun-search`, written with it. */
interface SearchJob {
  plan: RunPlan;
  /** Worked out before JSON, which loses the float marks of the sweep's bounds (`uniform[0.0:1.0]` is not a range of ints). */
  space: Space;
  options: Omit<SearchOptions, 'home' | 'say' | 'randomSeed'>;
  seed: string;
}

const readJob = (parentDir: string): SearchJob => {
  const job = JSON.parse(readFileSync(guildPath(parentDir, SEARCH_FILE), 'utf8')) as SearchJob;
  restoreFloatMarks(job.plan);
  return job;
};

/** Writes the batch run of a search (and its job, so that a detached `grun __search` can drive it); nothing runs yet. */
export function startSearch(plan: RunPlan, o: SearchOptions): { parentId: string; parentDir: string } {
  const settings = optimizerSettings(o.optimizer, o.optFlags);
  const pruner: PrunerSettings | null = o.prune ? prunerSettings(o.prune.name, o.prune.flags) : null;
  const space = searchSpace(plan);
  const seed = o.randomSeed ?? newSeed();
  const optimizerAttr: Record<string, YamlValue> = {
    name: settings.name,
    settings: settingsAttr(settings),
    objective: `${o.objective.minimize ? 'minimize' : 'maximize'} ${o.objective.text}`,
    ...(pruner ? { prune: { ...pruner } as Record<string, YamlValue> } : {}),
  };
  const parent = writeParent({
    home: o.home,
    kind: 'random',
    optimizer: settings.name,
    proto: plan,
    protoFlags: plan.flags,
    seed,
    objective: o.objective.minimize ? o.objective.text : `-${o.objective.text}`,
    maxTrials: o.maxTrials,
    attrs: { 'grun-optimizer': optimizerAttr, run_params: { max_trials: o.maxTrials, optimizer: o.optimizer, random_seed: BigInt(seed) }, ...batchMetaAttrs(o.batch) },
  });
  const { home: _home, say: _say, randomSeed: _seed, ...options } = o;
  writeFileAtomicSync(guildPath(parent.dir, SEARCH_FILE), JSON.stringify({ plan, space, options, seed } satisfies SearchJob));
  const maxTrials = Math.min(o.maxTrials, spaceSize(space));
  o.say(`Batch ${parent.id}: ${settings.name} search of ${plan.operation}, ${maxTrials} trials, ${o.objective.minimize ? 'minimizing' : 'maximizing'} ${o.objective.text}`);
  return { parentId: parent.id, parentDir: parent.dir };
}

/** Runs a search here to its last trial; whether every trial completed or was pruned. */
export async function runSearch(plan: RunPlan, o: SearchOptions): Promise<{ parentId: string; parentDir: string; ok: boolean }> {
  const started = startSearch(plan, o);
  return { ...started, ok: await driveSearch(started.parentDir, o.home, o.say) };
}

/**
 * Drives the search of a batch run that `startSearch` wrote: proposes, starts and judges trials
 * to the last one, then records the batch's end. It stops proposing on Ctrl-C, and when the batch
 * run is stopped (`grun stop`, the dashboard: it then has an end recorded).
 */
export async function driveSearch(parentDir: string, home: string, say: (line: string) => void, pollMs = 300): Promise<boolean> {
  const { plan, space, options: o, seed } = readJob(parentDir);
  const settings = optimizerSettings(o.optimizer, o.optFlags);
  const pruner: PrunerSettings | null = o.prune ? prunerSettings(o.prune.name, o.prune.flags) : null;
  const maxTrials = Math.min(o.maxTrials, spaceSize(space));
  const propose = proposerFor(settings);
  const seeds = childSeeds(seed, o.maxTrials);
  const rng = new Rng(BigInt(seed));
  const trials: Live[] = [];
  let best: Live | null = null;
  const running = () => trials.filter((t) => !t.ended);
  // Ctrl-C: no new trial; the running ones are interrupted and waited for
  let interrupted = false;
  const onInt = () => {
    interrupted = true;
    void stopRuns(running().map((t) => loadRun(t.dir)), { noWait: true });
  };
  process.on('SIGINT', onInt);
  try {
    while ((!interrupted && trials.length < maxTrials) || running().length) {
      // stopped from outside: its end recorded, what runs is being stopped
      if (readAttr(parentDir, 'exit_status').kind === 'ok') interrupted = true;
      while (!interrupted && trials.length < maxTrials && running().length < o.maxParallel) {
        const table: Trial[] = trials.map((t) => (t.value === undefined ? { point: t.point } : { point: t.point, value: t.value }));
        const point = propose(space, table, rng);
        const i = trials.length;
        const run = await startTrial(home, parentDir, { plan: seededTrial(plan, trialFlags(space, point), seeds[i]!, plan.userFlags), seed: seeds[i]! }, o.slurm);
        trials.push({ id: run.id, dir: run.dir, point, ended: false, curve: [] });
        say(termSafe(`INFO: [grun] Running trial ${run.id} (${i + 1}/${maxTrials}): ${run.label ?? ''}`));
      }
      await new Promise((r) => setTimeout(r, pollMs));
      const now = await trialStatus(running().map((t) => loadRun(t.dir)), !!o.slurm);
      for (const t of running()) {
        const run = now.get(t.dir)!;
        if (run.status === 'running' || run.status === 'staged' || run.status === 'pending') {
          if (pruner) await maybePrune(t, trials, pruner, o.objective);
          continue;
        }
        // Its record reads ended once `exit_status` is there; its supervisor still writes `stopped`
        // and lets LOCK go. Over only once settled: until then its slot stays taken and the batch open.
        await executorFor(run).settled?.(run);
        t.ended = true;
        if (pruner) t.curve = curveOf(t.dir, o.objective);
        const v = run.status === 'completed' ? objectiveOf(run, o.objective) : undefined;
        if (v !== undefined) t.value = v;
        const pruned = prunedReason(t.dir);
        say(`INFO: [grun] Trial ${t.id} ${pruned ?? run.status}${v !== undefined ? `: ${o.objective.text} = ${scalarText(o.objective.minimize ? v : -v)}` : ''}`);
        if (v !== undefined && (!best || v < best.value!)) {
          best = t;
          writeAttr(parentDir, 'grun-best', { run: t.id, value: o.objective.minimize ? v : -v, flags: trialFlags(space, t.point) });
        }
      }
    }
  } finally {
    process.off('SIGINT', onInt);
  }
  const done = trials.map((t) => loadRun(t.dir));
  const ok = done.every((r) => r.status === 'completed' || prunedReason(r.dir) !== null);
  // Every trial has settled: the batch's output gets its last line, then the batch ends as its
  // trials did. A stop recorded its end early (so that no trial starts after it): its status stays,
  // its time is now. The job file goes last, so that no trial's supervisor records the end meanwhile.
  if (best) say(`Best trial ${best.id}: ${o.objective.text} = ${scalarText(o.objective.minimize ? best.value! : -best.value!)}`);
  const stopped = readAttr(parentDir, 'exit_status').kind === 'ok';
  recordParentEnd(parentDir, stopped ? loadRun(parentDir).status : aggregateStatus(done.map((r) => r.status)));
  rmSync(guildPath(parentDir, SEARCH_FILE), { force: true });
  return ok;
}

/** Writes a trial and starts it: here, or as a Slurm job of its own. */
async function startTrial(home: string, parentDir: string, spec: ChildSpec, slurm: SearchOptions['slurm']): Promise<Run> {
  if (!slurm) {
    const run = loadRun(writeStagedRun(home, parentDir, spec));
    await targets.local.startStaged(run, {});
    return run;
  }
  const child = targets.slurm.childWriter()(home, parentDir, spec);
  try {
    // one job per trial (not an array: the search proposes them one by one)
    await targets.slurm.submitSweep({ parent: null, children: [child] }, spec.plan, { home, ...(slurm.remote ? { remote: slurm.remote } : {}) });
  } catch (e) {
    rmSync(join(parentDir, child.id), { force: true }); // the trial link; sbatch's failure removed the run
    throw e;
  }
  return loadRun(child.dir);
}

/** The trials as they are now; Slurm trials as Slurm says (an end their jobs never recorded recorded now). */
async function trialStatus(runs: Run[], slurm: boolean): Promise<Map<string, Run>> {
  if (!slurm) return new Map(runs.map((r) => [r.dir, r]));
  const { runs: reconciled, view } = await reconcileSlurmRuns(runs);
  return new Map(withExecutorStatus(reconciled, view).map((r) => [r.dir, r]));
}

/** Drives a search in a detached `grun __search BATCHDIR`, its lines appended to the batch run's output; its pid. */
export function spawnSearch(home: string, parentDir: string): number {
  const logFile = schedulerLogPath(home);
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(process.execPath, [...grunArgv(), '-H', home, '__search', parentDir], { detached: true, stdio: ['ignore', fd, fd], env: process.env });
    child.unref();
    if (child.pid === undefined) throw new GrunError('cannot start the search');
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

async function maybePrune(t: Live, trials: Live[], pruner: PrunerSettings, objective: Objective): Promise<void> {
  t.curve = curveOf(t.dir, objective);
  for (const other of trials) if (other !== t && !other.ended) other.curve = curveOf(other.dir, objective);
  const others: TrialCurve[] = trials.filter((x) => x !== t).map((x) => ({ id: x.id, points: x.curve, ended: x.ended }));
  const me: TrialCurve = { id: t.id, points: t.curve, ...(t.passedRung !== undefined ? { passedRung: t.passedRung } : {}) };
  const verdict = judge(pruner, me, others, { minimize: objective.minimize, column: objective.tag });
  if (!verdict.prune) {
    if (verdict.rung !== undefined) t.passedRung = verdict.rung;
    return;
  }
  writeFileAtomicSync(guildPath(t.dir, PRUNED_FILE), verdict.reason! + '\n');
  await stopRuns([loadRun(t.dir)], { noWait: true });
}
