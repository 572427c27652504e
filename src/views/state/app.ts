// The dashboard's state and its one reducer. Every key goes through `appReducer` (never through
// state captured by a `useInput` closure: Ink re-subscribes handlers after render, so fast keys
// would hit stale closures). Side effects are queued as `effects` and run by the App.
import type { Key } from 'ink';
import { isStoppable as stoppable } from '../../engine/stoppable.js';
import type { Run } from '../../store/types.js';
import {
  compareKeymap, detailKeymap, helpKeymap, keyName, launchKeymap, lookup, pagerKeymap, runsKeymap, trashKeymap,
  type Keymap,
} from '../keymap.js';
import { shortId } from '../format.js';
import { editText } from './text.js';
import { checkField, editableDefs, flagArgs, newLaunch, type LaunchState } from './launch.js';
import {
  CORE_SORT_KEYS, DEFAULT_SORT, NO_SCALARS, STATUS_QUICK, columnLabel, makeViewMemo, parseScalarColumn,
  type ScalarColumn, type ScalarLookup, type Sort, type StatusQuick, type View, type ViewSpec,
} from './view.js';

export const DETAIL_TABS = ['overview', 'flags', 'scalars', 'output', 'files'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

export type Screen =
  | { kind: 'runs' }
  | { kind: 'detail'; id: string; tab: DetailTab; scroll: number; sel: number; follow: boolean }
  | { kind: 'pager'; what: 'attach' | 'file'; id: string; file: string | null; scroll: number; follow: boolean }
  | { kind: 'compare'; ids: string[]; onlyChanged: boolean; scroll: number }
  | { kind: 'trash' }
  | { kind: 'help'; of: ScreenKind; scroll: number }
  | LaunchState;
export type ScreenKind = Screen['kind'];

export type Effect =
  | { kind: 'quit' }
  | { kind: 'reload' }
  | { kind: 'stop'; ids: string[] }
  | { kind: 'delete'; ids: string[]; stopFirst: boolean }
  | { kind: 'restore'; ids: string[]; undo: boolean }
  | { kind: 'purge'; ids: string[] }
  | { kind: 'label'; ids: string[]; label: string }
  | { kind: 'tags'; ids: string[]; add: string[]; remove: string[] }
  | { kind: 'comment'; ids: string[]; body: string }
  | { kind: 'guildMark'; ids: string[]; on: boolean }
  | { kind: 'exportCsv'; ids: string[]; path: string }
  | { kind: 'launchOps' }
  | { kind: 'launchDefs'; opspec: string }
  | { kind: 'launchPreview'; opspec: string; flagArgs: string[] }
  | { kind: 'launchStart'; opspec: string; flagArgs: string[]; target: string };

export type PromptPurpose = 'label' | 'tag' | 'comment' | 'command' | 'export';

export type Dialog =
  | { kind: 'confirm'; title: string; lines: string[]; effect: Effect }
  | { kind: 'typed'; title: string; lines: string[]; word: string; value: string; effect: Effect }
  | { kind: 'prompt'; purpose: PromptPurpose; title: string; value: string; ids: string[]; recall?: number };

/** Cursor and window of a table; the cursor follows its run id across refreshes. */
export interface TableState {
  cursorId: string | null;
  cursorIndex: number;
  top: number;
  marks: ReadonlySet<string>;
}

const emptyTable: TableState = { cursorId: null, cursorIndex: 0, top: 0, marks: new Set() };

export interface AppState {
  readonly: boolean;
  runs: Run[];
  trash: Run[];
  /** null once every run is listed; otherwise runs loaded so far. */
  loading: { loaded: number } | null;
  screens: Screen[];
  table: TableState;
  trashTable: TableState;
  filter: string;
  /** The filter being typed (live), or null when the filter bar is closed. */
  draft: string | null;
  status: StatusQuick;
  sort: Sort;
  expanded: ReadonlySet<string>;
  /** Chosen scalar columns; null means automatic. */
  columns: ScalarColumn[] | null;
  dialog: Dialog | null;
  message: { text: string; error: boolean } | null;
  effects: { seq: number; effect: Effect }[];
  seq: number;
  /** Ids moved to the trash by the last delete, for `u`. */
  lastDeleted: string[] | null;
  /** `:` command lines run this session, oldest first (Up and Down recall them). */
  history: string[];
}

export function initialState(readonly: boolean): AppState {
  return {
    readonly, runs: [], trash: [], loading: { loaded: 0 }, screens: [{ kind: 'runs' }], table: emptyTable,
    trashTable: emptyTable, filter: '', draft: null, status: 'all', sort: DEFAULT_SORT, expanded: new Set(),
    columns: null, dialog: null, message: null, effects: [], seq: 0, lastDeleted: null, history: [],
  };
}

/** What a key handler needs from outside the state, read at dispatch time. */
export interface KeyContext {
  /** Rows of the runs table on screen. */
  pageSize: number;
  scalars: ScalarLookup;
  /** Lines or items of the current non-table screen (output lines, files, scalars…). */
  count: number;
  /** Scalar columns the runs table shows now (sort cycles through them). */
  columns: readonly ScalarColumn[];
  /** The selected item of a list screen (the file under the cursor in the files tab). */
  selected?: string;
}

export type AppAction =
  | { type: 'key'; input: string; key: Key; ctx: KeyContext }
  | { type: 'runs'; runs: Run[]; done: boolean }
  | { type: 'trash'; runs: Run[] }
  | { type: 'message'; text: string; error?: boolean }
  | { type: 'effectsDone'; upTo: number }
  | { type: 'deleted'; ids: string[] }
  | { type: 'openDetail'; id: string }
  | { type: 'launchPatch'; patch: Partial<LaunchState> }
  | { type: 'launched'; id: string };

const viewMemo = makeViewMemo();
const trashMemo = makeViewMemo();

const viewSpec = (s: AppState): ViewSpec => specMemo(s.draft ?? s.filter, s.status, s.sort, s.expanded);

let lastSpec: ViewSpec | null = null;
function specMemo(filter: string, status: StatusQuick, sort: Sort, expanded: ReadonlySet<string>): ViewSpec {
  if (lastSpec && lastSpec.filter === filter && lastSpec.status === status && lastSpec.sort === sort && lastSpec.expanded === expanded)
    return lastSpec;
  return (lastSpec = { filter, status, sort, expanded });
}

export const runsView = (s: AppState, scalars: ScalarLookup = NO_SCALARS): View => viewMemo(s.runs, viewSpec(s), scalars);

const TRASH_SPEC: ViewSpec = { filter: '', status: 'all', sort: DEFAULT_SORT, expanded: new Set() };
export const trashView = (s: AppState): View => trashMemo(s.trash, TRASH_SPEC, NO_SCALARS);

/** Index of the cursor row in `view`: its run if still shown, else the same position. */
export function cursorRow(t: TableState, view: View): number {
  const n = view.rows.length;
  if (n === 0) return 0;
  const at = t.cursorId === null ? undefined : view.indexOf(t.cursorId);
  return at ?? Math.min(Math.max(t.cursorIndex, 0), n - 1);
}

/** First row of the window so that `row` is visible. */
export function windowTop(top: number, row: number, height: number, n: number): number {
  let t = Math.min(top, row);
  if (row >= t + height) t = row - height + 1;
  return Math.max(0, Math.min(t, Math.max(0, n - height)));
}

function moveTable(t: TableState, view: View, to: number, height: number): TableState {
  const n = view.rows.length;
  if (n === 0) return { ...t, cursorId: null, cursorIndex: 0, top: 0 };
  const row = Math.max(0, Math.min(to, n - 1));
  return { ...t, cursorId: view.rows[row]!.run.id, cursorIndex: row, top: windowTop(t.top, row, height, n) };
}

const top = (s: AppState): Screen => s.screens[s.screens.length - 1]!;
const replaceTop = (s: AppState, screen: Screen): AppState => ({ ...s, screens: [...s.screens.slice(0, -1), screen] });
const push = (s: AppState, screen: Screen): AppState => ({ ...s, screens: [...s.screens, screen] });
const pop = (s: AppState): AppState => (s.screens.length > 1 ? { ...s, screens: s.screens.slice(0, -1) } : s);
const say = (s: AppState, text: string, error = false): AppState => ({ ...s, message: { text, error } });
const queue = (s: AppState, effect: Effect): AppState => ({ ...s, seq: s.seq + 1, effects: [...s.effects, { seq: s.seq + 1, effect }] });

export function keymapFor(kind: ScreenKind): Keymap {
  switch (kind) {
    case 'runs': return runsKeymap;
    case 'detail': return detailKeymap;
    case 'pager': return pagerKeymap;
    case 'trash': return trashKeymap;
    case 'compare': return compareKeymap;
    case 'help': return helpKeymap;
    case 'launch': return launchKeymap;
  }
}

/** The runs an action applies to: the marked ones, else the cursor run. */
function targets(s: AppState, view: View): Run[] {
  if (s.table.marks.size > 0) return s.runs.filter((r) => s.table.marks.has(r.id));
  const row = view.rows[cursorRow(s.table, view)];
  return row ? [row.run] : [];
}

export function appReducer(s: AppState, a: AppAction): AppState {
  switch (a.type) {
    case 'runs':
      return { ...s, runs: a.runs, loading: a.done ? null : { loaded: a.runs.length } };
    case 'trash':
      return { ...s, trash: a.runs };
    case 'message':
      return say(s, a.text, a.error);
    case 'effectsDone':
      return { ...s, effects: s.effects.filter((e) => e.seq > a.upTo) };
    case 'deleted':
      return { ...s, lastDeleted: a.ids, table: { ...s.table, marks: new Set() } };
    case 'openDetail':
      return push(s, openDetail(a.id));
    case 'launchPatch': {
      const l = top(s);
      return l.kind === 'launch' ? replaceTop(s, { ...l, ...a.patch }) : s;
    }
    case 'launched': {
      // back to the table, the cursor on the new run (it lists as soon as the watcher sees it)
      const screens = s.screens.filter((x) => x.kind !== 'launch');
      return { ...s, screens, filter: '', status: 'all', table: { ...s.table, cursorId: a.id } };
    }
    case 'key':
      return onKey(s, a.input, a.key, a.ctx);
  }
}

function onKey(s: AppState, input: string, key: Key, ctx: KeyContext): AppState {
  const name = keyName(input, key);
  if (s.dialog) return onDialogKey(s, s.dialog, name, input, key);
  const screen = top(s);
  if (screen.kind === 'runs' && s.draft !== null) return onFilterKey(s, name, input, key);
  if (screen.kind === 'launch') return onLaunchKey(s, screen, name, input, key);
  const b = lookup(keymapFor(screen.kind), name, s.readonly);
  if (!b) {
    const mutating = keymapFor(screen.kind).some((m) => m.mutating && m.keys.includes(name));
    return mutating && s.readonly ? say(s, 'read-only: this action is disabled') : s;
  }
  if (b.action === 'quit') return queue(s, { kind: 'quit' });
  if (b.action === 'help' && screen.kind !== 'help') return push(s, { kind: 'help', of: screen.kind, scroll: 0 });
  switch (screen.kind) {
    case 'runs': return onRunsAction(s, b.action, ctx);
    case 'detail': return onDetailAction(s, screen, b.action, ctx);
    case 'pager': return onPagerAction(s, screen, b.action, ctx);
    case 'trash': return onTrashAction(s, b.action, ctx);
    case 'compare': return onCompareAction(s, screen, b.action, ctx);
    case 'help': return onHelpAction(s, screen, b.action, ctx);
  }
}

function onFilterKey(s: AppState, name: string, input: string, key: Key): AppState {
  if (name === 'esc') return { ...s, draft: null, table: { ...s.table, top: 0 } };
  if (name === 'enter') return { ...s, filter: s.draft!.trim(), draft: null };
  const next = editText(s.draft!, name, input, key.ctrl, key.meta && !key.escape);
  if (next === null) return s;
  return { ...s, draft: next, table: { ...s.table, cursorId: null, cursorIndex: 0, top: 0 } };
}

function onDialogKey(s: AppState, d: Dialog, name: string, input: string, key: Key): AppState {
  if (name === 'esc' || name === 'ctrl+c') return { ...s, dialog: null, message: { text: 'cancelled', error: false } };
  if (d.kind === 'confirm') {
    if (name === 'enter' || name === 'y') return queue({ ...s, dialog: null }, d.effect);
    if (name === 'n') return { ...s, dialog: null, message: { text: 'cancelled', error: false } };
    return s;
  }
  if (d.kind === 'prompt' && d.purpose === 'command' && (name === 'up' || name === 'down')) {
    return { ...s, dialog: recallCommand(d, s.history, name === 'up' ? -1 : 1) };
  }
  if (name === 'enter') {
    if (d.kind === 'typed') {
      return d.value === d.word ? queue({ ...s, dialog: null }, d.effect) : say(s, `type ${d.word} to confirm`, true);
    }
    return submitPrompt({ ...s, dialog: null }, d);
  }
  const next = editText(d.value, name, input, key.ctrl, key.meta && !key.escape);
  return next === null ? s : { ...s, dialog: { ...d, value: next } };
}

const HISTORY_MAX = 100;

/** The command line moved `step` through the history (Up: older); past the newest, empty. */
function recallCommand(d: Extract<Dialog, { kind: 'prompt' }>, history: string[], step: number): Dialog {
  const at = Math.max(0, Math.min(history.length, (d.recall ?? history.length) + step));
  return { ...d, recall: at, value: history[at] ?? '' };
}

function remember(history: string[], line: string): string[] {
  if (!line || history[history.length - 1] === line) return history;
  return [...history, line].slice(-HISTORY_MAX);
}

function submitPrompt(s: AppState, d: Extract<Dialog, { kind: 'prompt' }>): AppState {
  const v = d.value.trim();
  switch (d.purpose) {
    case 'label':
      return queue(s, { kind: 'label', ids: d.ids, label: v });
    case 'comment':
      return v ? queue(s, { kind: 'comment', ids: d.ids, body: v }) : say(s, 'empty comment: nothing added');
    case 'tag': {
      const words = v.split(/[\s,]+/).filter(Boolean);
      const add = words.filter((w) => !w.startsWith('-')).map((w) => w.replace(/^\+/, ''));
      const remove = words.filter((w) => w.startsWith('-')).map((w) => w.slice(1)).filter(Boolean);
      return add.length || remove.length ? queue(s, { kind: 'tags', ids: d.ids, add, remove }) : s;
    }
    case 'export':
      return v ? queue(s, { kind: 'exportCsv', ids: d.ids, path: v }) : s;
    case 'command':
      return runCommand({ ...s, history: remember(s.history, v) }, v);
  }
}

/** The `:` command line. */
export function runCommand(s: AppState, line: string): AppState {
  const [cmd = '', ...rest] = line.split(/\s+/);
  const arg = rest.join(' ');
  switch (cmd) {
    case '':
      return s;
    case 'q': case 'quit':
      return queue(s, { kind: 'quit' });
    case 'filter': case 'f':
      return { ...s, filter: arg, table: { ...s.table, top: 0 } };
    case 'sort': {
      const m = /^(.*?)(?:\s+(asc|desc))?$/.exec(arg)!;
      const what = m[1]!.trim();
      const desc = m[2] ? m[2] === 'desc' : true;
      if ((CORE_SORT_KEYS as readonly string[]).includes(what)) return { ...s, sort: { key: what, desc } };
      const col = parseScalarColumn(what);
      if (!col) return say(s, `sort: expected one of ${CORE_SORT_KEYS.join(', ')} or a scalar like 'min loss'`, true);
      const columns = s.columns ?? [];
      const has = columns.some((c) => c.key === col.key && c.agg === col.agg);
      return { ...s, sort: { key: `scalar:${columnLabel(col)}`, desc }, columns: has ? s.columns : [...columns, col] };
    }
    case 'cols': case 'columns': {
      if (arg === '' || arg === 'auto') return { ...s, columns: null };
      const cols = arg.split(',').map((c) => parseScalarColumn(c));
      if (cols.some((c) => c === null)) return say(s, `cols: expected a list like 'loss, min val_loss', got '${arg}'`, true);
      return { ...s, columns: cols as ScalarColumn[] };
    }
    case 'status': {
      const q = (arg || 'all') as StatusQuick;
      return STATUS_QUICK.includes(q) ? { ...s, status: q } : say(s, `status: expected one of ${STATUS_QUICK.join(', ')}`, true);
    }
    case 'trash':
      return push(s, { kind: 'trash' });
    case 'reload':
      return queue(s, { kind: 'reload' });
    case 'help':
      return push(s, { kind: 'help', of: top(s).kind, scroll: 0 });
    default:
      return say(s, `unknown command '${cmd}' (try :sort, :cols, :filter, :status, :trash, :reload, :q)`, true);
  }
}


const sortKeys = (ctx: KeyContext): string[] => [...CORE_SORT_KEYS, ...ctx.columns.map((c) => `scalar:${columnLabel(c)}`)];

const openDetail = (id: string): Screen => ({ kind: 'detail', id, tab: 'overview', scroll: 0, sel: 0, follow: true });
const attach = (id: string): Screen => ({ kind: 'pager', what: 'attach', id, file: null, scroll: 0, follow: true });

/** The row a cursor movement goes to, or null when `action` moves nothing. */
function movedRow(action: string, row: number, rows: number, page: number): number | null {
  switch (action) {
    case 'up': return row - 1;
    case 'down': return row + 1;
    case 'pageUp': return row - page;
    case 'pageDown': return row + page;
    case 'top': return 0;
    case 'bottom': return rows - 1;
    default: return null;
  }
}

function onRunsAction(s: AppState, action: string, ctx: KeyContext): AppState {
  const view = runsView(s, ctx.scalars);
  const row = cursorRow(s.table, view);
  const h = Math.max(1, ctx.pageSize);
  const move = (to: number): AppState => ({ ...s, table: moveTable(s.table, view, to, h) });
  const cur = view.rows[row]?.run;
  const to = movedRow(action, row, view.rows.length, h);
  if (to !== null) return move(to);
  switch (action) {
    case 'open':
      return cur ? push(s, openDetail(cur.id)) : s;
    case 'expand':
    case 'collapse': {
      const r = view.rows[row];
      if (!r) return s;
      const batchId = r.depth === 1 && action === 'collapse' ? findParentRow(view, row) : r.run.id;
      if (!batchId) return s;
      const expanded = new Set(s.expanded);
      if (action === 'expand') {
        if (r.fold !== '+') return s;
        expanded.add(batchId);
      } else if (!expanded.delete(batchId)) return s;
      const next = { ...s, expanded };
      return { ...next, table: { ...s.table, cursorId: batchId } };
    }
    case 'mark': {
      if (!cur) return s;
      const marks = new Set(s.table.marks);
      if (!marks.delete(cur.id)) marks.add(cur.id);
      return { ...s, table: { ...moveTable(s.table, view, row + 1, h), marks } };
    }
    case 'markAll':
      return { ...s, table: { ...s.table, marks: new Set(view.rows.map((r) => r.run.id)) } };
    case 'clear':
      if (s.table.marks.size > 0) return { ...s, table: { ...s.table, marks: new Set() } };
      if (s.filter !== '' || s.status !== 'all') return { ...s, filter: '', status: 'all' };
      return s;
    case 'filter':
      return { ...s, draft: s.filter };
    case 'statusFilter': {
      const status = STATUS_QUICK[(STATUS_QUICK.indexOf(s.status) + 1) % STATUS_QUICK.length]!;
      return say({ ...s, status }, `status filter: ${status === 'waiting' ? 'pending/staged' : status}`);
    }
    case 'sort': {
      const keys = sortKeys(ctx);
      const next = keys[(keys.indexOf(s.sort.key) + 1) % keys.length]!;
      return say({ ...s, sort: { key: next, desc: next === 'started' } }, `sort: ${next.replace(/^scalar:/, '')}`);
    }
    case 'reverse':
      return { ...s, sort: { ...s.sort, desc: !s.sort.desc } };
    case 'stop': {
      const runs = targets(s, view).filter(stoppable);
      if (runs.length === 0) return say(s, 'no running run selected', true);
      return { ...s, dialog: { kind: 'confirm', title: `Stop ${runs.length} run${runs.length > 1 ? 's' : ''}?`, lines: runs.map(runLine), effect: { kind: 'stop', ids: runs.map((r) => r.id) } } };
    }
    case 'delete': {
      const runs = targets(s, view);
      if (runs.length === 0) return s;
      const running = runs.filter((r) => r.status === 'running');
      const title = running.length
        ? `${running.length} of these ${running.length > 1 ? 'are' : 'is'} running: stop and delete ${runs.length} run${runs.length > 1 ? 's' : ''}?`
        : `Delete ${runs.length} run${runs.length > 1 ? 's' : ''} to the trash?`;
      return { ...s, dialog: { kind: 'confirm', title, lines: runs.map(runLine), effect: { kind: 'delete', ids: runs.map((r) => r.id), stopFirst: running.length > 0 } } };
    }
    case 'undo':
      return s.lastDeleted ? queue({ ...s, lastDeleted: null }, { kind: 'restore', ids: s.lastDeleted, undo: true }) : say(s, 'nothing to undo');
    case 'trash':
      return push(s, { kind: 'trash' });
    case 'label':
    case 'tag':
    case 'comment': {
      const runs = targets(s, view);
      if (runs.length === 0) return s;
      const what = `${runs.length > 1 ? `${runs.length} runs` : shortId(runs[0]!.id)}`;
      const title = action === 'label' ? `Label for ${what}` : action === 'tag' ? `Tags for ${what} (+add -remove)` : `Comment on ${what}`;
      const value = action === 'label' && runs.length === 1 ? (runs[0]!.label ?? '') : '';
      return { ...s, dialog: { kind: 'prompt', purpose: action, title, value, ids: runs.map((r) => r.id) } };
    }
    case 'guildMark': {
      const runs = targets(s, view);
      if (runs.length === 0) return s;
      return queue(s, { kind: 'guildMark', ids: runs.map((r) => r.id), on: !runs.every((r) => r.marked) });
    }
    case 'attach':
      return cur ? push(s, attach(cur.id)) : s;
    case 'compare': {
      const runs = targets(s, view);
      if (runs.length < 2) return say(s, 'mark two or more runs (Space) to compare', true);
      return push(s, { kind: 'compare', ids: runs.map((r) => r.id), onlyChanged: false, scroll: 0 });
    }
    case 'launch':
      return queue(push(s, newLaunch()), { kind: 'launchOps' });
    case 'command':
      return { ...s, dialog: { kind: 'prompt', purpose: 'command', title: ':', value: '', ids: [] } };
    case 'reload':
      return queue(s, { kind: 'reload' });
  }
  return s;
}

function findParentRow(view: View, row: number): string | null {
  for (let i = row; i >= 0; i--) if (view.rows[i]!.depth === 0) return view.rows[i]!.run.id;
  return null;
}

const runLine = (r: Run): string => `${shortId(r.id)}  ${r.operation}  ${r.status}${r.label ? `  ${r.label}` : ''}`;

/** Scrolling shared by the detail tabs, pagers, compare and help. `scroll` counts from the top. */
function scrollBy(scroll: number, action: string, count: number, page: number): number | null {
  const max = Math.max(0, count - 1);
  switch (action) {
    case 'up': return Math.max(0, scroll - 1);
    case 'down': return Math.min(max, scroll + 1);
    case 'pageUp': return Math.max(0, scroll - page);
    case 'pageDown': return Math.min(max, scroll + page);
    case 'top': return 0;
    case 'bottom': return max;
  }
  return null;
}

function onDetailAction(s: AppState, d: Extract<Screen, { kind: 'detail' }>, action: string, ctx: KeyContext): AppState {
  const tabIdx = DETAIL_TABS.indexOf(d.tab);
  const setTab = (i: number): AppState =>
    replaceTop(s, { ...d, tab: DETAIL_TABS[(i + DETAIL_TABS.length) % DETAIL_TABS.length]!, scroll: 0, sel: 0, follow: true });
  const run = s.runs.find((r) => r.id === d.id);
  switch (action) {
    case 'nextTab': return setTab(tabIdx + 1);
    case 'prevTab': return setTab(tabIdx - 1);
    case 'tab1': case 'tab2': case 'tab3': case 'tab4': case 'tab5':
      return setTab(Number(action.slice(3)) - 1);
    case 'back': return pop(s);
    case 'attach': return push(s, attach(d.id));
    case 'stop':
      if (!run || !stoppable(run)) return say(s, 'this run is not running', true);
      return { ...s, dialog: { kind: 'confirm', title: 'Stop this run?', lines: [runLine(run)], effect: { kind: 'stop', ids: [run.id] } } };
    case 'open':
      if (d.tab !== 'files' || !ctx.selected) return s;
      return push(s, { kind: 'pager', what: 'file', id: d.id, file: ctx.selected, scroll: 0, follow: false });
  }
  // Output scrolls with the pager's convention (see onPagerAction); lists move a selection.
  if (d.tab === 'output') {
    const next = pagerScroll(d, action, ctx);
    return next === null ? s : replaceTop(s, { ...d, ...next });
  }
  if (d.tab === 'scalars' || d.tab === 'files') {
    const sel = scrollBy(d.sel, action, ctx.count, ctx.pageSize);
    return sel === null ? s : replaceTop(s, { ...d, sel });
  }
  const scroll = scrollBy(d.scroll, action, ctx.count, ctx.pageSize);
  return scroll === null ? s : replaceTop(s, { ...d, scroll });
}

/**
 * Output scrolling: `follow` shows the last page as lines arrive (End/G turns it on); any other
 * move turns it off and keeps `scroll` (the first line shown, counted over every line the run
 * printed), so new lines do not move what the user reads.
 */
function pagerScroll(p: { scroll: number; follow: boolean }, action: string, ctx: KeyContext): { scroll: number; follow: boolean } | null {
  const max = Math.max(0, ctx.count - ctx.pageSize);
  const at = p.follow ? max : Math.min(p.scroll, max);
  const to = (n: number) => ({ scroll: Math.max(0, Math.min(max, n)), follow: false });
  switch (action) {
    case 'up': return to(at - 1);
    case 'down': return to(at + 1);
    case 'pageUp': return to(at - ctx.pageSize);
    case 'pageDown': return to(at + ctx.pageSize);
    case 'top': return to(0);
    case 'bottom': return { scroll: max, follow: true };
  }
  return null;
}

function onPagerAction(s: AppState, p: Extract<Screen, { kind: 'pager' }>, action: string, ctx: KeyContext): AppState {
  if (action === 'back') return pop(s);
  const next = pagerScroll(p, action, ctx);
  return next === null ? s : replaceTop(s, { ...p, ...next });
}

function onTrashAction(s: AppState, action: string, ctx: KeyContext): AppState {
  const view = trashView(s);
  const row = cursorRow(s.trashTable, view);
  const h = Math.max(1, ctx.pageSize);
  const move = (to: number): AppState => ({ ...s, trashTable: moveTable(s.trashTable, view, to, h) });
  const targetsT = (): Run[] =>
    s.trashTable.marks.size > 0 ? s.trash.filter((r) => s.trashTable.marks.has(r.id)) : view.rows[row] ? [view.rows[row]!.run] : [];
  const to = movedRow(action, row, view.rows.length, h);
  if (to !== null) return move(to);
  switch (action) {
    case 'back': return pop(s);
    case 'mark': {
      const cur = view.rows[row]?.run;
      if (!cur) return s;
      const marks = new Set(s.trashTable.marks);
      if (!marks.delete(cur.id)) marks.add(cur.id);
      return { ...s, trashTable: { ...moveTable(s.trashTable, view, row + 1, h), marks } };
    }
    case 'restore': {
      const runs = targetsT();
      if (runs.length === 0) return s;
      return { ...s, dialog: { kind: 'confirm', title: `Restore ${runs.length} run${runs.length > 1 ? 's' : ''}?`, lines: runs.map(runLine), effect: { kind: 'restore', ids: runs.map((r) => r.id), undo: false } } };
    }
    case 'purge': {
      const runs = targetsT();
      if (runs.length === 0) return s;
      return { ...s, dialog: { kind: 'typed', title: `Purge ${runs.length} run${runs.length > 1 ? 's' : ''} for good? Type purge and Enter.`, lines: runs.map(runLine), word: 'purge', value: '', effect: { kind: 'purge', ids: runs.map((r) => r.id) } } };
    }
  }
  return s;
}

function onCompareAction(s: AppState, c: Extract<Screen, { kind: 'compare' }>, action: string, ctx: KeyContext): AppState {
  if (action === 'back') return pop(s);
  if (action === 'changed') return replaceTop(s, { ...c, onlyChanged: !c.onlyChanged, scroll: 0 });
  if (action === 'export') return { ...s, dialog: { kind: 'prompt', purpose: 'export', title: 'Export CSV to', value: 'compare.csv', ids: c.ids } };
  const scroll = scrollBy(c.scroll, action, ctx.count, ctx.pageSize);
  return scroll === null ? s : replaceTop(s, { ...c, scroll });
}

function onHelpAction(s: AppState, h: Extract<Screen, { kind: 'help' }>, action: string, ctx: KeyContext): AppState {
  if (action === 'back') return pop(s);
  const scroll = scrollBy(h.scroll, action, ctx.count, ctx.pageSize);
  return scroll === null ? s : replaceTop(s, { ...h, scroll });
}

function onLaunchKey(s: AppState, l: LaunchState, name: string, input: string, key: Key): AppState {
  const b = lookup(launchKeymap, name, s.readonly);
  const set = (patch: Partial<LaunchState>): AppState => replaceTop(s, { ...l, ...patch });
  if (b?.action === 'quit') return queue(s, { kind: 'quit' });
  if (l.busy && b?.action !== 'back') return s;
  if (l.step === 'pick') {
    const n = l.ops?.length ?? 0;
    switch (b?.action) {
      case 'up': case 'prev': return set({ sel: Math.max(0, l.sel - 1) });
      case 'down': case 'next': return set({ sel: Math.min(Math.max(0, n - 1), l.sel + 1) });
      case 'back': return pop(s);
      case 'accept': {
        const op = l.ops?.[l.sel];
        return op ? queue(set({ opspec: op.name, busy: true, error: null }), { kind: 'launchDefs', opspec: op.name }) : s;
      }
    }
    return s;
  }
  if (l.step === 'preview') {
    if (b?.action === 'back') return set({ step: 'form', preview: null, error: null });
    if (b?.action === 'accept') {
      return queue(set({ busy: true }), { kind: 'launchStart', opspec: l.opspec!, flagArgs: flagArgs(l), target: l.targets[l.target]?.id ?? '' });
    }
    const n = l.targets.length;
    if (b?.action === 'next' || b?.action === 'prev') return set({ target: (l.target + (b.action === 'next' ? 1 : n - 1)) % n, error: null });
    return s;
  }
  const defs = editableDefs(l.defs ?? []);
  switch (b?.action) {
    case 'up': case 'prev': return set({ field: Math.max(0, l.field - 1) });
    case 'down': case 'next': return set({ field: Math.min(Math.max(0, defs.length - 1), l.field + 1) });
    case 'back': return set({ step: 'pick', defs: null, values: [], field: 0, error: null });
    case 'accept': {
      const bad = defs.map((d, i) => checkField(d, l.values[i] ?? '')).find((c) => c.error);
      if (bad) return set({ error: bad.error });
      return queue(set({ busy: true, error: null }), { kind: 'launchPreview', opspec: l.opspec!, flagArgs: flagArgs({ ...l, defs }) });
    }
  }
  if (defs.length === 0) return s;
  const next = editText(l.values[l.field] ?? '', name, input, key.ctrl, key.meta && !key.escape);
  if (next === null) return s;
  const values = [...l.values];
  values[l.field] = next;
  return set({ values, error: null });
}

export const currentScreen = top;
