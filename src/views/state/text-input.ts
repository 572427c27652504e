// One line of text with a cursor: the filter bar, the prompts, the command line and each field of
// the launch form edit through here. Pure. The cursor counts code points, so a character outside
// the BMP moves as one.
import type { Key } from 'ink';

export interface TextInput {
  text: string;
  /** Code points before the cursor (0 … length). */
  cursor: number;
}

/** `text` with the cursor at its end. */
export const textInput = (text = ''): TextInput => ({ text, cursor: [...text].length });

type TextEdit =
  | { kind: 'insert'; text: string }
  | { kind: 'left' }
  | { kind: 'right' }
  | { kind: 'home' }
  | { kind: 'end' }
  | { kind: 'backspace' }
  | { kind: 'delete' }
  | { kind: 'killBefore' }
  | { kind: 'killAfter' }
  | { kind: 'killWord' };

/** The edit a key makes, or null when it is not one (Enter, Esc, Up…: the caller's keys). */
function textEditOf(name: string, input: string, key: Key): TextEdit | null {
  switch (name) {
    case 'left': return { kind: 'left' };
    case 'right': return { kind: 'right' };
    case 'home': case 'ctrl+a': return { kind: 'home' };
    case 'end': case 'ctrl+e': return { kind: 'end' };
    case 'backspace': case 'ctrl+h': return { kind: 'backspace' };
    case 'delete': return { kind: 'delete' };
    case 'ctrl+u': return { kind: 'killBefore' };
    case 'ctrl+k': return { kind: 'killAfter' };
    case 'ctrl+w': return { kind: 'killWord' };
    case 'space': return { kind: 'insert', text: ' ' };
  }
  if (key.ctrl || (key.meta && !key.escape) || input === '' || (name.length > 1 && name !== input)) return null;
  // control characters never enter the text
  if (/[\u0000-\u001f\u007f]/.test(input)) return null;
  return { kind: 'insert', text: input };
}

function applyEdit(t: TextInput, e: TextEdit): TextInput {
  const chars = [...t.text];
  const at = Math.max(0, Math.min(t.cursor, chars.length));
  const make = (before: string[], after: string[]): TextInput => ({ text: [...before, ...after].join(''), cursor: before.length });
  switch (e.kind) {
    case 'insert': return make([...chars.slice(0, at), ...e.text], chars.slice(at));
    case 'left': return { ...t, cursor: Math.max(0, at - 1) };
    case 'right': return { ...t, cursor: Math.min(chars.length, at + 1) };
    case 'home': return { ...t, cursor: 0 };
    case 'end': return { ...t, cursor: chars.length };
    case 'backspace': return make(chars.slice(0, Math.max(0, at - 1)), chars.slice(at));
    case 'delete': return make(chars.slice(0, at), chars.slice(at + 1));
    case 'killBefore': return make([], chars.slice(at));
    case 'killAfter': return make(chars.slice(0, at), []);
    case 'killWord': return make([...chars.slice(0, at).join('').replace(/\S*\s*$/, '')], chars.slice(at));
  }
}

/** The input after one key, or null when the key is not an edit. */
export function editInput(t: TextInput, name: string, input: string, key: Key): TextInput | null {
  const e = textEditOf(name, input, key);
  return e ? applyEdit(t, e) : null;
}

/** The text around the cursor, for drawing it: the character under the cursor (a space at the end). */
export function cursorParts(t: TextInput): { before: string; at: string; after: string } {
  const chars = [...t.text];
  const at = Math.max(0, Math.min(t.cursor, chars.length));
  return { before: chars.slice(0, at).join(''), at: chars[at] ?? ' ', after: chars.slice(at + 1).join('') };
}
