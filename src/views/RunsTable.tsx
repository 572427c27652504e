// The runs table: only the visible window of rows is rendered, each row memoised.
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { Run } from '../store/types.js';
import { PREFIX_WIDTH, specCellText, type Column } from './columns.js';
import { labelText } from './state/column-spec.js';
import { executorText, fit, formatDuration, formatNumber, formatStarted, runDurationMs, shortId } from './format.js';
import { findScalar, rowOperation, scalarValue, type Row, type ScalarLookup, type Sort } from './state/view.js';
import { GUILD_MARKED_GLYPH, MARK_GLYPH, PRUNED_GLYPH, STATUS_COLOR, STATUS_GLYPH, STEP_COLOR, STEP_GLYPH, type Theme } from './theme.js';

export interface RunsTableProps {
  rows: readonly Row[];
  top: number;
  cursor: number;
  height: number;
  columns: readonly Column[];
  marks: ReadonlySet<string>;
  scalars: ScalarLookup;
  sort: Sort;
  theme: Theme;
  /** Re-render running rows' time once a second. */
  now: number;
  /** What an empty table says (`no runs`, or that runs are still being read). */
  empty?: string;
  /** Flags that differ among the listed runs: the label column shows them. */
  differing: readonly string[];
  /** Columns scrolled out on the left and hidden on the right (`‹` and `›` in the header). */
  hidden: { left: number; right: number };
}

export function RunsTable(p: RunsTableProps) {
  const visible = p.rows.slice(p.top, p.top + p.height);
  return (
    <Box flexDirection="column" height={p.height + 1}>
      <Header columns={p.columns} sort={p.sort} hidden={p.hidden} />
      {visible.map((row, i) => {
        const run = row.run;
        const cells = p.columns.map((c) => cellText(c, row, p));
        return (
          // keyed by position: a new filter updates the rows in place instead of remounting them
          <RunRow
            key={i}
            row={row}
            cells={cells.join('\u0000')}
            columns={p.columns}
            selected={p.top + i === p.cursor}
            marked={p.marks.has(run.id)}
            theme={p.theme}
          />
        );
      })}
      {p.rows.length === 0 ? <Text dimColor>{`  ${p.empty ?? 'no runs'}`}</Text> : null}
    </Box>
  );
}

function Header({ columns, sort, hidden }: { columns: readonly Column[]; sort: Sort; hidden: RunsTableProps['hidden'] }) {
  const text = columns
    .map((c) => {
      const arrow = c.sortKey === sort.key && c.id !== 'index' ? (sort.desc ? '▼' : '▲') : '';
      return fit(c.title + arrow, c.width, c.align);
    })
    .join(' ');
  return (
    <Text bold wrap="truncate-end">
      {`${hidden.left ? '‹' : ' '}${hidden.right ? '›' : ' '}`.padEnd(PREFIX_WIDTH)}
      {text}
    </Text>
  );
}

function cellText(c: Column, row: Row, p: RunsTableProps): string {
  const run = row.run;
  // a step with no run yet has a name and a state only
  if (row.step?.runless && c.id !== 'operation' && c.id !== 'status') return '';
  switch (c.id) {
    case 'index': return String(row.index);
    case 'id': return shortId(run.id);
    case 'operation': return (row.depth ? '└ ' : '') + rowOperation(row) + (run.steps && !row.step ? ` ${run.steps.done}/${run.steps.total} steps` : '') + (run.marked && !row.step?.runless ? ` ${GUILD_MARKED_GLYPH}` : '');
    case 'started': return formatStarted(run.started ?? run.initialized, c.short);
    case 'time': return formatDuration(runDurationMs(run, p.now));
    case 'status': return row.step ? `${STEP_GLYPH[row.step.state]} ${row.step.state}` : statusText(run);
    case 'executor': return executorText(run);
    case 'label': return labelText(run, p.differing);
  }
  const spec = c.spec;
  if (!spec) return '';
  if (spec.kind !== 'scalar') return specCellText(spec, run);
  // a folded batch shows its best trial's value of the column it is sorted by
  if (row.fold === '+' && row.best !== undefined && c.sortKey === p.sort.key) return formatNumber(row.best, c.width);
  const s = findScalar(p.scalars.get(run.id), spec.key);
  return s ? formatNumber(scalarValue(s, spec.agg), c.width) : '';
}

export const statusText = (run: Run): string =>
  `${run.pruned ? PRUNED_GLYPH : STATUS_GLYPH[run.status]} ${run.status}${run.statusInfo.remote ? ` (${run.statusInfo.remote})` : ''}`;

interface RowProps {
  row: Row;
  cells: string;
  columns: readonly Column[];
  selected: boolean;
  marked: boolean;
  theme: Theme;
}

const RunRow = memo(
  function RunRow({ row, cells, columns, selected, marked, theme }: RowProps) {
    const texts = cells.split('\u0000');
    const si = columns.findIndex((c) => c.id === 'status');
    const cell = (i: number) => fit(texts[i]!, columns[i]!.width, columns[i]!.align);
    const before = columns.slice(0, si).map((_, i) => cell(i) + ' ').join('');
    const after = columns.slice(si + 1).map((_, k) => ' ' + cell(si + 1 + k)).join('');
    // the cursor glyph keeps the selection visible where inverse video is not shown
    const prefix = (selected ? '›' : ' ') + (marked ? theme.paint(MARK_GLYPH, 'yellow') : ' ') + (row.fold ?? ' ');
    const status = si >= 0 ? theme.paint(cell(si), row.step ? STEP_COLOR[row.step.state] : STATUS_COLOR[row.run.status]) : '';
    return (
      <Text wrap="truncate-end" inverse={selected}>
        {prefix + before + status + after}
      </Text>
    );
  },
  (a, b) =>
    a.row.run === b.row.run && a.row.step?.state === b.row.step?.state && a.row.fold === b.row.fold && a.row.index === b.row.index && a.cells === b.cells &&
    a.columns === b.columns && a.selected === b.selected && a.marked === b.marked && a.theme === b.theme,
);
