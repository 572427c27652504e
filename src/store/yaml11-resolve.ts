// YAML 1.1 scalar resolution shared by the reader and the emitter: PyYAML's `resolver.py` with
// Guild's patched float pattern, and the marks that keep integral floats (`0.0`) floats.
import { GrunError } from './errors.js';

/** Unparsable YAML. `line` and `column` are 1-based. */
export class YamlError extends GrunError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'YamlError';
  }
}

// ---------------------------------------------------------------------------------------------
// Integral floats. JS has one number type, Python two: `0.0` and `0` must survive a round trip.
// The reader records which entries of a map or list are integral floats under a hidden symbol;
// the encoder writes those entries as floats. Spreading or copying a container drops the marks.

const FLOATS = Symbol('grun.yamlFloats');
type Container = { [key: string]: unknown } | unknown[];
type Marked = Container & { [FLOATS]?: Set<string | number> };

/** Marks `container[key]` (an integral number) as a Python float: encoded `1.0`, not `1`. */
export function markFloat(container: Container, key: string | number): void {
  const c = container as Marked;
  let set = c[FLOATS];
  if (!set) {
    set = new Set();
    Object.defineProperty(c, FLOATS, { value: set, enumerable: false });
  }
  set.add(Array.isArray(container) ? Number(key) : String(key));
}

/** Whether `container[key]` was read as (or marked) a float. */
export function isMarkedFloat(container: Container, key: string | number): boolean {
  const set = (container as Marked)[FLOATS];
  return set !== undefined && set.has(Array.isArray(container) ? Number(key) : String(key));
}

/** A float whose value is integral, in flight inside the parser until its container marks it. */
export class IntegralFloat {
  constructor(readonly value: number) {}
}

// ---------------------------------------------------------------------------------------------
// Implicit resolution (PyYAML `resolver.py`, with Guild's patched float pattern).

export type Tag = 'str' | 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'merge' | 'value';

const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
export const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
// Guild's `patch_yaml_resolver` pattern; it is a superset of PyYAML's own float pattern.
export const FLOAT_RE =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP_RE =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

/** The tag a plain scalar resolves to. `strictBools` adds `y/Y/n/N` (Guild's encoder patch). */
export function plainTag(s: string, strictBools: boolean): Tag {
  if (s === '') return 'null';
  const c = s[0];
  switch (c) {
    case '~':
      return s === '~' ? 'null' : 'str';
    case '<':
      return s === '<<' ? 'merge' : 'str';
    case '=':
      return s === '=' ? 'value' : 'str';
    case 'n':
    case 'N':
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case 'f':
    case 'F':
    case 'o':
    case 'O':
      if (s === 'null' || s === 'Null' || s === 'NULL') return 'null';
      if (BOOL_RE.test(s)) return 'bool';
      if (strictBools && s.length === 1 && 'yYnN'.includes(c)) return 'bool';
      return 'str';
    default:
      if ((c >= '0' && c <= '9') || c === '-' || c === '+' || c === '.') {
        if (c !== '.' && INT_RE.test(s)) return 'int';
        if (FLOAT_RE.test(s)) return 'float';
        if (c >= '0' && c <= '9' && TIMESTAMP_RE.test(s)) return 'timestamp';
      }
      return 'str';
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function constructInt(text: string): number | bigint | undefined {
  let v = text.replace(/_/g, '');
  let sign = 1n;
  if (v[0] === '-') sign = -1n;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  let n: bigint;
  if (v === '0') return 0;
  if (v.startsWith('0b') || v.startsWith('0x')) {
    if (v.length === 2) return undefined; // `0x_`: Python's int() rejects it too
    n = BigInt(v);
  } else if (v[0] === '0') {
    n = BigInt('0o' + v.slice(1));
  } else if (v.includes(':')) {
    n = 0n;
    for (const part of v.split(':')) n = n * 60n + BigInt(part);
  } else {
    n = BigInt(v);
  }
  n *= sign;
  return n > MAX_SAFE || n < -MAX_SAFE ? n : Number(n);
}

export function constructFloat(text: string): number | undefined {
  let v = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) {
    let n = 0;
    for (const part of v.split(':')) n = n * 60 + Number(part);
    return sign * n;
  }
  const n = Number(v);
  return Number.isNaN(n) ? undefined : sign * n; // `._` matches the pattern but is no number
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  const neg = mantissa[0] === '-';
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = exp + 1; // digits before the decimal point
  let body: string;
  if (point > -4 && point <= 16) {
    if (point <= 0) body = '0.' + '0'.repeat(-point) + digits;
    else if (point >= digits.length) body = digits + '0'.repeat(point - digits.length) + '.0';
    else body = digits.slice(0, point) + '.' + digits.slice(point);
  } else {
    const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
    body = digits[0] + frac + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  }
  return (neg ? '-' : '') + body;
}
