// What stop can act on, decided once for `grun stop` and the dashboard (whose reducer asks
// before it offers a stop): a pure look at a run's status.
import type { Run } from '../store/types.js';

/** A sweep's parent: stopping it stops its children. */
export const isSweepParent = (r: Run): boolean => r.batch && r.children.length > 0;

/** Runs stop can act on: running ones, Slurm jobs still queued, and sweeps with children still to end. */
export const isStoppable = (r: Run): boolean =>
  r.status === 'running' ||
  (r.status === 'pending' && (r.slurm !== null || isSweepParent(r))) ||
  (r.status === 'staged' && isSweepParent(r));
