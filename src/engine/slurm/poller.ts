// Batched polling of Slurm jobs: one squeue call for all of the user's jobs per pass, however
// many runs are tracked, and passes that back off while nothing changes.
import { queryJobs } from './cli.js';
import { FINISHED_PHASES, type JobState } from './states.js';

export interface PollerOptions {
  /** First and shortest interval between passes (ms). */
  minMs?: number;
  /** Longest interval, reached by doubling while no tracked job changes (ms). */
  maxMs?: number;
  env?: NodeJS.ProcessEnv;
}

const sameState = (a: JobState | undefined, b: JobState): boolean =>
  !!a && a.phase === b.phase && a.state === b.state && a.reason === b.reason && a.node === b.node;

export class SlurmPoller {
  private readonly tracked = new Set<string>();
  private readonly last = new Map<string, JobState>();
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly env?: NodeJS.ProcessEnv;
  private intervalMs: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: PollerOptions = {}) {
    this.minMs = opts.minMs ?? 1000;
    this.maxMs = opts.maxMs ?? 30_000;
    this.env = opts.env;
    this.intervalMs = this.minMs;
  }

  /**
   * Adds jobs to watch; ones already watched, or seen finished, are left as they are. Returns
   * whether any was new (the next pass then comes soon).
   */
  track(jobIds: Iterable<string>): boolean {
    let added = false;
    for (const id of jobIds) {
      const last = this.last.get(id);
      if (this.tracked.has(id) || (last && FINISHED_PHASES.has(last.phase))) continue;
      this.tracked.add(id);
      added = true;
    }
    if (added) this.intervalMs = this.minMs;
    return added;
  }

  /** Whether a `start` loop is polling. */
  get active(): boolean {
    return this.timer !== null;
  }

  get size(): number {
    return this.tracked.size;
  }

  /** The interval before the next pass (for tests and the benchmark). */
  get currentIntervalMs(): number {
    return this.intervalMs;
  }

  state(jobId: string): JobState | undefined {
    return this.last.get(jobId);
  }

  /**
   * One pass: the states of every tracked job; returns those that changed. Finished jobs are
   * reported once, then no longer tracked.
   */
  pollOnce(): JobState[] {
    if (this.tracked.size === 0) return [];
    const states = queryJobs([...this.tracked], this.env);
    const changed: JobState[] = [];
    for (const [id, s] of states) {
      if (!sameState(this.last.get(id), s)) changed.push(s);
      this.last.set(id, s);
      if (FINISHED_PHASES.has(s.phase)) this.tracked.delete(id);
    }
    this.intervalMs = changed.length > 0 ? this.minMs : Math.min(this.intervalMs * 2, this.maxMs);
    return changed;
  }

  /** Polls until stopped or nothing is left to track; `onChange` gets each pass's changes. */
  start(onChange: (changed: JobState[]) => void, onError?: (e: Error) => void): { stop(): void } {
    const loop = (): void => {
      try {
        const changed = this.pollOnce();
        if (changed.length > 0) onChange(changed);
      } catch (e) {
        onError?.(e as Error);
        this.intervalMs = Math.min(this.intervalMs * 2, this.maxMs);
      }
      if (this.tracked.size > 0) this.timer = setTimeout(loop, this.intervalMs);
      else this.timer = null;
    };
    loop();
    return {
      stop: () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
      },
    };
  }
}
