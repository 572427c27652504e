// The dashboard's state as a whole: the screen stack, the dialog over it, the status message and
// the effects queued for the App; and the small steps every screen's reducer takes on it. Pure.
import type { Run } from '../../store/types.js';
import { shortId } from '../format.js';
import type { ColumnChooser } from './column-chooser.js';
import type { ColumnSpec } from './column-spec.js';
import type { CompareScreen } from './compare.js';
import type { DetailScreen } from './detail.js';
import type { Effect } from './effects.js';
import type { HelpScreen } from './help.js';
import type { LaunchState } from './launch.js';
import type { PagerScreen } from './pager.js';
import type { ConfirmDialog, TypedDialog } from './confirm.js';
import type { PromptDialog } from './prompt.js';
import type { ScrollMetrics } from './scroll.js';
import type { TableState } from './table.js';
import type { TextInput } from './text-input.js';
import type { ScalarLookup, Sort, StatusQuick } from './view.js';

export type Screen = { kind: 'runs' } | DetailScreen | PagerScreen | CompareScreen | { kind: 'trash' } | HelpScreen | LaunchState;
export type ScreenKind = Screen['kind'];

export type Dialog = ConfirmDialog | TypedDialog | PromptDialog | ColumnChooser;

export interface Message {
  text: string;
  error: boolean;
  /** Which message this is: the App clears it after a while unless another took its place. */
  seq: number;
}

export interface AppState {
  readonly: boolean;
  runs: Run[];
  trash: Run[];
  /**
   * null once every run is listed; otherwise runs loaded so far and, while the newest runs stand
   * for all until the full check ends (a warm start), how many runs there are.
   */
  loading: { loaded: number; total?: number } | null;
  screens: Screen[];
  table: TableState;
  trashTable: TableState;
  filter: string;
  /** The filter being typed (live), or null when the filter bar is closed. */
  draft: TextInput | null;
  status: StatusQuick;
  sort: Sort;
  expanded: ReadonlySet<string>;
  /** Chosen extra columns (flags, attributes, scalars); null means automatic (the common scalars). */
  columns: ColumnSpec[] | null;
  /** Columns of the runs table scrolled out on the left (past the pinned ones). */
  hscroll: number;
  /** The flat view: every run and trial ranked together, no folding. */
  flat: boolean;
  dialog: Dialog | null;
  message: Message | null;
  effects: { seq: number; effect: Effect }[];
  seq: number;
  /** Ids moved to the trash by the last delete, for `u`. */
  lastDeleted: string[] | null;
  /** `:` command lines run this session, oldest first (Up and Down recall them). */
  history: string[];
}

/** What a key handler needs from outside the state, read from the layout at dispatch time. */
export interface KeyContext {
  scalars: ScalarLookup;
  /** The current screen's scrolling: rows of a table, lines or items of any other screen. */
  metrics: ScrollMetrics;
  /** Sort keys of the runs table's visible columns, left to right (`s` cycles through them). */
  sortKeys: readonly string[];
  /** The runs table's extra columns as shown (chosen or automatic) and how far it scrolls sideways. */
  columns: { extras: readonly ColumnSpec[]; maxScroll: number };
}

export const top = (s: AppState): Screen => s.screens[s.screens.length - 1]!;
export const replaceTop = (s: AppState, screen: Screen): AppState => ({ ...s, screens: [...s.screens.slice(0, -1), screen] });
export const push = (s: AppState, screen: Screen): AppState => ({ ...s, screens: [...s.screens, screen] });
export const pop = (s: AppState): AppState => (s.screens.length > 1 ? { ...s, screens: s.screens.slice(0, -1) } : s);
export const say = (s: AppState, text: string, error = false): AppState => ({ ...s, seq: s.seq + 1, message: { text, error, seq: s.seq + 1 } });
export const queue = (s: AppState, effect: Effect): AppState => ({ ...s, seq: s.seq + 1, effects: [...s.effects, { seq: s.seq + 1, effect }] });

export const runLine = (r: Run): string => `${shortId(r.id)}  ${r.operation}  ${r.status}${r.label ? `  ${r.label}` : ''}`;

/** For an exhaustive switch: a value the types say cannot exist. */
export function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
