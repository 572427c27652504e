// Stats of run dirs taken on a worker thread while a listing goes on (run-key.ts: a cache line's
// key, a scalar stamp's test). A listing that builds every run asks for the keys of its slow
// round's runs as it opens; a filter asks for those of the first rows it keeps as soon as it has
// them, and for the stamps of the round's scalar values, and tests the other runs meanwhile
// (`RunList`). Each job is claimed once in shared memory, by the worker or by the listing when it
// needs an answer the worker has not reached, so no stat is taken twice.
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { ScalarStamp } from './run-key.js';
import { startStoreWorker } from './worker.js';

/**
 * A list of jobs sent to the worker: the key of each dir for its probe, or whether each dir's
 * stamp holds; `claims` (shared): per job 0 free, 1 the worker's, 2 the listing's. Answers come
 * back as `[first + i, answer]` in batches.
 */
export interface KeyJobs {
  first: number;
  dirs: string[];
  probes?: string[];
  stamps?: ScalarStamp[];
  claims: Int32Array;
}

/** What the worker is started with: its port, and [0] of `sent`, how many batches it has sent. */
export interface KeyWorkerData {
  port: MessagePort;
  sent: Int32Array;
}

export type KeyAnswer = string | null | boolean;

/** How long a listing waits for an answer the worker claimed before it takes the stats itself. */
const STALL_MS = 2000;

interface Job {
  /** Its number across every list sent. */
  n: number;
  i: number;
  claims: Int32Array;
  probe?: string;
}

export class KeyReads {
  private readonly keyJobs = new Map<string, Job>();
  private readonly stampJobs = new Map<string, Job>();
  private readonly answers = new Map<number, KeyAnswer>();
  private readonly port: MessagePort;
  private readonly sent = new Int32Array(new SharedArrayBuffer(4));
  private readonly stop: () => void;
  private jobs = 0;

  /** A worker to ask; null on one core. */
  static start(): KeyReads | null {
    return availableParallelism() < 2 ? null : new KeyReads();
  }

  private constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const worker = startStoreWorker('key-worker', { port: port2, sent: this.sent } satisfies KeyWorkerData, [port2]);
    worker.unref();
    worker.on('error', () => {}); // what it claimed and did not answer is taken here (STALL_MS)
    this.stop = () => {
      port1.close();
      void worker.terminate();
    };
  }

  /** Asks for the keys of `dirs` for their probes. */
  askKeys(dirs: string[], probes: string[]): void {
    this.ask(this.keyJobs, { dirs, probes }, probes);
  }

  /** Asks whether the scalar stamps of `dirs` hold. */
  askStamps(dirs: string[], stamps: ScalarStamp[]): void {
    this.ask(this.stampJobs, { dirs, stamps });
  }

  private ask(jobs: Map<string, Job>, what: Pick<KeyJobs, 'dirs' | 'probes' | 'stamps'>, probes?: string[]): void {
    if (what.dirs.length === 0) return;
    const claims = new Int32Array(new SharedArrayBuffer(4 * what.dirs.length));
    what.dirs.forEach((d, i) => jobs.set(d, { n: this.jobs + i, i, claims, probe: probes?.[i] }));
    this.port.postMessage({ ...what, first: this.jobs, claims } satisfies KeyJobs);
    this.jobs += what.dirs.length;
  }

  /** The key of `dir` for `probe` as the worker took it; undefined when it is the caller's to take. */
  keyOf(dir: string, probe: string): string | null | undefined {
    const job = this.keyJobs.get(dir);
    return job && job.probe === probe ? (this.answer(job) as string | null | undefined) : undefined;
  }

  /** Whether the stamp asked for `dir` holds; undefined when it is the caller's to test. */
  stampHolds(dir: string): boolean | undefined {
    const job = this.stampJobs.get(dir);
    return job && (this.answer(job) as boolean | undefined);
  }

  /** The worker's answer to a job, waited for if it has claimed it; undefined once claimed here. */
  private answer(job: Job): KeyAnswer | undefined {
    for (;;) {
      if (this.answers.has(job.n)) return this.answers.get(job.n);
      if (Atomics.compareExchange(job.claims, job.i, 0, 2) !== 1) return undefined;
      const seen = Atomics.load(this.sent, 0);
      const m = receiveMessageOnPort(this.port) as { message: [number, KeyAnswer][] } | undefined;
      if (m) for (const [n, a] of m.message) this.answers.set(n, a);
      else if (Atomics.wait(this.sent, 0, seen, STALL_MS) === 'timed-out') return undefined;
    }
  }

  close(): void {
    this.stop();
  }
}
