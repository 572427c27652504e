// Compare marked runs: run info, flags side by side (rows that differ highlighted, `u` shows
// only those) and scalars last/min/max with a sparkline per run of the last values' trend.
import { Box, Text } from 'ink';
import { Fragment } from 'react';
import type { Run } from '../store/types.js';
import type { CompareRow } from './compare-model.js';
import { fit, shortId } from './format.js';
import { COMPARE_CHROME } from './layout.js';
import type { CompareScreen as CompareState } from './state/compare.js';
import type { Theme } from './theme.js';

export function CompareScreen(p: {
  screen: CompareState;
  runs: readonly Run[];
  /** The rows shown (useScreenContent: all, or those that differ), `colW` wide per run. */
  rows: readonly CompareRow[];
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
