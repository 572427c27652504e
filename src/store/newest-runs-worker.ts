// The worker of newest-runs.ts: one `RunList` of the home, its newest rows sent back.
import { parentPort, workerData } from 'node:worker_threads';
import { RunList } from './index.js';

const { home, rows } = workerData as { home: string; rows: number };
const list = new RunList(home);
parentPort!.postMessage({ runs: list.slice(0, rows).family, total: list.length });
