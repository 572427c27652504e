// Confirmations (naming the runs), typed confirmations (purge) and one-line prompts.
import { termSafe } from '../store/terminal-text.js';
import { Box, Text } from 'ink';
import type { Dialog } from './state/core.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';

/** Lines the dialog takes for `d` when at most `maxLines` are available. */
export function dialogHeight(d: Dialog, maxLines: number): number {
  const body = d.kind === 'prompt' ? 0 : Math.min(d.lines.length, Math.max(1, maxLines - 5));
  return 2 + 1 + body + 1 + (d.kind === 'prompt' ? 0 : 1);
}

export function DialogBox({ dialog: d, width, maxLines, theme }: { dialog: Dialog; width: number; maxLines: number; theme: Theme }) {
  const bodyMax = Math.max(1, maxLines - 5);
  const lines = d.kind === 'prompt' ? [] : d.lines.length > bodyMax ? [...d.lines.slice(0, bodyMax - 1), `… and ${d.lines.length - bodyMax + 1} more`] : d.lines;
  const color = d.kind === 'prompt' ? 'cyan' : 'yellow';
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.c(color)} width={width} paddingX={1}>
      <Text bold wrap="truncate-end">
        {termSafe(d.title)}
      </Text>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {'  ' + termSafe(l)}
        </Text>
      ))}
      {d.kind === 'confirm' ? (
        <Text dimColor>Enter/y: yes   Esc/n: no</Text>
      ) : (
        <Text wrap="truncate-start">
          {'> '}
          <TextField input={d.input} />
          <Text dimColor>{d.kind === 'typed' ? '   Enter: confirm  Esc: cancel' : '   Enter: done  Esc: cancel'}</Text>
        </Text>
      )}
    </Box>
  );
}
