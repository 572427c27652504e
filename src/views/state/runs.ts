// The runs screen: the table's cursor, marks, folding, filter bar, status filter and sort, and the
// actions on the marked runs (or the cursor run) that open dialogs or queue effects. Pure.
import { openCompare } from './compare.js';
import type { Key } from 'ink';
import { lookup, promptKeymap, type RunsAction } from '../keymap.js';
import { shortId } from '../format.js';
import { compareRuns } from '../../engine/run-family.js';
import { isStoppable as stoppable } from '../../engine/stoppable.js';
import type { Run } from '../../store/types.js';
import { push, queue, runLine, say, unreachable, type AppState, type KeyContext } from './core.js';
import { openDetail, attach } from './detail.js';
import { newLaunch } from './launch.js';
import { cursorRow, moveTable, movedRow, toggleMark, windowTop } from './table.js';
import { RUNS_CHROME } from '../layout.js';
import { columnChoices, openChooser } from './column-chooser.js';
import { commandLine } from './command-line.js';
import { editInput, textInput, type TextInput } from './text-input.js';
import { firstSortDesc, makeViewMemo, NO_SCALARS, STATUS_QUICK, type ScalarLookup, type Sort, type StatusQuick, type View, type ViewSpec } from './view.js';

const viewMemo = makeViewMemo();

let lastSpec: ViewSpec | null = null;
function specMemo(filter: string, status: StatusQuick, sort: Sort, expanded: ReadonlySet<string>, flat: boolean): ViewSpec {
  const l = lastSpec;
  if (l && l.filter === filter && l.status === status && l.sort === sort && l.expanded === expanded && l.flat === flat) return l;
  return (lastSpec = { filter, status, sort, expanded, flat });
}

/** The rows of the runs table: the filter being typed applies live. */
export const runsView = (s: AppState, scalars: ScalarLookup = NO_SCALARS): View =>
  viewMemo(s.runs, specMemo(s.draft?.text ?? s.filter, s.status, s.sort, s.expanded, s.flat), scalars);

/** Runs stop can act on, as the engine decides (a sweep parent stops its whole sweep). */
export { stoppable };

/** The runs an action applies to: the marked ones, else the cursor run. */
function targets(s: AppState, view: View): Run[] {
  if (s.table.marks.size > 0) return s.runs.filter((r) => s.table.marks.has(r.id));
  const row = view.rows[cursorRow(s.table, view)];
  return row ? [row.run] : [];
}

/** A sort by `key` in the direction that puts its best first. */
export const sortBy = (key: string): Sort => ({ key, desc: firstSortDesc(key) });

/** Keys while the filter bar is open: the filter applies as it is typed. */
export function onFilterKey(s: AppState, draft: TextInput, name: string, input: string, key: Key): AppState {
  const b = lookup(promptKeymap, name, false);
  const action = b?.action;
  switch (action) {
    case 'cancel': return { ...s, draft: null, table: { ...s.table, top: 0 } };
    case 'submit': return { ...s, filter: draft.text.trim(), draft: null };
    case 'older': case 'newer': case undefined: break;
    default: return unreachable(action);
  }
  const next = editInput(draft, name, input, key);
  if (next === null) return s;
  const moved = next.text !== draft.text;
  return { ...s, draft: next, table: moved ? { ...s.table, cursorId: null, cursorIndex: 0, top: 0 } : s.table };
}

/** A click on the line `y` (1-based) of the screen: the table row there gets the cursor. */
export function clickRuns(s: AppState, y: number, ctx: KeyContext): AppState {
  const view = runsView(s, ctx.scalars);
  const h = Math.max(1, ctx.metrics.pageSize);
  const top = windowTop(s.table.top, cursorRow(s.table, view), h, view.rows.length); // the window the App shows
  const line = y - 1 - RUNS_CHROME;
  if (line < 0 || line >= h || top + line >= view.rows.length) return s;
  return { ...s, table: moveTable({ ...s.table, top }, view, top + line, h) };
}

function findParentRow(view: View, row: number): string | null {
  for (let i = row; i >= 0; i--) if (view.rows[i]!.depth === 0) return view.rows[i]!.run.id;
  return null;
}

export function onRunsAction(s: AppState, action: Exclude<RunsAction, 'help' | 'quit'>, ctx: KeyContext): AppState {
  const view = runsView(s, ctx.scalars);
  const row = cursorRow(s.table, view);
  const h = Math.max(1, ctx.metrics.pageSize);
  const cur = view.rows[row]?.run;
  switch (action) {
    case 'up': case 'down': case 'pageUp': case 'pageDown': case 'top': case 'bottom':
      return { ...s, table: moveTable(s.table, view, movedRow(action, row, view.rows.length, h), h) };
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
      return { ...s, expanded, table: { ...s.table, cursorId: batchId } };
    }
    case 'mark':
      return { ...s, table: toggleMark(s.table, view, h) };
    case 'markAll':
      return { ...s, table: { ...s.table, marks: new Set(view.rows.map((r) => r.run.id)) } };
    case 'clear':
      if (s.table.marks.size > 0) return { ...s, table: { ...s.table, marks: new Set() } };
      if (s.filter !== '' || s.status !== 'all') return { ...s, filter: '', status: 'all' };
      return s;
    case 'filter':
      return { ...s, draft: textInput(s.filter) };
    case 'statusFilter': {
      const status = STATUS_QUICK[(STATUS_QUICK.indexOf(s.status) + 1) % STATUS_QUICK.length]!;
      return say({ ...s, status }, `status filter: ${status === 'waiting' ? 'pending/staged' : status}`);
    }
    case 'sort': {
      // the columns shown, left to right; a key not shown (any more) starts the cycle again
      const keys = ctx.sortKeys;
      if (keys.length === 0) return s;
      const next = keys[(keys.indexOf(s.sort.key) + 1) % keys.length]!;
      return say({ ...s, sort: sortBy(next) }, `sort: ${next.replace(/^scalar:/, '')}`);
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
      return { ...s, dialog: { kind: 'prompt', purpose: action, title, input: textInput(value), ids: runs.map((r) => r.id) } };
    }
    case 'guildMark': {
      const runs = targets(s, view);
      if (runs.length === 0) return s;
      return queue(s, { kind: 'guildMark', ids: runs.map((r) => r.id), on: !runs.every((r) => r.marked) });
    }
    case 'attach':
      return cur ? push(s, attach(cur.id)) : s;
    case 'compare': {
      // as `grun compare` shows a selection: a sweep stands for its trials
      const runs = compareRuns(targets(s, view), s.runs);
      if (runs.length < 2) return say(s, 'mark two or more runs (Space) to compare, or a sweep', true);
      return push(s, openCompare(runs.map((r) => r.id)));
    }
    case 'launch':
      return queue(push(s, newLaunch()), { kind: 'launchOps' });
    case 'rerun':
    case 'restart':
      return cur ? queue(push(s, newLaunch()), { kind: 'launchFrom', id: cur.id, restart: action === 'restart' }) : s;
    case 'command':
      return { ...s, dialog: commandLine() };
    case 'reload':
      return queue(s, { kind: 'reload' });
    case 'scrollLeft':
    case 'scrollRight': {
      // from the state, not the layout: keys in one chunk all arrive before the next layout
      const { maxScroll } = ctx.columns;
      const hscroll = Math.max(0, Math.min(maxScroll, Math.min(s.hscroll, maxScroll) + (action === 'scrollRight' ? 1 : -1)));
      return { ...s, hscroll };
    }
    case 'chooseColumns': {
      const items = columnChoices(view.rows.map((r) => r.run), ctx.scalars, s.columns ?? ctx.columns.extras);
      return items.length ? { ...s, dialog: openChooser(items) } : say(s, 'no flags, attributes or scalars to show', true);
    }
    case 'copyId': {
      const run = view.rows[row]?.run;
      return run ? queue(s, { kind: 'copy', text: run.id }) : s;
    }
    case 'shell': {
      const run = view.rows[row]?.run;
      return run ? queue(s, { kind: 'external', id: run.id, file: null }) : s;
    }
    case 'flat': {
      const flat = !s.flat;
      return say({ ...s, flat }, flat ? 'flat view: every run and trial ranked by the sort column' : 'tree view: trials under their sweep');
    }
    default:
      return unreachable(action);
  }
}
