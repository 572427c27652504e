// Column layout of the runs table: which columns fit the width, in a sensible drop order
// (extra scalar columns, then the long start time, run time, the first scalar, the start
// time, the id; the executor narrowed, the operation narrowed, the executor), with the label
// taking what is left. Pure.
import type { Row, ScalarColumn } from './state/view.js';
import { columnLabel } from './state/view.js';
import { executorText, runsElsewhere } from './format.js';

export type ColumnId = 'index' | 'id' | 'operation' | 'started' | 'time' | 'status' | 'executor' | 'label' | `scalar${number}`;

export interface Column {
  id: ColumnId;
  title: string;
  width: number;
  align: 'left' | 'right';
  /** Sort key this column sorts by. */
  sortKey: string;
  short?: boolean; // `started` in its short form
  scalar?: ScalarColumn;
}

/** Prefix before the first column: cursor, mark and fold glyphs. */
export const PREFIX_WIDTH = 3;
const GAP = 1;
const LABEL_MIN = 10;
const STATUS_WIDTH = 12;

const EXECUTOR_MAX = 36; // `slurm 123456_78 (JobArrayTaskLimit)`
const EXECUTOR_MIN = 16; // `slurm 1234_56 (…`

/** Shown only when some run executes elsewhere (Slurm, a remote), as wide as its longest cell. */
function executorColumn(rows: readonly Row[]): Column[] {
  if (!rows.some((r) => runsElsewhere(r.run))) return [];
  const width = Math.min(EXECUTOR_MAX, Math.max(8, ...rows.map((r) => executorText(r.run).length)));
  return [{ id: 'executor', title: 'executor', width, align: 'left', sortKey: 'executor' }];
}

/** What a row's column widths depend on (the layout is recomputed when it changes). */
export const widthKey = (r: Row): string =>
  `${r.run.operation.length + (r.run.marked ? 2 : 0) + r.depth * 2}${runsElsewhere(r.run) ? `:${executorText(r.run).length}` : ''}`;

export function layoutColumns(width: number, rows: readonly Row[], scalarCols: readonly ScalarColumn[], maxIndex: number): Column[] {
  const opWidth = Math.min(24, Math.max(9, ...rows.map((r) => r.run.operation.length + (r.run.marked ? 2 : 0) + r.depth * 2)));
  const cols: Column[] = [
    { id: 'index', title: '#', width: Math.max(1, String(maxIndex).length), align: 'right', sortKey: 'started' },
    { id: 'id', title: 'id', width: 8, align: 'left', sortKey: 'id' },
    { id: 'operation', title: 'operation', width: opWidth, align: 'left', sortKey: 'operation' },
    { id: 'started', title: 'started', width: 19, align: 'left', sortKey: 'started' },
    { id: 'time', title: 'time', width: 7, align: 'right', sortKey: 'time' },
    { id: 'status', title: 'status', width: STATUS_WIDTH, align: 'left', sortKey: 'status' },
    ...executorColumn(rows),
    ...scalarCols.map((c, i): Column => {
      const title = columnLabel(c);
      return { id: `scalar${i}`, title, width: Math.min(14, Math.max(8, title.length)), align: 'right', sortKey: `scalar:${title}`, scalar: c };
    }),
    { id: 'label', title: 'label', width: LABEL_MIN, align: 'left', sortKey: 'label' },
  ];
  const total = () => PREFIX_WIDTH + cols.reduce((n, c) => n + c.width + GAP, 0);
  const drop = (id: ColumnId) => {
    const i = cols.findIndex((c) => c.id === id);
    if (i >= 0) cols.splice(i, 1);
  };
  const steps: (() => void)[] = [
    ...scalarCols.slice(1).map((_, i) => () => drop(`scalar${scalarCols.length - 1 - i}`)),
    () => {
      const c = cols.find((x) => x.id === 'started');
      if (c) Object.assign(c, { width: 11, short: true });
    },
    () => drop('time'),
    () => drop('scalar0'),
    () => drop('started'),
    () => drop('id'),
    () => {
      const c = cols.find((x) => x.id === 'executor');
      if (c) c.width = Math.min(c.width, EXECUTOR_MIN);
    },
    () => {
      const c = cols.find((x) => x.id === 'operation');
      if (c) c.width = 9;
    },
    () => drop('executor'),
  ];
  for (const step of steps) {
    if (total() <= width) break;
    step();
  }
  const label = cols.find((c) => c.id === 'label')!;
  label.width = Math.max(1, label.width + width - total());
  return cols;
}
