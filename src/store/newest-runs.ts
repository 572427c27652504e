// The newest runs of a home with a summary cache, listed in a worker thread (a `RunList`: what
// `grun runs` reads), so that the dashboard's first table is read while its UI loads and the
// garbage of reading the whole cache is collected off the thread that draws.
import { Worker } from 'node:worker_threads';
import { hasSummaryCache } from './index.js';
import type { Run } from './types.js';

/** The newest runs a first table shows: two screens of 60 rows (trials past them fold under their batch once all are read). */
export const NEWEST_ROWS = 120;

export interface NewestRuns {
  /** The newest runs, newest first, with the children their batches' status is read from. */
  runs: Run[];
  /** How many runs the home holds. */
  total: number;
}

/** Where this module runs from source (tests run the TypeScript through tsx), the worker does too. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = new URL(`./newest-runs-worker.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url);

/** The worker; from source it registers tsx first (Node 20 gives workers no module hooks of their parent's). */
function startWorker(workerData: unknown): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER, { workerData });
  const code = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(WORKER.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}

/** The newest runs of `home`, listed in a worker; null when it has no summary cache (a cold start). */
export function newestRuns(home: string): Promise<NewestRuns> | null {
  if (!hasSummaryCache(home)) return null;
  return new Promise((resolve, reject) => {
    const worker = startWorker({ home, rows: NEWEST_ROWS });
    // never what keeps a process alive; ended once it has answered (from source tsx's hooks would keep it)
    worker.unref();
    worker.once('message', (m: NewestRuns) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`listing the newest runs ended with exit code ${code}`)));
  });
}
