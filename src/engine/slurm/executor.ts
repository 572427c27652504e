// The Slurm executor: a run is written here (staged, marked PENDING so that it lists as pending
// while queued), then `sbatch` runs grun's own supervisor on it inside the allocation, so output,
// output.index, scalars and the exit status are written by the same code as local runs. The Guild
// home must be on a file system the compute nodes share. The run records its job in
// `.guild/grun-slurm`; its status comes from Slurm's state until the supervisor has recorded an
// exit status, never from a local pid.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomicSync } from '../../store/atomic.js';
import { readAttr } from '../../store/attrs.js';
import { GrunError } from '../../store/errors.js';
import { shlexQuote } from '../../store/opref.js';
import { OutputReader, readOutputLines, type OutputLine } from '../../store/output.js';
import { guildPath, loadRunSummary } from '../../store/run.js';
import { deriveStatus } from '../../store/status.js';
import type { Run, StatusInfo, YamlValue } from '../../store/types.js';
import type { Executor, OutputFollower, StartedRun, StartOptions, StopOptions, StopOutcome } from '../executor.js';
import type { RunPlan } from '../plan-types.js';
import { finishRunDir, writeRunDir } from '../run-writer.js';
import type { SupervisorJob } from '../supervisor.js';
import type { SlurmRemote } from '../remote/config.js';
import { sacctJobs, sbatch, scancel, scontrolJob, squeueAll } from './cli.js';
import { describeJobState, FINISHED_PHASES, type JobState } from './states.js';
import { grunArgv } from '../self-command.js';

/** `.guild/grun-slurm`: which job runs this run (JSON). */
export const SLURM_RECORD_FILE = 'grun-slurm';

export interface SlurmRecord {
  version: 1;
  executor: 'slurm';
  jobId: string;
  cluster: string;
  /** The `type: slurm` remote it was submitted through, if any. */
  remote?: string;
  submitted: number; // ms
  /** Slurm's final state word, once grun has finalized a run whose supervisor never did. */
  finalState?: string;
  finalReason?: string;
}

export function readSlurmRecord(runDir: string): SlurmRecord | null {
  try {
    const rec = JSON.parse(readFileSync(guildPath(runDir, SLURM_RECORD_FILE), 'utf8')) as SlurmRecord;
    return rec && rec.executor === 'slurm' && typeof rec.jobId === 'string' ? rec : null;
  } catch {
    return null;
  }
}

export function isSlurmRun(runDir: string): boolean {
  return existsSync(guildPath(runDir, SLURM_RECORD_FILE));
}

function writeSlurmRecord(runDir: string, rec: SlurmRecord): void {
  writeFileAtomicSync(guildPath(runDir, SLURM_RECORD_FILE), JSON.stringify(rec) + '\n');
}

/** The supervisor as `cmd & wait` (so that a trapped TERM is forwarded at once), then the run's status as the job's. */
function superviseLines(argv: string[], runDir: string, jobFile: string): string {
  return `${argv.map(shlexQuote).join(' ')} __supervise ${runDir} --job ${jobFile} &
sup=$!
trap 'kill -TERM $sup 2>/dev/null' TERM
trap 'kill -INT $sup 2>/dev/null' INT
# wait returns early when a trapped signal arrives: wait again until the supervisor has ended.
while :; do
  wait $sup; rc=$?
  kill -0 $sup 2>/dev/null || break
done
status=$(cat ${runDir}/.guild/attrs/exit_status 2>/dev/null)
case "$status" in
  ''|*[!0-9-]*) exit $rc ;;
  -*) exit $((128 - status)) ;;
  *) exit "$status" ;;
esac
`;
}

/**
 * The batch script of one run: the TERM of `scancel --signal=TERM --full` reaches the trapped
 * shell and is forwarded; the job exits with the run's own exit status, so that Slurm's
 * COMPLETED/FAILED agrees with the run.
 */
export function batchScript(argv: string[], runDir: string, jobFile: string): string {
  return `#!/bin/bash
# Written by grun: supervises run ${shlexQuote(runDir)} inside this Slurm allocation.
${superviseLines(argv, shlexQuote(runDir), shlexQuote(jobFile))}`;
}

/** The batch script of a job array: task N supervises the run on line N+1 of `listFile`. */
export function arrayScript(argv: string[], listFile: string): string {
  return `#!/bin/bash
# Written by grun: array task N supervises the run on line N+1 of the list.
run=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${shlexQuote(listFile)})
[ -n "$run" ] || { echo "grun: no run for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2; }
${superviseLines(argv, '"$run"', `"$run"/.guild/${JOB_DIR}/job.json`)}`;
}

function asCount(v: YamlValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v) && Number(v) > 0) return Number(v);
  return undefined;
}

/** guild.yml `resources:` → sbatch options: cpus, memory, gpus, time. */
export function resourceOptions(resources: Record<string, YamlValue> | undefined): string[] {
  if (!resources) return [];
  const out: string[] = [];
  const cpus = asCount(resources['cpus-per-task'] ?? resources.cpus ?? resources.slots);
  if (cpus) out.push(`--cpus-per-task=${cpus}`);
  const mem = resources.mem ?? resources.memory;
  if (typeof mem === 'string' || typeof mem === 'number') out.push(`--mem=${mem}`);
  const gpus = asCount(resources.gpus);
  if (gpus) out.push(`--gres=gpu:${gpus}`);
  const time = resources.time;
  if (typeof time === 'string' || typeof time === 'number') out.push(`--time=${time}`);
  return out;
}

export interface SlurmStartOptions extends StartOptions {
  /** Partition, account, default time and extra options of a `type: slurm` remote. */
  remote?: SlurmRemote;
  /** Further sbatch options for this run (after the remote's and the operation's). */
  sbatchOptions?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface SlurmStartedRun extends StartedRun {
  jobId: string;
}

const JOB_DIR = 'grun-slurm-job';

/** Writes the run staged and PENDING (so that a queued job lists as pending), with its job file. */
function prepareRun(plan: RunPlan, home: string): { runId: string; runDir: string; jobFile: string } {
  const runId = randomUUID().replaceAll('-', '');
  const runDir = writeRunDir(plan, { home, runId, stage: true });
  // PENDING wins over STAGED in Guild's status order. The supervisor clears both when it starts
  // the run in the allocation, and removes its job file's directory once the command runs.
  writeFileSync(guildPath(runDir, 'PENDING'), '');
  const jobDir = guildPath(runDir, JOB_DIR);
  mkdirSync(jobDir, { recursive: true });
  const jobFile = join(jobDir, 'job.json');
  const job: SupervisorJob = { home, runId };
  writeFileSync(jobFile, JSON.stringify(job));
  return { runId, runDir, jobFile };
}

function sbatchExtra(plan: RunPlan, opts: SlurmStartOptions): string[] {
  return [...(opts.remote?.sbatchOptions ?? []), ...resourceOptions(plan.resources), ...(opts.sbatchOptions ?? [])];
}

function recordJob(runDir: string, jobId: string, cluster: string, remote?: SlurmRemote): void {
  writeSlurmRecord(runDir, { version: 1, executor: 'slurm', jobId, cluster, ...(remote ? { remote: remote.name } : {}), submitted: Date.now() });
}

const jobName = (id: string, operation: string): string => `grun-${id.slice(0, 8)}-${operation}`.replace(/[^\w.+-]/g, '_');

/** Writes the run (PENDING while queued) and submits its supervisor as one batch job. */
export async function submitRun(plan: RunPlan, opts: SlurmStartOptions): Promise<SlurmStartedRun> {
  if (opts.stage) throw new GrunError('--stage and the slurm executor do not go together: Slurm queues the run itself');
  const { runId, runDir, jobFile } = prepareRun(plan, opts.home);
  try {
    const script = guildPath(runDir, 'grun-slurm.sh');
    writeFileSync(script, batchScript([process.execPath, ...grunArgv()], runDir, jobFile), { mode: 0o755 });
    const r = opts.remote;
    const submitted = await sbatch({
      script,
      workDir: runDir,
      output: guildPath(runDir, 'slurm-%j.out'),
      jobName: jobName(runId, plan.operation),
      partition: r?.partition,
      account: r?.account,
      time: r?.time,
      extra: sbatchExtra(plan, opts),
      env: opts.env,
    });
    recordJob(runDir, submitted.jobId, submitted.cluster, r);
    if (opts.pidfile) writeFileSync(opts.pidfile, submitted.jobId);
    return { runId, runDir, supervisorPid: 0, jobId: submitted.jobId };
  } catch (e) {
    rmSync(runDir, { recursive: true, force: true }); // never submitted: no run
    throw e;
  }
}

/** Slurm's default MaxArraySize is 1001: indices 0-1000. */
const MAX_ARRAY_TASKS = 1000;

export interface ArraySubmitted {
  /** One per plan, in order; each run's job id is `ARRAYJOB_INDEX`. */
  runs: SlurmStartedRun[];
  /** The array job ids (one per 1,000 runs). */
  arrayJobIds: string[];
}

/**
 * A sweep as job arrays: every run written first (PENDING), then one `sbatch --array=0-N%K`
 * per 1,000 runs, task i supervising run i. `maxParallel` is the throttle K. The list and
 * script live in `scriptDir` (e.g. the batch run's `.guild`).
 */
export async function submitArray(
  plans: RunPlan[],
  opts: SlurmStartOptions & { maxParallel?: number; scriptDir: string },
): Promise<ArraySubmitted> {
  if (plans.length === 0) return { runs: [], arrayJobIds: [] };
  const prepared = plans.map((p) => prepareRun(p, opts.home));
  const runs: SlurmStartedRun[] = [];
  const arrayJobIds: string[] = [];
  mkdirSync(opts.scriptDir, { recursive: true });
  try {
    for (let start = 0, part = 0; start < prepared.length; start += MAX_ARRAY_TASKS, part++) {
      const chunk = prepared.slice(start, start + MAX_ARRAY_TASKS);
      const list = join(opts.scriptDir, `grun-slurm-array-${part}.txt`);
      writeFileSync(list, chunk.map((c) => c.runDir + '\n').join(''));
      const script = join(opts.scriptDir, `grun-slurm-array-${part}.sh`);
      writeFileSync(script, arrayScript([process.execPath, ...grunArgv()], list), { mode: 0o755 });
      const throttle = opts.maxParallel ? `%${opts.maxParallel}` : '';
      const r = opts.remote;
      const submitted = await sbatch({
        script,
        workDir: opts.scriptDir,
        output: join(opts.scriptDir, 'slurm-%A_%a.out'),
        jobName: jobName(chunk[0]!.runId, plans[0]!.operation),
        partition: r?.partition,
        account: r?.account,
        time: r?.time,
        array: `0-${chunk.length - 1}${throttle}`,
        extra: sbatchExtra(plans[0]!, opts),
        env: opts.env,
      });
      arrayJobIds.push(submitted.jobId);
      chunk.forEach((c, i) => {
        const jobId = `${submitted.jobId}_${i}`;
        recordJob(c.runDir, jobId, submitted.cluster, r);
        runs.push({ runId: c.runId, runDir: c.runDir, supervisorPid: 0, jobId });
      });
    }
    return { runs, arrayJobIds };
  } catch (e) {
    // Runs no array was submitted for are removed; those already submitted stay, recorded.
    for (const c of prepared.slice(runs.length)) rmSync(c.runDir, { recursive: true, force: true });
    throw e;
  }
}

/** Job states seen recently: one squeue call answers for every run listed within `TTL_MS`. */
const TTL_MS = 1000;
let queueSnapshot: { at: number; jobs: Map<string, JobState> } | null = null;
const gone = new Map<string, { at: number; state: JobState }>();

/** A job's state: squeue (shared snapshot), else scontrol, else sacct, else unknown. */
export function jobState(jobId: string, env?: NodeJS.ProcessEnv): JobState {
  const now = Date.now();
  if (!queueSnapshot || now - queueSnapshot.at > TTL_MS) queueSnapshot = { at: now, jobs: squeueAll(env) };
  const q = queueSnapshot.jobs.get(jobId);
  if (q) return q;
  const g = gone.get(jobId);
  if (g && now - g.at <= TTL_MS) return g.state;
  const state = scontrolJob(jobId, env) ?? sacctJobs([jobId], env).get(jobId) ?? { jobId, phase: 'unknown', state: '' };
  gone.set(jobId, { at: now, state });
  return state;
}

/** Forgets cached job states (after a submission or a cancel, the next read asks Slurm). */
export function invalidateJobStates(): void {
  queueSnapshot = null;
  gone.clear();
}

/**
 * Writes the end of a run whose supervisor never recorded one (cancelled while queued, timed
 * out hard, lost with its node): Guild then reads the same status grun shows.
 */
export function finalizeFromSlurm(runDir: string, s: JobState): void {
  if (readAttr(runDir, 'exit_status').kind === 'ok') return;
  const code =
    s.phase === 'cancelled' || s.phase === 'timeout' ? -15 : s.exitCode && s.exitCode > 0 ? s.exitCode : 1;
  rmSync(guildPath(runDir, 'PENDING'), { force: true });
  rmSync(guildPath(runDir, 'STAGED'), { force: true });
  rmSync(guildPath(runDir, JOB_DIR), { recursive: true, force: true });
  finishRunDir(runDir, code);
  const rec = readSlurmRecord(runDir);
  if (rec) writeSlurmRecord(runDir, { ...rec, finalState: s.state, ...(s.reason ? { finalReason: s.reason } : {}) });
}

/**
 * A Slurm run's status: what its directory says once an exit status is recorded, else Slurm's
 * state (`PENDING (Resources)`, `RUNNING on node1`). A job Slurm has finished without the run
 * recording an end is finalized here; a job Slurm does not know is `unknown`, not failed.
 */
export function slurmStatus(run: Run, env?: NodeJS.ProcessEnv): StatusInfo {
  const rec = readSlurmRecord(run.dir);
  const summary = loadRunSummary(run.dir, run.deleted);
  if (!rec || summary.exitStatus !== null) {
    const st = deriveStatus(summary);
    if (rec?.finalState) return { ...st, reason: `Slurm job ${rec.jobId} ${rec.finalState}${rec.finalReason ? ` (${rec.finalReason})` : ''}` };
    return rec ? { status: st.status, reason: `Slurm job ${rec.jobId}` } : st;
  }
  const s = jobState(rec.jobId, env);
  const reason = `Slurm job ${rec.jobId} ${describeJobState(s)}`;
  if (s.phase === 'pending') return { status: 'pending', reason };
  if (s.phase === 'running') return { status: 'running', reason };
  if (FINISHED_PHASES.has(s.phase)) {
    // COMPLETED means the batch script ended, after its supervisor finalized; on a shared file
    // system the exit status may just not be visible yet, so only the other ends are written.
    if (s.phase === 'completed') return { status: 'error', reason: `${reason} without a recorded exit status` };
    finalizeFromSlurm(run.dir, s);
    return { ...deriveStatus(loadRunSummary(run.dir, run.deleted)), reason };
  }
  // Unknown to Slurm (not yet, or no longer): say so and keep what the directory says.
  return { status: summary.markers.pending ? 'pending' : 'running', reason };
}

async function waitFinished(jobId: string, ms: number, env?: NodeJS.ProcessEnv): Promise<JobState> {
  const until = Date.now() + ms;
  for (;;) {
    invalidateJobStates();
    const s = jobState(jobId, env);
    if (FINISHED_PHASES.has(s.phase) || s.phase === 'unknown' || Date.now() >= until) return s;
    await sleep(250);
  }
}

export const slurmExecutor: Executor = {
  name: 'slurm',

  start(plan: RunPlan, opts: StartOptions): Promise<StartedRun> {
    return submitRun(plan, opts);
  },

  async startStaged(run: Run): Promise<StartedRun> {
    throw new GrunError(`run ${run.id}: the slurm executor submits runs as it writes them; staged runs start locally`);
  },

  /**
   * `scancel --signal=TERM --full`, then a plain `scancel` once the grace period (`timeout`,
   * default 30 s) has passed. "pid" in the outcome is the job id.
   */
  async stop(run: Run, opts: StopOptions = {}, onSignal?: (pid: number) => void): Promise<StopOutcome> {
    const rec = readSlurmRecord(run.dir);
    if (!rec) return { kind: 'not-running', message: `Run ${run.id} is not a Slurm run` };
    invalidateJobStates();
    const before = jobState(rec.jobId);
    if (before.phase !== 'pending' && before.phase !== 'running') {
      return { kind: 'not-running', message: `Run ${run.id} is not running (Slurm job ${rec.jobId} ${describeJobState(before)})` };
    }
    const id = Number(rec.jobId.split('_')[0]); // array tasks (`12_3`) report their array job
    // A queued job has nothing to signal: cancel it outright.
    await scancel(rec.jobId, before.phase === 'pending' ? {} : { signal: 'TERM' });
    onSignal?.(id);
    if (opts.noWait) return { kind: 'signalled', pid: id };
    let s = await waitFinished(rec.jobId, (opts.timeout ?? 30) * 1000);
    if (!FINISHED_PHASES.has(s.phase) && s.phase !== 'unknown') {
      await scancel(rec.jobId);
      s = await waitFinished(rec.jobId, 10_000);
    }
    const ended = FINISHED_PHASES.has(s.phase) || s.phase === 'unknown';
    // Give the supervisor's own exit status a moment to land before finalizing from Slurm.
    for (let i = 0; i < 20 && readAttr(run.dir, 'exit_status').kind !== 'ok'; i++) await sleep(100);
    if (ended && s.phase !== 'unknown') finalizeFromSlurm(run.dir, s);
    invalidateJobStates();
    const status = slurmStatus(run);
    return { kind: ended ? 'stopped' : 'timed-out', pid: id, status };
  },

  interrupt(run: Run): boolean {
    const rec = readSlurmRecord(run.dir);
    if (!rec) return false;
    void scancel(rec.jobId, { signal: 'INT' }).catch(() => {});
    return true;
  },

  status(run: Run): StatusInfo {
    return slurmStatus(run);
  },

  /** The supervisor on the compute node writes the end; over a shared file system it may lag. */
  async settled(run: Run, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    const done = (): boolean => readAttr(run.dir, 'exit_status').kind === 'ok' && !existsSync(guildPath(run.dir, 'LOCK'));
    while (!done() && Date.now() < until) await sleep(50);
  },

  readOutput(run: Run, from: number): OutputLine[] {
    return readOutputLines(run.dir, { start: from });
  },

  followOutput(run: Run): OutputFollower {
    return new OutputReader(run.dir);
  },
};
