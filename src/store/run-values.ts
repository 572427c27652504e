// A run's values as compare, select and filters read them: flags with their float marks,
// scalars and logged attrs through the home's scalar index (one read per process).
import { readAttr } from './attrs.js';
import { CachedRun } from './cached-run.js';
import { runScalarData } from './scalar-index.js';
import type { Run, ScalarSummary, YamlValue } from './types.js';

export function scalarsOf(run: Run): ScalarSummary[] {
  return runScalarData(run).summaries;
}

export function loggedAttrsOf(run: Run): Record<string, string> {
  return runScalarData(run).attrs;
}

const flagsCache = new Map<string, Record<string, YamlValue>>();
/**
 * A run's flags with the parser's integral-float marks (`0.0` stays a float): a run read from
 * its dir or its expanded summary (summary-codec.ts) has them; a cache line's flags column
 * (`CachedRun`) does not, so those are read afresh from the attr.
 */
export function flagsOf(run: Run): Record<string, YamlValue> {
  if (!(run instanceof CachedRun)) return run.flags;
  let f = flagsCache.get(run.dir);
  if (!f) {
    const r = readAttr(run.dir, 'flags');
    f = r.kind === 'ok' && r.value && typeof r.value === 'object' && !Array.isArray(r.value) ? r.value : run.flags;
    flagsCache.set(run.dir, f);
  }
  return f;
}
