// Carrying out a launch plan: the runs written and started where decide.ts sent them, what
// happened told line by line to the CLI's stdout (when there is one) and summed up in a report
// that every front end reads the same way.
import { shlexQuote } from '../../store/opref.js';
import { readFailureNote } from '../../store/run-reserve.js';
import { readAttr } from '../../store/attrs.js';
import { runsDir } from '../../store/home.js';
import { guildPath, loadRunSummary, toRun } from '../../store/run.js';
import { OutputWriter } from '../../store/output.js';
import { deleteRuns } from '../../store/trash.js';
import { isMap } from '../guildfile.js';
import { resolutionLines, resolveAtStart, resourceOf } from '../deps.js';
import { addStartDeps, failStagedRun } from '../run-writer.js';
import { GrunError } from '../../store/errors.js';
import { dirname, resolve } from 'node:path';
import type { Run, YamlValue } from '../../store/types.js';
import { flagsDesc } from '../../store/flagfmt.js';
import { termSafe } from '../../store/terminal-text.js';
import { createGuildSweep, createSubmission, hasStagedTrials, stageGuildSweep, startStagedSweep, stagedChildWriter, type ChildWriter, type CreatedRun, type CreatedSweep } from '../batch.js';
import { targets } from '../executor.js';
import { memoChildWriter, memoizeRun } from '../memo.js';
import { matchingRuns } from '../needed.js';
import type { RunPlan } from '../plan-types.js';
import { startRun, startStagedRun, type LaunchOptions, type LaunchResult } from './attach.js';
import { spawnBatch } from '../batch-process.js';
import { tempPidfile } from '../pidfile.js';
import { listRuns, loadRun } from '../../store/index.js';
// searches, schedulers, foreground sweeps and Slurm pipelines load when a launch is one:
// a single run's launch is on the path to its command, and loading them cost it ~0.1 s
import { launchPreview, type LaunchPreview } from './preview.js';
import type { LaunchMode, LaunchPlan, MemoUse, SweepStart } from './request.js';

export interface LaunchIO {
  /** Where the CLI's lines and a foreground run's output go; none: nothing is printed (the dashboard). */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Asked once, just before anything is written; false cancels. None: go ahead. */
  confirm?: (preview: LaunchPreview) => boolean | Promise<boolean>;
}

/** A run a launch made: staged or started, a memo hit with `memoOf`, a Slurm run with its job. */
export interface LaunchedRun {
  id: string;
  dir: string;
  memoOf?: string;
  jobId?: string;
}

export interface LaunchReport {
  /** Every run made, a sweep's parent first. */
  runs: LaunchedRun[];
  /** The run to show: the single run, or the sweep's parent; null when nothing was made. */
  focus: string | null;
  /** What happened, in one line (the dashboard's status line). */
  summary: string;
  /** `--needed`: the completed runs that made this one unneeded (nothing was made). */
  skippedFor?: Run[];
  /** Declined at the confirmation: nothing was made. */
  cancelled?: boolean;
  /** Attached to the end: the exit status the shell should see. */
  exitCode?: number;
}

const short = (id: string): string => id.slice(0, 8);
const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
const nothing = (summary: string, more: Partial<LaunchReport> = {}): LaunchReport => ({ runs: [], focus: null, summary, ...more });

/** The shell's convention for a run attached to its end: a positive exit status as is, a signal as 128 + its number. */
function exitCodeOf(r: Pick<LaunchResult, 'status' | 'exitStatus'>): number {
  if (r.status === 'completed') return 0;
  const s = r.exitStatus;
  return s ? (s > 0 ? Math.min(s, 255) : 128 + Math.min(-s, 127)) : 1;
}

function childWriter(home: string, memo: MemoUse, start: SweepStart): ChildWriter {
  const here = memo === 'off' ? stagedChildWriter : memoChildWriter(home, { reuse: memo === 'reuse' });
  if (start.kind === 'slurm') return targets.slurm.childWriter(here);
  // a background batch's trials wait pending until its process starts them
  if (start.kind === 'batch') return (h, parentDir, child) => here(h, parentDir, { ...child, extraFiles: { ...child.extraFiles, PENDING: '' } });
  return here;
}

export async function carryOut(lp: LaunchPlan, home: string, io: LaunchIO = {}): Promise<LaunchReport> {
  const say = (text: string): void => void io.stdout?.write(text + '\n');
  const preview = launchPreview(lp);
  const go = async (): Promise<boolean> => !preview || !io.confirm || (await io.confirm(preview));
  switch (lp.kind) {
    case 'ssh': {
      const r = await targets.ssh.start(home, lp.remote, lp.request);
      say(`${lp.request.opspec} started on ${lp.remote} as ${r.runId}`);
      const report = { runs: [{ id: r.runId, dir: r.runDir }], focus: r.runId, summary: `started ${short(r.runId)} ${lp.request.opspec} on ${lp.remote}` };
      if (!lp.follow) return report;
      // its output streamed from the remote's watch, then its mirror pulled: the end it recorded;
      // Ctrl-C stops following, the run goes on there
      const stop = new AbortController();
      const onInt = (): void => stop.abort();
      process.on('SIGINT', onInt); // on, not once: the ssh being stopped can bring a second SIGINT
      try {
        await (await import('../remote/remote-run.js')).watchRemoteRun(home, lp.remote, r.runId, io.stdout, io.stderr, stop.signal);
      } finally {
        process.off('SIGINT', onInt);
      }
      if (stop.signal.aborted) {
        say(`Stopped watching ${r.runId} (still running on ${lp.remote})`);
        return report;
      }
      return { ...report, exitCode: exitCodeOf(loadRun(r.runDir)) };
    }
    case 'local':
    case 'slurm': {
      const op = lp.plan.operation;
      for (const w of lp.warnings ?? []) io.stderr?.write(`WARNING: ${w}\n`);
      if (lp.needed) {
        const matches = matchingRuns(home, lp.plan);
        if (matches.length) return nothing(`${op}: a completed run has these flags (--needed)`, { skippedFor: matches });
      }
      if (lp.memo === 'reuse') {
        const hit = memoizeRun(home, lp.plan);
        if (hit) {
          say(`${op} memoized as ${hit.id}: outputs of completed run ${hit.memoOf}`);
          return { runs: [hit], focus: hit.id, summary: `memoized ${short(hit.id)} ${op}: outputs of ${short(hit.memoOf!)}` };
        }
      }
      if (!(await go())) return nothing('cancelled', { cancelled: true });
      if (lp.kind === 'slurm') {
        const r = await targets.slurm.start(lp.plan, { home, pidfile: lp.pidfile, remote: lp.remote });
        say(`${op} submitted to Slurm as ${r.runId} (job ${r.jobId})`);
        return { runs: [{ id: r.runId, dir: r.runDir, jobId: r.jobId }], focus: r.runId, summary: `submitted ${short(r.runId)} ${op} to Slurm (job ${r.jobId})` };
      }
      // Guild's resolution log, on stderr: which upstream run each dependency uses.
      resolutionLog(lp.plan, io);
      const o = attachOptions(home, lp, io);
      const r = await startRun(lp.plan, { ...o, stage: lp.mode === 'stage' });
      if (lp.mode === 'stage' && lp.plan.runDir !== undefined) {
        // Not in the home, so `--start` cannot find it: its own directory and command start it.
        // Guild quotes the directory with plain single quotes, whatever it holds.
        const start = `cd '${r.runDir}' && source .guild/ENV && ${lp.plan.cmdAttr.map(shlexQuote).join(' ')}`;
        say(`${op} staged in '${r.runDir}'\nTo start the operation, use "(${start})"`);
        return { runs: [{ id: r.runId, dir: r.runDir }], focus: r.runId, summary: `staged ${short(r.runId)} ${op}` };
      }
      return startedReport(home, op, r, lp.mode, o.pidfile, io);
    }
    case 'unresolved': {
      if (!(await go())) return nothing('cancelled', { cancelled: true });
      const failure = lp.plan.depFailure!;
      for (const w of failure.warnings) io.stderr?.write(`WARNING: ${w}\n`);
      resolutionLog(lp.plan, io);
      // a named resource whose earlier source resolved has said so already
      const last = lp.plan.deps.at(-1);
      if (!last || resourceOf(last) !== failure.dep) io.stderr?.write(`Resolving ${failure.dep}\n`);
      targets.local.recordUnresolved(lp.plan, { home });
      throw new GrunError(failure.message);
    }
    case 'pipeline': {
      if (!(await go())) return nothing('cancelled', { cancelled: true });
      if (lp.slurm) return submitPipelineReport(home, lp, lp.slurm, say);
      const o = attachOptions(home, lp, io);
      const r = await startRun(lp.plan, { ...o, stage: lp.mode === 'stage' });
      return startedReport(home, lp.plan.operation, r, lp.mode, o.pidfile, io);
    }
    case 'staged': {
      if (!(await go())) return nothing('cancelled', { cancelled: true });
      resolveStagedDeps(home, lp.run, io, !!lp.forceDeps);
      const o = attachOptions(home, lp, io);
      const r = await startStagedRun(lp.run, o);
      return startedReport(home, lp.run.operation, r, lp.mode, o.pidfile, io);
    }
    case 'search': {
      if (!(await go())) return nothing('cancelled', { cancelled: true });
      const { runSearch, spawnSearch, startSearch } = await import('../search.js');
      const summary = (id: string) => `${lp.options.optimizer} search ${short(id)} of ${lp.plan.operation}`;
      if (lp.background) {
        const r = startSearch(lp.plan, { ...lp.options, home, say });
        say(`Searching in the background (pid ${spawnSearch(home, r.parentDir)})`);
        return { runs: [{ id: r.parentId, dir: r.parentDir }], focus: r.parentId, summary: summary(r.parentId) };
      }
      const r = await runSearch(lp.plan, { ...lp.options, home, say });
      return { runs: [{ id: r.parentId, dir: r.parentDir }], focus: r.parentId, summary: summary(r.parentId), exitCode: r.ok ? 0 : 1 };
    }
    case 'sweep':
    case 'submission': {
      if (!(await go())) return nothing('cancelled', { cancelled: true });
      if (lp.kind === 'sweep' && lp.stage) {
        const batch = stageGuildSweep(lp.plan, { home, ...lp.options });
        const op = loadRun(batch.dir).operation;
        say(`${op} staged as ${batch.id}\nTo start the operation, use 'grun run --start ${batch.id}'`);
        return { runs: [batch], focus: batch.id, summary: `staged ${short(batch.id)} ${op}` };
      }
      const write = childWriter(home, lp.memo, lp.start);
      const proto = lp.kind === 'sweep' ? lp.plan : lp.proto;
      const created =
        lp.kind === 'sweep' ? createGuildSweep(lp.plan, { home, ...lp.options, write }) : createSubmission(home, lp.proto, lp.expansion, { write });
      const jobs = lp.start.kind === 'slurm' ? await submitToSlurm(home, created, proto, lp.start, say) : null;
      const lines = createdLines(lp, created);
      if (lines.length) say(lines.join('\n'));
      const quiet = lp.kind === 'sweep' && lp.quiet;
      const report = await startSweep(home, created, proto, { start: lp.start, quiet, pidfile: lp.kind === 'sweep' ? lp.pidfile : undefined, jobs }, io);
      const waiting = created.children.filter((c) => !c.memoOf);
      if (waiting.length && lp.start.kind === 'none' && lp.kind === 'submission') say(`Staged ${waiting.length} run(s): start them with 'grun queue'`);
      return report;
    }
    case 'staged-batch': {
      if (!(await go())) return nothing('cancelled', { cancelled: true });
      const background = lp.start.kind === 'batch';
      if (!hasStagedTrials(lp.run.dir)) {
        // a batch staged by Guild: its own command (Guild's batch operation) starts it
        const mode = background ? 'background' : 'foreground';
        const o = attachOptions(home, { kind: 'staged', run: lp.run, mode, quiet: lp.quiet, ...(lp.pidfile !== undefined ? { pidfile: lp.pidfile } : {}) }, io);
        return startedReport(home, lp.run.operation, await startStagedRun(lp.run, o), mode, o.pidfile, io);
      }
      const { created, proto } = startStagedSweep(home, { id: lp.run.id, dir: lp.run.dir }, background);
      return startSweep(home, created, proto, { start: lp.start, quiet: lp.quiet, pidfile: lp.pidfile, jobs: null }, io);
    }
    case 'trials': {
      if (!(await go())) return nothing('cancelled', { cancelled: true });
      const waiting = lp.runs.map((r) => ({ id: r.id, dir: r.dir }));
      say(waiting.map((r) => `Restarting trial ${r.id}`).join('\n'));
      const report = { runs: [{ id: lp.parent.id, dir: lp.parent.dir }, ...waiting], focus: lp.parent.id, summary: `restarted ${plural(waiting.length, 'trial')} of ${lp.parent.operation} (${short(lp.parent.id)})` };
      const exitCode = await startWaiting(home, lp.start, lp.parent.id, lp.parent.dir, waiting, lp.quiet, io);
      return exitCode === undefined ? report : { ...report, exitCode };
    }
  }
}

/**
 * The trials a sweep made, started as `start` says: by the batch's own process (background), by
 * a scheduler, here (the exit code in the report), or not at all.
 */
async function startSweep(
  home: string,
  created: CreatedSweep,
  proto: RunPlan,
  o: { start: SweepStart; quiet: boolean; pidfile: string | undefined; jobs: SlurmJobs | null },
  io: LaunchIO,
): Promise<LaunchReport> {
  const report = sweepReport(created, proto.operation, o.jobs, o.start.kind === 'none');
  const waiting = created.children.filter((c) => !c.memoOf);
  if (waiting.length === 0) return report;
  // Each trial resolves the prototype's dependencies (Guild logs them as each one starts).
  const trialLog = resolutionLines({ deps: proto.deps, configs: proto.configs }).map((l) => l.trimEnd());
  if (o.start.kind === 'batch') {
    const batch = created.parent!;
    const pidfile = backgroundPidfile(o.pidfile);
    await spawnBatch(home, batch.dir, { ...o.start, trials: waiting.map((c) => c.id), trialLog, ...pidfile });
    io.stdout?.write(`${loadRun(batch.dir).operation} started in background as ${batch.id} (pidfile ${pidfile.pidfile})\n`);
    return report;
  }
  const exitCode = await startWaiting(home, o.start, report.focus!, created.parent?.dir ?? null, waiting, o.quiet, io, trialLog);
  return exitCode === undefined ? report : { ...report, exitCode };
}

/**
 * Starts the waiting trials of a sweep (`focus` its parent, whose dir is `batchDir`; a single
 * run has none) as `start` says: a scheduler in the background, here in the foreground (the exit
 * code returned), or not at all.
 */
async function startWaiting(home: string, start: SweepStart, focus: string, batchDir: string | null, waiting: CreatedRun[], quiet: boolean, io: LaunchIO, trialLog: string[] = []): Promise<number | undefined> {
  switch (start.kind) {
    case 'scheduler': {
      const { spawnScheduler } = await import('../queue.js');
      const pid = spawnScheduler(home, [focus], start);
      io.stdout?.write(`Scheduling ${waiting.length} run(s) in the background (scheduler pid ${pid})\n`);
      return undefined;
    }
    case 'foreground': {
      const { runTrialsHere } = await import('./foreground-sweep.js');
      // What the trials print is the batch's output too, as in Guild's batch run (`cat --output`, the dashboard)
      const log = batchDir === null ? null : new OutputWriter(guildPath(batchDir));
      const out = io.stdout ?? process.stdout;
      const err = io.stderr ?? process.stderr;
      try {
        const { ok } = await runTrialsHere(waiting, {
          home,
          ...(batchDir === null ? {} : { batchDir }),
          maxParallel: start.maxParallel,
          gpus: start.gpus,
          quiet,
          trialLog,
          stdout: log ? log.stream(0, out) : out,
          stderr: log ? log.stream(1, err) : err,
        });
        return ok ? 0 : 1;
      } finally {
        log?.end();
        log?.close();
      }
    }
    case 'batch':
    case 'none':
    case 'slurm':
      return undefined;
  }
}

/** How one run starts here: in the background or attached, its output to the CLI's streams. */
async function submitPipelineReport(home: string, lp: Extract<LaunchPlan, { kind: 'pipeline' }>, slurm: NonNullable<Extract<LaunchPlan, { kind: 'pipeline' }>['slurm']>, say: (text: string) => void): Promise<LaunchReport> {
  const op = lp.plan.operation;
  const { submitPipeline } = await import('../pipeline/slurm.js');
  const { pipeline, steps } = await submitPipeline(lp.plan, lp.steps, { home, cwd: lp.plan.inputs.cwd, pidfile: lp.pidfile, ...slurm });
  for (const s of steps) say(s.jobId ? `step ${s.name}: run ${s.run} (job ${s.jobId})` : `step ${s.name}: memoized as ${s.run}, outputs of run ${s.memoOf}`);
  say(`${op} submitted to Slurm as ${pipeline.runId} (job ${pipeline.jobId})`);
  return {
    runs: [{ id: pipeline.runId, dir: pipeline.runDir, jobId: pipeline.jobId }, ...steps.map((s): LaunchedRun => ({ id: s.run!, dir: `${home}/runs/${s.run!}`, ...(s.jobId ? { jobId: s.jobId } : {}) }))],
    focus: pipeline.runId,
    summary: `submitted ${short(pipeline.runId)} pipeline ${op} to Slurm (job ${pipeline.jobId})`,
  };
}

function attachOptions(home: string, lp: Extract<LaunchPlan, { kind: 'local' | 'staged' | 'pipeline' }>, io: LaunchIO): LaunchOptions {
  const background = lp.mode === 'background';
  const pidfile = background ? backgroundPidfile(lp.pidfile) : lp.pidfile !== undefined ? { pidfile: lp.pidfile } : {};
  return { home, background, quiet: lp.quiet, ...pidfile, stdout: io.stdout, stderr: io.stderr };
}

/** In the background, `--pidfile` or else a pidfile of grun's own (removed as the run ends), as Guild's daemon has one. */
function backgroundPidfile(given: string | undefined): { pidfile: string; tempPidfile?: boolean } {
  return given !== undefined ? { pidfile: given } : { pidfile: tempPidfile(), tempPidfile: true };
}

/** Guild's warnings and resolution log, on stderr. */
function resolutionLog(plan: RunPlan, io: LaunchIO): void {
  io.stderr?.write(resolutionLines(plan).join(''));
}

/**
 * A staged run's dependencies as it starts (Guild resolves operation dependencies then): said,
 * then linked in; one that cannot be resolved leaves the run `error` and refuses the start,
 * unless `--force-deps` goes past it.
 */
function resolveStagedDeps(home: string, run: Run, io: LaunchIO, forceDeps: boolean): void {
  const r = resolveAtStart(run, listRuns(home), forceDeps);
  for (const line of r.log) io.stderr?.write(line + '\n');
  if (r.failure) {
    failStagedRun(run.dir);
    throw r.failure;
  }
  addStartDeps(run.dir, r.deps);
}

/** One run started here: staged, in the background, or attached to its end. */
function startedReport(home: string, op: string, r: LaunchResult, mode: LaunchMode, pidfile: string | undefined, io: LaunchIO): LaunchReport {
  const say = (text: string): void => void io.stdout?.write(text + '\n');
  const report = { runs: [{ id: r.runId, dir: r.runDir }], focus: r.runId, summary: `${mode === 'stage' ? 'staged' : 'started'} ${short(r.runId)} ${op}` };
  switch (mode) {
    case 'stage':
      say(`${op} staged as ${r.runId}\nTo start the operation, use 'grun run --start ${r.runId}'`);
      return report;
    case 'background':
      say(`${op} started in background as ${r.runId} (pidfile ${pidfile})`);
      return report;
    case 'foreground': {
      // detached (SIGHUP): the run goes on, and this command ends as if it had
      if (r.detached) return report;
      // What the supervisor could not record (a full disk): said, and the run's record is incomplete.
      const failure = readFailureNote(r.runDir);
      if (failure) io.stderr?.write(`grun: run ${r.runId}: ${failure}\n`);
      const exitCode = exitCodeOf(r) || (failure ? 1 : 0);
      if (exitCode === 0) deleteOnSuccess(home, r, op, io);
      return { ...report, exitCode };
    }
  }
}

/**
 * Guild's `delete-on-success`: a run of such an operation that completed attached goes to the
 * trash (a run outside the home stays). The run's own `op` attr says, so a staged run keeps
 * the word its operation gave when it was staged (`--keep-run` included).
 */
function deleteOnSuccess(home: string, r: LaunchResult, op: string, io: LaunchIO): void {
  const opAttr = readAttr(r.runDir, 'op');
  if (opAttr.kind !== 'ok' || !isMap(opAttr.value) || opAttr.value['delete-on-success'] !== true) return;
  if (dirname(resolve(r.runDir)) !== resolve(runsDir(home))) return;
  io.stderr?.write(`Deleting interim run ${r.runId} ('${op}' is configured for deletion on success)\n`);
  deleteRuns(home, [toRun(loadRunSummary(r.runDir))]);
}

interface SlurmJobs {
  runs: { runId: string; jobId: string }[];
  arrayJobIds: string[];
}

/** Sends what a sweep made to Slurm and says which jobs run it. */
async function submitToSlurm(
  home: string,
  created: CreatedSweep,
  proto: RunPlan,
  start: Extract<SweepStart, { kind: 'slurm' }>,
  say: (text: string) => void,
): Promise<SlurmJobs> {
  const { maxParallel, remote } = start;
  const jobs = await targets.slurm.submitSweep(created, proto, {
    home,
    ...(remote ? { remote } : {}),
    ...(maxParallel !== undefined ? { maxParallel } : {}),
  });
  const { runs, arrayJobIds } = jobs;
  if (runs.length === 0) return jobs;
  const what = arrayJobIds.length ? `job array${arrayJobIds.length > 1 ? 's' : ''} ${arrayJobIds.join(', ')}` : `job ${runs.map((r) => r.jobId).join(', ')}`;
  const throttle = maxParallel !== undefined && arrayJobIds.length ? `, at most ${maxParallel} at once` : '';
  say(`Submitted ${runs.length} run(s) to Slurm as ${what}${throttle}`);
  return jobs;
}

/** A trial's flags as written (its `flags` attr). */
function trialFlags(dir: string): Record<string, YamlValue> {
  const r = readAttr(dir, 'flags');
  return r.kind === 'ok' && isMap(r.value) ? r.value : {};
}

/** The runs a sweep (`Batch …: N trials`) or a submission (`Created run …`) made, as the CLI lists them. */
function createdLines(lp: Extract<LaunchPlan, { kind: 'sweep' | 'submission' }>, created: CreatedSweep): string[] {
  const memo = (r: CreatedRun): string => (r.memoOf ? ` (memoized: outputs of ${r.memoOf})` : '');
  if (lp.kind === 'sweep') {
    // Guild's foreground batch says only `Running trial …` as each one starts; a reused one is told
    if (lp.start.kind === 'foreground') return created.children.filter((c) => c.memoOf).map((c) => `Trial ${c.id}${memo(c)}`);
    // staged trials as Guild says them, each with its flags
    if (lp.options.stageTrials) {
      return created.children.map((c) => termSafe(`INFO: [grun] Staging trial ${c.id}: ${lp.plan.operation} (${flagsDesc(trialFlags(c.dir))})${memo(c)}`));
    }
    return [`Batch ${created.parent!.id}: ${created.children.length} trials`, ...created.children.map((c) => `Created trial ${c.id}${memo(c)}`)];
  }
  const all = [...(created.parent ? [created.parent] : []), ...created.children];
  return [...all.map((r) => `Created run ${r.id}${memo(r)}`), ...(all.length > 1 ? [`Created ${all.length} runs successfully`] : [])];
}

function sweepReport(created: CreatedSweep, op: string, jobs: SlurmJobs | null, staged: boolean): LaunchReport {
  const jobOf = new Map(jobs?.runs.map((r) => [r.runId, r.jobId]));
  const runs = [...(created.parent ? [created.parent] : []), ...created.children].map((r) => ({ ...r, ...(jobOf.has(r.id) ? { jobId: jobOf.get(r.id)! } : {}) }));
  const focus = created.parent?.id ?? created.children[0]!.id;
  const n = plural(created.children.length, 'trial');
  const summary = jobs
    ? `submitted a batch of ${plural(jobs.runs.length, 'trial')} to Slurm as job array ${jobs.arrayJobIds.join(', ')}`
    : `${staged ? 'staged' : 'started'} a batch of ${n} of ${op} (${short(focus)})`;
  return { runs, focus, summary };
}
