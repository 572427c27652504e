// Sweeps on disk: a parent batch run (Guild's layout: proto + trial links, so `guild runs`
// shows it) and one staged child per trial, which the scheduler (queue.ts) starts. The
// parent is never executed: it stays PENDING while its children wait or run, and gets its
// `exit_status`/`stopped` from them (Accio's aggregation) when the last one ends.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { deleteAttr, readAttr, writeAttr } from '../store/attrs.js';
import { withDeferredDirSyncs, writeFileAtomicSync } from '../store/atomic.js';
import { GrunError } from '../store/errors.js';
import { loadRun } from '../store/index.js';
import { hostName } from '../store/proc.js';
import { guildPath } from '../store/run.js';
import { aggregateStatus } from '../store/status.js';
import { deleteRuns } from '../store/trash.js';
import type { RunStatus, YamlValue } from '../store/types.js';
import { isMarkedFloat, markFloat } from '../store/yaml11.js';
import { restoreFloatMarks } from './flags.js';
import { planTrial } from './plan.js';
import type { RunPlan } from './plan-types.js';
import { parentDirOf } from './run-family.js';
import { commentEntry, guildTimestamp, guildUser, runEnv, writeRunDir, writeStagedEnv } from './run-writer.js';
import { attachChild, protoAttrs, writeBatchRun } from './sweep/batch-layout.js';
import type { Expansion } from './sweep/expand.js';
import {
  batchKind,
  DEFAULT_RANDOM_TRIALS,
  gridTrials,
  randomTrials,
  sampleTrials,
  type BatchKind,
} from './sweep/guild-sweep.js';
import { childSeeds, newSeed } from './sweep/seeds.js';

/** A run id as Guild makes them: a UUID4 without dashes. */
export function newRunId(): string {
  return randomUUID().replaceAll('-', '');
}

/** The `exit_status` a finished parent records, so Guild derives the same status. */
const PARENT_EXIT: Partial<Record<RunStatus, number>> = { completed: 0, terminated: -15, error: 1 };

/** Writes a parent's outcome (`exit_status`, `stopped`, PENDING cleared); false for a status a parent does not end with. */
export function recordParentEnd(parentDir: string, status: RunStatus): boolean {
  const exit = PARENT_EXIT[status];
  if (exit === undefined) return false;
  writeAttr(parentDir, 'exit_status', exit);
  writeAttr(parentDir, 'stopped', guildTimestamp());
  rmSync(guildPath(parentDir, 'PENDING'), { force: true });
  return true;
}

/** One of a batch run's `run_params` (Guild keeps its batch options there: `keep_batch`, `fail_on_trial_error`). */
export function batchRunParam(parentDir: string, name: string): YamlValue | undefined {
  const params = readAttr(parentDir, 'run_params');
  return params.kind === 'ok' && isMap(params.value) ? params.value[name] : undefined;
}

/** A parent whose trials run again (`--restart PARENT`): its outcome forgotten, pending until they end. */
export function reopenParent(parentDir: string): void {
  writeFileSync(guildPath(parentDir, 'PENDING'), '');
  deleteAttr(parentDir, 'exit_status');
  deleteAttr(parentDir, 'stopped');
}

/** On a search's batch run while the search goes on: its job (engine/search.ts). */
export const SEARCH_FILE = 'grun-search';

/** Marks the parent of an Accio submission (`grun submit`), apart from a Guild-syntax batch. */
const SUBMISSION_FILE = 'grun-submission';

/** A child of a `grun submit` sweep: its label, tags and comments are its parent's (Accio). */
export function isSubmissionChild(runDir: string): boolean {
  const parent = parentDirOf(runDir);
  return parent !== null && existsSync(guildPath(parent, SUBMISSION_FILE));
}

/**
 * Called when a child has ended (by its supervisor, or a scheduler that saw it end): when
 * every child of its parent has ended, the parent records the aggregated outcome; a
 * successful Guild-syntax batch then goes to the trash unless it was made with --keep-batch
 * (Guild's rule). Returns the parent's final status, or null while children are left.
 */
export function finalizeParentIfDone(childDir: string): RunStatus | null {
  const parentDir = parentDirOf(childDir);
  if (!parentDir || readAttr(parentDir, 'exit_status').kind === 'ok') return null;
  // a search still proposing trials records its batch's end itself
  if (existsSync(guildPath(parentDir, SEARCH_FILE))) return null;
  const parent = loadRun(parentDir);
  const runsRoot = dirname(parentDir);
  const dirs = parent.children.map((id) => join(runsRoot, id)).filter((d) => existsSync(guildPath(d, 'opref')));
  // Called at every child's end: leave at the first child still waiting or running, by its
  // markers first, so that a big sweep is not read whole each time
  for (const d of dirs) {
    if (existsSync(guildPath(d, 'STAGED')) || existsSync(guildPath(d, 'PENDING'))) return null;
  }
  // Only children that recorded their end count as ended: one a scheduler has just claimed has
  // no STAGED marker and no process yet, and reads `error` for that moment. (A child whose
  // supervisor died never records one; listings still aggregate the parent's status.)
  for (const d of dirs) {
    if (!existsSync(guildPath(d, 'attrs', 'exit_status'))) return null;
  }
  const status = aggregateStatus(dirs.map((d) => loadRun(d).status));
  if (!recordParentEnd(parentDir, status)) return null;
  const keep = batchRunParam(parentDir, 'keep_batch') !== false;
  if (status === 'completed' && !keep && existsSync(parentDir)) {
    try {
      deleteRuns(dirname(runsRoot), [loadRun(parentDir)]);
    } catch {
      // the last two children ended together and the other one moved it first
    }
  }
  return status;
}

function isMap(v: YamlValue | undefined): v is Record<string, YamlValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A trial of `proto` whose `seed` flag, when the operation declares one and the user did not
 * set it, holds the run's seed (which also reaches every run as `SEED`). It is the decimal
 * text: the command line gets the exact digits, while the engine's argument and check code
 * (cmd-args, planTrial) cannot take a bigint yet.
 */
export function seededTrial(
  proto: RunPlan,
  values: Record<string, YamlValue>,
  seed: string,
  userFlags: Record<string, YamlValue>,
): RunPlan {
  if (!proto.flagDefs.some((d) => d.name === 'seed') || 'seed' in userFlags) return planTrial(proto, values);
  const rest: Record<string, YamlValue> = {};
  for (const k of Object.keys(values)) {
    if (k === 'seed') continue;
    rest[k] = values[k]!;
    if (isMarkedFloat(values, k)) markFloat(rest, k);
  }
  return planTrial({ ...proto, flags: { ...proto.flags, seed } }, rest);
}

/** What one child gets beyond its plan. */
export interface ChildSpec {
  plan: RunPlan;
  /** Signed 64-bit decimal: the `random_seed` attr and `SEED` in the run's environment. */
  seed: string;
  /** Extra files of `.guild/` (e.g. the memo key), written before the run is visible as staged. */
  extraFiles?: Record<string, string>;
}

/**
 * Writes one staged run: the run writer's directory (without its marker), then the seed, the
 * parent link and `.guild/ENV` with `SEED`, and STAGED last, so that no scheduler can start a
 * run whose setup is unfinished.
 */
export function writeStagedRun(home: string, parentDir: string | null, child: ChildSpec, runId = newRunId()): string {
  return withDeferredDirSyncs(() => {
    const runDir = writeRunDir(child.plan, { home, runId });
    try {
      writeAttr(runDir, 'random_seed', BigInt(child.seed));
      for (const [name, text] of Object.entries(child.extraFiles ?? {})) writeFileAtomicSync(guildPath(runDir, name), text);
      if (parentDir) attachChild(parentDir, runDir);
      writeStagedEnv(runDir, { ...(process.env as Record<string, string>), ...runEnv(child.plan, home, runDir, runId), SEED: child.seed });
      writeFileSync(guildPath(runDir, 'STAGED'), '');
      return runDir;
    } catch (e) {
      rmSync(runDir, { recursive: true, force: true });
      throw e;
    }
  });
}

/** A run the sweep made: staged, or (a memo hit) already completed. */
export interface CreatedRun {
  id: string;
  dir: string;
  memoOf?: string;
}

export interface CreatedSweep {
  /** null when the definition gave a single run. */
  parent: CreatedRun | null;
  children: CreatedRun[];
}

/** Makes a child's run dir; a memoizer may make a completed copy instead of a staged run. */
export type ChildWriter = (home: string, parentDir: string | null, child: ChildSpec) => CreatedRun;

export const stagedChildWriter: ChildWriter = (home, parentDir, child) => {
  const dir = writeStagedRun(home, parentDir, child);
  return { id: basename(dir), dir };
};

interface ParentSpec {
  home: string;
  kind: BatchKind;
  proto: RunPlan;
  protoFlags: Record<string, YamlValue>;
  seed: string;
  attrs: Record<string, YamlValue>;
  maxTrials?: number;
  objective?: string;
  optimizer?: string;
}

/** `staged`: the batch itself is staged (`--stage`), its trials written when it starts. */
export function writeParent(p: ParentSpec, staged = false): CreatedRun {
  const id = newRunId();
  const { proto } = p;
  const dir = writeBatchRun({
    home: p.home,
    id,
    kind: p.kind,
    initialized: guildTimestamp(),
    proto: { opref: proto.opref, attrs: { ...protoAttrs(proto), flags: p.protoFlags } },
    attrs: { host: hostName(), user: guildUser(), random_seed: BigInt(p.seed), ...p.attrs },
    ...(p.maxTrials !== undefined ? { maxTrials: p.maxTrials } : {}),
    ...(p.objective !== undefined ? { objective: p.objective } : {}),
    ...(p.optimizer !== undefined ? { optimizer: p.optimizer } : {}),
  });
  // Never executed: pending until its last child ends (Guild and grun's queue both skip it)
  writeFileSync(guildPath(dir, staged ? 'STAGED' : 'PENDING'), '');
  return { id, dir };
}

function writeChildren(
  home: string,
  parent: CreatedRun,
  children: ChildSpec[],
  write: ChildWriter,
): CreatedSweep {
  const created: CreatedRun[] = [];
  try {
    for (const c of children) created.push(write(home, parent.dir, c));
  } catch (e) {
    // all or nothing: a sweep half made would run half
    for (const c of created) rmSync(c.dir, { recursive: true, force: true });
    rmSync(parent.dir, { recursive: true, force: true });
    throw e;
  }
  // Every child a memo hit: nothing will run, so the parent ends now
  if (created.length && created.every((c) => c.memoOf)) finalizeParentIfDone(created[0]!.dir);
  return { parent, children: created };
}

/** `--batch-label`, `--batch-tag`, `--batch-comment`: the batch run's own metadata (its trials take `-l/-t/-c`). */
export interface BatchMeta {
  label?: string;
  tags?: string[];
  comment?: string;
}

/** The attrs of a batch run's metadata, as Guild writes them (a tag given twice once). */
export function batchMetaAttrs(meta: BatchMeta | undefined): Record<string, YamlValue> {
  const attrs: Record<string, YamlValue> = {};
  if (meta?.label !== undefined) attrs.label = meta.label;
  if (meta?.tags?.length) attrs.tags = [...new Set(meta.tags)];
  if (meta?.comment) attrs.comments = [commentEntry(meta.comment)];
  return attrs;
}

/** Options of a Guild-syntax sweep (`grun run OP lr=[0.1,0.2] -m 3 -o random …`). */
export interface GuildSweepOptions {
  home: string;
  batch?: BatchMeta;
  /** `-m/--max-trials`: a sample of a grid, or the size of a random search. */
  maxTrials?: number;
  /** `-o/--optimizer`: only `random`. */
  optimizer?: string;
  /** `--random-seed`: the batch seed (sampling, random draws, child seeds). */
  randomSeed?: string;
  /** `--keep-batch`: keep a successful batch run out of the trash. */
  keepBatch?: boolean;
  stageTrials?: boolean;
  write?: ChildWriter;
}

/**
 * `grun run OP lr=[0.1,0.2]`: the trials of `plan.sweeps` (grid, `-m` sample, or random
 * search), each planned and checked before any directory exists, then the batch run and one
 * staged child per trial.
 */
export function createGuildSweep(plan: RunPlan, o: GuildSweepOptions): CreatedSweep {
  const { parent, children } = planGuildSweep(plan, o);
  return writeChildren(o.home, writeParent(parent), children, o.write ?? stagedChildWriter);
}

/** On a batch staged with `--stage`: its trials (JSON), written as runs when it starts. */
export const STAGED_TRIALS_FILE = 'grun-trials';

/**
 * `grun run OP lr=[0.1,0.2] --stage` (or `-o + --stage`): the batch run staged, as Guild stages
 * it, its trials planned now and kept in the batch until it starts (`startStagedSweep`).
 */
export function stageGuildSweep(plan: RunPlan, o: GuildSweepOptions): CreatedRun {
  const { parent, children } = planGuildSweep(plan, o);
  const made = writeParent(parent, true);
  writeFileAtomicSync(guildPath(made.dir, STAGED_TRIALS_FILE), JSON.stringify(children) + '\n');
  return made;
}

/** Whether a staged batch holds trials that `startStagedSweep` writes (a grun `--stage` of a sweep). */
export function hasStagedTrials(batchDir: string): boolean {
  return existsSync(guildPath(batchDir, STAGED_TRIALS_FILE));
}

/**
 * A staged batch starts: no longer staged but pending, as any sweep's, with its trials written
 * (waiting PENDING for the batch's process when `pending`). `proto`: the first trial's plan,
 * which has the prototype's operation and dependencies.
 */
export function startStagedSweep(home: string, batch: CreatedRun, pending: boolean): { created: CreatedSweep; proto: RunPlan } {
  const children = JSON.parse(readFileSync(guildPath(batch.dir, STAGED_TRIALS_FILE), 'utf8')) as ChildSpec[];
  for (const c of children) restoreFloatMarks(c.plan);
  writeFileSync(guildPath(batch.dir, 'PENDING'), '');
  rmSync(guildPath(batch.dir, 'STAGED'), { force: true });
  writeAttr(batch.dir, 'started', guildTimestamp());
  const specs = pending ? children.map((c) => ({ ...c, extraFiles: { ...c.extraFiles, PENDING: '' } })) : children;
  const created = writeChildren(home, batch, specs, stagedChildWriter);
  rmSync(guildPath(batch.dir, STAGED_TRIALS_FILE), { force: true });
  return { created, proto: children[0]!.plan };
}

/** The flags of each trial of a Guild sweep (grid, `-m` sample of a grid, random search) drawn with `seed`. */
export function guildSweepTrials(
  plan: RunPlan,
  o: Pick<GuildSweepOptions, 'optimizer' | 'maxTrials'>,
  seed: string,
): { kind: NonNullable<ReturnType<typeof batchKind>>; trials: Record<string, YamlValue>[]; maxTrials?: number } {
  const kind = batchKind(plan.sweeps, o.optimizer);
  if (kind === null) throw new GrunError(`no flag of ${plan.operation} asks for a sweep`);
  let maxTrials = o.maxTrials;
  let trials: Record<string, YamlValue>[];
  if (kind === 'grid') {
    trials = gridTrials(plan.flags, plan.sweeps);
    if (maxTrials !== undefined) trials = sampleTrials(trials, maxTrials, seed);
  } else {
    maxTrials ??= DEFAULT_RANDOM_TRIALS;
    trials = randomTrials(plan.flags, plan.sweeps, maxTrials, seed);
  }
  if (trials.length === 0) throw new GrunError(`the sweep of ${plan.operation} gives no trials`);
  return { kind, trials, ...(maxTrials !== undefined ? { maxTrials } : {}) };
}

/** The batch run and trials of a Guild-syntax sweep, planned: nothing written. */
function planGuildSweep(plan: RunPlan, o: GuildSweepOptions): { parent: ParentSpec; children: ChildSpec[] } {
  const seed = o.randomSeed ?? newSeed();
  const { kind, trials, maxTrials } = guildSweepTrials(plan, o, seed);
  const seeds = childSeeds(seed, trials.length);
  const children = trials.map((t, i) => ({ plan: seededTrial(plan, t, seeds[i]!, plan.userFlags), seed: seeds[i]! }));
  const runParams = {
    ...(isMap(plan.runParams) ? plan.runParams : {}),
    keep_batch: !!o.keepBatch,
    max_trials: maxTrials ?? null,
    optimizer: o.optimizer ?? null,
    random_seed: BigInt(seed),
    stage_trials: !!o.stageTrials,
  };
  const parent: ParentSpec = {
    home: o.home,
    kind,
    proto: plan,
    protoFlags: plan.flags,
    seed,
    attrs: { run_params: runParams, ...batchMetaAttrs(o.batch) },
    ...(maxTrials !== undefined ? { maxTrials } : {}),
  };
  return { parent, children };
}

/** Metadata recorded on a submission's parent (or its single run). */
export interface SubmitMeta {
  /** Accio's owner; Guild's `user` attr. */
  owner?: string;
}

/**
 * The runs of an Accio run definition: one staged run, or a parent holding the definition's
 * name (label), notes, tags and seed, with one staged child per expanded run. `proto` is the
 * operation's plan; each child's flags are the expansion's.
 */
export function createSubmission(
  home: string,
  proto: RunPlan,
  exp: Expansion,
  o: SubmitMeta & { write?: ChildWriter } = {},
): CreatedSweep {
  const write = o.write ?? stagedChildWriter;
  const specs = exp.runs.map((r): ChildSpec => {
    const trial = seededTrial(proto, r.flags, r.seed, r.userFlags);
    const label = exp.kind === 'single' ? exp.name : r.name;
    const plan: RunPlan = {
      ...trial,
      userFlags: r.userFlags,
      label,
      tags: exp.kind === 'single' ? [...new Set([...exp.tags, ...proto.tags])] : proto.tags,
      runParams: { ...(isMap(proto.runParams) ? proto.runParams : {}), flags: [], random_seed: BigInt(r.seed) },
    };
    return { plan, seed: r.seed };
  });
  const owner = o.owner ?? guildUser();
  if (exp.kind === 'single') {
    const run = write(home, null, specs[0]!);
    writeAttr(run.dir, 'user', owner);
    if (exp.notes !== null) writeAttr(run.dir, 'notes', exp.notes);
    return { parent: null, children: [run] };
  }
  // The proto's flags: every default, the swept params as their lists of values
  const protoFlags: Record<string, YamlValue> = { ...exp.runs[0]!.flags };
  for (const name of exp.varying) {
    const values: YamlValue[] = [];
    for (const r of exp.runs) {
      const v = r.flags[name]!;
      if (values.some((x) => JSON.stringify(x, bigintJson) === JSON.stringify(v, bigintJson))) continue;
      values.push(v);
      if (isMarkedFloat(r.flags, name)) markFloat(values, values.length - 1);
    }
    protoFlags[name] = values;
  }
  const attrs: Record<string, YamlValue> = {
    user: owner,
    run_params: { ...(isMap(proto.runParams) ? proto.runParams : {}), keep_batch: true, random_seed: BigInt(exp.seed) },
  };
  if (exp.name !== null) attrs.label = exp.name;
  if (exp.tags.length) attrs.tags = exp.tags;
  if (exp.notes !== null) attrs.notes = exp.notes;
  const parent = writeParent({ home, kind: 'grid', proto, protoFlags, seed: exp.seed, attrs });
  try {
    writeFileSync(guildPath(parent.dir, SUBMISSION_FILE), '');
  } catch (e) {
    rmSync(parent.dir, { recursive: true, force: true });
    throw e;
  }
  return writeChildren(home, parent, specs, write);
}

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
