// Confirmations (naming the runs), typed confirmations (purge) and one-line prompts.
import { termSafe } from '../store/terminal-text.js';
import { Box, Text } from 'ink';
import { choiceLine } from './state/column-chooser.js';
import type { ColumnSpec } from './state/column-spec.js';
import type { Dialog } from './state/core.js';
import { listStart } from './layout.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';

/** Lines the dialog takes for `d` when at most `maxLines` are available. */
export function dialogHeight(d: Dialog, maxLines: number): number {
  const n = d.kind === 'columns' ? d.items.length : d.kind === 'prompt' ? 0 : d.lines.length;
  const body = d.kind === 'prompt' ? 0 : Math.min(n, Math.max(1, maxLines - 5));
  return 2 + 1 + body + 1 + (d.kind === 'prompt' ? 0 : 1);
}

interface DialogProps {
  dialog: Dialog;
  /** The extra columns shown (the column chooser checks them). */
  chosen: readonly ColumnSpec[];
  width: number;
  maxLines: number;
  theme: Theme;
}

export function DialogBox({ dialog: d, chosen, width, maxLines, theme }: DialogProps) {
  const bodyMax = Math.max(1, maxLines - 5);
  if (d.kind === 'columns') {
    const first = listStart(d.sel, bodyMax, d.items.length);
    return (
      <Box flexDirection="column" borderStyle="round" borderColor={theme.c('cyan')} width={width} paddingX={1}>
        <Text bold wrap="truncate-end">{`${d.title}  ${d.sel + 1}/${d.items.length}`}</Text>
        {d.items.slice(first, first + bodyMax).map((c, i) => (
          <Text key={i} wrap="truncate-end" inverse={first + i === d.sel}>
            {(first + i === d.sel ? '› ' : '  ') + choiceLine(c, chosen)}
          </Text>
        ))}
        <Text dimColor>Space: show/hide   Enter/Esc: close</Text>
      </Box>
    );
  }
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
