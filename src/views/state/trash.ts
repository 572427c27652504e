// The trash: deleted runs, to restore (confirm) or purge (type the word).
import type { TrashAction } from '../keymap.js';
import type { Run } from '../../store/types.js';
import { pop, runLine, unreachable, type AppState, type KeyContext } from './core.js';
import { cursorRow, moveTable, movedRow, toggleMark } from './table.js';
import { DEFAULT_SORT, makeViewMemo, NO_SCALARS, type View, type ViewSpec } from './view.js';

const trashMemo = makeViewMemo();
const TRASH_SPEC: ViewSpec = { filter: '', status: 'all', sort: DEFAULT_SORT, expanded: new Set(), flat: false };
export const trashView = (s: AppState): View => trashMemo(s.trash, TRASH_SPEC, NO_SCALARS);

export function onTrashAction(s: AppState, action: Exclude<TrashAction, 'help' | 'quit'>, ctx: KeyContext): AppState {
  const view = trashView(s);
  const row = cursorRow(s.trashTable, view);
  const h = Math.max(1, ctx.metrics.pageSize);
  const targets = (): Run[] =>
    s.trashTable.marks.size > 0 ? s.trash.filter((r) => s.trashTable.marks.has(r.id)) : view.rows[row] ? [view.rows[row]!.run] : [];
  const many = (n: number) => `${n} run${n > 1 ? 's' : ''}`;
  switch (action) {
    case 'up': case 'down': case 'pageUp': case 'pageDown': case 'top': case 'bottom':
      return { ...s, trashTable: moveTable(s.trashTable, view, movedRow(action, row, view.rows.length, h), h) };
    case 'back': return pop(s);
    case 'mark': return { ...s, trashTable: toggleMark(s.trashTable, view, h) };
    case 'restore': {
      const runs = targets();
      if (runs.length === 0) return s;
      return { ...s, dialog: { kind: 'confirm', title: `Restore ${many(runs.length)}?`, lines: runs.map(runLine), effect: { kind: 'restore', ids: runs.map((r) => r.id), undo: false } } };
    }
    case 'purge': {
      const runs = targets();
      if (runs.length === 0) return s;
      return {
        ...s,
        dialog: { kind: 'typed', title: `Purge ${many(runs.length)} for good? Type purge and Enter.`, lines: runs.map(runLine), word: 'purge', input: { text: '', cursor: 0 }, effect: { kind: 'purge', ids: runs.map((r) => r.id) } },
      };
    }
    default:
      return unreachable(action);
  }
}
