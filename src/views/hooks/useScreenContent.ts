// What the screen on top shows, loaded here rather than inside the screens, so that the App can
// lay it out (src/views/layout.ts) for both drawing and scrolling. Every hook runs on every
// render (React's rule); those for other screens get nothing to load and hold nothing.
import { scalarKey } from '../../store/scalars.js';
import type { Run, ScalarSummary } from '../../store/types.js';
import { compareRows } from '../compare-model.js';
import { flagLines, overviewLines } from '../detail-lines.js';
import { helpLines } from '../HelpScreen.js';
import { searchLines } from '../search-progress.js';
import type { ScreenContent } from '../layout.js';
import { keymapFor } from '../state/app.js';
import type { Screen } from '../state/core.js';
import { useFileText, useOutput, useRunCommand, useRunFiles, useRunScalars, useScalarSeries, useSeriesOf } from './useRunData.js';

const NO_RUNS: readonly Run[] = [];

/** Width of each run's column in compare (the name column is 20 wide). */
const compareColumnWidth = (width: number, runs: number): number =>
  Math.max(8, Math.min(20, Math.floor((width - 22) / Math.max(1, runs)) - 1));

export function useScreenContent(
  screen: Screen,
  byId: ReadonlyMap<string, Run>,
  scalarsOf: (r: Run) => readonly ScalarSummary[],
  width: number,
  readonly: boolean,
): ScreenContent {
  const detail = screen.kind === 'detail' ? screen : null;
  const pager = screen.kind === 'pager' ? screen : null;
  const run = detail || pager ? byId.get((detail ?? pager)!.id) : undefined;
  const tab = detail?.tab;

  const command = useRunCommand(tab === 'overview' ? run : undefined);
  const scalarList = useRunScalars(tab === 'scalars' ? run : undefined).filter((s) => !s.tag.startsWith('sys/'));
  const sel = Math.min(detail?.sel ?? 0, Math.max(0, scalarList.length - 1));
  const selected = scalarList[sel];
  const key = selected ? scalarKey(selected.prefix, selected.tag) : undefined;
  const series = useScalarSeries(tab === 'scalars' ? run : undefined, key);
  const wantsOutput = tab === 'output' || pager?.what === 'attach';
  const output = useOutput(wantsOutput ? run : undefined, run?.status === 'running');
  const files = useRunFiles(run, tab === 'files');
  const fileText = useFileText(pager?.what === 'file' ? run?.dir : undefined, pager?.file ?? null);

  const compared = screen.kind === 'compare' ? screen.ids.flatMap((id) => byId.get(id) ?? []) : NO_RUNS;
  const keysOf = (r: Run) => scalarsOf(r).filter((s) => !s.tag.startsWith('sys/')).map((s) => scalarKey(s.prefix, s.tag));
  const seriesOf = useSeriesOf(compared, keysOf);

  switch (screen.kind) {
    case 'detail':
      if (!run) return { kind: 'none' };
      switch (screen.tab) {
        case 'overview': {
          const trials = run.search ? [...byId.values()].filter((r) => r.parent === run.id) : NO_RUNS;
          return { kind: 'lines', lines: [...overviewLines(run, command), ...searchLines(run, trials)] };
        }
        case 'flags': return { kind: 'lines', lines: flagLines(run) };
        case 'scalars': return { kind: 'scalars', list: scalarList, sel, key, series };
        case 'output': return { kind: 'output', view: output };
        case 'files': return { kind: 'files', files };
      }
      break;
    case 'pager':
      return screen.what === 'attach' ? { kind: 'output', view: output } : { kind: 'lines', lines: fileText };
    case 'compare': {
      const colW = compareColumnWidth(width, compared.length);
      const rows = compareRows(compared, scalarsOf, (r, k) => seriesOf.get(`${r.id}\0${k}`), colW - 1);
      return { kind: 'compare', rows: screen.onlyChanged ? rows.filter((r) => r.differs) : rows, colW };
    }
    case 'help':
      return { kind: 'lines', lines: helpLines(keymapFor(screen.of), readonly) };
    case 'runs': case 'trash': case 'launch':
      return { kind: 'none' };
  }
  return { kind: 'none' };
}
