// The rows the runs table shows: sort (memoised per run list and sort), then filter (text or
// a Guild filter expression, plus the quick status filter), then sweep folding. Pure.
import { matchFilter, parseFilter, scalarLookup, type FilterNode } from '../../store/filter/index.js';
import { scalarKey } from '../../store/scalars.js';
import { liveStepState, type StepRecord, type StepState } from '../../store/step-records.js';
import type { Run, RunStatus, ScalarSummary } from '../../store/types.js';
import { executorText, runDurationMs } from '../format.js';
import { ATTRS, attrText, parseScalarColumn, type AttrName, type ColumnSpec, type ScalarAgg } from './column-spec.js';

export { columnLabel, parseScalarColumn, type ScalarAgg, type ScalarColumn } from './column-spec.js';

/** Scalars loaded so far; `version` changes whenever more arrive. */
export interface ScalarLookup {
  version: number;
  get(id: string): readonly ScalarSummary[] | undefined;
}

export const NO_SCALARS: ScalarLookup = { version: 0, get: () => undefined };

export type StatusQuick = 'all' | 'running' | 'completed' | 'error' | 'terminated' | 'waiting';
export const STATUS_QUICK: readonly StatusQuick[] = ['all', 'running', 'completed', 'error', 'terminated', 'waiting'];
const QUICK_MATCH: Record<StatusQuick, (s: RunStatus) => boolean> = {
  all: () => true,
  running: (s) => s === 'running',
  completed: (s) => s === 'completed',
  error: (s) => s === 'error',
  terminated: (s) => s === 'terminated',
  waiting: (s) => s === 'pending' || s === 'staged',
};

/** Core sort keys, then `scalar:<agg> <key>`, `flag:<name>`, `attr:<name>`. */
export const CORE_SORT_KEYS = ['started', 'operation', 'status', 'executor', 'time', 'label', 'id'] as const;

export interface Sort {
  key: string;
  desc: boolean;
}

export const DEFAULT_SORT: Sort = { key: 'started', desc: true };

/** Metrics where lower is better (`loss`, `val_loss`, `error`, `mse`, `perplexity`…). */
const LOWER_BETTER = /loss|err|mse|mae|mape|rmse|nll|perplexity|ppl|wer|cer|regret|cost|dist/i;
/** Metrics where higher is better (`acc`, `val_accuracy`, `f1`, `auc`, `reward`…). */
const HIGHER_BETTER = /acc|auc|f1|precision|recall|bleu|rouge|reward|return|score|iou|map|r2/i;

/**
 * The direction a sort key takes first: the newest runs first for `started`; a metric's best
 * first when its name says its objective (loss-like ascending, accuracy-like descending);
 * otherwise ascending.
 */
export function firstSortDesc(key: string): boolean {
  if (key === 'started') return true;
  if (!key.startsWith('scalar:')) return false;
  const name = parseScalarColumn(key.slice(7))?.key ?? '';
  return !LOWER_BETTER.test(name) && HIGHER_BETTER.test(name);
}

export interface ViewSpec {
  filter: string;
  status: StatusQuick;
  sort: Sort;
  expanded: ReadonlySet<string>;
  /** Every run and trial in one ranked list, rather than trials folded under their batch. */
  flat: boolean;
}

export interface Row {
  run: Run;
  /** 1-based position in the full newest-first list (Guild's index for `grun runs`). */
  index: number;
  /** 1 for a trial shown under its expanded batch. */
  depth: 0 | 1;
  /** Batch with children: folded (`+`) or expanded (`-`). */
  fold: '+' | '-' | null;
  /** A batch's best trial value of the scalar sorted by (what it sorts by in the tree view). */
  best?: number;
  /**
   * A pipeline's step under its expanded pipeline: its name and state (shown instead of its
   * run's status: a memo hit is `cached`). A step with no run yet (waiting, cancelled) is
   * `runless`: its row holds the pipeline's run, so what acts on it acts on the pipeline.
   */
  step?: { name: string; state: StepState; runless: boolean };
}

/** The operation column's name of a row: a step's name under its pipeline, else the run's operation. */
export const rowOperation = (row: Row): string => row.step?.name ?? row.run.operation;

/** What the cursor follows: the run, or the pipeline and step name of a step with no run. */
export const rowKey = (row: Row): string => (row.step?.runless ? `${row.run.id}/${row.step.name}` : row.run.id);

export interface View {
  rows: Row[];
  /** Row of a run id, if shown. */
  indexOf(id: string): number | undefined;
  /** Runs matching the filter (before folding hides trials). */
  matched: number;
  filterError: string | null;
  /** The filter is an expression (it may need every run's scalars). */
  expression: boolean;
}

export function scalarValue(s: ScalarSummary, agg: ScalarAgg): number {
  return agg === 'first' ? s.first : agg === 'min' ? s.min : agg === 'max' ? s.max : agg === 'avg' ? s.avg : s.last;
}

export function findScalar(list: readonly ScalarSummary[] | undefined, key: string): ScalarSummary | undefined {
  if (key === GPU_PERCENT) return gpuPercent(list ?? []);
  return list?.find((s) => scalarKey(s.prefix, s.tag) === key);
}

/** The `gpu%` column: the busiest of the run's GPUs (`sys/gpuN/util`) in percent. */
export const GPU_PERCENT = 'gpu%';

function gpuPercent(list: readonly ScalarSummary[]): ScalarSummary | undefined {
  const gpus = list.filter((s) => /^sys\/gpu\d+\/util$/.test(s.tag));
  if (gpus.length === 0) return undefined;
  const pick = (f: (s: ScalarSummary) => number) => 100 * Math.max(...gpus.map(f));
  const g = gpus[0]!;
  return { ...g, tag: GPU_PERCENT, first: pick((s) => s.first), last: pick((s) => s.last), min: pick((s) => s.min), max: pick((s) => s.max), avg: pick((s) => s.avg) };
}

const EXPRESSION = /[=<>!]|\s(contains|in|is|and|or|not)\s|^not\s/i;

/** Whether filter text is meant as an expression rather than plain text. */
const looksLikeExpression = (text: string): boolean => EXPRESSION.test(text);

type Cmp = (a: Run, b: Run) => number;

function sortValue(run: Run, key: string, scalars: ScalarLookup, now: number): string | number | undefined {
  switch (key) {
    case 'started':
      return run.started ?? run.initialized ?? undefined;
    case 'operation':
      return run.operation.toLowerCase();
    case 'status':
      return run.status;
    case 'executor':
      return executorText(run);
    case 'time':
      return runDurationMs(run, now) ?? undefined;
    case 'label':
      return run.label?.toLowerCase() || undefined;
    case 'id':
      return run.id;
  }
  if (key.startsWith('scalar:')) {
    const col = parseScalarColumn(key.slice(7));
    const s = col && findScalar(scalars.get(run.id), col.key);
    return s && col ? scalarValue(s, col.agg) : undefined;
  }
  if (key.startsWith('flag:')) {
    const v = run.flags[key.slice(5)];
    return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : v === undefined || v === null ? undefined : String(v).toLowerCase();
  }
  if (key.startsWith('attr:') && ATTRS.includes(key.slice(5) as AttrName)) {
    if (key === 'attr:exit_status') return run.exitStatus ?? undefined;
    return attrText(run, key.slice(5) as AttrName).toLowerCase() || undefined;
  }
  return undefined;
}

type SortValue = string | number | undefined;

const missing = (x: SortValue): boolean => x === undefined || (typeof x === 'number' && !Number.isFinite(x));

/** `x` before `y` in this sort (<0), after (>0); missing values, nan and ±inf last in both directions (as grun compare --min/--max). */
function compareValues(x: SortValue, y: SortValue, desc: boolean): number {
  const xm = missing(x);
  const ym = missing(y);
  if (xm || ym) return xm && ym ? 0 : xm ? 1 : -1;
  const c = x! < y! ? -1 : x! > y! ? 1 : 0;
  return desc ? -c : c;
}

/**
 * The comparator of a sort. `override` gives some runs another value: in the tree view a batch
 * sorts by its best trial's value of a scalar.
 */
function comparator(sort: Sort, scalars: ScalarLookup, override?: ReadonlyMap<string, number>): Cmp {
  const now = Date.now();
  const cache = new Map<Run, SortValue>();
  const val = (r: Run) => {
    if (!cache.has(r)) cache.set(r, override?.get(r.id) ?? sortValue(r, sort.key, scalars, now));
    return cache.get(r);
  };
  return (a, b) => compareValues(val(a), val(b), sort.desc);
}

/**
 * Each batch's best trial value of the scalar `sort` is by (best in the sort's direction), for
 * the batches that have trials with a value.
 */
function bestOfTrials(rows: readonly Row[], trialOf: ReadonlyMap<string, string>, sort: Sort, scalars: ScalarLookup): Map<string, number> {
  const best = new Map<string, number>();
  for (const r of rows) {
    const parent = trialOf.get(r.run.id);
    if (!parent) continue;
    const v = sortValue(r.run, sort.key, scalars, 0);
    if (typeof v !== 'number' || missing(v)) continue;
    const b = best.get(parent);
    if (b === undefined || compareValues(v, b, sort.desc) < 0) best.set(parent, v);
  }
  return best;
}

interface Memo {
  runs?: readonly Run[];
  sortKey?: string;
  scalarsVersion?: number;
  /** Rows (depth 0) in sort order, and their lowercased search text, built once per sort. */
  sorted?: Row[];
  hay?: string[];
  /** Trials of each batch (in sort order), and which runs are trials. */
  fold?: { trialOf: Map<string, string>; childrenOf: Map<string, Row[]> };
  spec?: ViewSpec;
  view?: View & { matchedIdx: number[] | null };
}

/**
 * A memoised `computeView`: one per table. Built to keep a keystroke in the filter bar cheap
 * at 100k runs: rows and search text are made once per run list and sort, in flat arrays; a
 * filter that extends the previous text only narrows the previous matches.
 */
export function makeViewMemo(): (runs: readonly Run[], spec: ViewSpec, scalars: ScalarLookup) => View {
  const m: Memo = {};
  return (runs, spec, scalars) => {
    const sortUsesScalars = spec.sort.key.startsWith('scalar:');
    // in the tree view (and a filtered one) a batch sorts by its best trial; the flat view ranks runs alone
    const byBest = sortUsesScalars && !spec.flat;
    const sortKey = `${spec.sort.key}\0${spec.sort.desc}\0${byBest}`;
    const newRuns = m.runs !== runs;
    if (newRuns || m.sortKey !== sortKey || (sortUsesScalars && m.scalarsVersion !== scalars.version)) {
      let rows = runs.map((run, i): Row => ({ run, index: i + 1, depth: 0, fold: null }));
      const isDefault = spec.sort.key === 'started' && spec.sort.desc;
      if (!isDefault) {
        const best = byBest ? bestOfTrials(rows, trialLinks(rows), spec.sort, scalars) : undefined;
        if (best?.size) rows = rows.map((r) => (best.has(r.run.id) ? { ...r, best: best.get(r.run.id)! } : r));
        const cmp = comparator(spec.sort, scalars, best);
        rows.sort((a, b) => cmp(a.run, b.run));
      }
      m.sorted = rows;
      m.hay = undefined;
      searchTexts(m); // now rather than on the first keystroke of a filter
      m.fold = undefined;
      m.view = undefined;
    }
    const expression = spec.filter.trim() !== '' && looksLikeExpression(spec.filter);
    const stale =
      !m.view ||
      m.spec?.filter !== spec.filter ||
      m.spec.status !== spec.status ||
      m.spec.expanded !== spec.expanded ||
      m.spec.flat !== spec.flat ||
      (expression && m.scalarsVersion !== scalars.version);
    if (stale) {
      // Typing forward in plain text: the new matches are among the previous ones.
      const prev = m.view?.matchedIdx && m.spec && m.spec.status === spec.status && !expression ? m.spec.filter.trim().toLowerCase() : null;
      const narrow = prev !== null && spec.filter.trim().toLowerCase().startsWith(prev) ? m.view!.matchedIdx : null;
      m.view = filterAndFold(m, spec, scalars, narrow);
    }
    m.runs = runs;
    m.sortKey = sortKey;
    m.spec = spec;
    m.scalarsVersion = scalars.version;
    return m.view!;
  };
}

function searchTexts(m: Memo): string[] {
  m.hay ??= m.sorted!.map(({ run: r }) => `${r.operation}\0${r.label ?? ''}\0${r.tags.join('\0')}`.toLowerCase());
  return m.hay;
}

/** The batch (or pipeline) of each listed trial (or step); a link to a run that is not listed makes nothing a trial. */
function trialLinks(rows: readonly Row[]): Map<string, string> {
  const byId = new Map<string, Run>();
  // a batch's trials, and a pipeline's steps (its links), fold under it
  for (const r of rows) if (r.run.batch || r.run.children.length > 0) byId.set(r.run.id, r.run);
  const trialOf = new Map<string, string>();
  for (const b of byId.values()) for (const c of b.children) trialOf.set(c, b.id);
  for (const r of rows) if (r.run.parent && byId.has(r.run.parent)) trialOf.set(r.run.id, r.run.parent);
  const listed = new Set(rows.map((r) => r.run.id));
  for (const id of [...trialOf.keys()]) if (!listed.has(id)) trialOf.delete(id);
  return trialOf;
}

function foldInfo(m: Memo): NonNullable<Memo['fold']> {
  if (m.fold) return m.fold;
  const sorted = m.sorted!;
  const trialOf = trialLinks(sorted);
  const childrenOf = new Map<string, Row[]>();
  for (const r of sorted) {
    const p = trialOf.get(r.run.id);
    if (p) childrenOf.set(p, [...(childrenOf.get(p) ?? []), r]);
  }
  return (m.fold = { trialOf, childrenOf });
}

function filterAndFold(m: Memo, spec: ViewSpec, scalars: ScalarLookup, narrow: number[] | null): View & { matchedIdx: number[] | null } {
  const text = spec.filter.trim();
  const sorted = m.sorted!;
  let filterError: string | null = null;
  let pred: ((i: number) => boolean) | null = null;
  const expression = text !== '' && looksLikeExpression(text);
  if (expression) {
    let node: FilterNode | null = null;
    try {
      node = parseFilter(text);
    } catch (e) {
      filterError = (e as Error).message;
    }
    if (node) {
      const n = node;
      pred = (i) => {
        const r = sorted[i]!.run;
        try {
          return matchFilter(n, r, scalarLookup(scalars.get(r.id) ?? []));
        } catch {
          return false;
        }
      };
    }
  }
  if (!pred && text !== '') {
    const t = text.toLowerCase();
    const hay = searchTexts(m);
    pred = (i) => hay[i]!.includes(t) || sorted[i]!.run.id.startsWith(t);
  }
  const quick = QUICK_MATCH[spec.status];
  let matchedIdx: number[] | null = null;
  let matched: Row[];
  if (spec.status === 'all' && !pred) matched = sorted;
  else {
    matchedIdx = [];
    const test = (i: number) => quick(sorted[i]!.run.status) && (!pred || pred(i));
    if (narrow) {
      for (const i of narrow) if (test(i)) matchedIdx.push(i);
    } else {
      for (let i = 0; i < sorted.length; i++) if (test(i)) matchedIdx.push(i);
    }
    matched = matchedIdx.map((i) => sorted[i]!);
  }
  const flat = text !== '' || spec.status !== 'all' || spec.flat;
  let rows: Row[];
  if (flat) rows = matched;
  else {
    // Trials sit folded under their batch; a trial whose batch is gone shows on its own.
    const { trialOf, childrenOf } = foldInfo(m);
    if (trialOf.size === 0 && !matched.some((r) => r.run.steps)) rows = matched;
    else {
      rows = [];
      for (const row of matched) {
        if (trialOf.has(row.run.id)) continue;
        const kids = childrenOf.get(row.run.id);
        const records = row.run.steps?.records;
        if (!kids && !records?.length) {
          rows.push(row);
          continue;
        }
        const open = spec.expanded.has(row.run.id);
        rows.push({ ...row, fold: open ? '-' : '+' });
        if (open) rows.push(...(records?.length ? stepRows(row, records, kids ?? []) : kids!.map((k): Row => ({ ...k, depth: 1 }))));
      }
    }
  }
  return {
    rows, matched: matched.length, filterError, expression, indexOf: lazyIndex(rows), matchedIdx,
  };
}

/**
 * The rows under an expanded pipeline: one per step its driver recorded, in the graph's order,
 * each the step's run's row where that run is listed, else a row standing for the step.
 */
function stepRows(pipe: Row, records: readonly StepRecord[], kids: readonly Row[]): Row[] {
  const kidOf = new Map(kids.map((k) => [k.run.id, k]));
  return records.map((r): Row => {
    const kid = r.run ? kidOf.get(r.run) : undefined;
    const state = liveStepState(r.state, kid?.run.status ?? null);
    return kid
      ? { ...kid, depth: 1, step: { name: r.name, state, runless: false } }
      : { run: pipe.run, index: pipe.index, depth: 1, fold: null, step: { name: r.name, state, runless: true } };
  });
}

/** Row of a run id (or `rowKey`); the map is built on first use, once per view. */
function lazyIndex(rows: readonly Row[]): (id: string) => number | undefined {
  let pos: Map<string, number> | null = null;
  return (id) => {
    if (!pos) {
      pos = new Map();
      for (let i = 0; i < rows.length; i++) pos.set(rowKey(rows[i]!), i);
    }
    return pos.get(id);
  };
}

/** Scalar columns to show when none were chosen: the two most common tags (loss first). */
export function autoScalarColumns(rows: readonly Row[], scalars: ScalarLookup, max = 2): ColumnSpec[] {
  const counts = new Map<string, number>();
  for (const r of rows) {
    for (const s of scalars.get(r.run.id) ?? []) {
      if (s.tag.startsWith('sys/')) continue;
      const k = scalarKey(s.prefix, s.tag);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  // keys of linked runs (`<dir>#tag`) and counters rank last
  const rank = (k: string) => (k.includes('#') ? 4 : k === 'loss' ? 0 : k.includes('loss') ? 1 : k === 'step' || k === 'epoch' ? 3 : 2);
  return [...counts.entries()]
    .sort((a, b) => rank(a[0]) - rank(b[0]) || b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([key]): ColumnSpec => ({ kind: 'scalar', agg: 'last', key }));
}
