// Run status: Guild's exact order (guild/run.py: Run.status), plus grun's process record so that
// a dead supervisor or a reused pid never reads as `running`.
import {
  bootId,
  hostName,
  isProcessAlive,
  processRecordAgeMs,
  processRunId,
  processStartedAtMs,
} from './proc.js';
import { type RunStatus, type RunSummary, type StatusInfo, UNREADABLE_DIR } from './types.js';

/** Every status a run can have, in Guild's `-S` order (r c e t p s): the statuses a filter names. */
export const STATUSES: readonly RunStatus[] = ['running', 'completed', 'error', 'terminated', 'pending', 'staged'];

/** What status derivation asks of the machine; injectable so the rules are testable as a table. */
export interface ProcessProbe {
  host: string;
  bootId: string;
  isAlive(pid: number, start?: number): boolean;
  startedAtMs(pid: number): number | null;
  recordAgeMs(runDir: string): number | null;
  /** The RUN_ID in a process's environment: null without one, undefined when unreadable. */
  runIdOf?(pid: number): string | null | undefined;
}

export const systemProbe: ProcessProbe = {
  host: hostName(),
  bootId: bootId(),
  isAlive: isProcessAlive,
  startedAtMs: processStartedAtMs,
  recordAgeMs: (dir) => processRecordAgeMs(dir),
  runIdOf: processRunId,
};

/** A supervisor on another host touches its record at least this often while it lives. */
export const HEARTBEAT_STALE_MS = 90_000;
/** Slack between the `started` attr and the process start seen in /proc. */
const START_SLACK_MS = 5_000;

function fromExitStatus(code: number): StatusInfo {
  if (code === 0) return { status: 'completed' };
  return code < 0 ? { status: 'terminated' } : { status: 'error' };
}

export function deriveStatus(s: RunSummary, probe: ProcessProbe = systemProbe): StatusInfo {
  if (s.markers.lockRemote !== null) return { status: 'running', remote: s.markers.lockRemote };
  if (s.markers.pending) return { status: 'pending' };
  if (s.markers.staged) return { status: 'staged' };
  if (s.exitStatus !== null) return fromExitStatus(s.exitStatus);
  // A LOCK naming another process than the record's child is a later start's (Guild restarting
  // a run grun made): the record is stale, the LOCK decides. Only on the record's own host: a
  // record of another host is judged by its heartbeat, and a pid there means nothing here.
  const lockedByOther = !!s.proc?.child && s.proc.host === probe.host && s.lockPid !== null && s.lockPid !== s.proc.child.pid;
  const rec = s.proc && !lockedByOther ? s.proc : null;
  if (rec) {
    if (rec.host !== probe.host) {
      const age = probe.recordAgeMs(s.dir);
      if (age !== null && age < HEARTBEAT_STALE_MS) return { status: 'running', pid: rec.child?.pid };
      return { status: 'error', reason: `no heartbeat from its supervisor on host ${rec.host}` };
    }
    if (rec.bootId && probe.bootId && rec.bootId !== probe.bootId) {
      return { status: 'error', reason: 'the machine restarted while the run was running' };
    }
    if (probe.isAlive(rec.supervisor.pid, rec.supervisor.start)) {
      return { status: 'running', pid: rec.child?.pid ?? s.lockPid ?? undefined };
    }
    return {
      status: 'error',
      reason: probe.isAlive(rec.supervisor.pid)
        ? `supervisor gone (pid ${rec.supervisor.pid} now belongs to another process)`
        : `supervisor gone (pid ${rec.supervisor.pid} exited without recording an exit status)`,
    };
  }
  if (s.lockPid !== null) {
    if (!probe.isAlive(s.lockPid)) {
      return { status: 'error', reason: `process ${s.lockPid} exited without recording an exit status` };
    }
    // A Guild run has no process record. Its command was started with RUN_ID set to the run's
    // id: a readable environment without it is a pid reused by an unrelated process, even one
    // started after the run (the start-time rule below cannot see that case).
    const envRunId = probe.runIdOf?.(s.lockPid);
    if (envRunId !== undefined && envRunId !== s.id) {
      return { status: 'error', reason: `pid ${s.lockPid} was reused by another process` };
    }
    // A process that started before the run did is a reused pid.
    const startedMs = s.started !== null ? s.started / 1000 : null;
    const procMs = probe.startedAtMs(s.lockPid);
    if (startedMs !== null && procMs !== null && procMs < startedMs - START_SLACK_MS) {
      return { status: 'error', reason: `pid ${s.lockPid} was reused by another process` };
    }
    return { status: 'running', pid: s.lockPid };
  }
  const unreadable = s.problems.find((p) => p.file === UNREADABLE_DIR);
  if (unreadable) return { status: 'error', reason: unreadable.message };
  return { status: 'error', reason: 'no exit status recorded and no process' };
}

/**
 * A parent's status from its children's (Accio's `updateParentProgress`): staged while none
 * has started, pending while they wait and some are queued (a Slurm job array), running while
 * any runs or waits after others ended, then completed when all completed, terminated if any
 * was terminated, else error.
 */
export function aggregateStatus(children: RunStatus[]): RunStatus {
  if (children.length === 0) return 'error';
  if (children.some((s) => s === 'running')) return 'running';
  const waiting = children.filter((s) => s === 'staged' || s === 'pending').length;
  if (waiting === children.length) return children.every((s) => s === 'staged') ? 'staged' : 'pending';
  if (waiting > 0) return 'running';
  if (children.every((s) => s === 'completed')) return 'completed';
  return children.includes('terminated') ? 'terminated' : 'error';
}

