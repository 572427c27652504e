// The column chooser: a checkbox for every flag, attribute and scalar of the runs listed; Space
// shows or hides a column at once (the chosen list replaces the automatic one). Pure.
import { columnsKeymap, lookup } from '../keymap.js';
import { scalarKey } from '../../store/scalars.js';
import type { Run } from '../../store/types.js';
import { ATTRS, attrText, sameSpec, specText, type ColumnSpec } from './column-spec.js';
import { unreachable, type AppState, type KeyContext } from './core.js';
import { movedRow } from './table.js';
import type { ScalarLookup } from './view.js';

export interface ColumnChooser {
  kind: 'columns';
  title: string;
  items: ColumnSpec[];
  sel: number;
}

/** Every flag, attribute (that some run has) and scalar (loaded so far) of `runs`, then any chosen column not among them. */
export function columnChoices(runs: readonly Run[], scalars: ScalarLookup, chosen: readonly ColumnSpec[]): ColumnSpec[] {
  const flags = new Set<string>();
  const keys = new Set<string>();
  for (const r of runs) {
    for (const f of Object.keys(r.flags)) flags.add(f);
    for (const s of scalars.get(r.id) ?? []) keys.add(scalarKey(s.prefix, s.tag));
  }
  const items: ColumnSpec[] = [
    ...[...flags].sort().map((name): ColumnSpec => ({ kind: 'flag', name })),
    ...ATTRS.filter((a) => runs.some((r) => attrText(r, a) !== '')).map((name): ColumnSpec => ({ kind: 'attr', name })),
    ...[...keys].sort().map((key): ColumnSpec => ({ kind: 'scalar', agg: 'last', key })),
  ];
  return [...items, ...chosen.filter((c) => !items.some((i) => sameSpec(i, c)))];
}

export const openChooser = (items: ColumnSpec[]): ColumnChooser => ({ kind: 'columns', title: 'Columns (Space: show/hide)', items, sel: 0 });

/** A line of the chooser: `[x] =lr`. */
export const choiceLine = (c: ColumnSpec, chosen: readonly ColumnSpec[]): string =>
  `[${chosen.some((x) => sameSpec(x, c)) ? 'x' : ' '}] ${specText(c)}`;

export function onChooserKey(s: AppState, d: ColumnChooser, name: string, ctx: KeyContext): AppState {
  const action = lookup(columnsKeymap, name, false)?.action;
  switch (action) {
    case undefined: return s;
    case 'close': return { ...s, dialog: null };
    case 'up': case 'down': case 'pageUp': case 'pageDown': case 'top': case 'bottom': {
      const sel = Math.max(0, Math.min(d.items.length - 1, movedRow(action, d.sel, d.items.length, 10)));
      return { ...s, dialog: { ...d, sel } };
    }
    case 'toggle': {
      const item = d.items[d.sel];
      if (!item) return s;
      const chosen = s.columns ?? ctx.columns.extras;
      const columns = chosen.some((c) => sameSpec(c, item)) ? chosen.filter((c) => !sameSpec(c, item)) : [...chosen, item];
      return { ...s, columns };
    }
    default: return unreachable(action);
  }
}
