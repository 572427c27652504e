// Runs read afresh from their directories, as a listing caches them: the summary and the key of
// the stats it was read under. A listing of every run with a cold cache (`runs -a`, `--json`, a
// filter, `compare`, the full check of other commands) reads each run's dozen files; on a machine
// of more than one core a worker thread reads part of them (`readRunsAfresh`). Both threads take
// runs from one shared counter, and the listing, which is synchronous, waits for the worker's
// share with `Atomics.wait`. The worker sends compact summaries (summary-codec.ts: what the
// summary cache keeps of a run, so a run read there is the run a warm listing shows). A listing
// for `compare` of every run reads each run's scalars in the same reading (`scalars`): the
// run dir and its `.guild` are listed once for both, and the event files are decoded on both
// threads.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Listings } from './dir-listing.js';
import { readRunDir } from './run.js';
import { readScalarData, scalarDirStamp, type RunScalarData } from './scalars.js';
import { cacheKey, probeOf } from './summary-cache.js';
import { compactSummary, expandSummary, type CompactSummary } from './summary-codec.js';
import type { RunSummary } from './types.js';
import { startStoreWorker } from './worker.js';

/** A run read afresh, and the key of the stats it was read under (null: unreadable, never cached). */
export interface FreshRun {
  summary: RunSummary;
  key: string | null;
  /** Its scalars, where they were asked for. */
  scalars?: RunScalarData;
}

/** A run dir read afresh, with its scalars where `scalars`; null when it is not a run. */
export function readRunAfresh(dir: string, deleted: boolean, scalars = false): FreshRun | null {
  const listed = scalars ? { dirs: scalarDirStamp(dir), listings: new Map() as Listings } : undefined;
  const summary = readRunDir(dir, deleted, listed?.listings);
  if (!summary) return null;
  const key = cacheKey(dir, probeOf(summary));
  return listed ? { summary, key, scalars: readScalarData(dir, listed) } : { summary, key };
}

/** What the worker sends of a run: its compact summary, key and scalars where asked for (null: not a run). */
export type SentRun = { compact: CompactSummary; key: string | null; scalars?: RunScalarData } | null;

export function sentRun(r: FreshRun | null): SentRun {
  if (!r) return null;
  const { head, tail } = compactSummary(r.summary);
  return { compact: { ...head, ...tail }, key: r.key, scalars: r.scalars };
}

/** What the worker is given: the runs to read and where they are, and the counter it takes them by. */
export interface ReaderData {
  base: string;
  ids: string[];
  deleted: boolean;
  /** Whether each run's scalars are read too. */
  scalars: boolean;
  /** [0]: the next run to take; [1]: how many batches the worker has sent. */
  shared: Int32Array;
  port: MessagePort;
}

/** How many runs this thread reads before it decides on a worker; the second half is timed. */
const PROBE_RUNS = 64;
/**
 * The reading left, at the rate of the probe's second half, that starts a worker. A worker is
 * ~95 ms from its start to its first run and reads its first few hundred runs at a third of this
 * thread's rate (its code is not compiled yet): on the bench VM (2 cores, 0.3 ms a run) it lost
 * a fifth at 1k runs and saved a tenth to a fifth at 10k. The probe's first half is left out of
 * the rate: it is this thread's own warm-up, and timed with it, the estimate crossed the line at
 * 1k runs whenever the machine was a little busy.
 */
const WORKER_MIN_MS = 1000;
/** How long the listing waits for a batch before it reads the worker's remaining runs itself. */
const STALL_MS = 2000;

/**
 * Runs of `base` read afresh, by id: the first few by this thread, then, where the rest would
 * take long (timed on those) and there is more than one core, the rest by this thread and a
 * worker. An id missing from the map (not read yet, or taken by a worker that stopped) is the
 * caller's to read. `workerMinMs`: the reading left that starts a worker.
 */
export function readRunsAfresh(base: string, ids: string[], deleted: boolean, scalars = false, workerMinMs = WORKER_MIN_MS): Map<string, FreshRun | null> {
  const out = new Map<string, FreshRun | null>();
  if (ids.length <= PROBE_RUNS || availableParallelism() < 2) return out;
  let t0 = 0;
  for (let i = 0; i < PROBE_RUNS; i++) {
    if (i === PROBE_RUNS / 2) t0 = performance.now();
    out.set(ids[i]!, readRunAfresh(join(base, ids[i]!), deleted, scalars));
  }
  if (((performance.now() - t0) / (PROBE_RUNS / 2)) * (ids.length - PROBE_RUNS) < workerMinMs) return out;
  const shared = new Int32Array(new SharedArrayBuffer(8));
  shared[0] = PROBE_RUNS;
  const { port1, port2 } = new MessageChannel();
  const worker = startStoreWorker('fresh-read-worker', { base, ids, deleted, scalars, shared, port: port2 } satisfies ReaderData, [port2]);
  worker.unref();
  worker.on('error', () => {}); // the runs it took and did not send are left to the caller (below)
  for (let i = Atomics.add(shared, 0, 1); i < ids.length; i = Atomics.add(shared, 0, 1)) {
    out.set(ids[i]!, readRunAfresh(join(base, ids[i]!), deleted, scalars));
  }
  // what the worker took: received as it sends them, waiting while it reads
  while (out.size < ids.length) {
    const seen = Atomics.load(shared, 1);
    const m = receiveMessageOnPort(port1) as { message: [number, SentRun][] } | undefined;
    if (m) {
      for (const [i, r] of m.message) {
        const id = ids[i]!;
        out.set(id, r && { summary: expandSummary(r.compact, id, join(base, id), deleted), key: r.key, scalars: r.scalars });
      }
    } else if (Atomics.wait(shared, 1, seen, STALL_MS) === 'timed-out') break;
  }
  port1.close();
  void worker.terminate();
  return out;
}
