// RUN arguments (Guild's `runs_impl.select_runs`), applied to the filtered, newest-first list:
// `N` is a one-based index, `START:END` an inclusive range with either end optional (`:` is
// all), anything else an id prefix that must match one run. An index or range that does not
// fit the list falls back to prefix matching, so numeric-looking ids (`010`, `1e123`) resolve.
import { GrunError } from './errors.js';
import type { Run } from './types.js';

/** Candidates named in an ambiguity error before it says how many more there are. */
const MAX_NAMED = 5;

export function selectRuns(runs: Run[], specs: string[]): Run[] {
  if (specs.length === 0) return runs;
  const selected: Run[] = [];
  const seen = new Set<string>();
  const add = (r: Run): void => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    selected.push(r);
  };
  for (const spec of specs) {
    const slice = parseSlice(spec);
    if (slice && inRange(slice, runs.length)) {
      runs.slice(slice.start ?? 0, slice.end ?? runs.length).forEach(add);
    } else {
      add(findRunById(runs, spec));
    }
  }
  return selected;
}

interface Slice {
  start: number | null; // zero-based, inclusive
  end: number | null; // zero-based, exclusive
}

// Python's `int()` accepts surrounding whitespace, a sign and `_` between digits.
const INT_RE = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
// Guild matches `(\d+)?:(\d+)?` at the start of the spec only, ignoring what follows, so a typo
// such as `1:x` or `1:2:3` selects a range (`grun runs rm -y 1:x` deleted every run). grun
// takes a range only when the whole spec is one; anything else must match an id prefix.
const SLICE_RE = /^(\d+)?:(\d+)?$/;

function parseSlice(spec: string): Slice | null {
  if (INT_RE.test(spec)) {
    const n = Number(spec.replace(/_/g, ''));
    return { start: n - 1, end: n };
  }
  const m = SLICE_RE.exec(spec);
  if (!m) return null;
  return { start: m[1] === undefined ? null : Number(m[1]) - 1, end: m[2] === undefined ? null : Number(m[2]) };
}

function inRange(s: Slice, len: number): boolean {
  return (s.start === null || s.start >= 0) && (s.end === null || s.end <= len);
}

function findRunById(runs: Run[], spec: string): Run {
  const matches: Run[] = [];
  for (const r of runs) {
    if (r.id === spec) return r;
    if (r.id.startsWith(spec)) matches.push(r);
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new GrunError(`could not find a run matching '${spec}'`, 1, "Try 'grun runs list' for a list.");
  const named = matches.slice(0, MAX_NAMED).map((r) => r.id.slice(0, 8));
  const more = matches.length > MAX_NAMED ? `, … (${matches.length - MAX_NAMED} more)` : '';
  throw new GrunError(`'${spec}' matches multiple runs: ${named.join(', ')}${more}`);
}
