// The `:` command line: sort, columns, filter, status, saved views, trash, reload, help, quit; with a history
// recalled by Up and Down.
import { push, queue, say, top, type AppState } from './core.js';
import type { PromptDialog } from './prompt.js';
import { sortBy } from './runs.js';
import { viewOf } from './saved-view.js';
import { textInput } from './text-input.js';
import { parseColumnSpec, sameSpec, specSortKey, type ColumnSpec } from './column-spec.js';
import { CORE_SORT_KEYS, STATUS_QUICK, type StatusQuick } from './view.js';

const HISTORY_MAX = 100;

export const commandLine = (): PromptDialog => ({ kind: 'prompt', purpose: 'command', title: ':', input: textInput(), ids: [] });

/** The command line moved `step` through the history (Up: older); past the newest, empty. */
export function recallCommand(d: PromptDialog, history: string[], step: number): PromptDialog {
  const at = Math.max(0, Math.min(history.length, (d.recall ?? history.length) + step));
  return { ...d, recall: at, input: textInput(history[at] ?? '') };
}

export function remember(history: string[], line: string): string[] {
  if (!line || history[history.length - 1] === line) return history;
  return [...history, line].slice(-HISTORY_MAX);
}

/** Runs one command line. */
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
      const direction = (key: string) => (m[2] ? { key, desc: m[2] === 'desc' } : sortBy(key));
      if ((CORE_SORT_KEYS as readonly string[]).includes(what)) return { ...s, sort: direction(what) };
      const col = parseColumnSpec(what);
      if (!col) return say(s, `sort: expected one of ${CORE_SORT_KEYS.join(', ')}, a scalar like 'min loss', a flag like '=lr' or an attribute like '.host'`, true);
      const columns = s.columns ?? [];
      const has = columns.some((c) => sameSpec(c, col));
      return { ...s, sort: direction(specSortKey(col)), columns: has ? s.columns : [...columns, col] };
    }
    case 'cols': case 'columns': {
      if (arg === '' || arg === 'auto') return { ...s, columns: null, hscroll: 0 };
      const parts = arg.split(',');
      const cols = parts.map((c) => parseColumnSpec(c));
      const bad = parts.find((_, i) => cols[i] === null);
      if (bad !== undefined) {
        return say(s, `cols: '${bad.trim()}' is not a column: expected a scalar ('loss', 'min val_loss'), a flag ('=lr') or an attribute ('.host', '.tags')`, true);
      }
      return { ...s, columns: cols as ColumnSpec[], hscroll: 0 };
    }
    case 'status': {
      const q = (arg || 'all') as StatusQuick;
      return STATUS_QUICK.includes(q) ? { ...s, status: q } : say(s, `status: expected one of ${STATUS_QUICK.join(', ')}`, true);
    }
    case 'trash':
      return push(s, { kind: 'trash' });
    case 'reload':
      return queue(s, { kind: 'reload' });
    case 'view': {
      const m = /^save\s+(\S+)$/.exec(arg);
      if (m) return queue(s, { kind: 'saveView', name: m[1]!, view: viewOf(s) });
      if (arg === '' || arg === 'list') return queue(s, { kind: 'listViews' });
      return /^\S+$/.test(arg) ? queue(s, { kind: 'loadView', name: arg }) : say(s, 'view: expected :view NAME, :view save NAME or :view list', true);
    }
    case 'help': {
      const of = top(s).kind;
      return of === 'help' ? s : push(s, { kind: 'help', of, scroll: 0 });
    }
    default:
      return say(s, `unknown command '${cmd}' (try :sort, :cols, :filter, :status, :view, :trash, :reload, :q)`, true);
  }
}
