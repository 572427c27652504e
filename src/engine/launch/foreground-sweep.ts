// The trials of a sweep run here, in the foreground of the command that made them: one at a
// time by default, their output printed as it comes, Ctrl-C interrupting the running ones and
// leaving the rest staged (as a Guild batch leaves them pending).
import { existsSync } from 'node:fs';
import { GrunError } from '../../store/errors.js';
import { termSafe } from '../../store/terminal-text.js';
import { flagsDesc } from '../../store/flagfmt.js';
import { loadRun } from '../../store/index.js';
import type { Run } from '../../store/types.js';
import { executorFor, type OutputFollower } from '../executor.js';
import { runScheduler } from '../queue.js';
import type { CreatedRun } from '../batch.js';

export interface ForegroundOptions {
  home: string;
  maxParallel: number;
  /** GPU ids handed out (CUDA_VISIBLE_DEVICES); none: GPUs are not managed. */
  gpus?: string[];
  /** Print the trials' output (default: yes). */
  quiet?: boolean;
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

/** Runs the trials that wait (memo hits do not) to their end; true when every trial completed. */
export async function runTrialsHere(children: CreatedRun[], o: ForegroundOptions): Promise<boolean> {
  const output = new TrialOutput(o);
  const running = new Map<string, Run>();
  const abort = new AbortController();
  const onInt = (): void => {
    abort.abort();
    for (const run of running.values()) executorFor(run).interrupt(run);
  };
  process.on('SIGINT', onInt);
  const ticker = setInterval(() => !o.quiet && output.flush(), 100);
  try {
    const result = await runScheduler({
      home: o.home,
      maxParallel: o.maxParallel,
      gpus: o.gpus,
      only: new Set(children.filter((c) => !c.memoOf).map((c) => c.id)),
      pollSeconds: 0.5,
      signal: abort.signal,
      onStarted: (run) => {
        running.set(run.id, run);
        o.stdout.write(termSafe(`INFO: [grun] Running trial ${run.id}: ${run.operation} (${flagsDesc(run.flags)})`) + '\n');
        if (!o.quiet) output.add(run);
      },
      onEnded: (run) => {
        running.delete(run.id);
        if (!o.quiet) output.flush(run.id);
        if (run.status !== 'completed') o.stdout.write(`INFO: [grun] Trial ${run.id} ended: ${run.status}\n`);
      },
    });
    if (result.failed.length) throw new GrunError(`could not start trial(s) ${result.failed.join(', ')}`);
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onInt);
  }
  return children.every((c) => !existsSync(c.dir) || loadRun(c.dir).status === 'completed');
}
