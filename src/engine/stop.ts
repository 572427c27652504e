// `grun stop` and the dashboard's stop: every run is signalled at once (SIGTERM to its process
// group, scancel for a Slurm job), then waited for. A sweep parent stops its whole sweep: the
// children that wait are cancelled first (recorded terminated, never started: a scheduler
// cannot take a run it cannot claim, and Slurm-queued ones are scancelled), then the running
// ones are stopped, and the parent ends terminated.
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAttr } from '../store/attrs.js';
import { loadRun } from '../store/index.js';
import { guildPath } from '../store/run.js';
import type { Run } from '../store/types.js';
import { recordParentEnd, SEARCH_FILE } from './batch.js';
import { executorFor, type StopOptions, type StopOutcome } from './executor.js';
import { CLAIM_FILE, claimRun, releaseClaim, selfOwner } from './queue.js';
import { finishRunDir } from './run-writer.js';
import { cancelQueued } from './slurm/cancel.js';
import { isSweepParent } from './stoppable.js';

export interface StopReport {
  run: Run;
  outcome: StopOutcome;
}

type OnSignal = (run: Run, target: string) => void;

/**
 * Stops `runs` concurrently. `onSignal` is told as each run is signalled, with what was
 * signalled (Guild prints `Stopping <id> (pid N)` then). A run that is not running is
 * reported, never signalled. Children of a sweep parent in `runs` are stopped with their sweep.
 */
export async function stopRuns(runs: Run[], opts: StopOptions = {}, onSignal?: OnSignal): Promise<StopReport[]> {
  const parents = runs.filter(isSweepParent);
  const inSweep = new Set(parents.flatMap((p) => p.children));
  const single = runs.filter((r) => !isSweepParent(r) && !inSweep.has(r.id));
  const reports = await Promise.all([...parents.map((p) => stopSweep(p, opts, onSignal)), stopEach(single, opts, onSignal)]);
  return reports.flat();
}

function stopEach(runs: Run[], opts: StopOptions, onSignal?: OnSignal): Promise<StopReport[]> {
  return Promise.all(runs.map(async (run) => ({ run, outcome: await executorFor(run).stop(run, opts, (t) => onSignal?.(run, t)) })));
}

const cancelledOutcome = (run: Run): StopOutcome => ({ kind: 'stopped', pid: 0, status: run.statusInfo });

/**
 * A staged child is cancelled under a scheduler's own claim, so that no scheduler starts it
 * after: claimed, still staged, then recorded terminated. False when a scheduler holds it (it
 * is being started: it is stopped once it runs).
 */
function cancelStaged(run: Run): boolean {
  const owner = selfOwner();
  if (!claimRun(run.dir, owner)) return false;
  try {
    if (!existsSync(guildPath(run.dir, 'STAGED')) || readAttr(run.dir, 'exit_status').kind === 'ok') return false;
    finishRunDir(run.dir, -15);
    // STAGED last: until then the run still reads staged, never as an unfinished run with no process
    rmSyncQuiet(guildPath(run.dir, 'STAGED'));
    return true;
  } finally {
    releaseClaim(run.dir, owner);
  }
}

function rmSyncQuiet(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // the run went away
  }
}

/** The sweep's children as they are now (those deleted meanwhile left out). */
function childrenNow(parent: Run): Run[] {
  const root = dirname(parent.dir);
  return parent.children.map((id) => join(root, id)).filter((d) => existsSync(guildPath(d, 'opref'))).map((d) => loadRun(d, parent.deleted));
}

/** How long a child that a scheduler is starting may take to show as running before it is looked at again. */
const STARTING_MS = 100;

async function stopSweep(parent: Run, opts: StopOptions, onSignal?: OnSignal): Promise<StopReport[]> {
  // A batch that runs as a process of its own (a background batch, Guild's batch operation) is
  // stopped first, so that it starts no further trial; it records its own end. Its pending
  // trials are not staged: they are left, as Guild leaves them.
  const own = parent.proc !== null || parent.lockPid !== null ? await stopEach([parent], opts, onSignal) : null;
  // A search that drives this batch (its job file is there) proposes trials until the batch has
  // an end: recorded first, so that no trial starts between the stop of one and the batch's end.
  const searchEnded = !own && parent.exitStatus === null && existsSync(guildPath(parent.dir, SEARCH_FILE)) && recordParentEnd(parent.dir, 'terminated');
  const reports = new Map<string, StopReport>();
  // Rounds until no child waits or runs: a scheduler may start a child between two looks.
  for (let round = 0; round < 50; round++) {
    const children = childrenNow(parent).filter((c) => !reports.has(c.id)); // each child is acted on once
    const staged = children.filter((c) => c.status === 'staged' && !c.slurm);
    const queued = children.filter((c) => c.slurm && c.exitStatus === null && c.markers.pending);
    const running = children.filter((c) => c.status === 'running' && !(c.slurm && c.markers.pending));
    // Claimed by a scheduler that is starting it: neither staged nor running for a moment.
    const starting = children.filter((c) => c.status !== 'running' && c.exitStatus === null && existsSync(guildPath(c.dir, CLAIM_FILE)));
    if (staged.length + queued.length + running.length + starting.length === 0) break;
    let busy = starting.length > 0;
    for (const c of staged) {
      if (cancelStaged(c)) {
        onSignal?.(c, 'staged: cancelled');
        reports.set(c.id, { run: c, outcome: cancelledOutcome(loadRun(c.dir, c.deleted)) });
      } else busy = true;
    }
    if (queued.length > 0) {
      const { cancelled, started } = await cancelQueued(queued);
      for (const c of cancelled) {
        onSignal?.(c, `Slurm job ${c.slurm!.jobId}: cancelled`);
        reports.set(c.id, { run: c, outcome: cancelledOutcome(c) });
      }
      running.push(...started);
    }
    for (const r of await stopEach(running, opts, onSignal)) reports.set(r.run.id, r);
    if (opts.noWait) break;
    if (busy) await sleep(STARTING_MS);
  }
  if (own) return [...own, ...reports.values()];
  const timedOut = [...reports.values()].some((r) => r.outcome.kind === 'timed-out');
  return [endSweep(parent, reports.size > 0 || searchEnded, timedOut, opts), ...reports.values()];
}

/** The parent's end: terminated, as it was stopped (a child's supervisor may have recorded the aggregate first). */
function endSweep(parent: Run, acted: boolean, timedOut: boolean, opts: StopOptions): StopReport {
  if (!acted) return { run: parent, outcome: { kind: 'not-running', message: `Run ${parent.id} is not running` } };
  // Still running (a child outlived the timeout) or still ending: its last child's end records it.
  if (opts.noWait || timedOut) return { run: parent, outcome: { kind: 'signalled', pid: 0 } };
  recordParentEnd(parent.dir, 'terminated');
  return { run: parent, outcome: { kind: 'stopped', pid: 0, status: loadRun(parent.dir, parent.deleted).statusInfo } };
}
