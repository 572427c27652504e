// The trials of a sweep run here, in the foreground of the command that made them or in a
// background batch's own process (engine/batch-process.ts): one at a time by default, their
// output printed as it comes, a stop interrupting the running ones and leaving the rest
// waiting (as a Guild batch leaves them pending).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GrunError } from '../../store/errors.js';
import { termSafe } from '../../store/terminal-text.js';
import { flagsDesc } from '../../store/flagfmt.js';
import { loadRun } from '../../store/index.js';
import type { Run } from '../../store/types.js';
import { executorFor, type OutputFollower } from '../executor.js';
import { runScheduler } from '../queue.js';
import { stopRuns } from '../stop.js';
import { batchRunParam, recordParentEnd, type CreatedRun } from '../batch.js';

export interface ForegroundOptions {
  home: string;
  maxParallel: number;
  /** GPU ids handed out (CUDA_VISIBLE_DEVICES); none: GPUs are not managed. */
  gpus?: string[];
  /** Print the trials' output (default: yes). */
  quiet?: boolean;
  /** What each trial resolves as it starts (Guild's `Resolving …`/`Using run …`), said after its `Running trial` line. */
  trialLog?: string[];
  /** The trials wait PENDING (a background batch's): each is made startable as a slot frees up. */
  pending?: boolean;
  /** The signals that stop the trials (default: Ctrl-C's); the running ones get SIGTERM. */
  stopSignals?: NodeJS.Signals[];
  /**
   * The trials' batch run: with Guild's `--fail-on-trial-error` in its `run_params`, the first
   * trial to end in error stops the batch (no more trials start) and records it error.
   */
  batchDir?: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Follows the output of the trials it is told about, printing their completed lines. */
class TrialOutput {
  private readonly followers = new Map<string, OutputFollower>();

  constructor(private readonly o: ForegroundOptions) {}

  add(run: Run): void {
    this.followers.set(run.id, executorFor(run).followOutput(run));
  }

  flush(id?: string): void {
    for (const [runId, f] of this.followers) {
      if (id !== undefined && runId !== id) continue;
      for (const line of f.poll()) (line.stream === 1 ? this.o.stderr : this.o.stdout).write(line.text + '\n');
    }
    if (id !== undefined) this.followers.delete(id);
  }
}

/**
 * Runs the trials that wait (memo hits do not) to their end. `ok`: every trial completed;
 * `stopped`: a stop signal came (the running trials were interrupted or stopped, the others left).
 */
export async function runTrialsHere(children: CreatedRun[], o: ForegroundOptions): Promise<{ ok: boolean; stopped: boolean }> {
  const output = new TrialOutput(o);
  const failFast = o.batchDir !== undefined && batchRunParam(o.batchDir, 'fail_on_trial_error') === true;
  let failed = false;
  const running = new Map<string, Run>();
  const abort = new AbortController();
  const signals = o.stopSignals ?? ['SIGINT'];
  const stopping: Promise<unknown>[] = [];
  let stopSignal: NodeJS.Signals | null = null;
  // Ctrl-C interrupts a trial as it would a run attached to it; any other stop terminates it.
  const stopTrial = (run: Run): void => {
    if (stopSignal === 'SIGINT') executorFor(run).interrupt(run);
    else {
      o.stdout.write(`INFO: [grun] Stopping trial ${run.id}\n`);
      stopping.push(stopRuns([run]));
    }
  };
  const onStop = (sig: NodeJS.Signals): void => {
    stopSignal = sig;
    abort.abort();
    for (const run of running.values()) stopTrial(run);
  };
  for (const sig of signals) process.on(sig, onStop);
  const waiting = children.filter((c) => !c.memoOf);
  // Pending trials are made startable (PENDING removed) one slot at a time, in order; a released
  // trial holds its slot until it ends (here, or started by another scheduler) or is deleted.
  const released = new Map<string, string>();
  let next = o.pending ? 0 : waiting.length;
  const release = (): void => {
    for (const [id, dir] of released) if (!existsSync(dir) || existsSync(join(dir, '.guild', 'attrs', 'exit_status'))) released.delete(id);
    while (next < waiting.length && !abort.signal.aborted && released.size < o.maxParallel) {
      const c = waiting[next++]!;
      rmSync(join(c.dir, '.guild', 'PENDING'), { force: true });
      released.set(c.id, c.dir);
    }
  };
  release();
  const ticker = setInterval(() => {
    if (!o.quiet) output.flush();
    if (next < waiting.length) release();
  }, 100);
  try {
    const result = await runScheduler({
      home: o.home,
      maxParallel: o.maxParallel,
      gpus: o.gpus,
      only: new Set(waiting.map((c) => c.id)),
      pollSeconds: 0.5,
      signal: abort.signal,
      onStarted: (run) => {
        running.set(run.id, run);
        o.stdout.write(termSafe(`INFO: [grun] Running trial ${run.id}: ${run.operation} (${flagsDesc(run.flags)})`) + '\n');
        for (const line of o.trialLog ?? []) o.stdout.write(termSafe(`INFO: [grun] ${line}`) + '\n');
        if (!o.quiet) output.add(run);
        // started just as the stop came
        if (stopSignal) stopTrial(run);
      },
      onEnded: (run) => {
        running.delete(run.id);
        released.delete(run.id);
        if (!o.quiet) output.flush(run.id);
        if (run.status !== 'completed') o.stdout.write(`INFO: [grun] Trial ${run.id} ended: ${run.status}\n`);
        if (failFast && run.status === 'error' && !failed) {
          failed = true;
          o.stdout.write('ERROR: [grun] Stopping batch because a trial failed (pending trials can be started as needed)\n');
          abort.abort();
        }
        release();
      },
    });
    await Promise.all(stopping);
    if (result.failed.length) throw new GrunError(`could not start trial(s) ${result.failed.join(', ')}`);
  } finally {
    clearInterval(ticker);
    if (!o.quiet) output.flush();
    for (const sig of signals) process.off(sig, onStop);
  }
  if (failed) recordParentEnd(o.batchDir!, 'error');
  const ok = children.every((c) => !existsSync(c.dir) || loadRun(c.dir).status === 'completed');
  return { ok, stopped: stopSignal !== null };
}
