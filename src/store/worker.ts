// The store's worker threads, started from the built code or, in tests, from source.
import { Worker, type TransferListItem } from 'node:worker_threads';

/** Where this module runs from source (tests run the TypeScript through tsx), its workers do too. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/**
 * A worker running the module `name` of this directory (`newest-runs-worker`); from source it
 * registers tsx first (Node 20 gives workers no module hooks of their parent's).
 */
export function startStoreWorker(name: string, workerData: unknown, transferList?: TransferListItem[]): Worker {
  const url = new URL(`./${name}.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);
  if (!FROM_SOURCE) return new Worker(url, { workerData, transferList });
  const code = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(code, { eval: true, workerData, transferList });
}
