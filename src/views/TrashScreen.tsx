// The trash: deleted runs, to restore or purge.
import { Box, Text } from 'ink';
import { layoutColumns } from './columns.js';
import { RunsTable } from './RunsTable.js';
import { cursorRow, windowTop, type TableState } from './state/app.js';
import { DEFAULT_SORT, NO_SCALARS, type View } from './state/view.js';
import type { Theme } from './theme.js';

export function TrashScreen(p: { view: View; table: TableState; width: number; height: number; theme: Theme }) {
  const rowsH = p.height - 2;
  const cur = cursorRow(p.table, p.view);
  const top = windowTop(p.table.top, cur, rowsH, p.view.rows.length);
  const { columns } = layoutColumns(p.width, p.view.rows.slice(top, top + rowsH), [], p.view.rows.length);
  return (
    <Box flexDirection="column" height={p.height}>
      <Text bold wrap="truncate-end">
        {`trash: ${p.view.rows.length} deleted run${p.view.rows.length === 1 ? '' : 's'}`}
      </Text>
      <RunsTable rows={p.view.rows} top={top} cursor={cur} height={rowsH} columns={columns} marks={p.table.marks} scalars={NO_SCALARS} sort={DEFAULT_SORT} theme={p.theme} now={0} differing={[]} hidden={{ left: 0, right: 0 }} />
    </Box>
  );
}
