// Column layout of the runs table: the pinned columns (#, id, status) always shown; the others
// (operation, start time, run time, executor, label, then the extra flag, attribute and scalar
// columns) narrowed, then dropped in a sensible order (the long start time, the run time, the
// start time; the executor and operation narrowed, the executor) until the core columns, the
// label and the first extra column fit, and the rest reached by scrolling sideways one column
// at a time. Pure.
import type { Run } from '../store/types.js';
import { attrText, flagText, specSortKey, specTitle, type ColumnSpec } from './state/column-spec.js';
import { rowOperation, type Row } from './state/view.js';
import { executorText, runsElsewhere } from './format.js';

export type ColumnId = 'index' | 'id' | 'operation' | 'started' | 'time' | 'status' | 'executor' | 'label' | `extra${number}`;

export interface Column {
  id: ColumnId;
  title: string;
  width: number;
  align: 'left' | 'right';
  /** Sort key this column sorts by. */
  sortKey: string;
  short?: boolean; // `started` in its short form
  spec?: ColumnSpec;
}

export interface TableLayout {
  columns: Column[];
  /** Columns scrolled out on the left (the scroll position, clamped), and hidden on the right. */
  scroll: number;
  right: number;
  /** The furthest the table scrolls: from there on every remaining column fits. */
  maxScroll: number;
}

/** Prefix before the first column: cursor, mark and fold glyphs. */
export const PREFIX_WIDTH = 3;
const GAP = 1;
const LABEL_MIN = 10;
const LABEL_MAX = 40;
const EXTRA_MAX = 20;
const STATUS_WIDTH = 12;
const PINNED: ReadonlySet<ColumnId> = new Set<ColumnId>(['index', 'id', 'status']);

const EXECUTOR_MAX = 36; // `slurm 123456_78 (JobArrayTaskLimit)`
const EXECUTOR_MIN = 16; // `slurm 1234_56 (…`

/** Shown only when some run executes elsewhere (Slurm, a remote), as wide as its longest cell. */
function executorColumn(rows: readonly Row[]): Column[] {
  if (!rows.some((r) => runsElsewhere(r.run))) return [];
  const width = Math.min(EXECUTOR_MAX, Math.max(8, ...rows.map((r) => executorText(r.run).length)));
  return [{ id: 'executor', title: 'executor', width, align: 'left', sortKey: 'executor' }];
}

/** The text of a flag or attribute column's cell (scalars are formatted to their width by the table). */
export function specCellText(c: ColumnSpec, run: Run): string {
  return c.kind === 'flag' ? flagText(run, c.name) : c.kind === 'attr' ? attrText(run, c.name) : '';
}

/** An extra column as wide as its title and (for flags and attributes) its widest value shown. */
function extraColumn(c: ColumnSpec, i: number, rows: readonly Row[]): Column {
  const title = specTitle(c);
  const values = c.kind === 'scalar' ? [] : rows.map((r) => specCellText(c, r.run));
  const numeric = c.kind === 'scalar' || (values.some((v) => v !== '') && values.every((v) => v === '' || !Number.isNaN(Number(v))));
  const width = Math.min(c.kind === 'scalar' ? 14 : EXTRA_MAX, Math.max(c.kind === 'scalar' ? 8 : 1, title.length, ...values.map((v) => [...v].length)));
  return { id: `extra${i}`, title, width, align: numeric ? 'right' : 'left', sortKey: specSortKey(c), spec: c };
}

/** What a row's column widths depend on (the layout is recomputed when it changes). */
export const widthKey = (r: Row): string =>
  `${rowOperation(r).length + (r.run.marked ? 2 : 0) + r.depth * 2}${runsElsewhere(r.run) ? `:${executorText(r.run).length}` : ''}`;

export interface LayoutOptions {
  /** Columns scrolled out on the left. */
  scroll?: number;
  /** Width of the longest label shown. */
  labelWidth?: number;
}

export function layoutColumns(width: number, rows: readonly Row[], extras: readonly ColumnSpec[], maxIndex: number, opts: LayoutOptions = {}): TableLayout {
  const opWidth = Math.min(24, Math.max(9, ...rows.map((r) => rowOperation(r).length + (r.run.marked ? 2 : 0) + r.depth * 2)));
  const label: Column = {
    id: 'label', title: 'label', width: Math.min(LABEL_MAX, Math.max(LABEL_MIN, opts.labelWidth ?? 0)), align: 'left', sortKey: 'label',
  };
  const extraCols = extras.map((c, i) => extraColumn(c, i, rows));
  const cols: Column[] = [
    { id: 'index', title: '#', width: Math.max(1, String(maxIndex).length), align: 'right', sortKey: 'started' },
    { id: 'id', title: 'id', width: 8, align: 'left', sortKey: 'id' },
    { id: 'operation', title: 'operation', width: opWidth, align: 'left', sortKey: 'operation' },
    { id: 'started', title: 'started', width: 19, align: 'left', sortKey: 'started' },
    { id: 'time', title: 'time', width: 7, align: 'right', sortKey: 'time' },
    { id: 'status', title: 'status', width: STATUS_WIDTH, align: 'left', sortKey: 'status' },
    ...executorColumn(rows),
    label,
    ...extraCols,
  ];
  const span = (list: readonly Column[]) => list.reduce((n, c) => n + c.width + GAP, 0);
  // the core columns, the label and the first extra column; the start and run times give way to
  // the label's longest text shown (within bounds), the operation and executor only to its least
  const needed = (labelW: number) =>
    PREFIX_WIDTH + span(cols.filter((c) => !c.id.startsWith('extra'))) - label.width + labelW + (extraCols[0] ? extraCols[0].width + GAP : 0);
  const drop = (id: ColumnId) => {
    const i = cols.findIndex((c) => c.id === id);
    if (i >= 0) cols.splice(i, 1);
  };
  const steps: (() => void)[] = [
    () => {
      const c = cols.find((x) => x.id === 'started');
      if (c) Object.assign(c, { width: 11, short: true });
    },
    () => drop('time'),
    () => drop('started'),
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
  for (const [i, step] of steps.entries()) {
    if (needed(i < 3 ? label.width : LABEL_MIN) <= width) continue;
    step();
  }
  // sideways: the pinned columns stay; the others are shown from `scroll` on, as many as fit
  const movable = cols.filter((c) => !PINNED.has(c.id));
  const room = width - PREFIX_WIDTH - span(cols.filter((c) => PINNED.has(c.id)));
  // the label narrows (to LABEL_MIN) before a column after it is hidden
  const least = (list: readonly Column[]) => span(list) - (list.includes(label) ? label.width - LABEL_MIN : 0);
  let maxScroll = 0;
  while (maxScroll < movable.length - 1 && least(movable.slice(maxScroll)) > room) maxScroll++;
  const scroll = Math.max(0, Math.min(opts.scroll ?? 0, maxScroll));
  const shown = new Set<Column>();
  let used = 0;
  const rest = movable.slice(scroll);
  for (const [i, c] of rest.entries()) {
    if (c === label) label.width = Math.max(LABEL_MIN, Math.min(label.width, room - used - least(rest.slice(i + 1)) - GAP));
    if (used + c.width + GAP > room) {
      // the first column past the pinned ones is always shown, cut to the room left
      if (shown.size === 0 && room > GAP) {
        c.width = room - GAP;
        shown.add(c);
        used = room;
      }
      break;
    }
    shown.add(c);
    used += c.width + GAP;
  }
  // room left widens the label up to its longest text (the columns after it stay near it)
  if (shown.has(label)) label.width = Math.max(label.width, Math.min(opts.labelWidth ?? 0, label.width + room - used));
  return {
    columns: cols.filter((c) => PINNED.has(c.id) || shown.has(c)),
    scroll,
    right: movable.length - scroll - shown.size,
    maxScroll,
  };
}
