// Guild 0.9's run filters (`runs_impl._runs_filter`) over plain values: expressions, operation,
// label, tag, comment, marked, started, digest, statuses. Values of one multi filter are OR-ed
// (`-Fo train -Fo test`), different filters AND-ed, statuses OR-ed and `notStatus` AND-ed. The
// options that fill them are commands/filter-options.ts.
import { GrunError } from './errors.js';
import { matchFilter, parseFilter, type FilterNode, type ScalarLookup } from './filter/index.js';
import { STATUSES } from './status.js';
import { inTimeRange, parseTimeRange } from './timerange.js';
import type { Run } from './types.js';
import { fnmatchPattern } from './fnmatch.js';
import { PatternError, SafePattern } from './safe-regex.js';

export interface RunFilterOptions {
  filter?: string[];
  operation?: string[];
  label?: string[];
  unlabeled?: boolean;
  tag?: string[];
  comment?: string[];
  marked?: boolean;
  unmarked?: boolean;
  started?: string;
  digest?: string;
  /** Statuses to keep (any of them), from `-S` chars and the long status options. */
  status?: string[];
  /** Statuses to drop (all of them), from `--not-*`. */
  notStatus?: string[];
}

/**
 * The runs that pass every filter, in their given order. Throws GrunError for a bad expression,
 * time range or status, or for `--label` with `--unlabeled` and `--marked` with `--unmarked`.
 * `lookupFor` is called at most once per run, only for runs a filter expression needs scalars of.
 */
export function applyRunFilters(runs: Run[], opts: RunFilterOptions, lookupFor?: (run: Run) => ScalarLookup): Run[] {
  const keeps = runFilter(opts, lookupFor);
  return keeps ? runs.filter(keeps) : runs;
}

/** `applyRunFilters` as a test of one run (null when no option filters), for a pass that keeps no runs it drops. */
export function runFilter(opts: RunFilterOptions, lookupFor?: (run: Run) => ScalarLookup): ((run: Run) => boolean) | null {
  const tests = runTests(opts);
  const exprs: FilterNode[] = (opts.filter ?? []).filter((e) => e !== '').map(parseFilter);
  if (tests.length === 0 && exprs.length === 0) return null;
  let current: Run | null = null;
  let scalars: ScalarLookup | null = null;
  const lookup: ScalarLookup = (key) => {
    if (!lookupFor || !current) return undefined;
    scalars ??= lookupFor(current);
    return scalars(key);
  };
  return (run) => {
    for (const t of tests) if (!t(run)) return false;
    current = run;
    scalars = null;
    for (const e of exprs) if (!matchFilter(e, run, lookup)) return false;
    return true;
  };
}

type RunTest = (run: Run) => boolean;

function runTests(opts: RunFilterOptions): RunTest[] {
  const tests: RunTest[] = [];
  const { status, notStatus } = opts;
  if (status?.length) {
    checkStatuses(status);
    tests.push((r) => status.includes(r.status));
  }
  if (notStatus?.length) {
    checkStatuses(notStatus);
    tests.push((r) => !notStatus.includes(r.status));
  }
  if (opts.operation?.length) tests.push(operationTest(opts.operation));
  const labels = opts.label;
  if (labels?.length && opts.unlabeled) throw new GrunError('--label and --unlabeled cannot both be used');
  if (labels?.length) {
    tests.push((r) => {
      const label = (r.label ?? '').trim();
      return labels.some((s) => (s === '-' ? !label : label.includes(s)));
    });
  } else if (opts.unlabeled) {
    tests.push((r) => !(r.label ?? '').trim());
  }
  const tags = opts.tag;
  if (tags?.length) tests.push((r) => tags.some((t) => r.tags.includes(t)));
  const comments = opts.comment;
  if (comments?.length) {
    tests.push((r) => {
      const text = r.comments.map((c) => `${c.user ?? ''}\n${c.host ?? ''}\n${c.body ?? ''}`.toLowerCase()).join('\n');
      return comments.some((s) => (s === '-' ? !text : text.includes(s.toLowerCase())));
    });
  }
  if (opts.marked && opts.unmarked) throw new GrunError('--marked and --unmarked cannot both be used');
  if (opts.marked) tests.push((r) => r.marked);
  if (opts.unmarked) tests.push((r) => !r.marked);
  if (opts.started) {
    const range = parseTimeRange(opts.started);
    tests.push((r) => {
      const ts = r.started || r.initialized;
      return !!ts && inTimeRange(ts, range);
    });
  }
  const digest = opts.digest;
  if (digest) tests.push((r) => (r.sourcecodeDigest ?? '').startsWith(digest));
  return tests;
}

function checkStatuses(statuses: string[]): void {
  for (const s of statuses) {
    if (!(STATUSES as readonly string[]).includes(s)) {
      throw new GrunError(`unknown run status '${s}' (expected one of: ${STATUSES.join(', ')})`);
    }
  }
}

// ---- -Fo: Guild's `operation_filter` ------------------------------------------------------

type OpParts = [pkg: string | null, model: string | null, op: string | null];

function operationTest(refs: string[]): RunTest {
  const matchers = refs.map(opMatcher);
  // Many runs share an operation: decide once per distinct operation.
  const decided = new Map<string, boolean>();
  return (r) => {
    let ok = decided.get(r.operation);
    if (ok === undefined) {
      const parts = splitOpspec(r.operation);
      ok = matchers.some((m) => m(r.operation, parts));
      decided.set(r.operation, ok);
    }
    return ok;
  };
}

/** `^…` or `…$` is a regex search over the operation; anything else matches its pkg/model/op parts. */
function opMatcher(ref: string): (op: string, parts: OpParts) => boolean {
  if (ref.startsWith('^') || ref.endsWith('$')) {
    let re: SafePattern | null = null;
    try {
      re = SafePattern.compile(ref, { what: '--operation' });
    } catch (e) {
      // Guild treats an invalid pattern as matching nothing; one RE2 cannot run is refused.
      if (e instanceof PatternError && e.feature) throw e;
    }
    return (op) => !!re && re.test(op);
  }
  const refParts = splitOpspec(ref).map((p) => (p && p.includes('*') ? fnmatchPattern(p) : p));
  return (_op, parts) =>
    refParts.every((want, i) => {
      if (!want) return true;
      const part = parts[i];
      if (!part) return false;
      return typeof want === 'string' ? want === part : want.test(part);
    });
}

/** Guild's `op_util.parse_opspec` then `_split_model_pkg`: `[pkg/]model:op` → pkg, model, op. */
function splitOpspec(spec: string): OpParts {
  const parsed = parseOpspec(spec);
  if (!parsed) return [null, null, null];
  const [model, op] = parsed;
  const slash = model ? model.indexOf('/') : -1;
  if (model && slash >= 0) return [model.slice(0, slash), model.slice(slash + 1), op];
  return [null, model, op];
}

function parseOpspec(spec: string): [string | null, string | null] | null {
  if (!spec) return [null, null];
  if (!spec.includes('/') && !spec.includes(':')) return [null, spec];
  const m =
    /^([^/:]*):([^/:]+)$/.exec(spec) ??
    /^([^/:]+\/[^/:?]+):([^/:]+)$/.exec(spec) ??
    /^([^/:]+\/):?([^/:]+)$/.exec(spec);
  return m ? [m[1]!, m[2]!] : null;
}

