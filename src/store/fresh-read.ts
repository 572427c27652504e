// Runs read afresh from their directories, as a listing caches them: the summary and the key of
// the stats it was read under. A listing of every run with a cold cache (`runs -a`, `--json`, a
// filter, `compare`, the full check of other commands) reads each run's dozen files; on a machine
// of more than one core a worker thread reads part of them (`readRunsAfresh`). Both threads take
// runs from one shared counter, and the listing, which is synchronous, waits for the worker's
// share with `Atomics.wait`. The worker sends compact summaries (summary-codec.ts: what the
// summary cache keeps of a run, so a run read there is the run a warm listing shows).
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { readRunDir } from './run.js';
import { cacheKey, probeOf } from './summary-cache.js';
import { compactSummary, expandSummary, type CompactSummary } from './summary-codec.js';
import type { RunSummary } from './types.js';
import { startStoreWorker } from './worker.js';

/** A run read afresh, and the key of the stats it was read under (null: unreadable, never cached). */
export interface FreshRun {
  summary: RunSummary;
  key: string | null;
}

/** A run dir read afresh; null when it is not a run. */
export function readRunAfresh(dir: string, deleted: boolean): FreshRun | null {
  const summary = readRunDir(dir, deleted);
  if (!summary) return null;
  return { summary, key: cacheKey(dir, probeOf(summary)) };
}

/** What the worker sends of a run: its compact summary and key (null: not a run). */
export type SentRun = { compact: CompactSummary; key: string | null } | null;

export function sentRun(r: FreshRun | null): SentRun {
  if (!r) return null;
  const { head, tail } = compactSummary(r.summary);
  return { compact: { ...head, ...tail }, key: r.key };
}

/** What the worker is given: the runs to read and where they are, and the counter it takes them by. */
export interface ReaderData {
  base: string;
  ids: string[];
  deleted: boolean;
  /** [0]: the next run to take; [1]: how many batches the worker has sent. */
  shared: Int32Array;
  port: MessagePort;
}

/** Below this many runs a worker's start (~50 ms of the other core) saves less than it costs. */
const PARALLEL_MIN = 200;
/** How long the listing waits for a batch before it reads the worker's remaining runs itself. */
const STALL_MS = 2000;

/**
 * Runs of `base` read afresh by this thread and a worker, by id; empty when they are too few or
 * there is one core. An id missing from the map (a worker that stopped) is the caller's to read.
 */
export function readRunsAfresh(base: string, ids: string[], deleted: boolean): Map<string, FreshRun | null> {
  const out = new Map<string, FreshRun | null>();
  if (ids.length < PARALLEL_MIN || availableParallelism() < 2) return out;
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = startStoreWorker('fresh-read-worker', { base, ids, deleted, shared, port: port2 } satisfies ReaderData, [port2]);
  worker.unref();
  worker.on('error', () => {}); // the runs it took and did not send are left to the caller (below)
  for (let i = Atomics.add(shared, 0, 1); i < ids.length; i = Atomics.add(shared, 0, 1)) {
    out.set(ids[i]!, readRunAfresh(join(base, ids[i]!), deleted));
  }
  // what the worker took: received as it sends them, waiting while it reads
  while (out.size < ids.length) {
    const seen = Atomics.load(shared, 1);
    const m = receiveMessageOnPort(port1) as { message: [number, SentRun][] } | undefined;
    if (m) {
      for (const [i, r] of m.message) {
        const id = ids[i]!;
        out.set(id, r && { summary: expandSummary(r.compact, id, join(base, id), deleted), key: r.key });
      }
    } else if (Atomics.wait(shared, 1, seen, STALL_MS) === 'timed-out') break;
  }
  port1.close();
  void worker.terminate();
  return out;
}
