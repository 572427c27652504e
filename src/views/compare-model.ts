// What the compare screen and its CSV show: flags side by side (rows that differ flagged) and
// each scalar's last/min/max per run. Pure.
import { formatFlagValue } from '../store/flagfmt.js';
import { isMarkedFloat } from '../store/yaml11.js';
import { scalarKey } from '../store/scalars.js';
import type { Run, ScalarSummary, YamlValue } from '../store/types.js';
import { formatDuration, formatNumber, formatStarted, runDurationMs, shortId, sparkline } from './format.js';

export interface CompareRow {
  section: 'run' | 'flags' | 'scalars';
  name: string;
  values: string[];
  differs: boolean;
}

/** A run's flag as Guild's compare table shows it (floats cut to 6 decimals, `0.0` kept a float). */
function flagText(flags: { [name: string]: YamlValue }, name: string, full = false): string {
  const v = flags[name];
  if (v === undefined) return '';
  const float = isMarkedFloat(flags, name);
  return formatFlagValue(v, full ? { float } : { float, truncateFloats: 6 });
}

const natural = (a: string, b: string): number => a.localeCompare(b, undefined, { numeric: true });

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
  const flagNames = [...new Set(runs.flatMap((r) => Object.keys(r.flags)))].sort(natural);
  for (const f of flagNames) out.push(row('flags', f, runs.map((r) => flagText(r.flags, f))));
  const lists = runs.map((r) => new Map(scalarsOf(r).map((s) => [scalarKey(s.prefix, s.tag), s])));
  const keys = [...new Set(lists.flatMap((m) => [...m.keys()]))].filter((k) => !k.startsWith('sys/')).sort(natural);
  for (const k of keys) {
    const trend = runs.map((r) => sparkline(series(r, k) ?? [], sparkWidth));
    if (trend.some((t) => t !== '')) out.push({ section: 'scalars', name: `trend ${k}`, values: trend, differs: false });
    for (const agg of ['last', 'min', 'max'] as const) {
      out.push(row('scalars', `${agg} ${k}`, lists.map((m) => {
        const s = m.get(k);
        return s ? formatNumber(s[agg], 10) : '';
      })));
    }
  }
  return out;
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One row per run (as `grun compare --csv`): core columns, flags, last value of each scalar. */
export function compareCsv(runs: readonly Run[], scalarsOf: (r: Run) => readonly ScalarSummary[]): string {
  const flagNames = [...new Set(runs.flatMap((r) => Object.keys(r.flags)))].sort(natural);
  const lists = runs.map((r) => new Map(scalarsOf(r).map((s) => [scalarKey(s.prefix, s.tag), s])));
  const keys = [...new Set(lists.flatMap((m) => [...m.keys()]))].filter((k) => !k.startsWith('sys/')).sort(natural);
  const header = ['run', 'operation', 'started', 'time', 'status', 'label', ...flagNames, ...keys];
  const lines = runs.map((r, i) => [
    shortId(r.id), r.operation, formatStarted(r.started), formatDuration(runDurationMs(r)), r.status, r.label ?? '',
    ...flagNames.map((f) => {
      const v = r.flags[f];
      // full precision and Python's True/False, as Guild's CSV
      return typeof v === 'boolean' ? (v ? 'True' : 'False') : flagText(r.flags, f, true);
    }),
    ...keys.map((k) => {
      const s = lists[i]!.get(k);
      return s ? String(s.last) : '';
    }),
  ]);
  return [header, ...lines].map((l) => l.map(csvCell).join(',')).join('\n') + '\n';
}
