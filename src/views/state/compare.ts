// The compare screen: marked runs side by side (`u` keeps only rows that differ; `e` exports
// CSV), or, with `p`, one scalar of every run overlaid in a plot (↑↓ pick the scalar, `L` log
// scale, `X` steps or time, `b` seed groups: a mean with its min–max band).
import type { CompareAction } from '../keymap.js';
import { pop, replaceTop, unreachable, type AppState, type KeyContext } from './core.js';
import { textInput } from './text-input.js';
import { scrollBy } from './scroll.js';

export interface CompareScreen {
  kind: 'compare';
  ids: string[];
  onlyChanged: boolean;
  scroll: number;
  /** The plot instead of the table. */
  plot: boolean;
  /** The scalar plotted, an index into the runs' scalar names; null: the first not epoch/step. */
  scalar: number | null;
  log: boolean;
  /** x is seconds since each run's first point rather than the step. */
  time: boolean;
  /** Runs grouped by the flags they share but the seed: the table shows mean ± std, the plot bands. */
  groups: boolean;
}

export const openCompare = (ids: string[]): CompareScreen => ({
  kind: 'compare', ids, onlyChanged: false, scroll: 0, plot: false, scalar: null, log: false, time: false, groups: false,
});

export function onCompareAction(s: AppState, c: CompareScreen, action: Exclude<CompareAction, 'help' | 'quit'>, ctx: KeyContext): AppState {
  switch (action) {
    case 'back': return pop(s);
    case 'changed': return replaceTop(s, { ...c, onlyChanged: !c.onlyChanged, scroll: 0 });
    case 'export':
      return { ...s, dialog: { kind: 'prompt', purpose: 'export', title: 'Export CSV to', input: textInput('compare.csv'), ids: c.ids } };
    case 'plot': return replaceTop(s, { ...c, plot: !c.plot, scroll: 0 });
    case 'log': return replaceTop(s, { ...c, log: !c.log });
    case 'xAxis': return replaceTop(s, { ...c, time: !c.time });
    case 'groups': return replaceTop(s, { ...c, groups: !c.groups, scroll: 0 });
    case 'up': case 'down': case 'pageUp': case 'pageDown': case 'top': case 'bottom':
      // in the plot the moves pick the scalar (the layout says which one is shown)
      if (c.plot) return replaceTop(s, { ...c, scalar: scrollBy(ctx.metrics.at ?? 0, action, ctx.metrics) });
      return replaceTop(s, { ...c, scroll: scrollBy(c.scroll, action, ctx.metrics) });
    default:
      return unreachable(action);
  }
}
