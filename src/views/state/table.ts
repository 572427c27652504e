// A table's cursor, window and marks (the runs table and the trash), and the movement keys
// shared by every list. Pure.
import { rowKey, type View } from './view.js';

/** Cursor and window of a table; the cursor follows its run id across refreshes. */
export interface TableState {
  cursorId: string | null;
  cursorIndex: number;
  top: number;
  marks: ReadonlySet<string>;
}

export const emptyTable: TableState = { cursorId: null, cursorIndex: 0, top: 0, marks: new Set() };

/** Index of the cursor row in `view`: its run if still shown, else the same position. */
export function cursorRow(t: TableState, view: View): number {
  const n = view.rows.length;
  if (n === 0) return 0;
  const at = t.cursorId === null ? undefined : view.indexOf(t.cursorId);
  return at ?? Math.min(Math.max(t.cursorIndex, 0), n - 1);
}

/** First row of the window so that `row` is visible. */
export function windowTop(top: number, row: number, height: number, n: number): number {
  let t = Math.min(top, row);
  if (row >= t + height) t = row - height + 1;
  return Math.max(0, Math.min(t, Math.max(0, n - height)));
}

export function moveTable(t: TableState, view: View, to: number, height: number): TableState {
  const n = view.rows.length;
  if (n === 0) return { ...t, cursorId: null, cursorIndex: 0, top: 0 };
  const row = Math.max(0, Math.min(to, n - 1));
  return { ...t, cursorId: rowKey(view.rows[row]!), cursorIndex: row, top: windowTop(t.top, row, height, n) };
}

export type MoveAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom';

/** The row a cursor movement goes to. */
export function movedRow(action: MoveAction, row: number, rows: number, page: number): number {
  switch (action) {
    case 'up': return row - 1;
    case 'down': return row + 1;
    case 'pageUp': return row - page;
    case 'pageDown': return row + page;
    case 'top': return 0;
    case 'bottom': return rows - 1;
  }
}

/** Marks the cursor row (or unmarks it) and moves down a row. */
export function toggleMark(t: TableState, view: View, height: number): TableState {
  const row = cursorRow(t, view);
  const cur = view.rows[row]?.run;
  if (!cur) return t;
  const marks = new Set(t.marks);
  if (!marks.delete(cur.id)) marks.add(cur.id);
  return { ...moveTable(t, view, row + 1, height), marks };
}
