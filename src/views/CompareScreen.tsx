// Compare marked runs: run info, flags side by side (rows that differ highlighted, `u` shows
// only those) and scalars last/min/max with a sparkline per run of the last values' trend.
import { Box, Text } from 'ink';
import { Fragment } from 'react';
import type { Run, ScalarSummary } from '../store/types.js';
import { scalarKey } from '../store/scalars.js';
import { compareRows } from './compare-model.js';
import { useSeriesOf } from './hooks/useRunData.js';
import type { ScreenMetrics } from './DetailScreen.js';
import { fit, shortId } from './format.js';
import type { Screen } from './state/app.js';
import type { Theme } from './theme.js';

type CompareState = Extract<Screen, { kind: 'compare' }>;

export function CompareScreen(p: {
  screen: CompareState;
  runs: readonly Run[];
  scalarsOf: (r: Run) => readonly ScalarSummary[];
  width: number;
  height: number;
  theme: Theme;
  metrics: { current: ScreenMetrics };
}) {
  const keysOf = (r: Run) => p.scalarsOf(r).filter((s) => !s.tag.startsWith('sys/')).map((s) => scalarKey(s.prefix, s.tag));
  const series = useSeriesOf(p.runs, keysOf);
  const nameW = 20;
  const colW = Math.max(8, Math.min(20, Math.floor((p.width - nameW - 2) / Math.max(1, p.runs.length)) - 1));
  const all = compareRows(p.runs, p.scalarsOf, (r, k) => series.get(`${r.id}\0${k}`), colW - 1);
  const rows = p.screen.onlyChanged ? all.filter((r) => r.differs) : all;
  const body = p.height - 2;
  p.metrics.current = { count: Math.max(0, rows.length - body + 1), pageSize: body };
  const shown = rows.slice(p.screen.scroll, p.screen.scroll + body);
  return (
    <Box flexDirection="column" height={p.height}>
      <Text bold wrap="truncate-end">
        {`compare ${p.runs.length} runs${p.screen.onlyChanged ? '  (only rows that differ)' : ''}`}
      </Text>
      <Text bold wrap="truncate-end">
        {fit('', nameW) + '  ' + p.runs.map((r) => fit(shortId(r.id), colW)).join(' ')}
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
