// Runs on this machine: a detached supervisor process per run (see supervisor.ts), liveness
// from /proc with start times, signals to the command's process group.
import { removeTempPidfile } from './pidfile.js';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { OutputReader, readOutputLines, type OutputLine } from '../store/output.js';
import { bootId, hostName, isProcessAlive, readProcessRecord } from '../store/proc.js';
import { loadRunSummary, guildPath } from '../store/run.js';
import { deriveStatus } from '../store/status.js';
import type { Run, StatusInfo } from '../store/types.js';
import type { FollowOptions, OutputFollower, RunHandle, StartedRun, StartOptions, StopOptions, StopOutcome } from './executor-types.js';
import type { RunPlan } from './plan-types.js';
import { writeRunDir } from './run-writer.js';
import { signalGroup, type SupervisorJob } from './supervisor.js';
import { takeSupervisor } from './supervisor-process.js';

const POLL_MS = 20;

function newRunId(): string {
  return randomUUID().replaceAll('-', '');
}

/** What to signal for a run: the command's process group, or its supervisor before it spawned. */
interface Target {
  pid: number;
  start?: number;
  group: boolean;
}

/** The process to signal, checked against grun's process record (start time, host, boot). */
function signalTarget(run: Run): Target | { error: string } {
  const notRunning = { error: `Run ${run.id} is not running` };
  const rec = readProcessRecord(run.dir);
  if (rec) {
    if (rec.host !== hostName()) return { error: `Run ${run.id} runs on host ${rec.host}, not on this one` };
    if (rec.bootId && rec.bootId !== bootId()) return notRunning;
    if (rec.child && isProcessAlive(rec.child.pid, rec.child.start)) {
      return { pid: rec.child.pid, start: rec.child.start, group: true };
    }
    // No live child known yet: the supervisor forwards SIGTERM/SIGINT once it has spawned it.
    if (isProcessAlive(rec.supervisor.pid, rec.supervisor.start)) {
      return { pid: rec.supervisor.pid, start: rec.supervisor.start, group: false };
    }
    return notRunning;
  }
  // A Guild run: its LOCK pid, while the store's status still calls it running.
  const st = deriveStatus(loadRunSummary(run.dir, run.deleted));
  if (st.status === 'running' && !st.remote && st.pid) return { pid: st.pid, group: true };
  return notRunning;
}

function sendSignal(t: Target, sig: NodeJS.Signals): void {
  if (t.group) signalGroup(t.pid, sig);
  else {
    try {
      process.kill(t.pid, sig);
    } catch {
      // gone meanwhile
    }
  }
}

function currentStatus(dir: string, deleted: boolean): StatusInfo {
  return deriveStatus(loadRunSummary(dir, deleted));
}

/** True while grun's supervisor of the run is alive (it still has the run to finalize). */
function supervisorAlive(runDir: string): boolean {
  const rec = readProcessRecord(runDir);
  return !!rec && isProcessAlive(rec.supervisor.pid, rec.supervisor.start);
}

function finalized(runDir: string): boolean {
  return !existsSync(guildPath(runDir, 'LOCK')) || !supervisorAlive(runDir);
}

/** Waits until the run has ended: its process gone and, with a live supervisor, finalized. */
async function waitEnded(run: Run, t: Target, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const st = currentStatus(run.dir, run.deleted).status;
    if (st !== 'running' && !isProcessAlive(t.pid, t.start) && finalized(run.dir)) return true;
    if (Date.now() >= until) return false;
    await sleep(50);
  }
}

/** Opens the pidfile before anything starts: a path that cannot be written fails the launch cleanly. */
function openPidfile(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (e) {
    throw new GrunError(`cannot write pidfile '${path}': ${(e as Error).message}`);
  }
}

async function spawnSupervisor(runDir: string, job: SupervisorJob, pidfile?: string, tempPidfile?: boolean): Promise<StartedRun> {
  const pidFd = pidfile ? openPidfile(pidfile) : undefined;
  if (pidfile && tempPidfile) job = { ...job, tempPidfile: pidfile };
  const sup = takeSupervisor(runDir, job);
  const { logFile, tmp } = sup;
  const staged = (): boolean => existsSync(guildPath(runDir, 'STAGED'));
  // Started (LOCK), or already over; a staged run is ready once STAGED is there. (A run being
  // started from staging may hold a stale exit_status until its supervisor unstages it.)
  const ready = (): boolean =>
    existsSync(guildPath(runDir, 'LOCK')) ||
    (job.stage ? staged() : readAttr(runDir, 'exit_status').kind === 'ok' && !staged());
  try {
    const pid = sup.proc.pid;
    if (pid === undefined) {
      await new Promise((r) => setImmediate(r)); // the 'error' event comes on the next turn
      throw new GrunError(`cannot start the run supervisor: ${sup.spawnError?.message ?? 'no pid'}`);
    }
    if (pidFd !== undefined) writeFileSync(pidFd, String(pid));
    for (;;) {
      if (ready()) return { runId: job.runId, runDir, supervisorPid: pid };
      if (sup.exited) {
        if (ready()) return { runId: job.runId, runDir, supervisorPid: pid };
        // It exited before the run was ready, and wrote why.
        const why = readFileSync(logFile, 'utf8').trim().replace(/^grun: /, '');
        throw new GrunError(why || `the run supervisor exited before run ${job.runId} started`);
      }
      await sleep(POLL_MS);
    }
  } catch (e) {
    if (pidfile && tempPidfile) removeTempPidfile(pidfile);
    throw e;
  } finally {
    if (pidFd !== undefined) closeSync(pidFd);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Where a new run goes: its id and directory, refused when a run is there already. */
function newRunLocation(plan: RunPlan, home: string): { runId: string; runDir: string } {
  const runId = plan.runId ?? newRunId();
  const runDir = plan.runDir ?? join(home, 'runs', runId);
  // Checked here too: the writer refuses it, but a waiter would take the old run for the new.
  if (existsSync(guildPath(runDir, plan.runDir ? '' : 'attrs'))) {
    throw new GrunError(plan.runDir ? `${runDir} already holds a run (.guild exists)` : `run ID '${runId}' is already used (${runDir})`);
  }
  return { runId, runDir };
}

/** Starts runs on this machine: a planned run, or one written staged before, each under its own supervisor. */
export const localTarget = {
  name: 'local',

  async start(plan: RunPlan, opts: StartOptions): Promise<StartedRun> {
    const { runId, runDir } = newRunLocation(plan, opts.home);
    return spawnSupervisor(runDir, { home: opts.home, runId, plan, stage: opts.stage }, opts.pidfile, opts.tempPidfile);
  },

  /** A run whose dependency could not be resolved, written as Guild leaves it: never started, so `error`. */
  recordUnresolved(plan: RunPlan, opts: { home: string }): { runId: string; runDir: string } {
    const { runId } = newRunLocation(plan, opts.home);
    return { runId, runDir: writeRunDir(plan, { home: opts.home, runId, unresolved: true }) };
  },

  async startStaged(run: Run, opts: { pidfile?: string; tempPidfile?: boolean }): Promise<StartedRun> {
    if (run.status !== 'staged') throw new GrunError(`run ${run.id} is ${run.status}, not staged`);
    const home = dirname(dirname(run.dir));
    return spawnSupervisor(run.dir, { home, runId: run.id }, opts.pidfile, opts.tempPidfile);
  },
} as const;

/** Follows a run whose supervisor lives on this machine. */
export const localExecutor: RunHandle = {
  name: 'local',

  async stop(run: Run, opts: StopOptions = {}, onSignal?: (target: string) => void): Promise<StopOutcome> {
    const t = signalTarget(run);
    if ('error' in t) return { kind: 'not-running', message: t.error };
    sendSignal(t, 'SIGTERM');
    onSignal?.(`pid ${t.pid}`);
    if (opts.noWait) return { kind: 'signalled', pid: t.pid };
    let ended = await waitEnded(run, t, (opts.timeout ?? 30) * 1000);
    if (!ended && opts.force) {
      sendSignal(t, 'SIGKILL');
      ended = await waitEnded(run, t, 5000);
    }
    const status = currentStatus(run.dir, run.deleted);
    return { kind: ended ? 'stopped' : 'timed-out', pid: t.pid, status };
  },

  interrupt(run: Run): boolean {
    const t = signalTarget(run);
    if ('error' in t) return false;
    sendSignal(t, 'SIGINT');
    return true;
  },

  status(run: Run): StatusInfo {
    return currentStatus(run.dir, run.deleted);
  },

  async settled(run: Run, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (!finalized(run.dir) && Date.now() < until) await sleep(10);
  },

  readOutput(run: Run, from: number): OutputLine[] {
    return readOutputLines(run.dir, { start: from });
  },

  followOutput(run: Run, opts: FollowOptions = {}): OutputFollower {
    return new OutputReader(run.dir, opts);
  },
};
