// The two bottom lines: counts and modes (`12/340 runs · 3 marked · FILTER · READONLY`) with
// the filter being typed, then the last message or the screen's context keys.
import { termSafe } from '../store/terminal-text.js';
import { Text } from 'ink';
import { keyLabel, usable, type Keymap } from './keymap.js';
import type { Theme } from './theme.js';

export interface FooterProps {
  left: string;
  /** The filter bar while typing (`/loss < 0.1`), shown instead of `left`. */
  input: string | null;
  inputError: string | null;
  message: { text: string; error: boolean } | null;
  keymap: Keymap;
  readonly: boolean;
  theme: Theme;
}

export function Footer(p: FooterProps) {
  const hints = usable(p.keymap, p.readonly)
    .filter((b) => b.hint)
    .map((b) => `${keyLabel(b.keys[0]!)} ${b.hint}`)
    .join('  ');
  return (
    <>
      {p.input !== null ? (
        <Text wrap="truncate-start">
          <Text color={p.theme.c('cyan')}>{p.input}</Text>
          <Text inverse> </Text>
          {p.inputError ? <Text color={p.theme.c('red')}>{'  ' + p.inputError}</Text> : null}
          {'   ' + p.left}
        </Text>
      ) : (
        <Text wrap="truncate-end" bold>
          {p.left}
        </Text>
      )}
      {p.message ? (
        <Text wrap="truncate-end" color={p.theme.c(p.message.error ? 'red' : 'green')} bold={p.message.error}>
          {p.message.error ? '! ' : ''}
          {termSafe(p.message.text)}
        </Text>
      ) : (
        <Text wrap="truncate-end" dimColor>
          {hints}
        </Text>
      )}
    </>
  );
}
