// Compare marked runs: run info, flags side by side (rows that differ highlighted, `u` shows
// only those) and scalars last/min/max with a sparkline per run of the last values' trend; with
// `b`, seed groups instead of runs (mean ± std (n)); with `p`, one scalar overlaid (plot.ts).
import { Box, Text } from 'ink';
import { Fragment } from 'react';
import type { ScalarPoint } from '../store/types.js';
import { termSafe } from '../store/terminal-text.js';
import type { CompareRow } from './compare-model.js';
import { fit } from './format.js';
import { COMPARE_CHROME, type OverlaySeries } from './layout.js';
import { formatSeconds, plotSeries, seriesKey, skippedText, type PlotPoint, type PlotSeries } from './plot.js';
import { groupCurve } from './seed-groups.js';
import type { CompareScreen as CompareState } from './state/compare.js';
import type { Theme } from './theme.js';

export function CompareScreen(p: {
  screen: CompareState;
  /** Runs compared. */
  count: number;
  /** The table (useScreenContent: all rows, or those that differ), `colW` wide per column headed `heads`. */
  rows: readonly CompareRow[];
  heads: readonly string[];
  colW: number;
  height: number;
  theme: Theme;
}) {
  const nameW = 20;
  const colW = p.colW;
  const rows = p.rows;
  const body = p.height - COMPARE_CHROME;
  const shown = rows.slice(p.screen.scroll, p.screen.scroll + body);
  return (
    <Box flexDirection="column" height={p.height}>
      <Text bold wrap="truncate-end">
        {`compare ${p.count} runs${p.screen.groups ? `, ${p.heads.length} seed groups (mean ± std (n))` : ''}${p.screen.onlyChanged ? '  (only rows that differ)' : ''}`}
      </Text>
      <Text bold wrap="truncate-end">
        {fit('', nameW) + '  ' + p.heads.map((h) => fit(h, colW)).join(' ')}
      </Text>
      {shown.map((r, i) => {
        const prev = shown[i - 1];
        return (
          <Fragment key={`${r.section}:${r.name}`}>
            <Text wrap="truncate-end" bold={r.differs} color={r.differs ? p.theme.c('yellow') : r.name.startsWith('trend ') ? p.theme.c('cyan') : undefined} dimColor={!r.differs && r.section !== 'run' && !r.name.startsWith('trend ')}>
              {(r.differs ? '≠ ' : prev?.section !== r.section ? '· ' : '  ') + fit(r.name, nameW - 2) + '  ' + r.values.map((v) => fit(v, colW)).join(' ')}
            </Text>
          </Fragment>
        );
      })}
    </Box>
  );
}

/** A run's points as plot points: x the step, or seconds since its first point. */
const toPlot = (points: readonly ScalarPoint[], time: boolean): PlotPoint[] => {
  const t0 = points[0]?.wallTime ?? 0;
  return points.map((q) => ({ x: time ? q.wallTime - t0 : q.step, y: q.value }));
};

/** Seconds since the first point in `wallTime`, for a seed group's curve by time. */
const sinceStart = (points: readonly ScalarPoint[]): ScalarPoint[] => {
  const t0 = points[0]?.wallTime ?? 0;
  return points.map((q) => ({ ...q, wallTime: q.wallTime - t0 }));
};

/** The legend: each series' marker and label, packed into lines `width` wide. */
export function legendLines(keys: readonly string[], labels: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let len = 0;
  labels.forEach((l, i) => {
    const text = ` ${termSafe(l)}`;
    const w = 1 + [...text].length + 2;
    if (len > 0 && len + w > width) {
      lines.push(line);
      line = '';
      len = 0;
    }
    line += `${keys[i]}${text}  `;
    len += w;
  });
  if (line) lines.push(line);
  return lines;
}

/** Compare's plot: one scalar of every run (or seed group) overlaid, with its legend. */
export function OverlayPlot(p: {
  screen: CompareState;
  keys: readonly string[];
  at: number;
  series: readonly OverlaySeries[];
  width: number;
  height: number;
  theme: Theme;
}) {
  const key = p.keys[p.at];
  let groupSkipped = 0;
  const series: PlotSeries[] = p.series.map((s) => {
    if (!s.members) return { label: s.label, points: toPlot(s.points, p.screen.time) };
    const members = p.screen.time ? s.members.map(sinceStart) : s.members;
    const xOf = (step: number, ps: readonly ScalarPoint[]) => (p.screen.time ? ps.reduce((a, q) => a + q.wallTime, 0) / ps.length : step);
    const g = groupCurve(members, xOf);
    groupSkipped += g.notFinite;
    return { label: s.label, points: g.mean, band: g.band };
  });
  const title = key
    ? `${termSafe(key)} ${p.at + 1}/${p.keys.length}  y:${p.screen.log ? 'log' : 'linear'}  x:${p.screen.time ? 'time' : 'step'}${p.screen.groups ? '  mean, min–max band' : ''}`
    : 'no scalars to plot';
  // at most 3 legend lines, then the plot takes the rest
  const legend = legendLines(series.map((_, i) => seriesKey(i, p.theme)), series.map((s) => s.label), p.width).slice(0, 3);
  const plotH = Math.max(2, p.height - 2 - legend.length - 1);
  const plot = plotSeries(series, { width: p.width, height: plotH, log: p.screen.log, theme: p.theme, ...(p.screen.time ? { formatX: formatSeconds } : {}) });
  const skipped = skippedText({ notFinite: plot.notFinite + groupSkipped, notPositive: plot.notPositive });
  return (
    <Box flexDirection="column" height={p.height}>
      <Text bold wrap="truncate-end">{`compare ${p.series.length} ${p.screen.groups ? 'seed groups' : 'runs'}: ${title}`}</Text>
      {legend.map((l, i) => (
        <Text key={`l${i}`} wrap="truncate-end">{l}</Text>
      ))}
      {plot.lines.length ? plot.lines.map((l, i) => (
        <Text key={i} wrap="truncate-end">{l}</Text>
      )) : <Text dimColor>(no finite points)</Text>}
      <Text dimColor wrap="truncate-end">{skipped ? `${skipped} (not plotted)` : ''}</Text>
    </Box>
  );
}
