// A window of output lines: follows the end, or stays where the user scrolled. stderr lines
// get a red `▌` gutter (the gutter alone keeps them distinct without colour). A run's escape
// sequences never reach the terminal: each line is made terminal-safe (colours included).
import { termSafeLine } from '../store/terminal-text.js';
import { Box, Text } from 'ink';
import { CUT_MARK } from '../store/output.js';
import type { OutputView } from './hooks/useRunData.js';
import type { Theme } from './theme.js';

export interface OutputLinesProps {
  view: OutputView;
  follow: boolean;
  /** First line shown when not following, counted over every line the run printed. */
  scroll: number;
  width: number;
  height: number;
  theme: Theme;
}

/** A line the store cut (`head … [N bytes] … tail`) keeps its head, length and tail in view. */
function lineShown(text: string, width: number): string {
  const safe = termSafeLine(text);
  const m = safe.length > width ? CUT_MARK.exec(safe) : null;
  if (!m) return safe;
  const room = Math.max(2, width - m[0].length);
  const tail = safe.slice(m.index + m[0].length);
  return safe.slice(0, Math.min(m.index, Math.ceil(room / 2))) + m[0] + tail.slice(Math.max(0, tail.length - Math.floor(room / 2)));
}

export function OutputLines({ view, follow, scroll, width, height, theme }: OutputLinesProps) {
  const total = view.first + view.lines.length;
  const start = follow ? Math.max(view.first, total - height) : Math.max(view.first, Math.min(scroll, total - height));
  const shown = view.lines.slice(start - view.first, start - view.first + height);
  if (total === 0) return <Text dimColor>(no output yet)</Text>;
  return (
    <Box flexDirection="column" height={height}>
      {shown.map((l, i) => (
        <Text key={start + i} wrap="truncate-end">
          {l.stream === 1 ? <Text color={theme.c('red')}>▌</Text> : ' '}
          {l.stream === 1 ? <Text color={theme.c('red')}>{lineShown(l.text, width - 1)}</Text> : lineShown(l.text, width - 1)}
        </Text>
      ))}
    </Box>
  );
}
