// The run detail screen: five tabs; the output tab scrolls as a pager (follow), the scalars and
// files tabs move a selection, the others scroll. Pure.
import type { DetailAction } from '../keymap.js';
import { pop, push, queue, replaceTop, runLine, say, unreachable, type AppState, type KeyContext } from './core.js';
import type { PagerScreen } from './pager.js';
import { openSearch, searchAgain, type OutputSearch } from './output-search.js';
import { pagerScroll, scrollBy } from './scroll.js';
import { stoppable } from './runs.js';

export const DETAIL_TABS = ['overview', 'flags', 'scalars', 'output', 'files'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

/** A tab's name as the tabs line shows it, the line being these side by side. */
export const tabLabel = (i: number): string => ` ${i + 1} ${DETAIL_TABS[i]} `;

/** The tab at a column (1-based) of the tabs line, if any. */
export function tabAt(x: number): DetailTab | undefined {
  let end = 0;
  return DETAIL_TABS.find((_, i) => x <= (end += tabLabel(i).length));
}

export interface DetailScreen {
  kind: 'detail';
  id: string;
  tab: DetailTab;
  scroll: number;
  /** The selected scalar or file; null: the first file, the first scalar not epoch/step. */
  sel: number | null;
  follow: boolean;
  /** The scalars tab's plot: y on a log scale; x in seconds since the first point, not steps. */
  log: boolean;
  time: boolean;
  /** The output tab's search. */
  search: OutputSearch | null;
}

export const openDetail = (id: string): DetailScreen => ({
  kind: 'detail', id, tab: 'overview', scroll: 0, sel: null, follow: true, log: false, time: false, search: null,
});

/** Attach: the run's live output full screen (pager.ts). */
export const attach = (id: string): PagerScreen => ({ kind: 'pager', what: 'attach', id, file: null, scroll: 0, follow: true, search: null });

/** A click on the tabs line (the screen's second line) opens the tab under it. */
export function clickDetail(s: AppState, d: DetailScreen, x: number, y: number): AppState {
  const tab = y === 2 ? tabAt(x) : undefined;
  return tab && tab !== d.tab ? withTab(s, d, tab) : s;
}

const withTab = (s: AppState, d: DetailScreen, tab: DetailTab): AppState => replaceTop(s, { ...d, tab, scroll: 0, sel: null, follow: true });

export function onDetailAction(s: AppState, d: DetailScreen, action: Exclude<DetailAction, 'help' | 'quit'>, ctx: KeyContext): AppState {
  const setTab = (i: number): AppState => withTab(s, d, DETAIL_TABS[(i + DETAIL_TABS.length) % DETAIL_TABS.length]!);
  const tabIdx = DETAIL_TABS.indexOf(d.tab);
  switch (action) {
    case 'nextTab': return setTab(tabIdx + 1);
    case 'prevTab': return setTab(tabIdx - 1);
    case 'tab1': case 'tab2': case 'tab3': case 'tab4': case 'tab5':
      return setTab(Number(action.slice(3)) - 1);
    case 'back': return pop(s);
    case 'search': return d.tab === 'output' ? openSearch(s, d, ctx) : s;
    case 'copyId': return queue(s, { kind: 'copy', text: d.id });
    case 'shell': return queue(s, { kind: 'external', id: d.id, file: d.tab === 'files' ? (ctx.metrics.selected ?? null) : null });
    case 'next': case 'prev': return d.tab === 'output' ? searchAgain(s, d, action === 'next' ? 1 : -1, ctx) : s;
    case 'log': return d.tab === 'scalars' ? replaceTop(s, { ...d, log: !d.log }) : s;
    case 'xAxis': return d.tab === 'scalars' ? replaceTop(s, { ...d, time: !d.time }) : s;
    case 'attach': return push(s, attach(d.id));
    case 'stop': {
      const run = s.runs.find((r) => r.id === d.id);
      if (!run || !stoppable(run)) return say(s, 'this run is not running', true);
      return { ...s, dialog: { kind: 'confirm', title: 'Stop this run?', lines: [runLine(run)], effect: { kind: 'stop', ids: [run.id] } } };
    }
    case 'open': {
      const file = ctx.metrics.selected;
      if (d.tab !== 'files' || !file) return s;
      return push(s, { kind: 'pager', what: 'file', id: d.id, file, scroll: 0, follow: false, search: null });
    }
    case 'up': case 'down': case 'pageUp': case 'pageDown': case 'top': case 'bottom':
      // output scrolls as the pager does; lists move a selection; the rest scroll
      if (d.tab === 'output') return replaceTop(s, { ...d, ...pagerScroll(d, action, ctx.metrics) });
      if (d.tab === 'scalars' || d.tab === 'files') return replaceTop(s, { ...d, sel: scrollBy(ctx.metrics.at ?? d.sel ?? 0, action, ctx.metrics) });
      return replaceTop(s, { ...d, scroll: scrollBy(d.scroll, action, ctx.metrics) });
    default:
      return unreachable(action);
  }
}
