// Confirmations: a yes/no question naming the runs, and a typed one (purge) where the user types
// the word. Either queues its effect or is cancelled.
import type { Key } from 'ink';
import { confirmKeymap, lookup, promptKeymap } from '../keymap.js';
import { queue, say, unreachable, type AppState } from './core.js';
import type { Effect } from './effects.js';
import { editInput, type TextInput } from './text-input.js';

export interface ConfirmDialog {
  kind: 'confirm';
  title: string;
  lines: string[];
  effect: Effect;
}

export interface TypedDialog {
  kind: 'typed';
  title: string;
  lines: string[];
  word: string;
  input: TextInput;
  effect: Effect;
}

export const cancelled = (s: AppState): AppState => say({ ...s, dialog: null }, 'cancelled');

export function onConfirmKey(s: AppState, name: string): AppState {
  const b = lookup(confirmKeymap, name, false);
  const action = b?.action;
  switch (action) {
    case undefined: return s;
    case 'yes': return s.dialog?.kind === 'confirm' ? queue({ ...s, dialog: null }, s.dialog.effect) : s;
    case 'no': return cancelled(s);
    default: return unreachable(action);
  }
}

export function onTypedKey(s: AppState, d: TypedDialog, name: string, input: string, key: Key): AppState {
  const b = lookup(promptKeymap, name, false);
  const action = b?.action;
  switch (action) {
    case 'cancel': return cancelled(s);
    case 'submit': return d.input.text === d.word ? queue({ ...s, dialog: null }, d.effect) : say(s, `type ${d.word} to confirm`, true);
    case 'older': case 'newer': case undefined: break;
    default: return unreachable(action);
  }
  const next = editInput(d.input, name, input, key);
  return next === null ? s : { ...s, dialog: { ...d, input: next } };
}

