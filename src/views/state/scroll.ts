// Scrolling of the screens that are not tables (detail tabs, pagers, compare, help), by the
// metrics their layout gives (src/views/layout.ts). Pure.
import type { MoveAction } from './table.js';

/** What a screen's layout says about scrolling it: lines (or items) and the lines on a page. */
export interface ScrollMetrics {
  count: number;
  pageSize: number;
  /** The selected item of a list (the file under the cursor in the files tab). */
  selected?: string;
  /** The index of the item shown as selected (a list whose selection starts at a default). */
  at?: number;
}

/** A position in a list of `count` items moved by `action`; `scroll` counts from the top. */
export function scrollBy(scroll: number, action: MoveAction, m: ScrollMetrics): number {
  const max = Math.max(0, m.count - 1);
  switch (action) {
    case 'up': return Math.max(0, scroll - 1);
    case 'down': return Math.min(max, scroll + 1);
    case 'pageUp': return Math.max(0, scroll - m.pageSize);
    case 'pageDown': return Math.min(max, scroll + m.pageSize);
    case 'top': return 0;
    case 'bottom': return max;
  }
}

/**
 * Output scrolling: `follow` shows the last page as lines arrive (End/G turns it on); any other
 * move turns it off and keeps `scroll` (the first line shown, counted over every line the run
 * printed), so new lines do not move what the user reads.
 */
export function pagerScroll(p: { scroll: number; follow: boolean }, action: MoveAction, m: ScrollMetrics): { scroll: number; follow: boolean } {
  const max = Math.max(0, m.count - m.pageSize);
  const at = p.follow ? max : Math.min(p.scroll, max);
  const to = (n: number) => ({ scroll: Math.max(0, Math.min(max, n)), follow: false });
  switch (action) {
    case 'up': return to(at - 1);
    case 'down': return to(at + 1);
    case 'pageUp': return to(at - m.pageSize);
    case 'pageDown': return to(at + m.pageSize);
    case 'top': return to(0);
    case 'bottom': return { scroll: max, follow: true };
  }
}
