// Keybindings as data: one table per screen. The same tables drive dispatch (`lookup`) and
// the `?` help screen and the status line hints, so help never drifts from behaviour.
import type { Key } from 'ink';

export interface Binding<A extends string = string> {
  /** Key names as `keyName` returns them. The first one is shown in help. */
  keys: readonly string[];
  action: A;
  help: string;
  /** Changes something (a run, the home): hidden and disabled in read-only mode. */
  mutating?: boolean;
  /** Shown in the status line's context keys. */
  hint?: string;
  /** The hint is left out where the hints would not fit (80 columns). */
  minorHint?: boolean;
}

export type Keymap<A extends string = string> = readonly Binding<A>[];

/** A stable name for a key press: `up`, `pagedown`, `enter`, `esc`, `ctrl+c`, `space`, `a`, `A`. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  return input;
}

const CONTROL_KEYS: Record<string, Partial<Key>> = {
  '\r': { return: true },
  '\n': { return: true },
  '\t': { tab: true },
  '\x7f': { backspace: true },
  '\b': { backspace: true },
};

/**
 * Splits a chunk of typed characters (a paste, fast typing, `tmux send-keys`) into one event
 * per character; Enter, Tab and Backspace inside the chunk become their keys again.
 */
export function splitInput(input: string, key: Key): [string, Key][] {
  // Esc then a key within the terminal's escape time reads as Alt+key: take it as both keys
  if (key.meta && !key.escape && !key.ctrl && [...input].length === 1 && input >= ' ') {
    return [['', { ...key, meta: true, escape: true }], [input, { ...key, meta: false }]];
  }
  if (input.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  return [...input].map((ch): [string, Key] => {
    const control = CONTROL_KEYS[ch];
    if (control) return ['', { ...key, shift: false, ...control }];
    return [ch, { ...key, shift: ch !== ch.toLowerCase() }];
  });
}

export function lookup<A extends string>(map: Keymap<A>, name: string, readonly: boolean): Binding<A> | undefined {
  return map.find((b) => b.keys.includes(name) && !(readonly && b.mutating));
}

/** Bindings a user can use in this mode (help and hints). */
export const usable = <A extends string>(map: Keymap<A>, readonly: boolean): Binding<A>[] =>
  map.filter((b) => !(readonly && b.mutating));

const KEY_LABEL: Record<string, string> = {
  up: '↑', down: '↓', left: '←', right: '→', pageup: 'PgUp', pagedown: 'PgDn', home: 'Home',
  end: 'End', enter: 'Enter', esc: 'Esc', space: 'Space', tab: 'Tab', 'shift+tab': 'S-Tab',
  backspace: 'Bksp', delete: 'Del',
};
export const keyLabel = (k: string): string => KEY_LABEL[k] ?? k;

const nav = {
  up: { keys: ['up', 'k'], action: 'up', help: 'move up' },
  down: { keys: ['down', 'j'], action: 'down', help: 'move down' },
  pageUp: { keys: ['pageup', 'ctrl+u'], action: 'pageUp', help: 'page up' },
  pageDown: { keys: ['pagedown', 'ctrl+d'], action: 'pageDown', help: 'page down' },
  top: { keys: ['home', 'g'], action: 'top', help: 'first row' },
  bottom: { keys: ['end', 'G'], action: 'bottom', help: 'last row' },
} as const;

export type RunsAction =
  | 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'open' | 'expand' | 'collapse'
  | 'mark' | 'markAll' | 'clear' | 'filter' | 'statusFilter' | 'sort' | 'reverse' | 'stop'
  | 'delete' | 'undo' | 'trash' | 'label' | 'tag' | 'comment' | 'guildMark' | 'attach'
  | 'compare' | 'launch' | 'command' | 'help' | 'reload' | 'quit' | 'scrollLeft' | 'scrollRight'
  | 'chooseColumns' | 'flat' | 'copyId' | 'shell' | 'rerun' | 'restart';

export const runsKeymap: Keymap<RunsAction> = [
  nav.up, nav.down, nav.pageUp, nav.pageDown, nav.top, nav.bottom,
  { keys: ['enter'], action: 'open', help: 'open the run (overview, flags, scalars, output, files)', hint: 'open' },
  { keys: ['+'], action: 'expand', help: 'expand a sweep/batch (show its trials)' },
  { keys: ['-'], action: 'collapse', help: 'collapse a sweep/batch' },
  { keys: ['right', 'l'], action: 'scrollRight', help: 'scroll the columns right, one at a time (#, id and status stay)' },
  { keys: ['left', 'h'], action: 'scrollLeft', help: 'scroll the columns left' },
  { keys: ['space'], action: 'mark', help: 'mark/unmark the row (actions apply to marked runs)', hint: 'mark' },
  { keys: ['A'], action: 'markAll', help: 'mark every run shown' },
  { keys: ['esc'], action: 'clear', help: 'clear marks, then the filter' },
  { keys: ['/'], action: 'filter', help: 'filter: text matches op, label, tags, id; or an expression (loss < 0.1 and lr in [0.1, 0.01])', hint: 'filter' },
  { keys: ['f'], action: 'statusFilter', help: 'cycle status filter: all, running, completed, error, terminated, pending/staged' },
  { keys: ['s'], action: 'sort', help: 'sort by the next column shown, left to right (a metric: best first when its objective is known)', hint: 'sort' },
  { keys: ['S'], action: 'reverse', help: 'reverse the sort' },
  { keys: ['C'], action: 'chooseColumns', help: 'choose columns: every flag, attribute and scalar of the runs listed (Space toggles)', hint: 'cols', minorHint: true },
  { keys: ['y'], action: 'copyId', help: 'copy the run id to the clipboard (OSC 52: works over SSH, and in tmux with set-clipboard on)' },
  { keys: ['o'], action: 'shell', help: 'open a shell ($SHELL) in the run directory; exit it to come back' },
  { keys: ['v'], action: 'flat', help: 'flat view: rank every run and trial by the sort column (again: the tree of sweeps)' },
  { keys: ['x'], action: 'stop', help: 'stop the marked runs (or the cursor run)', mutating: true, hint: 'stop' },
  { keys: ['d'], action: 'delete', help: 'delete the marked runs (or the cursor run) to the trash', mutating: true, hint: 'del' },
  { keys: ['u'], action: 'undo', help: 'undo the last delete', mutating: true },
  { keys: ['T'], action: 'trash', help: 'trash: restore or purge deleted runs' },
  { keys: ['L'], action: 'label', help: 'set the label', mutating: true },
  { keys: ['t'], action: 'tag', help: 'edit tags (+tag adds, -tag removes)', mutating: true },
  { keys: ['n'], action: 'comment', help: 'add a comment', mutating: true },
  { keys: ['m'], action: 'guildMark', help: "toggle Guild's marked flag (★)", mutating: true },
  { keys: ['w'], action: 'attach', help: 'attach: full-screen live output (leaving never stops the run)' },
  { keys: ['c'], action: 'compare', help: 'compare the marked runs (a sweep: its trials)', hint: 'compare' },
  { keys: ['r'], action: 'launch', help: 'launch a run (pick an operation, edit flags)', mutating: true, hint: 'run' },
  { keys: ['R'], action: 'rerun', help: "rerun: the launch form filled from the cursor run (its operation and flags; grun run --rerun)", mutating: true },
  { keys: ['e'], action: 'restart', help: 'restart: the launch form filled from the cursor run; Enter runs it again in its own directory (a sweep: its failed trials; grun run --restart)', mutating: true },
  { keys: [':'], action: 'command', help: 'command line (:sort loss, :cols =lr,loss,min val_loss,.host, :filter …; Up/Down recall)' },
  { keys: ['ctrl+r'], action: 'reload', help: 'reload every run from disk' },
  { keys: ['?'], action: 'help', help: 'this help', hint: 'help' },
  { keys: ['q', 'ctrl+c'], action: 'quit', help: 'quit', hint: 'quit' },
];

export type DetailAction =
  | 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'nextTab' | 'prevTab'
  | 'tab1' | 'tab2' | 'tab3' | 'tab4' | 'tab5' | 'open' | 'stop' | 'attach' | 'log' | 'xAxis' | 'search' | 'next' | 'prev' | 'copyId' | 'shell'
  | 'back' | 'help' | 'quit';

export const detailKeymap: Keymap<DetailAction> = [
  nav.up, nav.down, nav.pageUp, nav.pageDown, nav.top,
  { keys: ['end', 'G'], action: 'bottom', help: 'last line; in output, follow new lines', hint: 'follow' },
  { keys: ['tab', 'right', ']'], action: 'nextTab', help: 'next tab', hint: 'tab' },
  { keys: ['shift+tab', 'left', '['], action: 'prevTab', help: 'previous tab' },
  { keys: ['1'], action: 'tab1', help: 'overview' },
  { keys: ['2'], action: 'tab2', help: 'flags' },
  { keys: ['3'], action: 'tab3', help: 'scalars (plot of the selected one)' },
  { keys: ['4'], action: 'tab4', help: 'output' },
  { keys: ['5'], action: 'tab5', help: 'files' },
  { keys: ['enter'], action: 'open', help: 'view the selected file' },
  { keys: ['L'], action: 'log', help: 'scalars: plot y on a log scale (again: linear)' },
  { keys: ['X'], action: 'xAxis', help: 'scalars: plot against the step, or the time since the first point' },
  { keys: ['/'], action: 'search', help: 'output: search the whole output (a capital letter: case matters)' },
  { keys: ['y'], action: 'copyId', help: 'copy the run id to the clipboard (OSC 52)' },
  { keys: ['o'], action: 'shell', help: 'a shell ($SHELL) in the run directory; in files, the file in $EDITOR or $PAGER' },
  { keys: ['n'], action: 'next', help: 'output: next line holding the search' },
  { keys: ['N'], action: 'prev', help: 'output: previous line holding the search' },
  { keys: ['x'], action: 'stop', help: 'stop this run', mutating: true, hint: 'stop' },
  { keys: ['w'], action: 'attach', help: 'attach to the live output' },
  { keys: ['esc', 'q', 'backspace'], action: 'back', help: 'back', hint: 'back' },
  { keys: ['?'], action: 'help', help: 'this help' },
  { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
];

export type PagerAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'search' | 'next' | 'prev' | 'back' | 'help' | 'quit';

/** Attach and file views: a scrolling pager. */
export const pagerKeymap: Keymap<PagerAction> = [
  nav.up, nav.down, nav.pageUp, nav.pageDown, { ...nav.top, help: 'first line of the whole output' },
  { keys: ['/'], action: 'search', help: 'attach: search the whole output (a capital letter: case matters)', hint: 'search' },
  { keys: ['n'], action: 'next', help: 'attach: next line holding the search' },
  { keys: ['N'], action: 'prev', help: 'attach: previous line holding the search' },
  { keys: ['end', 'G'], action: 'bottom', help: 'last line and follow new lines', hint: 'follow' },
  { keys: ['esc', 'q', 'backspace'], action: 'back', help: 'back (the run keeps running)', hint: 'back' },
  { keys: ['?'], action: 'help', help: 'this help' },
  { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
];

export type TrashAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'mark' | 'restore' | 'purge' | 'back' | 'help' | 'quit';

export const trashKeymap: Keymap<TrashAction> = [
  nav.up, nav.down, nav.pageUp, nav.pageDown, nav.top, nav.bottom,
  { keys: ['space'], action: 'mark', help: 'mark/unmark', hint: 'mark' },
  { keys: ['r', 'u'], action: 'restore', help: 'restore the marked runs (or the cursor run)', mutating: true, hint: 'restore' },
  { keys: ['P'], action: 'purge', help: 'purge for good (asks you to type the word)', mutating: true, hint: 'purge' },
  { keys: ['esc', 'q'], action: 'back', help: 'back', hint: 'back' },
  { keys: ['?'], action: 'help', help: 'this help' },
  { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
];

export type CompareAction =
  | 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'changed' | 'export' | 'plot' | 'log' | 'xAxis' | 'groups'
  | 'back' | 'help' | 'quit';

export const compareKeymap: Keymap<CompareAction> = [
  { ...nav.up, help: 'move up; in the plot, the previous scalar' },
  { ...nav.down, help: 'move down; in the plot, the next scalar', hint: 'scalar', minorHint: true },
  nav.pageUp, nav.pageDown, nav.top, nav.bottom,
  { keys: ['p'], action: 'plot', help: 'plot one scalar of every run overlaid (again: the table)', hint: 'plot' },
  { keys: ['L'], action: 'log', help: 'plot: log scale for y (again: linear)', hint: 'log' },
  { keys: ['X'], action: 'xAxis', help: 'plot: x is the step, or the time since each run began' },
  { keys: ['b'], action: 'groups', help: 'seed groups: runs sharing every flag but the seed as one (mean ± std, n; plot: mean and min–max band)', hint: 'seeds', minorHint: true },
  { keys: ['u'], action: 'changed', help: 'show only rows that differ', hint: 'only changed', minorHint: true },
  { keys: ['e'], action: 'export', help: 'export the comparison to CSV', hint: 'csv' },
  { keys: ['esc', 'q'], action: 'back', help: 'back', hint: 'back' },
  { keys: ['?'], action: 'help', help: 'this help' },
  { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
];

export type HelpAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'back' | 'quit';

export const helpKeymap: Keymap<HelpAction> = [
  nav.up, nav.down, nav.pageUp, nav.pageDown,
  { keys: ['esc', 'q', '?', 'enter'], action: 'back', help: 'close help', hint: 'close' },
  { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
];

export type LaunchAction = 'up' | 'down' | 'next' | 'prev' | 'accept' | 'back' | 'help' | 'quit';

/**
 * Launch: flag values are typed in place, so only non-printing keys act, and `?`: it opens this
 * help in every step, as on every other screen (a flag value with a `?` in it is given to
 * `grun run` on the command line). ← → Home End move in the value being typed.
 */
export const launchKeymap: Keymap<LaunchAction> = [
  { keys: ['up'], action: 'up', help: 'previous operation / flag' },
  { keys: ['down'], action: 'down', help: 'next operation / flag' },
  { keys: ['tab'], action: 'next', help: 'next flag; in the preview, where the run executes (here, Slurm, a remote)' },
  { keys: ['shift+tab'], action: 'prev', help: 'previous flag; in the preview, where the run executes' },
  { keys: ['enter'], action: 'accept', help: 'pick the operation; in the form, preview the run; in the preview, start it', hint: 'next step', mutating: true },
  { keys: ['esc'], action: 'back', help: 'back a step (the form keeps its values)', hint: 'back' },
  { keys: ['?'], action: 'help', help: 'this help (a flag value with ? in it: use grun run)', hint: 'help' },
  { keys: ['ctrl+c'], action: 'quit', help: 'quit' },
];

export type ColumnsAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'toggle' | 'close';

/** The column chooser: a checkbox per flag, attribute and scalar. */
export const columnsKeymap: Keymap<ColumnsAction> = [
  nav.up, nav.down, nav.pageUp, nav.pageDown, nav.top, nav.bottom,
  { keys: ['space'], action: 'toggle', help: 'show/hide the column' },
  { keys: ['enter', 'esc', 'q', 'C'], action: 'close', help: 'close' },
];

export type ConfirmAction = 'yes' | 'no';

/** A yes/no question naming what it acts on. */
export const confirmKeymap: Keymap<ConfirmAction> = [
  { keys: ['enter', 'y'], action: 'yes', help: 'yes' },
  { keys: ['esc', 'n', 'ctrl+c'], action: 'no', help: 'no' },
];

export type PromptAction = 'submit' | 'cancel' | 'older' | 'newer';

/** One line of text (filter bar, prompts, typed confirmation, command line); other keys edit it. */
export const promptKeymap: Keymap<PromptAction> = [
  { keys: ['enter'], action: 'submit', help: 'done' },
  { keys: ['esc', 'ctrl+c'], action: 'cancel', help: 'cancel' },
  { keys: ['up'], action: 'older', help: 'an older command line' },
  { keys: ['down'], action: 'newer', help: 'a newer command line' },
];
