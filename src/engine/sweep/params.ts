// One parameter of a run definition: its form (value, values, range), typed by the flag's
// declared type and expanded to the list of values a sweep takes. Pure: errors come back as
// data, with a path relative to `params.<name>`, so a definition reports all of them at once.
import type { FlagDef, FlagType } from '../plan-types.js';
import { choiceName, choiceOf } from '../flags.js';
import type { YamlValue } from '../../store/types.js';
import type { JsonValue } from './json-text.js';

export type LogFlag = 'log' | 'log10' | 'log2';

/** The forms of Accio's run DSL (`params.<name>`); a command-line `name=value` is a value. */
export type ParamSpec =
  | { kind: 'value'; value: JsonValue }
  | { kind: 'values'; values: JsonValue[] }
  | { kind: 'range'; from: JsonValue; to: JsonValue; step?: JsonValue; log: LogFlag | null };

export interface ParamError {
  /** Relative to `params.<name>`: '' or `.values[2]`, `.step`, … */
  at: string;
  message: string;
}

/** `floats`: the numbers are Python floats (Accio's doubles), so an integral one is written `1.0`. */
export type Expanded =
  | { values: YamlValue[]; floats: boolean; errors?: undefined }
  | { errors: ParamError[]; values?: undefined; floats?: undefined };

/** The flag definition as far as typing and validation need it. */
export type ParamFlag = Pick<FlagDef, 'type' | 'choices' | 'min' | 'max' | 'required'> &
  Partial<Pick<FlagDef, 'default' | 'defaultIsFloat'>>;

/**
 * A flag whose values are doubles: declared `float`, or a number (or untyped) flag whose
 * default is a float, as a script's `lr = 0.1` or `eps = 1.0` is. Its integral values are
 * floats too, as Accio's doubles and Guild's `linspace` give them (`1.0`, never `1`).
 */
export function isFloatFlag(flag: ParamFlag): boolean {
  if (flag.type === 'float') return true;
  if (flag.type !== 'number' && flag.type !== 'auto' && flag.type !== undefined) return false;
  return flag.defaultIsFloat === true || (typeof flag.default === 'number' && !Number.isInteger(flag.default));
}

/** Most values one parameter may expand to: beyond this a range is a typo, not a sweep. */
export const MAX_PARAM_VALUES = 100_000;

/** Relative slack for the inclusive end of a range, against float error in the count. */
const END_EPSILON = 1e-9;

const STRING_TYPES = new Set<FlagType | undefined>(['string', 'path', 'existing-path']);
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off']);
const INT_TEXT = /^[-+]?\d+$/;
const FLOAT_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A value for messages: strings quoted, containers named. */
export function describeValue(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** 12 significant digits: what ranges produce, so 0.1+0.2 is 0.3 in names, flags and memo keys. */
export function snap(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(12));
}

function parseIntText(s: string): number | bigint {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

type Coerced = { ok: true; value: YamlValue } | { ok: false; message: string };
const ok = (value: YamlValue): Coerced => ({ ok: true, value });
const bad = (expected: string, v: JsonValue): Coerced => ({
  ok: false,
  message: `expected ${expected}, got ${describeValue(v)}`,
});

/**
 * A JSON value as the flag's declared type. Strings are parsed for numeric and boolean flags
 * (Accio's `"epsilon": {"value": "0.0001"}`), numbers are never truncated into ints, and a
 * string flag takes strings only. Untyped flags take any value as it is.
 */
export function coerceValue(v: JsonValue, type: FlagType | undefined): Coerced {
  if (v === null) return ok(null);
  if (type === undefined || type === 'auto') return ok(v);
  const text = typeof v === 'string' ? v.trim() : null;
  switch (type) {
    case 'string':
    case 'path':
    case 'existing-path':
      return typeof v === 'string' ? ok(v) : bad('a string', v);
    case 'int':
      if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return ok(v);
      if (text !== null && INT_TEXT.test(text)) return ok(parseIntText(text));
      return bad('an int', v);
    case 'float':
    case 'number':
      if (typeof v === 'number') return ok(v);
      if (typeof v === 'bigint') return ok(type === 'float' ? Number(v) : v);
      if (text !== null && type === 'number' && INT_TEXT.test(text)) return ok(parseIntText(text));
      if (text !== null && FLOAT_TEXT.test(text)) return ok(Number(text));
      return bad(type === 'float' ? 'a float' : 'a number', v);
    case 'boolean':
      if (typeof v === 'boolean') return ok(v);
      if (text !== null && TRUE_WORDS.has(text.toLowerCase())) return ok(true);
      if (text !== null && FALSE_WORDS.has(text.toLowerCase())) return ok(false);
      return bad('a boolean (true/false, yes/no)', v);
  }
}

/** Identity of a typed value for de-duplication (1, 1.0 and "1" as a float are one value). */
function valueKey(v: YamlValue): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
}

/** choices, min and max of one typed value; null when it passes. */
function checkConstraints(v: YamlValue, flag: ParamFlag): string | null {
  if (v === null) return null;
  if (flag.choices && flag.choices.length > 0 && !choiceOf(flag, v)) {
    return `${describeValue(v)} is not one of ${flag.choices.map((c) => describeValue(choiceName(c))).join(', ')}`;
  }
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (flag.min !== undefined && v < flag.min) return `${v} is below the minimum ${flag.min}`;
    if (flag.max !== undefined && v > flag.max) return `${v} is above the maximum ${flag.max}`;
  }
  return null;
}

function typed(v: JsonValue, flag: ParamFlag, at: string, errors: ParamError[]): YamlValue | undefined {
  if (Array.isArray(v) && flag.type !== undefined && flag.type !== 'auto') {
    errors.push({ at, message: `expected one value, got a list (use {"values": [...]} for a sweep)` });
    return undefined;
  }
  const c = coerceValue(v, flag.type);
  if (!c.ok) {
    errors.push({ at, message: c.message });
    return undefined;
  }
  const problem = checkConstraints(c.value, flag);
  if (problem) {
    errors.push({ at, message: problem });
    return undefined;
  }
  return c.value;
}

/** Values in order, each once (first occurrence wins). */
function dedup(values: YamlValue[]): YamlValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = valueKey(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** How many points a range has: `floor(q) + 1`, with `q` nudged up by a relative epsilon. */
function rangeCount(q: number): number {
  return Math.floor(q + END_EPSILON * Math.max(1, Math.abs(q))) + 1;
}

function asNumber(v: YamlValue): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/**
 * `{"from","to","step"}`, by index: item k is `from + k·step`, or `from · step^k` with a log
 * flag (the step is then a factor; it defaults to ×10, ×2 for log2). The end is inclusive
 * within a relative epsilon; float values are snapped to 12 significant digits, int ranges
 * stay exact. Accio's own quirks (accumulated float error, a lost end point, log ignored for
 * ints) are deliberately not reproduced.
 */
function expandRange(
  spec: Extract<ParamSpec, { kind: 'range' }>,
  flag: ParamFlag,
  errors: ParamError[],
): { values: YamlValue[]; floats: boolean } {
  const none = { values: [], floats: false };
  if (STRING_TYPES.has(flag.type) || flag.type === 'boolean') {
    errors.push({ at: '', message: `a range needs a numeric flag, not a ${flag.type} flag` });
    return none;
  }
  const isInt = flag.type === 'int';
  const boundType: FlagType = isInt ? 'int' : 'number';
  const bound = (name: 'from' | 'to' | 'step', v: JsonValue | undefined): number | undefined => {
    if (v === undefined) return undefined;
    // a log step is a factor, which need not be an int even for an int flag
    const type = name === 'step' && spec.log !== null ? 'number' : boundType;
    const c = v === null ? bad('a number', v) : coerceValue(v, type);
    if (!c.ok) {
      errors.push({ at: `.${name}`, message: c.message });
      return undefined;
    }
    return asNumber(c.value);
  };
  const from = bound('from', spec.from);
  const to = bound('to', spec.to);
  let step = bound('step', spec.step);
  if (spec.step === undefined) {
    if (spec.log === null) errors.push({ at: '.step', message: 'required for a linear range' });
    else step = spec.log === 'log2' ? 2 : 10;
  }
  if (from === undefined || to === undefined || step === undefined) return none;
  const intValues = isInt || (!isFloatFlag(flag) && [from, to, step].every(Number.isInteger) && spec.log === null);
  let count: number;
  let at: (k: number) => number;
  if (spec.log === null) {
    if (step === 0) {
      errors.push({ at: '.step', message: 'step must not be 0' });
      return none;
    }
    count = rangeCount((to - from) / step);
    // float noise below the range's own scale is zero (0.3 - 3·0.1 is not -5.6e-17)
    const tiny = Math.max(Math.abs(from), Math.abs(to), Math.abs(step)) * 1e-12;
    at = intValues
      ? (k) => from + k * step
      : (k) => {
          const x = from + k * step;
          return Math.abs(x) < tiny ? 0 : snap(x);
        };
  } else {
    if (!(step > 0) || step === 1) {
      errors.push({ at: '.step', message: `a log range needs a factor above 0 and other than 1, got ${step}` });
      return none;
    }
    if (from === 0 || to === 0 || Math.sign(from) !== Math.sign(to)) {
      errors.push({ at: '', message: 'a log range needs from and to non-zero and of the same sign' });
      return none;
    }
    count = rangeCount(Math.log(to / from) / Math.log(step));
    at = (k) => {
      const x = snap(from * step ** k);
      return isInt ? Math.round(x) : x;
    };
  }
  if (count <= 0) {
    errors.push({ at: '', message: `empty sweep: from ${from} to ${to} by ${step} gives no values` });
    return none;
  }
  if (count > MAX_PARAM_VALUES) {
    errors.push({ at: '', message: `range gives ${count} values, more than ${MAX_PARAM_VALUES}` });
    return none;
  }
  const values: YamlValue[] = [];
  for (let k = 0; k < count; k++) {
    const v = at(k);
    const problem = checkConstraints(v, flag);
    if (problem) {
      errors.push({ at: '', message: problem });
      return none;
    }
    values.push(v);
  }
  return { values, floats: !intValues };
}

/** The typed, de-duplicated values of one parameter, in definition order, or its errors. */
export function expandParam(spec: ParamSpec, flag: ParamFlag): Expanded {
  const errors: ParamError[] = [];
  let values: YamlValue[] = [];
  let floats = isFloatFlag(flag);
  switch (spec.kind) {
    case 'value': {
      const v = typed(spec.value, flag, '', errors);
      if (v !== undefined) values = [v];
      break;
    }
    case 'values':
      if (spec.values.length === 0) errors.push({ at: '.values', message: 'empty sweep: no values' });
      spec.values.forEach((item, i) => {
        const v = typed(item, flag, `.values[${i}]`, errors);
        if (v !== undefined) values.push(v);
      });
      break;
    case 'range':
      ({ values, floats } = expandRange(spec, flag, errors));
      break;
  }
  if (flag.required) {
    for (const v of values) if (v === null) errors.push({ at: '', message: 'required flag cannot be null' });
  }
  return errors.length ? { errors } : { values: dedup(values), floats };
}
