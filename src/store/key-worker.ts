// The worker of key-reads.ts: answers each job it can claim, in the order sent, in batches,
// counting each batch in shared memory so that a listing waiting for one wakes.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { cacheKey, scalarStampValid } from './run-key.js';
import type { KeyAnswer, KeyJobs, KeyWorkerData } from './key-reads.js';

/** A file's bytes in memory the listing shares (no copy crosses the threads); null when it cannot be read. */
function readShared(path: string): SharedArrayBuffer | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const bytes = new SharedArrayBuffer(size);
    const view = new Uint8Array(bytes);
    for (let at = 0; at < size; ) {
      const n = readSync(fd, view, at, size - at, at);
      if (n === 0) return null; // shorter than its stat said: rewritten meanwhile
      at += n;
    }
    return bytes;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const { port, sent } = workerData as KeyWorkerData;
port.on('message', ({ first, dirs, probes, stamps, file, claims }: KeyJobs) => {
  let batch: [number, KeyAnswer][] = [];
  const send = (): void => {
    port.postMessage(batch);
    batch = [];
    Atomics.add(sent, 0, 1);
    Atomics.notify(sent, 0);
  };
  for (let i = 0; i < dirs.length; i++) {
    if (Atomics.compareExchange(claims, i, 0, 1) !== 0) continue;
    batch.push([first + i, file ? readShared(dirs[i]!) : probes ? cacheKey(dirs[i]!, probes[i]!) : scalarStampValid(dirs[i]!, stamps![i]!)]);
    if (batch.length === 32) send();
  }
  if (batch.length) send();
});
