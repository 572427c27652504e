// The dashboard's one reducer. Every key goes through `appReducer` (never through state captured
// by a `useInput` closure: Ink re-subscribes handlers after render, so fast keys would hit stale
// closures). A key goes to the dialog if one is open, else to the filter bar if it is open, else
// to the top screen's module (runs, detail, pager, trash, compare, help, launch), each with its
// own keymap, action type and exhaustive switch. Side effects are queued as `effects` and run by
// the App.
import type { Key } from 'ink';
import type { Run } from '../../store/types.js';
import {
  compareKeymap, detailKeymap, helpKeymap, keyName, launchKeymap, lookup, pagerKeymap, runsKeymap, trashKeymap, type Keymap,
} from '../keymap.js';
import { onChooserKey } from './column-chooser.js';
import { onCompareAction } from './compare.js';
import { onConfirmKey, onTypedKey } from './confirm.js';
import { push, say, queue, replaceTop, top, unreachable, type AppState, type KeyContext, type ScreenKind } from './core.js';
import { clickDetail, onDetailAction, openDetail } from './detail.js';
import { onHelpAction } from './help.js';
import { onLaunchKey, patchLaunch, type LaunchState } from './launch.js';
import { onPagerAction } from './pager.js';
import { found } from './output-search.js';
import { applyView } from './saved-view.js';
import type { SavedView } from '../../store/ui-views.js';
import type { MouseEvent } from '../mouse.js';
import { onPromptKey } from './prompt.js';
import { clickRuns, onFilterKey, onRunsAction } from './runs.js';
import { emptyTable } from './table.js';
import { onTrashAction } from './trash.js';
import { DEFAULT_SORT } from './view.js';

export type { AppState, Dialog, KeyContext, Screen, ScreenKind } from './core.js';
export type { Effect } from './effects.js';
export { top as currentScreen } from './core.js';
export { runsView, stoppable } from './runs.js';
export { trashView } from './trash.js';
export { cursorRow, windowTop, type TableState } from './table.js';

export function initialState(readonly: boolean): AppState {
  return {
    readonly, runs: [], trash: [], loading: { loaded: 0 }, screens: [{ kind: 'runs' }], table: emptyTable,
    trashTable: emptyTable, filter: '', draft: null, status: 'all', sort: DEFAULT_SORT, expanded: new Set(),
    columns: null, hscroll: 0, flat: false, dialog: null, message: null, effects: [], seq: 0, lastDeleted: null, history: [],
  };
}

export type AppAction =
  | { type: 'key'; input: string; key: Key; ctx: KeyContext }
  | { type: 'mouse'; event: MouseEvent; ctx: KeyContext }
  /** `total`: how many runs there are when `runs` are only the newest of them (a warm start's first table). */
  | { type: 'runs'; runs: Run[]; done: boolean; total?: number }
  | { type: 'trash'; runs: Run[] }
  | { type: 'message'; text: string; error?: boolean }
  /** The message shown since `seq` has been read long enough. */
  | { type: 'expireMessage'; seq: number }
  | { type: 'effectsDone'; upTo: number }
  | { type: 'deleted'; ids: string[] }
  | { type: 'openDetail'; id: string }
  | { type: 'launchPatch'; patch: Partial<LaunchState> }
  | { type: 'launched'; id: string }
  | { type: 'found'; id: string; query: string; line: number | null }
  /** A saved view put back: the last one at start, or one by name (`:view NAME`). */
  | { type: 'applyView'; view: SavedView; name?: string };

export function keymapFor(kind: ScreenKind): Keymap {
  switch (kind) {
    case 'runs': return runsKeymap;
    case 'detail': return detailKeymap;
    case 'pager': return pagerKeymap;
    case 'trash': return trashKeymap;
    case 'compare': return compareKeymap;
    case 'help': return helpKeymap;
    case 'launch': return launchKeymap;
    default: return unreachable(kind);
  }
}

export function appReducer(s: AppState, a: AppAction): AppState {
  switch (a.type) {
    case 'runs':
      return { ...s, runs: a.runs, loading: a.done ? null : { loaded: a.runs.length, ...(a.total !== undefined ? { total: a.total } : {}) } };
    case 'trash':
      return { ...s, trash: a.runs };
    case 'message':
      return say(s, a.text, a.error);
    case 'expireMessage':
      return s.message?.seq === a.seq ? { ...s, message: null } : s;
    case 'effectsDone':
      return { ...s, effects: s.effects.filter((e) => e.seq > a.upTo) };
    case 'deleted':
      return { ...s, lastDeleted: a.ids, table: { ...s.table, marks: new Set() } };
    case 'openDetail':
      return push(s, openDetail(a.id));
    case 'launchPatch': {
      const l = top(s);
      return l.kind === 'launch' ? replaceTop(s, patchLaunch(l, a.patch)) : s;
    }
    case 'launched': {
      // back to the table, the cursor on the new run (it lists as soon as the watcher sees it)
      const screens = s.screens.filter((x) => x.kind !== 'launch');
      return { ...s, screens, filter: '', status: 'all', table: { ...s.table, cursorId: a.id } };
    }
    case 'found':
      return found(s, a.id, a.query, a.line);
    case 'applyView':
      return applyView(s, a.view, a.name);
    case 'key':
      return onKey(s, a.input, a.key, a.ctx);
    case 'mouse':
      return onMouse(s, a.event, a.ctx);
    default:
      return unreachable(a);
  }
}

function onKey(s: AppState, input: string, key: Key, ctx: KeyContext): AppState {
  const name = keyName(input, key);
  const d = s.dialog;
  if (d) {
    switch (d.kind) {
      case 'confirm': return onConfirmKey(s, name);
      case 'typed': return onTypedKey(s, d, name, input, key);
      case 'prompt': return onPromptKey(s, d, name, input, key);
      case 'columns': return onChooserKey(s, d, name, ctx);
      default: return unreachable(d);
    }
  }
  const screen = top(s);
  if (screen.kind === 'runs' && s.draft !== null) return onFilterKey(s, s.draft, name, input, key);
  switch (screen.kind) {
    case 'runs': return routed(s, runsKeymap, name, (a) => onRunsAction(s, a, ctx));
    case 'detail': return routed(s, detailKeymap, name, (a) => onDetailAction(s, screen, a, ctx));
    case 'pager': return routed(s, pagerKeymap, name, (a) => onPagerAction(s, screen, a, ctx));
    case 'trash': return routed(s, trashKeymap, name, (a) => onTrashAction(s, a, ctx));
    case 'compare': return routed(s, compareKeymap, name, (a) => onCompareAction(s, screen, a, ctx));
    case 'help': return routed(s, helpKeymap, name, (a) => onHelpAction(s, screen, a, ctx));
    // the launch form takes the keys its keymap does not: they edit the focused value
    case 'launch': return routed(s, launchKeymap, name, () => s, () => onLaunchKey(s, screen, name, input, key));
    default: return unreachable(screen);
  }
}

/** Lines a wheel notch scrolls (or rows it moves a list's cursor), as in most terminal programs. */
const WHEEL_LINES = 3;

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

/**
 * The wheel is the arrow keys, WHEEL_LINES at a time, wherever they scroll or move a cursor, but
 * not while text is typed (there they recall history). A left click selects the runs table's row
 * or the detail's tab under it; elsewhere, and under a dialog, it does nothing.
 */
function onMouse(s: AppState, e: MouseEvent, ctx: KeyContext): AppState {
  const screen = top(s);
  const typing = s.dialog?.kind === 'prompt' || s.dialog?.kind === 'typed' || (screen.kind === 'runs' && s.draft !== null);
  if (e.kind === 'wheel') {
    if (typing) return s;
    const key: Key = { ...NO_KEY, upArrow: e.dir === 'up', downArrow: e.dir === 'down' };
    let next = s;
    for (let i = 0; i < WHEEL_LINES; i++) next = onKey(next, '', key, ctx);
    return next;
  }
  if (s.dialog || typing) return s;
  if (screen.kind === 'runs') return clickRuns(s, e.y, ctx);
  if (screen.kind === 'detail') return clickDetail(s, screen, e.x, e.y);
  return s;
}

/**
 * A key through a screen's keymap: quit and help are the App's; another action goes to the
 * screen; a key the map lacks goes to `other` (or names a read-only refusal).
 */
function routed<A extends string>(
  s: AppState, map: Keymap<A>, name: string, then: (a: Exclude<A, 'help' | 'quit'>) => AppState, other?: () => AppState,
): AppState {
  const b = lookup(map, name, s.readonly);
  const screen = top(s);
  if (b?.action === 'quit') return queue(s, { kind: 'quit' });
  if (b?.action === 'help' && screen.kind !== 'help') return push(s, { kind: 'help', of: screen.kind, scroll: 0 });
  if (other) return other();
  if (b) return then(b.action as Exclude<A, 'help' | 'quit'>);
  const mutating = map.some((m) => m.mutating && m.keys.includes(name));
  return mutating && s.readonly ? say(s, 'read-only: this action is disabled') : s;
}
