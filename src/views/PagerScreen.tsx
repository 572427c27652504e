// Full-screen pagers: attach (live output of a run; leaving never stops it) and a file view.
import { termSafe, termSafeLine } from '../store/terminal-text.js';
import { Box, Text } from 'ink';
import type { Run } from '../store/types.js';
import { PAGER_CHROME, type ScreenContent } from './layout.js';
import { OutputLines } from './OutputLines.js';
import { statusText } from './RunsTable.js';
import type { PagerScreen as PagerState } from './state/pager.js';
import { STATUS_COLOR, type Theme } from './theme.js';

export interface PagerProps {
  screen: PagerState;
  run: Run | undefined;
  content: ScreenContent;
  width: number;
  height: number;
  theme: Theme;
}

export function PagerScreen({ screen, run, content, width, height, theme }: PagerProps) {
  const body = height - PAGER_CHROME;
  if (content.kind === 'output') {
    const total = content.view.total;
    return (
      <Box flexDirection="column" height={height}>
        <Text wrap="truncate-end">
          <Text bold>{`attached to ${screen.id.slice(0, 8)} ${termSafe(run?.operation ?? '')}  `}</Text>
          {run ? <Text color={theme.c(STATUS_COLOR[run.status])}>{statusText(run)}</Text> : <Text color={theme.c('red')}>run is gone</Text>}
          {`  ${total} line${total === 1 ? '' : 's'}`}
          <Text color={theme.c('cyan')}>{screen.follow ? '  FOLLOW' : ''}</Text>
          {screen.search ? `  /${termSafe(screen.search.query)}` : ''}
        </Text>
        <OutputLines view={content.view} follow={screen.follow} scroll={screen.scroll} width={width} height={body} theme={theme} search={screen.search?.query} />
      </Box>
    );
  }
  const lines = content.kind === 'lines' ? content.lines : [];
  const max = Math.max(0, lines.length - body);
  const start = screen.follow ? max : Math.min(screen.scroll, max);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">{`${screen.id.slice(0, 8)}: ${termSafe(screen.file ?? '')}  (${lines.length} lines)`}</Text>
      {lines.slice(start, start + body).map((l, i) => (
        <Text key={start + i} wrap="truncate-end">
          {termSafeLine(l)}
        </Text>
      ))}
    </Box>
  );
}
