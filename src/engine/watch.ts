// `grun watch`: follow a run's output until it ends (or the watcher is interrupted).
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRun } from '../store/index.js';
import { OutputBytesReader } from '../store/output.js';
import type { Run, RunStatus, StatusInfo } from '../store/types.js';
import { executorFor } from './executor.js';
import { OutputPrinter } from './output-printer.js';
import { reconcileSlurmRuns } from './slurm/reconcile.js';
import { slurmRunStatus, type SlurmView } from './slurm/status.js';

/** How often a watch asks Slurm about the job of the run it follows (output is read every poll). */
const SLURM_ASK_MS = 1000;

export interface WatchOptions {
  out?: NodeJS.WritableStream;
  /** Aborting stops watching; the run goes on. */
  signal?: AbortSignal;
  pollMs?: number;
  /** Told each new reason a queued run gives while it waits (`Slurm job 12 PENDING (Resources)`). */
  onWaiting?: (reason: string) => void;
  /** Print only the last N lines of the output so far (default: all of it). */
  tail?: number;
  /** Make each line terminal-safe (the output goes to a terminal). */
  safe?: boolean;
  /** Copy the output file's bytes as they are (the output goes to a pipe or a file). */
  exact?: boolean;
}

export interface WatchResult {
  /** The run's status when watching ended. */
  status: RunStatus;
  /** Watching was aborted while the run was still running. */
  stoppedWatching: boolean;
}

/** Prints the run's output so far (or its last `tail` lines), then follows it while the run is running. */
export async function watchRun(run: Run, opts: WatchOptions = {}): Promise<WatchResult> {
  const out = opts.out ?? process.stdout;
  const executor = executorFor(run);
  const printer = new OutputPrinter(out, out, { safe: opts.safe });
  // A pipe gets the file's bytes; an ssh mirror's file lags its follower, which pulls first.
  const bytes = opts.exact && executor.name !== 'ssh' ? new OutputBytesReader(run.dir, opts.tail) : null;
  const follower = bytes ? null : executor.followOutput(run, opts.tail === undefined ? {} : { tailLines: opts.tail });
  /** A last line without LF: whatever is printed after the watch starts on a line of its own. */
  let openLine = false;
  const print = (): void => {
    if (follower) return printer.print(follower);
    for (let b = bytes!.poll(); b.length > 0; b = bytes!.poll()) {
      out.write(b);
      openLine = b[b.length - 1] !== 0x0a;
    }
  };
  const finish = (): void => {
    printer.finish();
    if (openLine) out.write('\n');
  };
  let said = '';
  // A Slurm run's state is Slurm's: asked (and its end recorded) now and then, read in between.
  let view: SlurmView | undefined;
  let askedAt = 0;
  const statusNow = async (): Promise<StatusInfo> => {
    if (executor.name !== 'slurm') return executor.status(run);
    if (Date.now() - askedAt >= SLURM_ASK_MS) {
      view = (await reconcileSlurmRuns([loadRun(run.dir, run.deleted)], { signal: opts.signal })).view;
      askedAt = Date.now();
    }
    return slurmRunStatus(loadRun(run.dir, run.deleted), view);
  };
  for (;;) {
    print();
    const st = await statusNow();
    // A Slurm job waits in the queue as `pending`: keep watching until it has run.
    const waiting = st.status === 'pending' && executor.name === 'slurm';
    if (waiting && st.reason && st.reason !== said) opts.onWaiting?.((said = st.reason));
    if (st.status !== 'running' && !waiting) {
      await executor.settled?.(run);
      print();
      finish();
      return { status: st.status, stoppedWatching: false };
    }
    if (opts.signal?.aborted) {
      finish();
      return { status: st.status, stoppedWatching: true };
    }
    try {
      await sleep(opts.pollMs ?? 100, undefined, { signal: opts.signal });
    } catch {
      // aborted: the next turn prints what is new and reports
    }
  }
}
