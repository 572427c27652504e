// Single-line text editing for the filter bar, prompts and the command line. Pure.

/** The edited text after one key, or null when the key is not an edit. */
export function editText(value: string, name: string, input: string, ctrl: boolean, meta: boolean): string | null {
  if (name === 'backspace') return [...value].slice(0, -1).join('');
  if (name === 'ctrl+u') return '';
  if (name === 'ctrl+w') return value.replace(/\S*\s*$/, '');
  if (name === 'space') return value + ' ';
  if (ctrl || meta || input === '' || name.length > 1 && name !== input) return null;
  // control characters never enter the text
  if (/[\u0000-\u001f\u007f]/.test(input)) return null;
  return value + input;
}
