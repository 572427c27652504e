// Flag values as Guild shows and parses them (guild/flag_util.py): `name=value` in labels and
// compare columns, and `decode_flag_val` for `name=value` on the command line.
import type { YamlValue } from './types.js';
import { encodeYaml, isMarkedFloat, markFloat, parseYaml11, pyFloatRepr } from './yaml11.js';

const DEFAULT_FLOAT_TRUNC_LEN = 5;

/** Python's `repr(str)`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp > 0x7f && ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) {
      const hex = cp.toString(16);
      out += cp <= 0xff ? '\\x' + hex.padStart(2, '0') : cp <= 0xffff ? '\\u' + hex.padStart(4, '0') : '\\U' + hex.padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

/** `yaml_util.encode_yaml(val, default_flow_style=True)` for a scalar: no trailing newline. */
export function encodeScalar(v: YamlValue | bigint, float: boolean): string {
  if (float && typeof v === 'number') {
    const box = [v];
    markFloat(box, 0);
    return encodeYaml(box, { strict: false }).slice(2, -1);
  }
  return encodeYaml(v, { strict: false }).slice(0, -1);
}

/** `flag_util.encode_flag_val`. `float` says an integral number is a Python float. */
export function encodeFlagVal(v: YamlValue | bigint, float: boolean): string {
  if (v === true) return 'yes';
  if (v === false) return 'no';
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    const items = v.map((item, i) => {
      const encoded = encodeFlagVal(item, isMarkedFloat(v, i));
      return typeof item === 'string' && encoded.includes(',') ? pyStrRepr(encoded) : encoded;
    });
    return `[${items.join(', ')}]`;
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${encodeFlagVal(k, false)}: ${encodeFlagVal(v[k], isMarkedFloat(v, k))}`).join(', ')}}`;
  }
  return encodeScalar(v, float);
}

/**
 * Python's `repr()` of a value (`{'g.h': 999}`, `[1, 'a', True]`, `None`); `float` says an
 * integral number is a Python float; containers carry their own float marks. `sortKeys`:
 * mappings with their keys sorted, as `pprint.pformat` writes them.
 */
export function pyRepr(v: YamlValue | bigint, float = false, o: { sortKeys?: boolean } = {}): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return float || !Number.isSafeInteger(v) || Object.is(v, -0) ? pyFloatRepr(v) : String(v);
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) return `[${v.map((x, i) => pyRepr(x, isMarkedFloat(v, i), o)).join(', ')}]`;
  const keys = o.sortKeys ? Object.keys(v).sort() : Object.keys(v);
  return `{${keys.map((k) => `${pyStrRepr(k)}: ${pyRepr(v[k]!, isMarkedFloat(v, k), o)}`).join(', ')}}`;
}

/** Cuts every decimal fraction in `s` to `n` digits (`0.006369…` → `0.00636`). */
function truncateFloatText(s: string, n: number): string {
  return s.replace(/\.[0-9]+/g, (part) => (part.length <= n ? part : part.slice(0, n + 1)));
}

/**
 * A flag value as Guild formats it (`flag_util.format_flag`): booleans `yes`/`no`, floats as
 * Python reprs (truncated to `truncateFloats` decimals when given), strings YAML-quoted when
 * they would read back as another type, and wrapped in Python-style quotes when they hold a space.
 * `float` marks an integral number as a float (`0.0`); containers carry their own marks.
 */
export function formatFlagValue(v: YamlValue, opts: { truncateFloats?: number; float?: boolean } = {}): string {
  const value = v as YamlValue | bigint;
  const isFloat = typeof value === 'number' && (opts.float === true || !Number.isInteger(value) || Object.is(value, -0));
  let encoded = encodeFlagVal(value, isFloat);
  if (opts.truncateFloats !== undefined && isFloat) encoded = truncateFloatText(encoded, opts.truncateFloats);
  if (typeof value === 'string' && encoded[0] !== "'" && encoded[0] !== '"' && encoded.includes(' ')) {
    return pyStrRepr(encoded);
  }
  return encoded;
}

/**
 * Guild's default run label (`op_util._default_run_label`): the non-null flags sorted by name as
 * `name=value`, floats truncated to 5 decimals. Guild also shortens values naming existing paths
 * longer than 20 chars; grun leaves them whole. `names` keeps only those flags (the dashboard's
 * label of the flags that differ).
 */
export function defaultLabel(flags: Record<string, YamlValue>, names: readonly string[] = Object.keys(flags)): string {
  return names
    .filter((name) => flags[name] !== null && flags[name] !== undefined)
    .sort()
    .map((name) => `${name}=${labelFlagValue(flags, name)}`)
    .join(' ');
}

/**
 * The flags of a batch trial as Guild's `Running trial …` line names them (`op_util.flags_desc`):
 * the non-null ones sorted, `name=value` joined by `, `, floats whole.
 */
export function flagsDesc(flags: Record<string, YamlValue>): string {
  return Object.keys(flags)
    .filter((name) => flags[name] !== null && flags[name] !== undefined)
    .sort()
    .map((name) => `${name}=${formatFlagValue(flags[name], { float: isMarkedFloat(flags, name) })}`)
    .join(', ');
}

/** A flag's value as Guild's default label writes it (floats truncated to 5 decimals). */
export function labelFlagValue(flags: Record<string, YamlValue>, name: string): string {
  return formatFlagValue(flags[name], { truncateFloats: DEFAULT_FLOAT_TRUNC_LEN, float: isMarkedFloat(flags, name) });
}

// ---------------------------------------------------------------------------------------------
// Decoding (`flag_util.decode_flag_val` with no flag type).

const PY_INT_RE = /^\s*[+-]?[0-9]+(?:_[0-9]+)*\s*$/;
const PY_FLOAT_RE =
  /^\s*[+-]?(?:(?:[0-9]+(?:_[0-9]+)*)?\.?[0-9]+(?:_[0-9]+)*(?:[eE][+-]?[0-9]+(?:_[0-9]+)*)?|[0-9]+(?:_[0-9]+)*\.(?:[eE][+-]?[0-9]+(?:_[0-9]+)*)?|inf|infinity|nan)\s*$/i;
const NAMED_FUNCTION_RE = /^([a-zA-Z0-9_\-.]+)\[(.*)\]/;
const LIST_CONCAT_RE = /^(\[.*\])\s*\*\s*([0-9]+)$/;
const SCIENTIFIC_RUN_ID_RE = /^[0-9]+e[0-9]+/;
const SEQUENCE_FUNCTIONS = new Set(['range', 'linspace', 'logspace']);

type Decoded = YamlValue | bigint;

/** Python `int(s)`, or undefined. */
export function pyInt(s: string): number | bigint | undefined {
  if (!PY_INT_RE.test(s)) return undefined;
  const n = BigInt(s.trim().replace(/_/g, ''));
  return n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER) ? n : Number(n);
}

/** Python `float(s)`, or undefined. */
export function pyFloat(s: string): number | undefined {
  if (!PY_FLOAT_RE.test(s)) return undefined;
  const t = s.trim().replace(/_/g, '').toLowerCase();
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  if (body === 'nan') return NaN;
  return Number(t);
}

/** numpy's `.item()` then Guild's `_np_seq_val` rounding. */
function seqVal(x: number, float: boolean): number {
  return float && x > 1e-8 ? Number(x.toFixed(8)) : x;
}

/** The first `count` args as numbers (later ones are ignored, as Guild does), or undefined. */
function numbers(args: Decoded[], count: number, required: number): number[] | undefined {
  const out: number[] = [];
  for (const a of args.slice(0, count)) {
    if (typeof a !== 'number') return undefined;
    out.push(a);
  }
  return out.length >= required ? out : undefined;
}

/** `range`, `linspace` and `logspace` flag functions, expanded as Guild does with numpy. */
function expandSequence(name: string, args: Decoded[], floatArgs: boolean[]): YamlValue[] | undefined {
  const list: YamlValue[] = [];
  const push = (x: number, float: boolean) => {
    list.push(seqVal(x, float));
    if (float) markFloat(list, list.length - 1);
  };
  if (name === 'range') {
    const n = numbers(args, 3, 1);
    if (!n) return undefined;
    let [start, end, step = 1] = n;
    const float = floatArgs.slice(0, n.length).some((f, i) => f || !Number.isInteger(n[i]));
    if (end === undefined) [start, end] = [0, start]; // np.arange(start) counts from 0
    else end = end + Math.min(step, 1);
    if (step === 0) return undefined;
    const count = Math.max(0, Math.ceil((end - start) / step));
    for (let i = 0; i < count; i++) push(start + i * step, float);
    return list;
  }
  const n = numbers(args, name === 'logspace' ? 4 : 3, 2);
  if (!n) return undefined;
  const [start, end, count = 5, base = 10] = n;
  if (!Number.isInteger(count) || floatArgs[2] || count < 0) return undefined;
  for (let i = 0; i < count; i++) {
    const y = i === count - 1 && count > 1 ? end : start + i * ((end - start) / (count - 1 || 1));
    push(name === 'logspace' ? base ** y : y, true);
  }
  return list;
}

/** `_flag_function_or_expanded_sequence`: the text for anonymous functions, a list for sequences. */
function flagFunction(s: string): Decoded | undefined {
  let name: string | undefined;
  let raw: string;
  const m = NAMED_FUNCTION_RE.exec(s);
  if (m) {
    name = m[1];
    raw = m[2].trim();
  } else if (s.startsWith('[') && s.endsWith(']') && s.includes(':')) {
    // An anonymous function `[a:b]`, unless YAML reads it as a real list.
    let anonymous = true;
    try {
      const l = parseYaml11(s);
      const first = Array.isArray(l) && l.length === 1 ? (l[0] as unknown) : undefined;
      anonymous = typeof first === 'string' || typeof first === 'boolean' || typeof first === 'bigint' || Number.isInteger(first);
    } catch {
      // not YAML: an anonymous function
    }
    if (!anonymous) return undefined;
    raw = s.slice(1, -1);
  } else {
    return undefined;
  }
  const encoded = raw ? raw.split(':') : [];
  const floatArgs = encoded.map((a) => pyInt(a.trim()) === undefined && pyFloat(a.trim()) !== undefined);
  const args = encoded.map((a) => decodeRaw(a.trim(), true));
  if (name === undefined) return args.length >= 2 ? s : undefined;
  return SEQUENCE_FUNCTIONS.has(name) ? expandSequence(name, args, floatArgs) : undefined;
}

/**
 * `_decode_flag_val` without a flag type. Only `nofix` (function arguments) tries `float()`:
 * otherwise `1e2` would become 100.0 where Guild keeps it a string (it may be a run id).
 */
function decodeRaw(s: string, nofix: boolean): Decoded {
  if (s === '') return s;
  const int = pyInt(s);
  if (int !== undefined) return int;
  if (nofix) {
    const float = pyFloat(s);
    if (float !== undefined) return float;
  }
  const fn = flagFunction(s);
  if (fn !== undefined) return fn;
  const concat = LIST_CONCAT_RE.exec(s.trim());
  if (concat) {
    const list = decodeRaw(concat[1], false);
    if (!Array.isArray(list)) return s;
    const out: YamlValue[] = [];
    for (let i = 0; i < Number(concat[2]); i++) list.forEach((x, j) => (out.push(x), isMarkedFloat(list, j) && markFloat(out, out.length - 1)));
    return out;
  }
  if (!nofix && s.length >= 3 && s.length <= 32 && SCIENTIFIC_RUN_ID_RE.test(s)) return s;
  try {
    return parseYaml11(s);
  } catch {
    return s;
  }
}

/**
 * Guild's `decode_flag_val` for `name=value` arguments: int, then flag functions (`[1:2]` stays
 * text; `range[1:5]`, `linspace[…]`, `logspace[…]` expand to lists), then `[..]*N` repetition,
 * then YAML 1.1 (with Guild's patch: `1.0e-5` and `1e-5x` style). Numbers written with `_` or
 * `:` stay strings, and so do run-id-like `12e3` (3 to 32 chars, digits `e` digits).
 * Integral floats in returned lists and maps carry float marks; a bare `1.0` comes back as 1.
 */
export function decodeFlagValue(s: string): YamlValue {
  const v = decodeRaw(s, false);
  const numeric = typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
  if (numeric && !s.includes('!!') && (s.includes('_') || s.includes(':'))) return s;
  return v as YamlValue;
}

/** Python's `json.dumps(data, sort_keys=True)`: `", "` and `": "`, ASCII only, float reprs. */
export function pyJson(v: YamlValue, isFloat = false): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return isFloat || !Number.isSafeInteger(v) ? pyFloatRepr(v) : String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(v)) return `[${v.map((x, i) => pyJson(x, isMarkedFloat(v, i))).join(', ')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${pyJson(k)}: ${pyJson(v[k]!, isMarkedFloat(v, k))}`)
    .join(', ')}}`;
}
