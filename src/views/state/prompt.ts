// One-line prompts: a label, tags (+add -remove), a comment, the CSV path of an export, and the
// `:` command line (command-line.ts), each submitted with Enter.
import type { Key } from 'ink';
import { lookup, promptKeymap } from '../keymap.js';
import { queue, say, unreachable, type AppState } from './core.js';
import { cancelled } from './confirm.js';
import { recallCommand, remember, runCommand } from './command-line.js';
import { editInput, type TextInput } from './text-input.js';

export type PromptPurpose = 'label' | 'tag' | 'comment' | 'command' | 'export' | 'search';

export interface PromptDialog {
  kind: 'prompt';
  purpose: PromptPurpose;
  title: string;
  input: TextInput;
  ids: string[];
  /** The command line's place in the history while recalling (Up/Down). */
  recall?: number;
  /** A search starts after this line of the output. */
  from?: number;
}

export function onPromptKey(s: AppState, d: PromptDialog, name: string, input: string, key: Key): AppState {
  const b = lookup(promptKeymap, name, false);
  const action = b?.action;
  switch (action) {
    case 'cancel': return cancelled(s);
    case 'submit': return submitPrompt({ ...s, dialog: null }, d);
    case 'older': case 'newer':
      return d.purpose === 'command' ? { ...s, dialog: recallCommand(d, s.history, action === 'older' ? -1 : 1) } : s;
    case undefined: break;
    default: return unreachable(action);
  }
  const next = editInput(d.input, name, input, key);
  return next === null ? s : { ...s, dialog: { ...d, input: next } };
}

function submitPrompt(s: AppState, d: PromptDialog): AppState {
  const v = d.input.text.trim();
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
    case 'search':
      return v ? queue(s, { kind: 'searchOutput', id: d.ids[0]!, query: v, from: d.from ?? -1, dir: 1 }) : s;
    default:
      return unreachable(d.purpose);
  }
}
