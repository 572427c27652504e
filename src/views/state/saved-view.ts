// A dashboard view as the store keeps it (store/ui-views.ts): sort, filter, status filter,
// columns and tree/flat, taken from the state and put back. Pure.
import type { SavedView } from '../../store/ui-views.js';
import { say, type AppState } from './core.js';
import { parseColumnSpec, specText, type ColumnSpec } from './column-spec.js';
import { STATUS_QUICK, type StatusQuick } from './view.js';

export const viewOf = (s: AppState): SavedView => ({
  sort: s.sort, filter: s.filter, status: s.status, columns: s.columns ? s.columns.map(specText) : null, flat: s.flat,
});

/** The same view (what decides whether it needs saving again). */
export const viewKey = (v: SavedView): string => JSON.stringify(v);

/** A saved view applied; what no longer parses (a file from another version) is left as it is. */
export function applyView(s: AppState, v: SavedView, name?: string): AppState {
  const cols = v.columns?.map((c) => parseColumnSpec(c));
  const columns = cols && cols.every((c): c is ColumnSpec => c !== null) ? cols : cols ? s.columns : null;
  const status = (STATUS_QUICK as readonly string[]).includes(v.status) ? (v.status as StatusQuick) : s.status;
  const next: AppState = {
    ...s, sort: v.sort, filter: v.filter, status, columns, flat: v.flat, hscroll: 0, table: { ...s.table, top: 0 },
  };
  return name ? say(next, `view ${name}`) : next;
}
