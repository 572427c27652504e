// The `:` command line: sort, columns, filter, status, trash, reload, help, quit; with a history
// recalled by Up and Down.
import { push, queue, say, top, type AppState } from './core.js';
import type { PromptDialog } from './prompt.js';
import { sortBy } from './runs.js';
import { textInput } from './text-input.js';
import { CORE_SORT_KEYS, STATUS_QUICK, columnLabel, parseScalarColumn, type ScalarColumn, type StatusQuick } from './view.js';

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
      const col = parseScalarColumn(what);
      if (!col) return say(s, `sort: expected one of ${CORE_SORT_KEYS.join(', ')} or a scalar like 'min loss'`, true);
      const columns = s.columns ?? [];
      const has = columns.some((c) => c.key === col.key && c.agg === col.agg);
      return { ...s, sort: direction(`scalar:${columnLabel(col)}`), columns: has ? s.columns : [...columns, col] };
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
    case 'help': {
      const of = top(s).kind;
      return of === 'help' ? s : push(s, { kind: 'help', of, scroll: 0 });
    }
    default:
      return say(s, `unknown command '${cmd}' (try :sort, :cols, :filter, :status, :trash, :reload, :q)`, true);
  }
}
