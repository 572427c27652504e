// A run's values as compare, select and filters read them: scalars and logged attrs through the
// home's scalar index (one read per process). A run's flags are `run.flags`, float marks kept
// (`0.0` stays a float) whether it was read from its dir or from the summary cache.
import { runScalarData } from './scalar-index.js';
import type { Run, ScalarSummary } from './types.js';

export function scalarsOf(run: Run): ScalarSummary[] {
  return runScalarData(run).summaries;
}

export function loggedAttrsOf(run: Run): Record<string, string> {
  return runScalarData(run).attrs;
}
