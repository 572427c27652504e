// What the screen on top shows, loaded here rather than inside the screens, so that the App can
// lay it out (src/views/layout.ts) for both drawing and scrolling. Every hook runs on every
// render (React's rule); those for other screens get nothing to load and hold nothing.
import { scalarKey } from '../../store/scalars.js';
import type { Run, ScalarSummary } from '../../store/types.js';
import { compareGroupRows, compareRows, plotKeys } from '../compare-model.js';
import { shortId } from '../format.js';
import { seedGroups } from '../seed-groups.js';
import { flagLines, overviewLines, systemLines } from '../detail-lines.js';
import { helpLines } from '../HelpScreen.js';
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
  const runScalars = useRunScalars(tab === 'scalars' || tab === 'overview' ? run : undefined);
  const scalarList = runScalars.filter((s) => !s.tag.startsWith('sys/'));
  const sysSeries = useSeriesOf(tab === 'overview' && run ? [run] : NO_RUNS, () => runScalars.filter((s) => s.tag.startsWith('sys/')).map((s) => s.tag));
  const sel = Math.min(detail?.sel ?? firstPlotted(scalarList.map((s) => s.tag)), Math.max(0, scalarList.length - 1));
  const selected = scalarList[sel];
  const key = selected ? scalarKey(selected.prefix, selected.tag) : undefined;
  const series = useScalarSeries(tab === 'scalars' ? run : undefined, key);
  const wantsOutput = tab === 'output' || pager?.what === 'attach';
  const outputAt = detail?.tab === 'output' ? detail : pager?.what === 'attach' ? pager : null;
  const output = useOutput(wantsOutput ? run : undefined, run?.status === 'running', outputAt && !outputAt.follow ? outputAt.scroll : null);
  const files = useRunFiles(run, tab === 'files');
  const fileText = useFileText(pager?.what === 'file' ? run?.dir : undefined, pager?.file ?? null);

  const compared = screen.kind === 'compare' ? screen.ids.flatMap((id) => byId.get(id) ?? []) : NO_RUNS;
  const keysOf = (r: Run) => scalarsOf(r).filter((s) => !s.tag.startsWith('sys/')).map((s) => scalarKey(s.prefix, s.tag));
  const seriesOf = useSeriesOf(compared, keysOf);

  switch (screen.kind) {
    case 'detail':
      if (!run) return { kind: 'none' };
      switch (screen.tab) {
        case 'overview': return { kind: 'lines', lines: [...overviewLines(run, command), ...systemLines(runScalars, (t) => (sysSeries.get(`${run.id}\0${t}`) ?? []).map((p) => p.value))] };
        case 'flags': return { kind: 'lines', lines: flagLines(run) };
        case 'scalars': return { kind: 'scalars', list: scalarList, sel, key, series };
        case 'output': return { kind: 'output', view: output };
        case 'files': return { kind: 'files', files };
      }
      break;
    case 'pager':
      return screen.what === 'attach' ? { kind: 'output', view: output } : { kind: 'lines', lines: fileText };
    case 'compare': {
      const groups = screen.groups ? seedGroups(compared) : null;
      if (screen.plot) {
        const keys = plotKeys(compared, scalarsOf);
        const at = keys.length ? Math.min(screen.scalar ?? firstPlotted(keys), keys.length - 1) : 0;
        const pointsOf = (r: Run) => seriesOf.get(`${r.id}\0${keys[at]}`) ?? [];
        const series = groups
          ? groups.map((g) => ({ label: `${g.label} (${g.runs.length})`, points: [], members: g.runs.map(pointsOf) }))
          : compared.map((r) => ({ label: shortId(r.id), points: pointsOf(r) }));
        return { kind: 'overlay', keys, at, series };
      }
      const colW = compareColumnWidth(width, groups ? groups.length : compared.length);
      const rows = groups ? compareGroupRows(groups, scalarsOf) : compareRows(compared, scalarsOf, (r, k) => seriesOf.get(`${r.id}\0${k}`)?.map((p) => p.value), colW - 1);
      const heads = groups ? groups.map((g) => g.label) : compared.map((r) => shortId(r.id));
      return { kind: 'compare', rows: screen.onlyChanged ? rows.filter((r) => r.differs) : rows, colW, heads };
    }
    case 'help':
      return { kind: 'lines', lines: helpLines(keymapFor(screen.of), readonly) };
    case 'runs': case 'trash': case 'launch':
      return { kind: 'none' };
  }
  return { kind: 'none' };
}

/**
 * The first scalar worth a plot: not the `epoch` or `step` counters, and the run's own (not one
 * under a dependency's directory, `<prefix>#tag`) where there is one; else the first.
 */
function firstPlotted(keys: readonly string[]): number {
  const counter = (k: string) => /(^|[/#])(epoch|step)$/.test(k);
  const own = keys.findIndex((k) => !counter(k) && !k.includes('#'));
  return Math.max(0, own >= 0 ? own : keys.findIndex((k) => !counter(k)));
}
