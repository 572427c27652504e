// Run detail: overview, flags, scalars (sparklines and a plot of the selected one), live
// output and files, one tab at a time.
import { termSafe } from '../store/terminal-text.js';
import { Box, Text } from 'ink';
import { scalarKey } from '../store/scalars.js';
import type { Run, ScalarPoint } from '../store/types.js';
import { fit, formatNumber, sparkline } from './format.js';
import { formatSeconds, plotSeries, skippedText } from './plot.js';
import { DETAIL_CHROME, listStart, scalarListRows, type ScreenContent } from './layout.js';
import { OutputLines } from './OutputLines.js';
import { statusText } from './RunsTable.js';
import { DETAIL_TABS, tabLabel, type DetailScreen as DetailState } from './state/detail.js';
import { STATUS_COLOR, type Theme } from './theme.js';

export interface DetailProps {
  screen: DetailState;
  run: Run | undefined;
  content: ScreenContent;
  width: number;
  height: number;
  theme: Theme;
}

export function DetailScreen({ screen, run, content, width, height, theme }: DetailProps) {
  const body = height - DETAIL_CHROME;
  const title = run ? `${run.id.slice(0, 8)}  ${termSafe(run.operation)}  ` : `${screen.id.slice(0, 8)}  `;
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end">
        <Text bold>{title}</Text>
        {run ? <Text color={theme.c(STATUS_COLOR[run.status])}>{statusText(run)}</Text> : <Text color={theme.c('red')}>run is gone</Text>}
        {run?.label ? `  ${termSafe(run.label)}` : ''}
      </Text>
      <Text wrap="truncate-end">
        {DETAIL_TABS.map((t, i) => (
          <Text key={t} inverse={t === screen.tab} bold={t === screen.tab}>
            {tabLabel(i)}
          </Text>
        ))}
        {screen.tab === 'output' ? <Text color={theme.c('cyan')}>{screen.follow ? '  FOLLOW' : '  (End/G follows)'}</Text> : null}
      </Text>
      {run ? <Tab screen={screen} content={content} width={width} height={body} theme={theme} /> : null}
    </Box>
  );
}

function Tab(p: { screen: DetailState; content: ScreenContent; width: number; height: number; theme: Theme }) {
  const c = p.content;
  switch (c.kind) {
    case 'lines':
      return <Lines lines={c.lines} scroll={p.screen.scroll} height={p.height} />;
    case 'scalars':
      return <ScalarsTab content={c} log={p.screen.log} time={p.screen.time} width={p.width} height={p.height} theme={p.theme} />;
    case 'output':
      return <OutputLines view={c.view} follow={p.screen.follow} scroll={p.screen.scroll} width={p.width} height={p.height} theme={p.theme} search={p.screen.search?.query} />;
    case 'files':
      return <FilesTab files={c.files} sel={p.screen.sel ?? 0} height={p.height} />;
    default:
      return null;
  }
}

function Lines({ lines, scroll, height }: { lines: string[]; scroll: number; height: number }) {
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(scroll, scroll + height).map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {termSafe(l)}
        </Text>
      ))}
    </Box>
  );
}

const SPARK_WIDTH = 20;

function ScalarsTab({ content, log, time, width, height, theme }: { content: Extract<ScreenContent, { kind: 'scalars' }>; log: boolean; time: boolean; width: number; height: number; theme: Theme }) {
  const { list, sel, key, series } = content;
  const rows = scalarListRows(list.length, height);
  const start = listStart(sel, rows, list.length);
  if (list.length === 0) return <Text dimColor>(no scalars)</Text>;
  const keyW = Math.min(28, Math.max(6, ...list.map((s) => scalarKey(s.prefix, s.tag).length)));
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">
        {`${fit('scalar', keyW)} ${fit('step', 6, 'right')} ${fit('last', 10, 'right')} ${fit('min', 10, 'right')} ${fit('max', 10, 'right')}  trend`}
      </Text>
      {list.slice(start, start + rows).map((s, i) => {
        const k = scalarKey(s.prefix, s.tag);
        const isSel = start + i === sel;
        return (
          <Text key={k} wrap="truncate-end" inverse={isSel}>
            {`${fit(k, keyW)} ${fit(String(s.lastStep), 6, 'right')} ${fit(formatNumber(s.last), 10, 'right')} ${fit(formatNumber(s.min), 10, 'right')} ${fit(formatNumber(s.max), 10, 'right')}  `}
            <Text color={theme.c('cyan')}>{isSel ? sparkline(series.map((p) => p.value), SPARK_WIDTH) : ''}</Text>
          </Text>
        );
      })}
      <Plot series={series} log={log} time={time} width={width} height={height - rows - 2} title={key ?? ''} theme={theme} />
    </Box>
  );
}

function Plot(p: { series: readonly ScalarPoint[]; log: boolean; time: boolean; width: number; height: number; title: string; theme: Theme }) {
  const t0 = p.series[0]?.wallTime ?? 0;
  const points = p.series.map((q) => ({ x: p.time ? q.wallTime - t0 : q.step, y: q.value }));
  const plot = plotSeries([{ label: p.title, points }], {
    width: p.width, height: p.height - 2, log: p.log, theme: p.theme, ...(p.time ? { formatX: formatSeconds } : {}),
  });
  const skipped = skippedText(plot);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text dimColor wrap="truncate-end">
        {p.title ? `${termSafe(p.title)}: ${points.length} points  y:${p.log ? 'log' : 'linear'}  x:${p.time ? 'time' : 'step'}${skipped ? `  ${skipped}` : ''}` : ''}
      </Text>
      {plot.lines.map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {l}
        </Text>
      ))}
    </Box>
  );
}

function FilesTab({ files, sel: wanted, height }: { files: Extract<ScreenContent, { kind: 'files' }>['files']; sel: number; height: number }) {
  const sel = Math.min(wanted, Math.max(0, files.length - 1));
  const start = listStart(sel, height, files.length);
  if (files.length === 0) return <Text dimColor>(no files)</Text>;
  return (
    <Box flexDirection="column" height={height}>
      {files.slice(start, start + height).map((f, i) => (
        <Text key={f.path} wrap="truncate-end" inverse={start + i === sel}>
          {`${fit(String(f.size), 10, 'right')}  ${termSafe(f.path)}${f.link ? ' →' : ''}`}
        </Text>
      ))}
    </Box>
  );
}
