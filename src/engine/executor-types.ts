// What an executor is made of, apart from any executor: the target side starts work (a planned
// run, a staged run, a sweep's waiting runs) and the handle side follows one run wherever it
// executes (status, stop, interrupt, output). Types only, so that the executor modules and the
// registry (executor.ts) import this module and never each other.
import type { OutputLine } from '../store/output.js';
import type { StatusInfo, Run } from '../store/types.js';

export interface StartOptions {
  home: string;
  /** Write the run staged (STAGED + `.guild/ENV`) and stop there. */
  stage?: boolean;
  /** File that receives the supervisor's pid (a Slurm job id for a Slurm run). */
  pidfile?: string;
  /** The pidfile is grun's own (engine/pidfile.ts): the supervisor removes it as the run ends. */
  tempPidfile?: boolean;
}

export interface StartedRun {
  runId: string;
  runDir: string;
  supervisorPid: number;
}

export interface StopOptions {
  /** Seconds to wait for the run to end after SIGTERM (default 30). */
  timeout?: number;
  /** SIGKILL the run's processes when the timeout passes. */
  force?: boolean;
  /** Signal and return at once. */
  noWait?: boolean;
}

export type StopOutcome =
  | { kind: 'not-running'; message: string }
  | { kind: 'signalled'; pid: number } // noWait
  | { kind: 'stopped'; pid: number; status: StatusInfo }
  | { kind: 'timed-out'; pid: number; status: StatusInfo };

export interface FollowOptions {
  tailLines?: number;
}

/** Incremental reader of a run's output: each poll returns the lines completed since the last. */
export interface OutputFollower {
  poll(): OutputLine[];
  /** The line being written, not yet ended (a progress bar redrawn with `\r`); '' if none. */
  partialLine(): string;
}

/** What follows one run, wherever its process lives: here, in a Slurm job, on an ssh remote. */
export interface RunHandle {
  readonly name: string;
  /** SIGTERM to the run's processes, then waits (`timeout`), then SIGKILL with `force`. */
  /** `onSignal` is told what was signalled, for `Stopping <id> (…)`: `pid 123`, `Slurm job 45`. */
  stop(run: Run, opts?: StopOptions, onSignal?: (target: string) => void): Promise<StopOutcome>;
  /** Sends SIGINT to the run's process group, as Ctrl-C of a foreground Guild run does. */
  interrupt(run: Run): boolean;
  status(run: Run): StatusInfo;
  /**
   * Resolves once the supervisor of a run that is no longer running has finished writing it
   * (`exit_status` comes before `stopped` and LOCK's removal), or after `ms`. Optional: a
   * handle whose runs are finalized in one step needs none.
   */
  settled?(run: Run, ms?: number): Promise<void>;
  /** Lines `from` onwards (0-based line numbers). */
  readOutput(run: Run, from: number): OutputLine[];
  /** `tailLines`: start at the last N lines of what is there (default: the start). */
  followOutput(run: Run, opts?: FollowOptions): OutputFollower;
}
