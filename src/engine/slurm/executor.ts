// The Slurm executor: a run is written here (staged, marked PENDING so that it lists as pending
// while queued), then `sbatch` runs grun's own supervisor on it inside the allocation, so output,
// output.index, scalars and the exit status are written by the same code as local runs. The Guild
// home must be on a file system the compute nodes share. The run records its job in
// `.guild/grun-slurm`; its status comes from Slurm's state until the supervisor has recorded an
// exit status, never from a local pid.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAttr } from '../../store/attrs.js';
import { readSlurmRecord, writeSlurmRecord } from '../../store/slurm-record.js';
import { shlexQuote } from '../../store/opref.js';
import { OutputReader, readOutputLines, type OutputLine } from '../../store/output.js';
import { loadRun } from '../../store/index.js';
import { guildPath } from '../../store/run.js';
import type { Run, StatusInfo, YamlValue } from '../../store/types.js';
import type { FollowOptions, OutputFollower, RunHandle, StartedRun, StartOptions, StopOptions, StopOutcome } from '../executor-types.js';
import { stagedChildWriter, type ChildWriter, type CreatedSweep } from '../batch.js';
import type { RunPlan } from '../plan-types.js';
import { writeRunDir } from '../run-writer.js';
import type { SupervisorJob } from '../supervisor.js';
import type { SlurmRemote } from '../remote/config.js';
import { queryJobs, sbatch, scancel } from './cli.js';
import { cancelQueued } from './cancel.js';
import { JOB_DIR, recordJobEnds } from './job-ends.js';
import { describeJobState, FINISHED_PHASES, type JobState } from './states.js';
import { slurmRunStatus } from './status.js';
import { grunArgv } from '../self-command.js';

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

export interface SlurmStartOptions extends Omit<StartOptions, 'stage'> {
  /** Partition, account, default time and extra options of a `type: slurm` remote. */
  remote?: SlurmRemote;
  /** Further sbatch options for this run (after the remote's and the operation's). */
  sbatchOptions?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface SlurmStartedRun extends StartedRun {
  jobId: string;
}

/** A run written to wait for its job: PENDING, with the job file its supervisor will read. */
export interface WaitingRun {
  runId: string;
  runDir: string;
  jobFile: string;
}

/** The job file the supervisor in the allocation reads; it removes its directory once the command runs. */
function writeJobFile(home: string, runId: string, runDir: string, extra: Partial<SupervisorJob> = {}): string {
  const jobDir = guildPath(runDir, JOB_DIR);
  mkdirSync(jobDir, { recursive: true });
  const jobFile = join(jobDir, 'job.json');
  const job: SupervisorJob = { ...extra, home, runId };
  writeFileSync(jobFile, JSON.stringify(job));
  return jobFile;
}

/**
 * Writes the run staged and PENDING (so that a queued job lists as pending), with its job file
 * (`job`: what else its supervisor needs, such as a pipeline step's late dependencies).
 */
export function prepareRun(plan: RunPlan, home: string, job: Partial<SupervisorJob> = {}, runId = randomUUID().replaceAll('-', '')): WaitingRun {
  const runDir = writeRunDir(plan, { home, runId, stage: true });
  // PENDING wins over STAGED in Guild's status order. The supervisor clears both when it starts
  // the run in the allocation.
  writeFileSync(guildPath(runDir, 'PENDING'), '');
  return { runId, runDir, jobFile: writeJobFile(home, runId, runDir, job) };
}

/**
 * Writes a sweep's child to wait for Slurm: PENDING before STAGED (so that a local scheduler,
 * which skips PENDING runs, never takes it), then its job file. `write` makes the run (a memo
 * writer may make a completed copy instead, which waits for nothing).
 */
export function slurmChildWriter(write: ChildWriter = stagedChildWriter): ChildWriter {
  return (home, parentDir, child) => {
    const made = write(home, parentDir, { ...child, extraFiles: { ...child.extraFiles, PENDING: '' } });
    if (!made.memoOf) writeJobFile(home, made.id, made.dir);
    return made;
  };
}

function sbatchExtra(plan: RunPlan, opts: SlurmStartOptions): string[] {
  return [...(opts.remote?.sbatchOptions ?? []), ...resourceOptions(plan.resources), ...(opts.sbatchOptions ?? [])];
}

function recordJob(runDir: string, jobId: string, cluster: string, remote?: SlurmRemote): void {
  writeSlurmRecord(runDir, { version: 1, executor: 'slurm', jobId, cluster, ...(remote ? { remote: remote.name } : {}), submitted: Date.now() });
}

const jobName = (id: string, operation: string): string => `grun-${id.slice(0, 8)}-${operation}`.replace(/[^\w.+-]/g, '_');

/** Submits one waiting run as a batch job of its own and records the job. */
export async function submitWaiting(run: WaitingRun, plan: RunPlan, opts: SlurmStartOptions): Promise<SlurmStartedRun> {
  const script = guildPath(run.runDir, 'grun-slurm.sh');
  writeFileSync(script, batchScript([process.execPath, ...grunArgv()], run.runDir, run.jobFile), { mode: 0o755 });
  const r = opts.remote;
  const submitted = await sbatch({
    script,
    workDir: run.runDir,
    output: guildPath(run.runDir, 'slurm-%j.out'),
    jobName: jobName(run.runId, plan.operation),
    partition: r?.partition,
    account: r?.account,
    time: r?.time,
    extra: sbatchExtra(plan, opts),
    env: opts.env,
  });
  recordJob(run.runDir, submitted.jobId, submitted.cluster, r);
  return { runId: run.runId, runDir: run.runDir, supervisorPid: 0, jobId: submitted.jobId };
}

/** Writes the run (PENDING while queued) and submits its supervisor as one batch job. */
export async function submitRun(plan: RunPlan, opts: SlurmStartOptions): Promise<SlurmStartedRun> {
  const run = prepareRun(plan, opts.home);
  try {
    const started = await submitWaiting(run, plan, opts);
    if (opts.pidfile) writeFileSync(opts.pidfile, started.jobId);
    return started;
  } catch (e) {
    rmSync(run.runDir, { recursive: true, force: true }); // never submitted: no run
    throw e;
  }
}

/** Slurm's default MaxArraySize is 1001: indices 0-1000. */
const MAX_ARRAY_TASKS = 1000;

export interface SweepSubmitted {
  /** One per child that waits for Slurm (memo hits have none); an array task's job id is `ARRAYJOB_INDEX`. */
  runs: SlurmStartedRun[];
  /** The array job ids (one per 1,000 children); empty for a single run. */
  arrayJobIds: string[];
}

/** One `sbatch --array=0-N%K` per 1,000 runs, task i supervising run i; the list and script live in `scriptDir`. */
async function submitArrays(
  waiting: WaitingRun[],
  proto: RunPlan,
  opts: SlurmStartOptions & { maxParallel?: number; scriptDir: string },
  submittedRuns: SlurmStartedRun[],
): Promise<string[]> {
  const arrayJobIds: string[] = [];
  for (let start = 0, part = 0; start < waiting.length; start += MAX_ARRAY_TASKS, part++) {
    const chunk = waiting.slice(start, start + MAX_ARRAY_TASKS);
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
      jobName: jobName(chunk[0]!.runId, proto.operation),
      partition: r?.partition,
      account: r?.account,
      time: r?.time,
      array: `0-${chunk.length - 1}${throttle}`,
      extra: sbatchExtra(proto, opts),
      env: opts.env,
    });
    arrayJobIds.push(submitted.jobId);
    chunk.forEach((c, i) => {
      const jobId = `${submitted.jobId}_${i}`;
      recordJob(c.runDir, jobId, submitted.cluster, r);
      submittedRuns.push({ runId: c.runId, runDir: c.runDir, supervisorPid: 0, jobId });
    });
  }
  return arrayJobIds;
}

/**
 * Submits what a sweep made with `slurmChildWriter`: the waiting children of a parent as job
 * arrays (scripts and lists in the parent's `.guild`, `maxParallel` the throttle K), or a
 * single run as a job of its own. When sbatch fails, the children no job was submitted for
 * are removed with their trial links, and the parent too when nothing was submitted.
 */
export async function submitSweep(
  created: CreatedSweep,
  proto: RunPlan,
  opts: SlurmStartOptions & { maxParallel?: number },
): Promise<SweepSubmitted> {
  const waiting: WaitingRun[] = created.children
    .filter((c) => !c.memoOf)
    .map((c) => ({ runId: c.id, runDir: c.dir, jobFile: guildPath(c.dir, JOB_DIR, 'job.json') }));
  const runs: SlurmStartedRun[] = [];
  try {
    if (!created.parent) {
      for (const w of waiting) runs.push(await submitWaiting(w, proto, opts));
      return { runs, arrayJobIds: [] };
    }
    const arrayJobIds = await submitArrays(waiting, proto, { ...opts, scriptDir: guildPath(created.parent.dir) }, runs);
    return { runs, arrayJobIds };
  } catch (e) {
    for (const w of waiting.slice(runs.length)) {
      rmSync(w.runDir, { recursive: true, force: true });
      if (created.parent) rmSync(join(created.parent.dir, w.runId), { force: true });
    }
    if (created.parent && runs.length === 0 && created.children.every((c) => !c.memoOf)) {
      rmSync(created.parent.dir, { recursive: true, force: true });
    }
    throw e;
  }
}

async function jobState(jobId: string): Promise<JobState> {
  return (await queryJobs([jobId])).get(jobId)!;
}

async function waitFinished(jobId: string, ms: number): Promise<JobState> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await jobState(jobId);
    if (FINISHED_PHASES.has(s.phase) || s.phase === 'unknown' || Date.now() >= until) return s;
    await sleep(250);
  }
}

/** Starts work in Slurm: one run as a batch job, a sweep's waiting runs as job arrays. */
export const slurmTarget = {
  name: 'slurm',
  start: submitRun,
  /** How a sweep's children are written to wait for their jobs. */
  childWriter: slurmChildWriter,
  submitSweep,
} as const;

/** Follows a run whose supervisor runs inside a Slurm job. */
export const slurmExecutor: RunHandle = {
  name: 'slurm',

  /**
   * `scancel --signal=TERM --full`, then a plain `scancel` once the grace period (`timeout`,
   * default 30 s) has passed. "pid" in the outcome is the job id.
   */
  async stop(run: Run, opts: StopOptions = {}, onSignal?: (target: string) => void): Promise<StopOutcome> {
    const rec = readSlurmRecord(run.dir);
    if (!rec) return { kind: 'not-running', message: `Run ${run.id} is not a Slurm run` };
    const before = await jobState(rec.jobId);
    if (before.phase !== 'pending' && before.phase !== 'running') {
      return { kind: 'not-running', message: `Run ${run.id} is not running (Slurm job ${rec.jobId} ${describeJobState(before)})` };
    }
    const id = Number(rec.jobId.split('_')[0]); // array tasks (`12_3`) report their array job
    if (before.phase === 'pending') {
      // A queued job has nothing to signal: cancelled outright, and recorded as grun cancelled it.
      const { cancelled } = await cancelQueued([run]);
      onSignal?.(`Slurm job ${rec.jobId}`);
      if (cancelled[0]) return { kind: 'stopped', pid: id, status: slurmRunStatus(cancelled[0]) };
    } else {
      await scancel(rec.jobId, { signal: 'TERM' });
      onSignal?.(`Slurm job ${rec.jobId}`);
    }
    if (opts.noWait) return { kind: 'signalled', pid: id };
    let s = await waitFinished(rec.jobId, (opts.timeout ?? 30) * 1000);
    if (!FINISHED_PHASES.has(s.phase) && s.phase !== 'unknown') {
      await scancel(rec.jobId);
      s = await waitFinished(rec.jobId, 10_000);
    }
    const ended = FINISHED_PHASES.has(s.phase) || s.phase === 'unknown';
    // Give the supervisor's own exit status a moment to land before recording Slurm's end.
    for (let i = 0; i < 20 && readAttr(run.dir, 'exit_status').kind !== 'ok'; i++) await sleep(100);
    const [after] = ended ? recordJobEnds([loadRun(run.dir, run.deleted)], () => s) : [loadRun(run.dir, run.deleted)];
    return { kind: ended ? 'stopped' : 'timed-out', pid: id, status: slurmRunStatus(after!, { job: () => s }) };
  },

  interrupt(run: Run): boolean {
    const rec = readSlurmRecord(run.dir);
    if (!rec) return false;
    void scancel(rec.jobId, { signal: 'INT' }).catch(() => {});
    return true;
  },

  /** What the run's directory says: Slurm's state comes from a reconcile step (`reconcile.ts`), never from here. */
  status(run: Run): StatusInfo {
    return slurmRunStatus(loadRun(run.dir, run.deleted));
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

  followOutput(run: Run, opts: FollowOptions = {}): OutputFollower {
    return new OutputReader(run.dir, opts);
  },
};
