// The two bottom lines: counts and modes (`12/340 runs · 3 marked · FILTER · READONLY`) with
// the filter being typed and the last message (until it expires), then always the screen's
// context keys.
import { Text } from 'ink';
import { termSafe } from '../store/terminal-text.js';
import { keyLabel, usable, type Keymap } from './keymap.js';
import type { TextInput } from './state/text-input.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';

export interface FooterProps {
  left: string;
  /** The filter bar while typing (`/loss < 0.1`), shown before `left`. */
  input: TextInput | null;
  inputError: string | null;
  message: { text: string; error: boolean } | null;
  keymap: Keymap;
  readonly: boolean;
  /** Columns of the terminal. */
  width: number;
  theme: Theme;
}

export function Footer(p: FooterProps) {
  const hinted = usable(p.keymap, p.readonly).filter((b) => b.hint);
  const text = (list: typeof hinted, gap: string) => list.map((b) => `${keyLabel(b.keys[0]!)} ${b.hint}`).join(gap);
  // one space apart where two would cut the last keys, then without the minor ones (the runs screen at 80 columns)
  const fits = (t: string) => [...t].length <= p.width;
  const hints = [text(hinted, '  '), text(hinted, ' ')].find(fits) ?? text(hinted.filter((b) => !b.minorHint), ' ');
  const message = p.message ? (
    <Text color={p.theme.c(p.message.error ? 'red' : 'green')} bold={p.message.error}>
      {`   ${p.message.error ? '! ' : ''}${termSafe(p.message.text)}`}
    </Text>
  ) : null;
  return (
    <>
      {p.input !== null ? (
        <Text wrap="truncate-end">
          <Text color={p.theme.c('cyan')}>/</Text>
          <TextField input={p.input} color={p.theme.c('cyan')} />
          {p.inputError ? <Text color={p.theme.c('red')}>{'  ' + p.inputError}</Text> : null}
          {'   ' + p.left}
          {message}
        </Text>
      ) : (
        <Text wrap="truncate-end">
          <Text bold>{p.left}</Text>
          {message}
        </Text>
      )}
      <Text wrap="truncate-end" dimColor>
        {hints}
      </Text>
    </>
  );
}
