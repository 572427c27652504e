// The command's filter options applied to runs (Guild's filters first, then RUN specs:
// run-args.ts). Apart from run-args so that a listing without a filter loads neither the filter
// language nor the scalar index.
import { listRuns } from '../store/index.js';
import { applyRunFilters, runFilter } from '../store/run-filters.js';
import { runScalarLookup } from '../store/scalar-index.js';
import type { Run } from '../store/types.js';
import { runFilterOptionsFrom } from './filter-options.js';

/** Runs of the home (or its trash) after the command's filter options, newest first. */
export function filteredRuns(home: string, opts: Record<string, unknown>, deleted = false): Run[] {
  return filterRuns(listRuns(home, { deleted }), opts);
}

export function filterRuns(runs: Run[], opts: Record<string, unknown>): Run[] {
  return applyRunFilters(runs, runFilterOptionsFrom(opts), runScalarLookup);
}

/** The command's filter options as a test of one run (null without any). */
export function runKeeps(opts: Record<string, unknown>): ((run: Run) => boolean) | null {
  return runFilter(runFilterOptionsFrom(opts), runScalarLookup);
}
