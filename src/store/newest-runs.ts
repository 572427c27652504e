// The newest runs of a home with a summary cache, listed in a worker thread (a `RunList`: what
// `grun runs` reads), so that the dashboard's first table is read while its UI loads and the
// garbage of reading the whole cache is collected off the thread that draws.
import { hasSummaryCache } from './index.js';
import { startStoreWorker } from './worker.js';
import type { Run } from './types.js';

/** The newest runs a first table shows: two screens of 60 rows (trials past them fold under their batch once all are read). */
export const NEWEST_ROWS = 120;

export interface NewestRuns {
  /** The newest runs, newest first, with the children their batches' status is read from. */
  runs: Run[];
  /** How many runs the home holds. */
  total: number;
}

/** The newest runs of `home`, listed in a worker; null when it has no summary cache (a cold start). */
export function newestRuns(home: string): Promise<NewestRuns> | null {
  if (!hasSummaryCache(home)) return null;
  return new Promise((resolve, reject) => {
    const worker = startStoreWorker('newest-runs-worker', { home, rows: NEWEST_ROWS });
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
