// The launch screen: pick an operation, edit its flags in a form validated as you type (a list
// value makes a sweep), preview, confirm. Pure; loading and starting are effects.
import { decodeCliFlag } from '../../engine/flags.js';
import type { FlagDef, OperationDef } from '../../engine/plan-types.js';
import { formatFlagValue } from '../../store/flagfmt.js';
import type { YamlValue } from '../../store/types.js';

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
  defs: FlagDef[] | null;
  /** Raw text per flag, as typed. */
  values: string[];
  field: number;
  preview: string[] | null;
  /** Where the run can go (Tab in the preview picks); the first is here. */
  targets: LaunchTarget[];
  target: number;
  error: string | null;
  busy: boolean;
}

export const newLaunch = (): LaunchState => ({
  kind: 'launch', step: 'pick', ops: null, sel: 0, opspec: null, defs: null, values: [], field: 0, preview: null,
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

/** `name=value` for every flag changed from its default: what `grun run` would be given. */
export function flagArgs(l: LaunchState): string[] {
  return (l.defs ?? []).flatMap((d, i) => {
    const raw = l.values[i] ?? '';
    return raw !== rawValue(d.default, d.defaultIsFloat) && raw.trim() !== '' ? [`${d.name}=${raw}`] : [];
  });
}

/** Flags a user edits (dependency flags like `operation:prepare` are resolved by the engine). */
export const editableDefs = (defs: FlagDef[]): FlagDef[] => defs.filter((d) => !d.name.includes(':'));
