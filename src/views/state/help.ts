// `?`: the keys of the screen below, from its keymap.
import type { HelpAction } from '../keymap.js';
import { pop, replaceTop, unreachable, type AppState, type KeyContext, type ScreenKind } from './core.js';
import { scrollBy } from './scroll.js';

export interface HelpScreen {
  kind: 'help';
  of: Exclude<ScreenKind, 'help'>;
  scroll: number;
}

export function onHelpAction(s: AppState, h: HelpScreen, action: Exclude<HelpAction, 'quit'>, ctx: KeyContext): AppState {
  switch (action) {
    case 'back': return pop(s);
    case 'up': case 'down': case 'pageUp': case 'pageDown':
      return replaceTop(s, { ...h, scroll: scrollBy(h.scroll, action, ctx.metrics) });
    default:
      return unreachable(action);
  }
}
