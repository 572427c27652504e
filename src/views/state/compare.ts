// The compare screen: marked runs side by side; `u` keeps only rows that differ; `e` exports CSV.
import type { CompareAction } from '../keymap.js';
import { pop, replaceTop, unreachable, type AppState, type KeyContext } from './core.js';
import { textInput } from './text-input.js';
import { scrollBy } from './scroll.js';

export interface CompareScreen {
  kind: 'compare';
  ids: string[];
  onlyChanged: boolean;
  scroll: number;
}

export function onCompareAction(s: AppState, c: CompareScreen, action: Exclude<CompareAction, 'help' | 'quit'>, ctx: KeyContext): AppState {
  switch (action) {
    case 'back': return pop(s);
    case 'changed': return replaceTop(s, { ...c, onlyChanged: !c.onlyChanged, scroll: 0 });
    case 'export':
      return { ...s, dialog: { kind: 'prompt', purpose: 'export', title: 'Export CSV to', input: textInput('compare.csv'), ids: c.ids } };
    case 'up': case 'down': case 'pageUp': case 'pageDown': case 'top': case 'bottom':
      return replaceTop(s, { ...c, scroll: scrollBy(c.scroll, action, ctx.metrics) });
    default:
      return unreachable(action);
  }
}
