// The worker of key-reads.ts: answers each job it can claim, in the order sent, in batches,
// counting each batch in shared memory so that a listing waiting for one wakes.
import { workerData } from 'node:worker_threads';
import { cacheKey, scalarStampValid } from './run-key.js';
import type { KeyAnswer, KeyJobs, KeyWorkerData } from './key-reads.js';

const { port, sent } = workerData as KeyWorkerData;
port.on('message', ({ first, dirs, probes, stamps, claims }: KeyJobs) => {
  let batch: [number, KeyAnswer][] = [];
  const send = (): void => {
    port.postMessage(batch);
    batch = [];
    Atomics.add(sent, 0, 1);
    Atomics.notify(sent, 0);
  };
  for (let i = 0; i < dirs.length; i++) {
    if (Atomics.compareExchange(claims, i, 0, 1) !== 0) continue;
    batch.push([first + i, probes ? cacheKey(dirs[i]!, probes[i]!) : scalarStampValid(dirs[i]!, stamps![i]!)]);
    if (batch.length === 32) send();
  }
  if (batch.length) send();
});
