// What the reducers ask the App to do: each effect is run by src/views/hooks/actions.ts through
// the store and the engine, and reports back by a message or an action.
import type { SavedView } from '../../store/ui-views.js';

export type Effect =
  | { kind: 'quit' }
  | { kind: 'reload' }
  | { kind: 'stop'; ids: string[] }
  | { kind: 'delete'; ids: string[]; stopFirst: boolean }
  | { kind: 'restore'; ids: string[]; undo: boolean }
  | { kind: 'purge'; ids: string[] }
  | { kind: 'label'; ids: string[]; label: string }
  | { kind: 'tags'; ids: string[]; add: string[]; remove: string[] }
  | { kind: 'comment'; ids: string[]; body: string }
  | { kind: 'guildMark'; ids: string[]; on: boolean }
  | { kind: 'exportCsv'; ids: string[]; path: string }
  | { kind: 'searchOutput'; id: string; query: string; from: number; dir: 1 | -1 }
  | { kind: 'saveView'; name: string; view: SavedView }
  | { kind: 'loadView'; name: string }
  | { kind: 'listViews' }
  /** Text to the terminal's clipboard (OSC 52). */
  | { kind: 'copy'; text: string }
  /** A shell in the run's directory, or a file of it in the editor or pager (engine/external.ts). */
  | { kind: 'external'; id: string; file: string | null }
  | { kind: 'launchOps' }
  | { kind: 'launchDefs'; opspec: string }
  /** The form filled from a run: its project, operation and flags (`grun run --rerun`). */
  | { kind: 'launchFrom'; id: string; restart: boolean }
  | { kind: 'launchPreview'; opspec: string; flagArgs: string[]; cwd?: string; restart?: string }
  | { kind: 'launchStart'; opspec: string; flagArgs: string[]; target: string; cwd?: string; restart?: string };
