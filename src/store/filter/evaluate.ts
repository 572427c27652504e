// Evaluates a parsed filter against one run with Guild's semantics (`guild/filter.py`,
// `guild/index.py`): references resolve to a run attr, else a flag, else the last value of a
// scalar; values compare as Python compares them (no coercion between strings and numbers:
// `lr = '0.1'` is false for a float flag, and an ordering between a string and a number is
// false rather than an error). Kept allocation-free on the common paths: the dashboard runs it
// over every run on each keystroke.
import { homedir } from 'node:os';
import type { Opref, Run, ScalarSummary, YamlValue } from '../types.js';
import { pyRepr } from '../flagfmt.js';
import type { FilterNode, ValueRef } from './parser.js';
import { scalarKeyParts } from './scalar-key.js';
import { CachedRun } from '../cached-run.js';

/** Last value of a scalar by key (`loss`, `target/.guild#loss`), or undefined when the run has none. */
export type ScalarLookup = (key: string) => number | undefined;

export function matchFilter(node: FilterNode, run: Run, scalars: ScalarLookup): boolean {
  switch (node.kind) {
    case 'and':
      return matchFilter(node.left, run, scalars) && matchFilter(node.right, run, scalars);
    case 'or':
      return matchFilter(node.left, run, scalars) || matchFilter(node.right, run, scalars);
    case 'not':
      return !matchFilter(node.expr, run, scalars);
    case 'term':
      return pyTruthy(node.value);
    case 'compare': {
      const v = resolveRef(node.ref, run, scalars);
      if (node.op === '=') return pyEq(v, node.value);
      if (node.op === '!=') return !pyEq(v, node.value);
      const c = pyCompare(v, node.value);
      if (c === undefined) return false;
      if (node.op === '<') return c < 0;
      if (node.op === '<=') return c <= 0;
      if (node.op === '>') return c > 0;
      return c >= 0;
    }
    case 'in': {
      const v = resolveRef(node.ref, run, scalars);
      let found = false;
      for (const x of node.values) {
        if (pyEq(v, x)) {
          found = true;
          break;
        }
      }
      return found !== node.negate;
    }
    case 'contains': {
      const v = resolveRef(node.ref, run, scalars);
      // Guild: an empty or missing value contains nothing, so `not contains` holds for it.
      if (!pyTruthy(v)) return node.negate;
      return containsValue(v, node.value) !== node.negate;
    }
  }
}

/**
 * Guild's scalar lookup for filters: the first summary with the key's tag whose prefix equals
 * the key's prefix (`target/.guild#loss`); a key without `#` matches the tag under any prefix.
 */
export function scalarLookup(summaries: readonly ScalarLast[]): ScalarLookup {
  return (key) => lastScalarValue(summaries, key);
}

/** What a lookup reads of a scalar: a summary, or the values a summary cache line keeps. */
export type ScalarLast = Pick<ScalarSummary, 'prefix' | 'tag' | 'last'>;

export function lastScalarValue(summaries: readonly ScalarLast[], key: string): number | undefined {
  const [prefix, tag] = scalarKeyParts(key);
  for (const s of summaries) {
    if (s.tag === tag && (prefix === '' || s.prefix === prefix)) return s.last;
  }
  return undefined;
}

function resolveRef(ref: ValueRef, run: Run, scalars: ScalarLookup): YamlValue {
  switch (ref.source) {
    case 'attr':
      return attrValue(ref.name, run);
    case 'flag':
      return flagValue(ref.name, run);
    case 'scalar':
      return scalars(ref.name) ?? null;
    case 'auto': {
      const attr = attrValue(ref.name, run);
      if (attr !== null) return attr;
      const flag = flagValue(ref.name, run);
      if (flag !== null) return flag;
      return scalars(ref.name) ?? null;
    }
  }
}

function flagValue(name: string, run: Run): YamlValue {
  // a run as its cache line holds it: its flags parsed only when they may hold the name
  if (run instanceof CachedRun) return run.flag(name);
  return Object.hasOwn(run.flags, name) ? (run.flags[name] ?? null) : null;
}

function attrValue(name: string, run: Run): YamlValue {
  const get = ATTRS.get(name);
  return get ? get(run) : null;
}

/**
 * Run attrs a filter can name. The first group is Guild's index `CORE_ATTRS` (derived, they
 * shadow attr files of the same name); the rest are the attr files a run summary holds. Attr
 * files grun does not load (`env`, `cmd`, `deps`, …) read as undefined.
 */
const ATTRS = new Map<string, (r: Run) => YamlValue>([
  ['id', (r) => r.id],
  ['run', (r) => r.id.slice(0, 8)],
  ['short_id', (r) => r.id.slice(0, 8)],
  ['operation', (r) => r.operation],
  ['from', (r) => (r.opref ? formatPkgName(r.opref) : null)],
  ['op', (r) => r.opref?.opName ?? null],
  ['op_model', (r) => r.opref?.modelName ?? null],
  ['sourcecode', (r) => (r.sourcecodeDigest ? r.sourcecodeDigest.slice(0, 8) : '')],
  ['started', (r) => formatTimestamp(r.started)],
  ['stopped', (r) => formatTimestamp(r.stopped)],
  ['status', (r) => r.status],
  ['time', (r) => formatRunDuration(r)],
  ['label', (r) => r.label],
  // An absent attr is None to Guild; the summary keeps [] / false for those.
  ['tags', (r) => (r.tags.length ? r.tags : null)],
  ['comments', (r) => (r.comments.length ? (r.comments as unknown as YamlValue[]) : null)],
  ['marked', (r) => (r.marked ? true : null)],
  ['exit_status', (r) => r.exitStatus],
  ['flags', (r) => r.flags],
  ['sourcecode_digest', (r) => r.sourcecodeDigest],
  ['host', (r) => r.host],
  ['user', (r) => r.user],
  ['random_seed', (r) => (r.seed === null ? null : Number(r.seed))],
  ['initialized', (r) => r.initialized],
]);

function formatPkgName(o: Opref): string {
  if (o.pkgType === 'guildfile' || o.pkgType === 'script') {
    const home = homedir();
    return home && o.pkgName.startsWith(home) ? `~${o.pkgName.slice(home.length)}` : o.pkgName;
  }
  if (o.pkgType === 'package') return `${o.pkgName}==${o.pkgVersion}`;
  return o.pkgName;
}

/** Guild's `util.format_timestamp`: local `%Y-%m-%d %H:%M:%S`, '' when unset. */
function formatTimestamp(us: number | null): string {
  if (!us) return '';
  const d = new Date(Math.floor(us / 1000));
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** Guild's `time` attr: `H:MM:SS` from started to stopped (to now while running). */
function formatRunDuration(r: Run): string | null {
  if (!r.started) return null;
  const end = r.status === 'running' ? Date.now() * 1000 : r.stopped;
  if (!end) return null;
  const secs = Math.max(0, Math.floor((end - r.started) / 1e6));
  return `${Math.floor(secs / 3600)}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function containsValue(v: YamlValue, target: YamlValue): boolean {
  if (Array.isArray(v)) {
    if (Array.isArray(target)) return target.every((t) => v.some((x) => pyEq(x, t)));
    return v.some((x) => pyEq(x, target));
  }
  // Guild: `str(target).lower() in str(value).lower()`.
  return pyStr(v).toLowerCase().includes(pyStr(target).toLowerCase());
}

function pyTruthy(v: YamlValue): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** Python `==` over YAML values: bools are ints (`true = 1`), ints equal floats, no other mixing. */
function pyEq(a: YamlValue, b: YamlValue): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'boolean') && (tb === 'number' || tb === 'boolean')) {
    return Number(a) === Number(b);
  }
  if (ta !== 'object' || tb !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i]!, b[i]!)) return false;
    return true;
  }
  const oa = a as { [k: string]: YamlValue };
  const ob = b as { [k: string]: YamlValue };
  const keys = Object.keys(oa);
  if (keys.length !== Object.keys(ob).length) return false;
  return keys.every((k) => Object.hasOwn(ob, k) && pyEq(oa[k]!, ob[k]!));
}

/**
 * Python ordering: sign of a-b, NaN when a float NaN is involved, undefined where Python raises
 * TypeError (None, str vs number, dicts), which Guild's filter turns into "no match".
 */
function pyCompare(a: YamlValue, b: YamlValue): number | undefined {
  if (a === null || b === null) return undefined;
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === 'number' || ta === 'boolean') && (tb === 'number' || tb === 'boolean')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  }
  if (ta === 'string' && tb === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (!pyEq(a[i]!, b[i]!)) return pyCompare(a[i]!, b[i]!);
    }
    return a.length - b.length;
  }
  return undefined;
}

/** Python `str()` of a YAML value, for `contains` on non-list values. */
function pyStr(v: YamlValue): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}
