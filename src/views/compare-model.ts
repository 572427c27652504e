// What the compare screen shows: flags side by side (rows that differ flagged) and each
// scalar's last/min/max per run, as text of the engine's compare model (engine/compare.ts,
// which also writes the CSV export). Pure: scalars come from the dashboard's cache.
import { flagCell, tableText } from '../engine/compare.js';
import { natsortCompare } from '../store/natsort.js';
import { scalarKey } from '../store/scalars.js';
import type { Run, ScalarSummary } from '../store/types.js';
import { formatDuration, formatStarted, runDurationMs, shortId, sparkline } from './format.js';
import { meanStdText, type SeedGroup } from './seed-groups.js';

export interface CompareRow {
  section: 'run' | 'flags' | 'scalars';
  name: string;
  values: string[];
  differs: boolean;
}

/**
 * `series(run, key)` gives a run's values of a scalar when loaded; each scalar then gets a
 * `trend` row of sparklines `sparkWidth` wide.
 */
export function compareRows(
  runs: readonly Run[],
  scalarsOf: (r: Run) => readonly ScalarSummary[],
  series: (r: Run, key: string) => readonly number[] | undefined = () => undefined,
  sparkWidth = 12,
): CompareRow[] {
  const row = (section: CompareRow['section'], name: string, values: string[]): CompareRow => ({
    section, name, values, differs: new Set(values).size > 1,
  });
  const out: CompareRow[] = [
    row('run', 'operation', runs.map((r) => r.operation)),
    row('run', 'started', runs.map((r) => formatStarted(r.started))),
    row('run', 'time', runs.map((r) => formatDuration(runDurationMs(r)))),
    row('run', 'status', runs.map((r) => r.status)),
    row('run', 'label', runs.map((r) => r.label ?? '')),
  ];
  const flagNames = [...new Set(runs.flatMap((r) => Object.keys(r.flags)))].sort(natsortCompare);
  for (const f of flagNames) out.push(row('flags', f, runs.map((r) => tableText(flagCell(r.flags, f)))));
  const lists = runs.map((r) => scalarMap(scalarsOf(r)));
  for (const k of scalarKeys(lists)) {
    const trend = runs.map((r) => sparkline(series(r, k) ?? [], sparkWidth));
    if (trend.some((t) => t !== '')) out.push({ section: 'scalars', name: `trend ${k}`, values: trend, differs: false });
    for (const agg of ['last', 'min', 'max'] as const) {
      out.push(row('scalars', `${agg} ${k}`, lists.map((m) => {
        const s = m.get(k);
        return s ? tableText({ scalar: s[agg] }) : '';
      })));
    }
  }
  return out;
}

const scalarMap = (list: readonly ScalarSummary[]) => new Map(list.map((s) => [scalarKey(s.prefix, s.tag), s]));

/** The scalar names of all the runs (system metrics left out), in natural order. */
const scalarKeys = (lists: readonly Map<string, ScalarSummary>[]): string[] =>
  [...new Set(lists.flatMap((m) => [...m.keys()]))].filter((k) => !k.startsWith('sys/')).sort(natsortCompare);

/** The scalar names compare plots, in the order of its rows. */
export const plotKeys = (runs: readonly Run[], scalarsOf: (r: Run) => readonly ScalarSummary[]): string[] =>
  scalarKeys(runs.map((r) => scalarMap(scalarsOf(r))));

/**
 * Seed groups side by side: the group's runs and the flags they share (`*` where they differ: the
 * seed), then for each scalar the mean ± std (n) of the runs' last, min and max values.
 */
export function compareGroupRows(groups: readonly SeedGroup[], scalarsOf: (r: Run) => readonly ScalarSummary[]): CompareRow[] {
  const row = (section: CompareRow['section'], name: string, values: string[]): CompareRow => ({
    section, name, values, differs: new Set(values).size > 1,
  });
  const runs = groups.flatMap((g) => g.runs);
  const out: CompareRow[] = [
    row('run', 'runs', groups.map((g) => String(g.runs.length))),
    row('run', 'ids', groups.map((g) => g.runs.map((r) => shortId(r.id).slice(0, 4)).join(' '))),
  ];
  const flagNames = [...new Set(runs.flatMap((r) => Object.keys(r.flags)))].sort(natsortCompare);
  for (const f of flagNames) {
    out.push(row('flags', f, groups.map((g) => {
      const vs = new Set(g.runs.map((r) => tableText(flagCell(r.flags, f))));
      return vs.size === 1 ? [...vs][0]! : '*';
    })));
  }
  const lists = groups.map((g) => g.runs.map((r) => scalarMap(scalarsOf(r))));
  for (const k of scalarKeys(lists.flat())) {
    for (const agg of ['last', 'min', 'max'] as const) {
      out.push(row('scalars', `${agg} ${k}`, lists.map((ms) => meanStdText(ms.flatMap((m) => m.get(k)?.[agg] ?? [])))));
    }
  }
  return out;
}
