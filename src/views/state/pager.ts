// Full-screen pagers: attach (a run's live output; leaving never stops the run) and a file view.
import type { PagerAction } from '../keymap.js';
import { pop, replaceTop, unreachable, type AppState, type KeyContext } from './core.js';
import { pagerScroll } from './scroll.js';
import { openSearch, searchAgain, type OutputSearch } from './output-search.js';

export interface PagerScreen {
  kind: 'pager';
  what: 'attach' | 'file';
  id: string;
  file: string | null;
  scroll: number;
  follow: boolean;
  /** Attach's search in the output. */
  search: OutputSearch | null;
}

export function onPagerAction(s: AppState, p: PagerScreen, action: Exclude<PagerAction, 'help' | 'quit'>, ctx: KeyContext): AppState {
  switch (action) {
    case 'back': return pop(s);
    case 'search': return p.what === 'attach' ? openSearch(s, p, ctx) : s;
    case 'next': case 'prev': return p.what === 'attach' ? searchAgain(s, p, action === 'next' ? 1 : -1, ctx) : s;
    case 'up': case 'down': case 'pageUp': case 'pageDown': case 'top': case 'bottom':
      return replaceTop(s, { ...p, ...pagerScroll(p, action, ctx.metrics) });
    default:
      return unreachable(action);
  }
}
