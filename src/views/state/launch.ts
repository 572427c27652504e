// The launch screen: pick an operation, edit its flags in a form validated as you type (a list
// value makes a sweep), preview, confirm. Pure; loading and starting are effects.
import type { Key } from 'ink';
import { decodeCliFlag } from '../../engine/flags.js';
import type { FlagDef, OperationDef } from '../../engine/plan-types.js';
import { formatFlagValue } from '../../store/flagfmt.js';
import type { YamlValue } from '../../store/types.js';
import { launchKeymap, lookup, type LaunchAction } from '../keymap.js';
import { pop, queue, replaceTop, unreachable, type AppState } from './core.js';
import { editInput, textInput, type TextInput } from './text-input.js';

/** Where a launched run executes: here (`''`), Slurm (`'slurm'`), or a remote by name. */
export interface LaunchTarget {
  id: string;
  label: string;
}

export const HERE: LaunchTarget = { id: '', label: 'here' };

export interface LaunchState {
  kind: 'launch';
  step: 'pick' | 'form' | 'preview';
  /** null while loading. */
  ops: OperationDef[] | null;
  sel: number;
  opspec: string | null;
  /** The project the operation is in, when it is not the dashboard's (a rerun's: the run's). */
  cwd: string | null;
  /** The run a restart form runs again in its own directory (`grun run --restart`); null: a new run. */
  restart: string | null;
  defs: FlagDef[] | null;
  /** Raw text per flag, as typed. */
  values: string[];
  field: number;
  /** The text cursor in the focused field's value. */
  cursor: number;
  preview: string[] | null;
  /** Where the run can go (Tab in the preview picks); the first is here. */
  targets: LaunchTarget[];
  target: number;
  error: string | null;
  busy: boolean;
}

export const newLaunch = (): LaunchState => ({
  kind: 'launch', step: 'pick', ops: null, sel: 0, opspec: null, cwd: null, restart: null, defs: null, values: [], field: 0, cursor: 0, preview: null,
  targets: [HERE], target: 0, error: null, busy: true,
});

/** A default as one would type it on the command line (`0.0` for Python floats, yes/no). */
export const rawValue = (v: YamlValue, isFloat = false): string => (v === null ? '' : formatFlagValue(v, { float: isFloat }));

export interface FieldCheck {
  error: string | null;
  /** Runs this value asks for (a list value is a sweep). */
  sweep: number | null;
}

export function checkField(def: FlagDef, raw: string): FieldCheck {
  if (raw.trim() === '') return { error: def.required ? `${def.name} is required` : null, sweep: null };
  try {
    const d = decodeCliFlag(def.name, raw, def);
    return { error: null, sweep: d.sweep?.kind === 'list' ? d.sweep.values.length : d.sweep ? -1 : null };
  } catch (e) {
    return { error: (e as Error).message, sweep: null };
  }
}

/**
 * `name=value` for every flag changed from its default: what `grun run` would be given; for a
 * restart every flag (a restart keeps the run's own values unless given, a default included).
 */
export function flagArgs(l: LaunchState): string[] {
  return (l.defs ?? []).flatMap((d, i) => {
    const raw = l.values[i] ?? '';
    return (l.restart !== null || raw !== rawValue(d.default, d.defaultIsFloat)) && raw.trim() !== '' ? [`${d.name}=${raw}`] : [];
  });
}

/** The project of a form filled from a run (and the run a restart runs again), for the effects that plan and start it. */
const inProject = (l: LaunchState): { cwd?: string; restart?: string } => ({
  ...(l.cwd !== null ? { cwd: l.cwd } : {}),
  ...(l.restart !== null ? { restart: l.restart } : {}),
});

/** Flags a user edits (dependency flags like `operation:prepare` are resolved by the engine). */
export const editableDefs = (defs: FlagDef[]): FlagDef[] => defs.filter((d) => !d.name.includes(':'));

/** The focused field's value as a text input. */
export const fieldInput = (l: LaunchState): TextInput => ({ text: l.values[l.field] ?? '', cursor: l.cursor });

/** `l` with `patch` (from a launch effect or a key); a new field or new values put the cursor at the end of its value. */
export function patchLaunch(l: LaunchState, patch: Partial<LaunchState>): LaunchState {
  const next = { ...l, ...patch };
  return 'cursor' in patch || (!('values' in patch) && !('field' in patch)) ? next : { ...next, cursor: textInput(next.values[next.field] ?? '').cursor };
}

export function onLaunchKey(s: AppState, l: LaunchState, name: string, input: string, key: Key): AppState {
  const b = lookup(launchKeymap, name, s.readonly);
  const set = (patch: Partial<LaunchState>): AppState => replaceTop(s, patchLaunch(l, patch));
  const action = b?.action;
  if (action === 'help' || action === 'quit') return s; // the App's keys, taken before
  if (l.busy && action !== 'back') return s;
  switch (l.step) {
    case 'pick': return onPick(s, l, action, set);
    case 'preview': return onPreview(s, l, action, set);
    case 'form': return onForm(s, l, action, set, name, input, key);
    default: return unreachable(l.step);
  }
}

type Act = Exclude<LaunchAction, 'help' | 'quit'> | undefined;
type Set = (patch: Partial<LaunchState>) => AppState;

function onPick(s: AppState, l: LaunchState, action: Act, set: Set): AppState {
  const n = l.ops?.length ?? 0;
  switch (action) {
    case 'up': case 'prev': return set({ sel: Math.max(0, l.sel - 1) });
    case 'down': case 'next': return set({ sel: Math.min(Math.max(0, n - 1), l.sel + 1) });
    case 'back': return pop(s);
    case 'accept': {
      const op = l.ops?.[l.sel];
      return op ? queue(set({ opspec: op.name, busy: true, error: null }), { kind: 'launchDefs', opspec: op.name }) : s;
    }
    case undefined: return s;
    default: return unreachable(action);
  }
}

function onPreview(s: AppState, l: LaunchState, action: Act, set: Set): AppState {
  const n = l.targets.length;
  switch (action) {
    case 'back': return set({ step: 'form', preview: null, error: null });
    case 'accept':
      return queue(set({ busy: true }), { kind: 'launchStart', opspec: l.opspec!, flagArgs: flagArgs(l), target: l.targets[l.target]?.id ?? '', ...inProject(l) });
    case 'next': return set({ target: (l.target + 1) % n, error: null });
    case 'prev': return set({ target: (l.target + n - 1) % n, error: null });
    case 'up': case 'down': case undefined: return s;
    default: return unreachable(action);
  }
}

function onForm(s: AppState, l: LaunchState, action: Act, set: Set, name: string, input: string, key: Key): AppState {
  const defs = editableDefs(l.defs ?? []);
  switch (action) {
    case 'up': case 'prev': return set({ field: Math.max(0, l.field - 1) });
    case 'down': case 'next': return set({ field: Math.min(Math.max(0, defs.length - 1), l.field + 1) });
    // a form filled from a run (no operation list behind it) goes back to the runs
    case 'back': return l.ops === null ? pop(s) : set({ step: 'pick', defs: null, values: [], field: 0, error: null });
    case 'accept': {
      const bad = defs.map((d, i) => checkField(d, l.values[i] ?? '')).find((c) => c.error);
      if (bad) return set({ error: bad.error });
      return queue(set({ busy: true, error: null }), { kind: 'launchPreview', opspec: l.opspec!, flagArgs: flagArgs({ ...l, defs }), ...inProject(l) });
    }
    case undefined: break;
    default: return unreachable(action);
  }
  if (defs.length === 0) return s;
  const next = editInput(fieldInput(l), name, input, key);
  if (next === null) return s;
  const values = [...l.values];
  values[l.field] = next.text;
  return set({ values, cursor: next.cursor, error: null });
}
