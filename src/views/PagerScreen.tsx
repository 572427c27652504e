// Full-screen pagers: attach (live output of a run; leaving never stops it) and a file view.
import { termSafe, termSafeLine } from '../store/terminal-text.js';
import { Box, Text } from 'ink';
import type { Run } from '../store/types.js';
import type { ScreenMetrics } from './DetailScreen.js';
import { useFileText, useOutput } from './hooks/useRunData.js';
import { OutputLines } from './OutputLines.js';
import { statusText } from './RunsTable.js';
import type { Screen } from './state/app.js';
import { STATUS_COLOR, type Theme } from './theme.js';

type PagerState = Extract<Screen, { kind: 'pager' }>;

export interface PagerProps {
  screen: PagerState;
  run: Run | undefined;
  width: number;
  height: number;
  theme: Theme;
  metrics: { current: ScreenMetrics };
}

export function PagerScreen(p: PagerProps) {
  return p.screen.what === 'attach' ? <AttachView {...p} /> : <FileView {...p} />;
}

function AttachView({ screen, run, width, height, theme, metrics }: PagerProps) {
  const out = useOutput(run, run?.status === 'running');
  const body = height - 1;
  metrics.current = { count: out.first + out.lines.length, pageSize: body };
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end">
        <Text bold>{`attached to ${screen.id.slice(0, 8)} ${termSafe(run?.operation ?? '')}  `}</Text>
        {run ? <Text color={theme.c(STATUS_COLOR[run.status])}>{statusText(run)}</Text> : <Text color={theme.c('red')}>run is gone</Text>}
        <Text color={theme.c('cyan')}>{screen.follow ? '  FOLLOW' : ''}</Text>
      </Text>
      <OutputLines view={out} follow={screen.follow} scroll={screen.scroll} width={width} height={body} theme={theme} />
    </Box>
  );
}

function FileView({ screen, run, height, metrics }: PagerProps) {
  const lines = useFileText(run?.dir, screen.file);
  const body = height - 1;
  metrics.current = { count: lines.length, pageSize: body };
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
