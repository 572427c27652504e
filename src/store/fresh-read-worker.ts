// The worker of fresh-read.ts: takes runs from the shared counter, reads each afresh, and sends
// them back in batches, counting each batch in the shared array so the listing wakes.
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { readRunAfresh, sentRun, type ReaderData, type SentRun } from './fresh-read.js';

const { base, ids, deleted, scalars, shared, port } = workerData as ReaderData;
let batch: [number, SentRun][] = [];
const send = (): void => {
  port.postMessage(batch);
  batch = [];
  Atomics.add(shared, 1, 1);
  Atomics.notify(shared, 1);
};
for (let i = Atomics.add(shared, 0, 1); i < ids.length; i = Atomics.add(shared, 0, 1)) {
  batch.push([i, sentRun(readRunAfresh(join(base, ids[i]!), deleted, scalars))]);
  if (batch.length === 16) send();
}
if (batch.length) send();
port.close();
