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
  /** Text to highlight (a search). */
  search?: string | undefined;
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

export function OutputLines({ view, follow, scroll, width, height, theme, search }: OutputLinesProps) {
  const total = view.total;
  const start = follow ? Math.max(view.first, total - height) : Math.max(view.first, Math.min(scroll, total - height));
  const shown = view.lines.slice(start - view.first, start - view.first + height);
  if (total === 0) return <Text dimColor>(no output yet)</Text>;
  return (
    <Box flexDirection="column" height={height}>
      {shown.map((l, i) => (
        <Text key={start + i} wrap="truncate-end">
          {l.stream === 1 ? <Text color={theme.c('red')}>▌</Text> : ' '}
          <Text color={l.stream === 1 ? theme.c('red') : undefined}>{highlighted(lineShown(l.text, width - 1), search)}</Text>
        </Text>
      ))}
    </Box>
  );
}

/** The line with each occurrence of `query` in inverse video (case as the search takes it). */
function highlighted(text: string, query: string | undefined): React.ReactNode {
  if (!query) return text;
  const fold = query === query.toLowerCase();
  const hay = fold ? text.toLowerCase() : text;
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (let i = hay.indexOf(query); i !== -1; i = hay.indexOf(query, i + query.length)) {
    parts.push(text.slice(at, i), <Text key={i} inverse>{text.slice(i, i + query.length)}</Text>);
    at = i + query.length;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(at));
  return parts;
}
