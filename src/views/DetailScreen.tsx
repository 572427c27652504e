// Run detail: overview, flags, scalars (sparklines and a plot of the selected one), live
// output and files, one tab at a time.
import { termSafe } from '../store/terminal-text.js';
import asciichart from 'asciichart';
import { Box, Text } from 'ink';
import { scalarKey } from '../store/scalars.js';
import type { Run } from '../store/types.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { isMarkedFloat } from '../store/yaml11.js';
import { downsample, executorDetail, fit, formatDuration, formatNumber, formatStarted, runDurationMs, sparkline } from './format.js';
import { useOutput, useRunCommand, useRunFiles, useRunScalars, useScalarSeries } from './hooks/useRunData.js';
import { OutputLines } from './OutputLines.js';
import { statusText } from './RunsTable.js';
import { DETAIL_TABS, type Screen } from './state/app.js';
import { STATUS_COLOR, type Theme } from './theme.js';

export interface ScreenMetrics {
  count: number;
  pageSize: number;
  selected?: string;
}

type DetailState = Extract<Screen, { kind: 'detail' }>;

export interface DetailProps {
  screen: DetailState;
  run: Run | undefined;
  width: number;
  height: number;
  theme: Theme;
  metrics: { current: ScreenMetrics };
}

export function DetailScreen({ screen, run, width, height, theme, metrics }: DetailProps) {
  const body = height - 2;
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
            {` ${i + 1} ${t} `}
          </Text>
        ))}
        {screen.tab === 'output' ? <Text color={theme.c('cyan')}>{screen.follow ? '  FOLLOW' : '  (End/G follows)'}</Text> : null}
      </Text>
      {run ? <Tab screen={screen} run={run} width={width} height={body} theme={theme} metrics={metrics} /> : null}
    </Box>
  );
}

function Tab(p: { screen: DetailState; run: Run; width: number; height: number; theme: Theme; metrics: { current: ScreenMetrics } }) {
  switch (p.screen.tab) {
    case 'overview':
      return <OverviewTab {...p} />;
    case 'flags':
      return <Lines lines={flagLines(p.run)} {...p} />;
    case 'scalars':
      return <ScalarsTab {...p} />;
    case 'output':
      return <OutputTab {...p} />;
    case 'files':
      return <FilesTab {...p} />;
  }
}

function Lines({ lines, screen, height, metrics }: { lines: string[]; screen: DetailState; height: number; metrics: { current: ScreenMetrics } }) {
  metrics.current = { count: Math.max(0, lines.length - height + 1), pageSize: height };
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(screen.scroll, screen.scroll + height).map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {termSafe(l)}
        </Text>
      ))}
    </Box>
  );
}

function OverviewTab(p: { screen: DetailState; run: Run; height: number; metrics: { current: ScreenMetrics } }) {
  const cmd = useRunCommand(p.run);
  return <Lines lines={overviewLines(p.run, cmd)} {...p} />;
}

function overviewLines(run: Run, command: string | null = null): string[] {
  const kv: [string, string][] = [
    ['id', run.id],
    ['operation', run.operation],
    ['status', run.status + (run.statusInfo.reason ? ` (${run.statusInfo.reason})` : '')],
    ['started', formatStarted(run.started)],
    ['stopped', formatStarted(run.stopped)],
    ['time', formatDuration(runDurationMs(run))],
    ['exit status', run.exitStatus === null ? '' : String(run.exitStatus)],
    ['executor', executorDetail(run)],
    ['pid', run.slurm ? '' : String(run.statusInfo.pid ?? run.lockPid ?? '')],
    ['seed', run.seed ?? ''],
    ['parent', run.parent ?? ''],
    ['trials', run.batch ? run.children.map((c) => c.slice(0, 8)).join(' ') : ''],
    ['label', run.label ?? ''],
    ['tags', run.tags.join(', ')],
    ['marked', run.marked ? 'yes' : ''],
    ['host', [run.user, run.host].filter(Boolean).join('@')],
    ['sourcecode', run.sourcecodeDigest ?? ''],
    ['command', command ?? ''],
    ['run dir', run.dir],
  ];
  const lines = kv.filter(([, v]) => v !== '').map(([k, v]) => `${k.padEnd(12)} ${v}`);
  if (run.comments.length > 0) {
    lines.push('', 'comments');
    for (const c of run.comments) lines.push(`  ${formatStarted(c.time)} ${c.user}@${c.host}: ${c.body}`);
  }
  if (run.problems.length > 0) {
    lines.push('', 'problems reading this run');
    for (const pr of run.problems) lines.push(`  ${pr.file}: ${pr.message}`);
  }
  return lines;
}

function flagLines(run: Run): string[] {
  const names = Object.keys(run.flags).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (names.length === 0) return ['(no flags)'];
  const w = Math.min(30, Math.max(...names.map((n) => n.length)));
  return names.map((n) => `${n.padEnd(w)}  ${formatFlagValue(run.flags[n]!, { float: isMarkedFloat(run.flags, n) })}`);
}

const SPARK_WIDTH = 20;

function ScalarsTab({ screen, run, width, height, theme, metrics }: { screen: DetailState; run: Run; width: number; height: number; theme: Theme; metrics: { current: ScreenMetrics } }) {
  const list = useRunScalars(run).filter((s) => !s.tag.startsWith('sys/'));
  const sel = Math.min(screen.sel, Math.max(0, list.length - 1));
  const selected = list[sel];
  const key = selected ? scalarKey(selected.prefix, selected.tag) : undefined;
  const series = useScalarSeries(run, key);
  const listHeight = Math.min(list.length + 1, Math.max(3, Math.floor(height / 2.5)));
  const rows = listHeight - 1;
  const start = Math.max(0, Math.min(sel - rows + 1, list.length - rows));
  metrics.current = { count: list.length, pageSize: rows };
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
      <Plot values={series.map((p) => p.value)} width={width} height={height - listHeight - 1} title={key ?? ''} theme={theme} />
    </Box>
  );
}

/** asciichart throws on NaN/Infinity and empty series: only finite values are plotted. */
export function plotLines(values: readonly number[], width: number, height: number): string[] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0 || height < 2) return [];
  const fmtW = 10;
  const pts = downsample(finite, Math.max(2, width - fmtW - 3));
  const plot = asciichart.plot(pts, { height: height - 1, format: (x: number) => formatNumber(x, fmtW).padStart(fmtW) });
  return plot.split('\n');
}

function Plot({ values, width, height, title, theme }: { values: number[]; width: number; height: number; title: string; theme: Theme }) {
  const lines = plotLines(values, width, height - 1);
  const dropped = values.length - values.filter(Number.isFinite).length;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text dimColor wrap="truncate-end">
        {title ? `${title}: ${values.length} points${dropped ? `, ${dropped} not finite (not plotted)` : ''}` : ''}
      </Text>
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate-end" color={theme.c('cyan')}>
          {l}
        </Text>
      ))}
    </Box>
  );
}

function OutputTab({ screen, run, width, height, theme, metrics }: { screen: DetailState; run: Run; width: number; height: number; theme: Theme; metrics: { current: ScreenMetrics } }) {
  const out = useOutput(run, run.status === 'running');
  metrics.current = { count: out.first + out.lines.length, pageSize: height };
  return <OutputLines view={out} follow={screen.follow} scroll={screen.scroll} width={width} height={height} theme={theme} />;
}

function FilesTab({ screen, run, height, metrics }: { screen: DetailState; run: Run; height: number; metrics: { current: ScreenMetrics } }) {
  const files = useRunFiles(run, true);
  const sel = Math.min(screen.sel, Math.max(0, files.length - 1));
  const start = Math.max(0, Math.min(sel - height + 1, files.length - height));
  metrics.current = { count: files.length, pageSize: height, ...(files[sel] ? { selected: files[sel].path } : {}) };
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
