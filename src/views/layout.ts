// Where each screen's lines go, from the body height the App gives it and the content it shows:
// the screens draw with these numbers and the reducers scroll with the same ones (read when a key
// arrives), so scrolling never depends on what a child last rendered. Pure.
import type { OutputLine } from '../store/output.js';
import type { RunFileEntry } from '../store/run-files.js';
import type { ScalarPoint, ScalarSummary } from '../store/types.js';
import type { CompareRow } from './compare-model.js';
import type { Screen } from './state/core.js';
import type { ScrollMetrics } from './state/scroll.js';

export interface OutputView {
  /** Ended lines, then (while live) the line being written, as a terminal shows it so far. */
  lines: OutputLine[];
  /** Number of lines before `lines[0]` that were dropped (ring) or never read (tail). */
  first: number;
  /** Lines of the whole output (`lines` may be a window of them). */
  total: number;
}

/** What the current screen shows, loaded by `useScreenContent`. */
export type ScreenContent =
  | { kind: 'none' }
  /** Detail overview and flags, a file, help. */
  | { kind: 'lines'; lines: string[] }
  | { kind: 'scalars'; list: ScalarSummary[]; sel: number; key: string | undefined; series: ScalarPoint[] }
  | { kind: 'output'; view: OutputView }
  | { kind: 'files'; files: RunFileEntry[] }
  | { kind: 'compare'; rows: CompareRow[]; colW: number; heads: string[] }
  /** Compare's plot: the scalar names of the runs, the one shown, and each run's points of it. */
  | { kind: 'overlay'; keys: string[]; at: number; series: OverlaySeries[] };

export interface OverlaySeries {
  label: string;
  points: ScalarPoint[];
  /** A seed group's members' points (the band and the mean are made of them). */
  members?: ScalarPoint[][];
}

/** Lines above the body of each screen: the detail's title and tabs, a pager's or compare's title. */
export const DETAIL_CHROME = 2;
/** Lines above the runs table's rows: the title line and the column header. */
export const RUNS_CHROME = 2;
export const PAGER_CHROME = 1;
export const COMPARE_CHROME = 2;
export const HELP_CHROME = 1;

/** Rows of the detail's scalar list (its header not counted) in a tab `body` lines high. */
export function scalarListRows(n: number, body: number): number {
  return Math.min(n + 1, Math.max(3, Math.floor(body / 2.5))) - 1;
}

/** First item shown so that the selected one `sel` is in a window of `rows`. */
export const listStart = (sel: number, rows: number, n: number): number => Math.max(0, Math.min(sel - rows + 1, n - rows));

/** Scrolling of the screen on top, from its body height (`height`) and content. */
export function screenMetrics(screen: Screen, content: ScreenContent, height: number): ScrollMetrics {
  const body = (chrome: number) => Math.max(1, height - chrome);
  const lines = (n: number, page: number): ScrollMetrics => ({ count: Math.max(0, n - page + 1), pageSize: page });
  switch (content.kind) {
    case 'none':
      return { count: 0, pageSize: 1 };
    case 'lines': {
      const page = screen.kind === 'help' ? body(HELP_CHROME) : screen.kind === 'pager' ? body(PAGER_CHROME) : body(DETAIL_CHROME);
      // a file view scrolls as a pager (by its first line); the others by lines past the page
      return screen.kind === 'pager' ? { count: content.lines.length, pageSize: page } : lines(content.lines.length, page);
    }
    case 'scalars':
      return { count: content.list.length, pageSize: scalarListRows(content.list.length, body(DETAIL_CHROME)), at: content.sel };
    case 'output': {
      const page = screen.kind === 'pager' ? body(PAGER_CHROME) : body(DETAIL_CHROME);
      return { count: content.view.total, pageSize: page };
    }
    case 'files': {
      const f = screen.kind === 'detail' ? content.files[Math.min(screen.sel ?? 0, Math.max(0, content.files.length - 1))] : undefined;
      return { count: content.files.length, pageSize: body(DETAIL_CHROME), ...(f ? { selected: f.path } : {}) };
    }
    case 'compare':
      return lines(content.rows.length, body(COMPARE_CHROME));
    case 'overlay':
      return { count: content.keys.length, pageSize: 1, at: content.at };
  }
}
