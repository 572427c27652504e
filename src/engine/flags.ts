// Flag values from the command line: `name=value` decoding as Guild's `flag_util`, with a
// declared type taking precedence, validation against the definitions, and sweep markers for
// list values and flag functions (expanded later by the sweeps engine).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GrunError } from '../store/errors.js';
import { decodeFlagValue } from '../store/flagfmt.js';
import { shlexSplit } from '../store/opref.js';
import type { YamlValue } from '../store/types.js';
import { isMarkedFloat, markFloat } from '../store/yaml11.js';
import { Refusal } from './refusal.js';
import type { FlagChoice, FlagDef, FlagType, RunPlan, SweepSpec } from './plan-types.js';

/** Flag functions grun recognises (Guild's sequence functions and search dimensions). */
const FLAG_FUNCTIONS = new Set([
  'range',
  'linspace',
  'logspace',
  'geomspace',
  'uniform',
  'loguniform',
]);
const FLAG_TYPES = new Set<string>([
  'int',
  'float',
  'number',
  'string',
  'boolean',
  'path',
  'existing-path',
  'auto',
]);

export function isFlagType(s: string): s is FlagType {
  return FLAG_TYPES.has(s);
}

/** `name=value` → [name, raw value]. */
export function splitFlagArg(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new GrunError(`invalid flag argument '${arg}': expected NAME=VALUE`);
  return [arg.slice(0, eq), arg.slice(eq + 1)];
}

/** Top-level comma split of a list body, honouring quotes and nested brackets. */
function splitTopLevel(body: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (const c of body) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === sep && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

/**
 * The text a typed flag's value is read from. Guild tries the type's own conversion first and,
 * when that fails, decodes the value as YAML and converts the result: so a quoted `'yes'` or
 * `"0.5"` gives `yes` / `0.5` for a string or number flag, never the quotes themselves.
 */
function typedText(raw: string): string {
  const t = raw.trim();
  if (t[0] !== "'" && t[0] !== '"') return raw;
  const v = decodeFlagValue(t);
  return typeof v === 'string' ? v : raw;
}

/**
 * A flag function or list in a raw value: `uniform[0:1]`, `[1e-4:1e-1]` (anonymous, name ''),
 * `[0.1,0.2]`, `[1]*3`. Returns null for a plain value.
 */
export function parseSweepSyntax(raw: string): { kind: 'list'; items: string[] } | { kind: 'function'; name: string; args: string[] } | null {
  const s = raw.trim();
  const repeat = /^(\[.*\])\s*\*\s*(\d+)$/.exec(s);
  if (repeat) {
    const inner = parseSweepSyntax(repeat[1]!);
    if (inner?.kind === 'list') {
      const n = Number(repeat[2]);
      return { kind: 'list', items: Array.from({ length: n }, () => inner.items).flat() };
    }
  }
  const fn = /^([A-Za-z_][\w.-]*)?\[(.*)\]$/.exec(s);
  if (!fn) return null;
  const name = fn[1] ?? '';
  const body = fn[2]!.trim();
  if (name) {
    if (!FLAG_FUNCTIONS.has(name)) return null;
    return { kind: 'function', name, args: splitTopLevel(body, ':') };
  }
  const commas = splitTopLevel(body, ',');
  const colons = splitTopLevel(body, ':');
  if (commas.length === 1 && colons.length > 1) return { kind: 'function', name: '', args: colons };
  return { kind: 'list', items: body === '' ? [] : commas };
}

/** Guild's wording: `invalid value 12x for epochs: invalid value for type 'int'`. */
function invalidValue(name: string, raw: string, why: string): GrunError {
  return new GrunError(`invalid value ${typedText(raw)} for ${name}: ${why}`);
}

const typeError = (name: string, raw: string, type: FlagType): GrunError => invalidValue(name, raw, `invalid value for type '${type}'`);

/** One scalar raw value coerced to the flag's declared type (Guild's `_coerce_flag_val`). */
export function coerceScalar(name: string, raw: string, type: FlagType | undefined): YamlValue {
  if (type === undefined || type === 'auto') return decodeFlagValue(raw);
  const text = typedText(raw);
  switch (type) {
    case 'string':
    case 'path':
    case 'existing-path':
      return text; // declared strings stay as typed ("012" is not 12), less their quotes
    case 'int': {
      const t = text.trim();
      if (!/^[-+]?\d+$/.test(t)) throw typeError(name, raw, type);
      return Number(t);
    }
    case 'float':
    case 'number': {
      const v = decodeFlagValue(text);
      if (typeof v === 'number') return v;
      if (type === 'number' && typeof v === 'boolean') return v; // a Python bool is an int: Guild keeps it
      const n = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text.trim()) ? Number(text) : NaN;
      if (Number.isNaN(n)) throw typeError(name, raw, type);
      return n;
    }
    case 'boolean': {
      const v = decodeFlagValue(text);
      if (typeof v === 'boolean') return v;
      if (v === 1 || v === 0) return v === 1;
      throw typeError(name, raw, type);
    }
  }
}

export interface DecodedFlag {
  /** The value for the `flags` attr: a scalar, a list, or a function's text. */
  value: YamlValue;
  /** An integral number that Python holds as a float (`1.0`, or any value of a float flag). */
  isFloat?: boolean;
  sweep?: SweepSpec;
}

/** Float syntax in a typed value: `1.0`, `1e3`, `.5` (Guild's decode gives a Python float). */
function isFloatText(raw: string): boolean {
  return /^[-+]?(\d+\.\d*|\.\d+|\d+[eE][-+]?\d+|\d+\.\d*[eE][-+]?\d+)$/.test(raw.trim());
}

/** Decode one `name=value` value for a flag definition (or none, for an open flag). */
export function decodeCliFlag(name: string, raw: string, def?: FlagDef): DecodedFlag {
  const sweep = parseSweepSyntax(raw);
  if (def?.argSplit && !sweep) {
    // argparse nargs: `layers="3 4"` is one value, a list passed as separate arguments
    // Guild's split_encoded_flag_val: shell words (`"2 1 'a b'"`), or parts between a given separator
    const parts = def.argSplit === true || def.argSplit === 'shlex' ? shlexSplit(raw) : raw.split(def.argSplit).filter((s) => s !== '');
    const values = parts.map((s) => coerceScalar(name, s, def.type));
    for (const v of values) checkValue(def, v, String(v));
    return { value: values };
  }
  if (sweep?.kind === 'list') {
    // each item decoded as one value would be: `['1', 2]` holds the string '1'
    const values = sweep.items.map((item) => coerceScalar(name, item, def?.type));
    for (const v of values) if (def) checkValue(def, v, String(v));
    // `[1.0, 2]`: the integral floats are marked on the list (yaml11 marks)
    sweep.items.forEach((item, i) => {
      if (Number.isInteger(values[i]) && (def?.type === 'float' || isFloatText(typedText(item)))) markFloat(values, i);
    });
    return { value: values, sweep: { kind: 'list', values } };
  }
  if (sweep?.kind === 'function') {
    const args = sweep.args.map((a) => decodeFlagValue(a));
    // `uniform[-1.0:1.0]`: integral floats marked, so that the dimension is a float one
    sweep.args.forEach((a, i) => Number.isInteger(args[i]) && isFloatText(a.trim()) && markFloat(args, i));
    return { value: raw.trim(), sweep: { kind: 'function', name: sweep.name, args, text: raw.trim() } };
  }
  const value = coerceScalar(name, raw, def?.type);
  if (def) checkValue(def, value, raw);
  const isFloat = typeof value === 'number' && Number.isInteger(value) && (def?.type === 'float' || isFloatText(typedText(raw)));
  return isFloat ? { value, isFloat } : { value };
}

function forced(name: string, raw: string, def: FlagDef): DecodedFlag {
  try {
    return decodeCliFlag(name, raw, def);
  } catch (e) {
    if (!(e instanceof GrunError)) throw e;
    return decodeCliFlag(name, raw, { name, default: null });
  }
}

function sameValue(a: YamlValue, b: YamlValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function showValue(v: YamlValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A choice as guild.yml gives it: a value, or a map with `value` (and `alias`, `description`, `flags`). */
function flagChoice(c: YamlValue): FlagChoice {
  if (c === null || typeof c !== 'object' || Array.isArray(c) || c instanceof Date || !('value' in c)) return { value: c };
  const choice: FlagChoice = { value: c.value ?? null, ...(isMarkedFloat(c, 'value') ? { valueIsFloat: true } : {}) };
  if (typeof c.alias === 'string') choice.alias = c.alias;
  if (typeof c.description === 'string') choice.description = c.description;
  if (c.flags && typeof c.flags === 'object' && !Array.isArray(c.flags) && !(c.flags instanceof Date)) choice.flags = c.flags;
  return choice;
}

/** A choice as the user gives it and help shows it: its alias, else its value. */
export const choiceName = (c: FlagChoice): YamlValue => c.alias ?? c.value;

/** The choice `value` is (by its alias or its value, as Guild's `_check_flag_choice`), if any. */
export function choiceOf(def: Pick<FlagDef, 'choices'>, value: YamlValue): FlagChoice | undefined {
  return def.choices?.find((c) => (c.alias !== undefined && sameValue(c.alias, value)) || sameValue(c.value, value));
}

/**
 * Guild's `_apply_choice_vals`, once the flags are checked: a flag given by a choice's alias
 * takes the choice's value, and a choice's `flags` set those the user did not (`given`). In
 * place, the float flags (`floats`) kept with them.
 */
export function applyChoices(defs: FlagDef[], flags: Record<string, YamlValue>, given: Record<string, YamlValue>, floats: Set<string>): void {
  const setTo = (name: string, value: YamlValue, isFloat: boolean): void => {
    flags[name] = value;
    if (isFloat && typeof value === 'number') floats.add(name);
    else floats.delete(name);
  };
  for (const d of defs) {
    const v = flags[d.name];
    const c = v === null || v === undefined ? undefined : d.choices?.find((x) => sameValue(choiceName(x), v));
    if (!c) continue;
    if (c.alias !== undefined) setTo(d.name, c.value, Boolean(c.valueIsFloat));
    for (const [name, value] of Object.entries(c.flags ?? {})) {
      if (given[name] === undefined || given[name] === null) setTo(name, value, isMarkedFloat(c.flags!, name));
    }
  }
}

/** choices, min, max of one (non-sweep) value. */
export function checkValue(def: FlagDef, value: YamlValue, raw: string): void {
  if (def.choices && def.choices.length > 0 && value !== null && !choiceOf(def, value)) {
    throw invalidValue(def.name, raw, `expected one of ${def.choices.map((c) => showValue(choiceName(c))).join(', ')}`);
  }
  if (typeof value === 'number') {
    if (def.min !== undefined && value < def.min) throw invalidValue(def.name, raw, `out of range (less than min ${def.min})`);
    if (def.max !== undefined && value > def.max) throw invalidValue(def.name, raw, `out of range (greater than max ${def.max})`);
  }
}

export interface ResolvedFlags {
  flags: Record<string, YamlValue>;
  userFlags: Record<string, YamlValue>;
  sweeps: Record<string, SweepSpec>;
  /** Flags holding integral floats; `flags` and `userFlags` carry yaml11 float marks for them. */
  floatFlags: string[];
}

/**
 * Defaults overlaid with the user's `name=value` args, validated: unknown flag, wrong type,
 * choices, min/max and required flags each fail with a GrunError naming the flag.
 * `aliases` maps alternative names (`prepare`) to flag names (`operation:prepare`), as a flag's
 * own `alias` does unless both names are given (refused, or with `force` two flags).
 */
export function resolveFlags(
  defs: FlagDef[],
  flagArgs: string[],
  opts: { operation: string; aliases?: Record<string, string>; cwd?: string; force?: boolean },
): ResolvedFlags {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const flags: Record<string, YamlValue> = {};
  const userFlags: Record<string, YamlValue> = {};
  const sweeps: Record<string, SweepSpec> = {};
  const floats = new Set<string>();
  for (const d of defs) {
    flags[d.name] = d.default ?? null;
    if (d.defaultIsFloat || (d.type === 'float' && Number.isInteger(d.default))) floats.add(d.name);
  }
  const givenNames = new Set(flagArgs.map((a) => splitFlagArg(a)[0]));
  const aliases: Record<string, string> = { ...opts.aliases };
  for (const d of defs) {
    if (d.alias === undefined || !givenNames.has(d.alias)) continue;
    if (givenNames.has(d.name)) {
      // Guild's check, and its wording (which names the two the other way round)
      if (!opts.force) throw new GrunError(`cannot specify both alias '${d.name}' and name for flag '${d.alias}'`, 1, 'Use --force-flags to skip this check.');
    } else aliases[d.alias] = d.name;
  }
  for (const arg of flagArgs) {
    const [given, raw] = splitFlagArg(arg);
    const name = byName.has(given) ? given : (aliases[given] ?? given);
    const def = byName.get(name);
    if (!def) {
      const known = defs.map((d) => d.name).sort();
      throw new GrunError(
        known.length
          ? `unknown flag '${given}' for ${opts.operation}: expected one of ${known.join(', ')}`
          : `unknown flag '${given}' for ${opts.operation}: it takes no flags`,
      );
    }
    // --force-flags: a value its type refuses is taken as Guild decodes it untyped
    const decoded = opts.force ? forced(name, raw, def) : decodeCliFlag(name, raw, def);
    if (def.type === 'existing-path' && !decoded.sweep && !existsSync(resolve(opts.cwd ?? '.', String(decoded.value)))) {
      throw invalidValue(name, raw, `${resolve(opts.cwd ?? '.', String(decoded.value))} does not exist`);
    }
    if (decoded.isFloat) floats.add(name);
    else floats.delete(name);
    flags[name] = decoded.value;
    userFlags[name] = decoded.value;
    if (decoded.sweep) sweeps[name] = decoded.sweep;
    else delete sweeps[name];
  }
  for (const d of defs) {
    if (d.required && (flags[d.name] === null || flags[d.name] === undefined)) {
      throw new Refusal('missing-flag', `missing required flag '${d.name}' for ${opts.operation}: expected ${d.name}=VALUE`, d.name);
    }
  }
  applyChoices(defs, flags, userFlags, floats);
  const floatFlags = [...floats].filter((n) => typeof flags[n] === 'number').sort();
  return {
    flags: withFloatMarks(sortKeys(flags), floatFlags),
    userFlags: withFloatMarks(sortKeys(userFlags), floatFlags),
    sweeps,
    floatFlags,
  };
}

/** A copy with its keys sorted; float marks of `o` are carried over. */
export function sortKeys<T extends YamlValue>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) {
    out[k] = o[k]!;
    if (isMarkedFloat(o, k)) markFloat(out, k);
  }
  return out;
}

/** Marks `names` present in `o` as floats (in place) and returns `o`. */
export function withFloatMarks<T extends Record<string, YamlValue>>(o: T, names: string[]): T {
  for (const n of names) if (n in o && typeof o[n] === 'number') markFloat(o, n);
  return o;
}

/** A guild.yml `flags:` map → definitions (`name: default` or `name: {default, type, …}`). */
export function flagDefsFromConfig(flags: YamlValue | undefined, where: string): FlagDef[] {
  if (flags === undefined || flags === null) return [];
  if (typeof flags !== 'object' || Array.isArray(flags)) {
    throw new GrunError(`${where}: 'flags' must be a mapping of flag names`);
  }
  const defs: FlagDef[] = [];
  for (const [name, spec] of Object.entries(flags)) {
    if (name === '$include') continue;
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      defs.push({ name, default: spec ?? null, ...(isMarkedFloat(flags, name) ? { defaultIsFloat: true } : {}) });
      continue;
    }
    defs.push(flagDefFromMap(name, spec, where));
  }
  return defs;
}

/** One flag's attribute map (guild.yml or the import-flags JSON) → FlagDef. */
export function flagDefFromMap(name: string, spec: { [k: string]: YamlValue }, where: string): FlagDef {
  const def: FlagDef = { name, default: spec.default ?? null };
  if (spec['default-float'] === true || isMarkedFloat(spec, 'default')) def.defaultIsFloat = true;
  const type = spec.type;
  if (typeof type === 'string') {
    if (!isFlagType(type)) {
      throw new GrunError(
        `${where}: flag '${name}' has type '${type}': expected one of ${[...FLAG_TYPES].join(', ')}`,
      );
    }
    def.type = type;
  }
  if (typeof spec.description === 'string') def.description = spec.description;
  if (Array.isArray(spec.choices)) def.choices = spec.choices.map(flagChoice);
  if (spec.required === true) def.required = true;
  if (typeof spec.min === 'number') def.min = spec.min;
  if (typeof spec.max === 'number') def.max = spec.max;
  if (typeof spec['arg-name'] === 'string') def.argName = spec['arg-name'];
  if (spec['arg-skip'] === true) def.argSkip = true;
  if (spec['arg-switch'] !== undefined && spec['arg-switch'] !== null) def.argSwitch = spec['arg-switch'];
  const split = spec['arg-split'];
  if (split === true || typeof split === 'string') def.argSplit = split;
  if (typeof spec['env-name'] === 'string') def.envName = spec['env-name'];
  if (typeof spec.alias === 'string') def.alias = spec.alias;
  if (typeof spec['null-label'] === 'string') def.nullLabel = spec['null-label'];
  return def;
}

/** Puts back the float marks of `plan.flags`/`userFlags` after the plan went through JSON. */
export function restoreFloatMarks(plan: RunPlan): RunPlan {
  withFloatMarks(plan.flags, plan.floatFlags);
  withFloatMarks(plan.userFlags, plan.floatFlags);
  if (plan.batch) restoreFloatMarks(plan.batch.proto);
  return plan;
}
