// Batched polling of Slurm jobs: one squeue call for all of the user's jobs per pass, however
// many runs are tracked, and passes that back off while nothing changes. A pass never blocks:
// a hung squeue holds only the pass (the dashboard keeps answering keys), and stopping the
// loop kills the query in flight.
import { queryJobs } from './cli.js';
import { FINISHED_PHASES, type JobState } from './states.js';
import type { SlurmView } from './status.js';

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
  private running = false;
  /** Bumped by each start and stop: a pass of an older loop schedules no more. */
  private generation = 0;
  private inFlight: AbortController | null = null;
  private lastError: string | undefined;

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
    return this.running;
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

  /** What the passes so far know, for a status read: job states, and why the last pass failed. */
  view(): SlurmView {
    return { job: (id) => this.last.get(id), ...(this.lastError ? { error: this.lastError } : {}) };
  }

  /**
   * One pass: the states of every tracked job; returns those that changed. Finished jobs are
   * reported once, then no longer tracked. Throws when Slurm cannot be asked.
   */
  async pollOnce(signal?: AbortSignal): Promise<JobState[]> {
    if (this.tracked.size === 0) return [];
    let states: Map<string, JobState>;
    try {
      states = await queryJobs([...this.tracked], { env: this.env, signal });
    } catch (e) {
      this.lastError = (e as Error).message;
      throw e;
    }
    this.lastError = undefined;
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
    this.running = true;
    const gen = ++this.generation;
    const loop = async (): Promise<void> => {
      this.timer = null;
      const ctl = (this.inFlight = new AbortController());
      try {
        const changed = await this.pollOnce(ctl.signal);
        if (ctl.signal.aborted) return;
        if (changed.length > 0) onChange(changed);
      } catch (e) {
        if (ctl.signal.aborted) return;
        onError?.(e as Error);
        this.intervalMs = Math.min(this.intervalMs * 2, this.maxMs);
      } finally {
        if (this.inFlight === ctl) this.inFlight = null;
      }
      if (gen !== this.generation) return;
      if (this.tracked.size > 0 && this.running) this.timer = setTimeout(() => void loop(), this.intervalMs);
      else this.running = false;
    };
    void loop();
    return {
      stop: () => {
        if (gen !== this.generation) return;
        this.generation++;
        this.running = false;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.inFlight?.abort();
      },
    };
  }
}
