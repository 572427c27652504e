// `grun stop`: every run is signalled at once (SIGTERM to its process group), then waited for.
import type { Run } from '../store/types.js';
import { executorFor, type StopOptions, type StopOutcome } from './executor.js';

export interface StopReport {
  run: Run;
  outcome: StopOutcome;
}

/**
 * Stops `runs` concurrently. `onSignal` is told as each run is signalled, with what was
 * signalled (Guild prints `Stopping <id> (pid N)` then). A run that is not running is
 * reported, never signalled.
 */
export async function stopRuns(
  runs: Run[],
  opts: StopOptions = {},
  onSignal?: (run: Run, target: string) => void,
): Promise<StopReport[]> {
  return Promise.all(
    runs.map(async (run) => ({
      run,
      outcome: await executorFor(run).stop(run, opts, (target) => onSignal?.(run, target)),
    })),
  );
}
