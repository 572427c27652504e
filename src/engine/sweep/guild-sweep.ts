// Guild's command-line sweeps (`grun run OP lr=[0.1,0.2] epochs=range[1:3]`): sequence
// functions expanded as Guild 0.9 does with numpy (`flag_util._expand_*`), the grid product
// (`batch_main`), `-m N` sampling of a grid, and random search over search dimensions. The
// sampling and random draws use java.util.Random seeded with the batch seed, so one seed always
// gives the same trials (Guild's own draws come from Python's and skopt's generators; those
// exact values are not reproduced).
import { GrunError } from '../../store/errors.js';
import type { YamlValue } from '../../store/types.js';
import { isMarkedFloat, markFloat } from '../../store/yaml11.js';
import type { SweepSpec } from '../plan-types.js';
import { JavaRandom } from './java-random.js';

export type BatchKind = 'grid' | 'random';

/** Guild's `DEFAULT_MAX_TRIALS` for random and optimizer batches. */
export const DEFAULT_RANDOM_TRIALS = 20;

/** A search dimension of a random batch. */
export type Dimension =
  | { kind: 'choice'; values: YamlValue[] }
  | { kind: 'uniform'; low: number; high: number; int: boolean }
  | { kind: 'loguniform'; low: number; high: number };

const SEARCH_FUNCTIONS = new Set(['', 'uniform', 'loguniform']);

function fnText(name: string, args: YamlValue[]): string {
  return `${name}[${args.map(String).join(':')}]`;
}

function numericArgs(name: string, args: YamlValue[], required: number): number[] {
  if (args.length < required) {
    throw new GrunError(`${fnText(name, args)}: ${name} needs at least ${required} argument(s)`);
  }
  return args.map((a) => {
    if (typeof a === 'number') return a;
    if (typeof a === 'bigint') return Number(a);
    throw new GrunError(`${fnText(name, args)}: invalid argument ${JSON.stringify(a)}: expected a number`);
  });
}

/** Python's `round(x, 8)`: nearest, ties to even on the exact binary value. */
function round8(x: number): number {
  if (x >= 2 ** 52) return x; // no fraction left to round
  const exact = x.toFixed(100); // exact for any double above 1e-8
  const dot = exact.indexOf('.');
  const tie = exact[dot + 9] === '5' && /^0*$/.test(exact.slice(dot + 10));
  if (!tie) return Number(x.toFixed(8));
  const down = Number(exact.slice(0, dot + 9));
  const lastDigit = Number(exact[dot + 8]);
  return lastDigit % 2 === 0 ? down : Number((down + 1e-8).toFixed(8));
}

/** Guild's `_np_seq_val`: floats above 1e-8 are rounded to 8 decimals. */
function seqValue(x: number, isFloat: boolean): number {
  return isFloat && x > 1e-8 ? round8(x) : x;
}

/** C `pow` where JS's Math.pow is not correctly rounded: integral exponents (10^-5 is 1e-05). */
function power(base: number, y: number): number {
  if (Number.isInteger(y) && Number.isInteger(base) && Math.abs(y) <= 308) {
    if (base === 10) return Number(`1e${y}`);
    const p = base ** Math.abs(y);
    if (Number.isSafeInteger(p)) return y < 0 ? 1 / p : p;
  }
  return Math.pow(base, y);
}

/** numpy `arange` (length `ceil((stop-start)/step)`, item i = start + i·((start+step)-start)). */
function arange(start: number, stop: number, step: number): number[] {
  if (step === 0) throw new GrunError(`range step cannot be 0`);
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (length > 1_000_000) throw new GrunError(`range gives ${length} values, too many for a sweep`);
  const delta = start + step - start;
  return Array.from({ length }, (_, i) => (i === 0 ? start : i === 1 ? start + step : start + i * delta));
}

/** numpy `linspace(start, stop, num)` with its endpoint. */
function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const ys = Array.from({ length: num }, (_, i) => (step === 0 ? (i / div) * delta : i * step) + start);
  if (num > 1) ys[num - 1] = stop; // numpy pins the endpoint
  return ys;
}

/** A float result as Python has it: integral values marked, so attrs say `1.0`. */
function floats(xs: number[]): number[] {
  xs.forEach((x, i) => Number.isInteger(x) && markFloat(xs, i));
  return xs;
}

/** A copy of a flags record, float marks carried over (a spread drops them). */
function copyFlags(t: Record<string, YamlValue>, except?: string): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = {};
  for (const k of Object.keys(t)) {
    out[k] = t[k]!;
    if (k !== except && isMarkedFloat(t, k)) markFloat(out, k);
  }
  return out;
}

/** A copy of a flags record with `name` set to `values[i]`. */
function withFlag(
  t: Record<string, YamlValue>,
  name: string,
  values: YamlValue[],
  i: number,
): Record<string, YamlValue> {
  const out = copyFlags(t, name);
  out[name] = values[i]!;
  if (isMarkedFloat(values, i)) markFloat(out, name);
  return out;
}

/**
 * `range[start:end:step]`, `linspace[start:end:count]`, `logspace[start:end:count:base]`, as
 * Guild 0.9 expands them: range's end is inclusive (Guild adds `min(step, 1)`), a range of
 * ints gives ints, everything else floats rounded to 8 decimals.
 */
export function sequenceValues(name: string, args: YamlValue[]): number[] {
  switch (name) {
    case 'range': {
      const [start, end, step = 1] = numericArgs(name, args, 1);
      // numpy's dtype: a float argument (`1.0` too) makes every value a float
      const isFloat = args.some((a, i) => typeof a === 'number' && (!Number.isInteger(a) || isMarkedFloat(args, i)));
      const xs = end === undefined ? arange(0, start!, 1) : arange(start!, end + Math.min(step, 1), step);
      const values = xs.map((x) => seqValue(x, isFloat));
      return isFloat ? floats(values) : values;
    }
    case 'linspace':
    case 'logspace': {
      const [start, end, count = 5, base = 10] = numericArgs(name, args, 2);
      if (!Number.isInteger(count) || count < 0) {
        throw new GrunError(`${fnText(name, args)}: count must be a non-negative integer`);
      }
      if (count > 1_000_000) throw new GrunError(`${fnText(name, args)}: count ${count} is too many for a sweep`);
      const ys = linspace(start!, end!, count);
      return floats((name === 'logspace' ? ys.map((y) => power(base, y)) : ys).map((x) => seqValue(x, true)));
    }
    default:
      throw new GrunError(`${fnText(name, args)}: '${name}' is not a sequence function (range, linspace, logspace)`);
  }
}

/** A search function (`uniform[a:b]`, `[a:b]`, `loguniform[a:b]`) as a dimension. */
function searchDimension(name: string, args: YamlValue[]): Dimension {
  const [low, high] = numericArgs(name, args, 2);
  if (!(low! < high!)) throw new GrunError(`${fnText(name, args)}: the lower bound must be below the upper bound`);
  if (name === 'loguniform') {
    if (!(low! > 0)) throw new GrunError(`${fnText(name, args)}: loguniform bounds must be above 0`);
    return { kind: 'loguniform', low: low!, high: high! };
  }
  // `uniform[-1.0:1.0]` is a float dimension: its bounds are marked floats
  const int = args
    .slice(0, 2)
    .every((a, i) => typeof a === 'bigint' || (typeof a === 'number' && Number.isInteger(a) && !isMarkedFloat(args, i)));
  return { kind: 'uniform', low: low!, high: high!, int };
}

function isSearchFunction(spec: SweepSpec): boolean {
  return spec.kind === 'function' && SEARCH_FUNCTIONS.has(spec.name);
}

/** The values a list or sequence function stands for. */
export function sweepValues(spec: SweepSpec): YamlValue[] {
  if (spec.kind === 'list') return spec.values;
  if (SEARCH_FUNCTIONS.has(spec.name)) {
    throw new GrunError(`${spec.text} is a search dimension: use it with -o random (or without a grid)`);
  }
  return sequenceValues(spec.name, spec.args);
}

/**
 * What batch a set of sweep flags makes: any search function asks for random search (as in
 * Guild), `-o random` forces it, lists and sequences alone make a grid; null for none.
 */
export function batchKind(sweeps: Record<string, SweepSpec>, optimizer?: string): BatchKind | null {
  if (optimizer !== undefined && optimizer !== 'random' && optimizer !== '+') {
    throw new GrunError(`unsupported optimizer '${optimizer}': expected random or +`);
  }
  const specs = Object.values(sweeps);
  // `-o +`: Guild's grid batch, of one trial when no flag is swept
  if (optimizer === '+') return specs.some(isSearchFunction) ? 'random' : 'grid';
  if (optimizer === 'random' || specs.some(isSearchFunction)) return 'random';
  return specs.length ? 'grid' : null;
}

/** Cartesian product over the sweep flags, keys sorted, the first key outermost (batch_main). */
export function gridTrials(
  flags: Record<string, YamlValue>,
  sweeps: Record<string, SweepSpec>,
): Record<string, YamlValue>[] {
  let trials: Record<string, YamlValue>[] = [flags];
  for (const name of Object.keys(sweeps).sort()) {
    const values = sweepValues(sweeps[name]!);
    trials = trials.flatMap((t) => values.map((_, i) => withFlag(t, name, values, i)));
  }
  return trials;
}

/** `-m N` on a grid: N trials drawn at random with the seed, kept in their grid order. */
export function sampleTrials<T>(trials: T[], maxTrials: number, seed: string | bigint): T[] {
  if (maxTrials >= trials.length) return trials;
  const rng = new JavaRandom(BigInt(seed));
  const picked = new Set<number>();
  // Floyd's algorithm: exactly maxTrials draws, no rejection loop
  for (let j = trials.length - maxTrials; j < trials.length; j++) {
    const t = rng.nextIntBelow(j + 1);
    picked.add(picked.has(t) ? j : t);
  }
  return trials.filter((_, i) => picked.has(i));
}

/** One draw, as a one-item list so that a float stays marked as one. */
function draw(dim: Dimension, rng: JavaRandom): YamlValue[] {
  switch (dim.kind) {
    case 'choice': {
      const i = rng.nextIntBelow(dim.values.length);
      return isMarkedFloat(dim.values, i) ? floats([dim.values[i] as number]) : [dim.values[i]!];
    }
    case 'uniform':
      return dim.int
        ? [dim.low + rng.nextIntBelow(dim.high - dim.low + 1)]
        : floats([dim.low + (dim.high - dim.low) * rng.nextDouble()]);
    case 'loguniform':
      return floats([Math.exp(Math.log(dim.low) + (Math.log(dim.high) - Math.log(dim.low)) * rng.nextDouble())]);
  }
}

/** The dimension a sweep flag stands for in random search (lists and sequences are choices). */
export function dimensionOf(spec: SweepSpec): Dimension {
  if (spec.kind === 'function' && SEARCH_FUNCTIONS.has(spec.name)) return searchDimension(spec.name, spec.args);
  const values = sweepValues(spec);
  if (!values.length) throw new GrunError(`${spec.kind === 'function' ? spec.text : '[]'} gives no values`);
  return { kind: 'choice', values };
}

/**
 * `-o random -m N`: N trials, each drawing every sweep flag (in sorted name order) from
 * java.util.Random(seed), so the same seed gives the same trials.
 */
export function randomTrials(
  flags: Record<string, YamlValue>,
  sweeps: Record<string, SweepSpec>,
  maxTrials: number,
  seed: string | bigint,
): Record<string, YamlValue>[] {
  const dims = Object.keys(sweeps)
    .sort()
    .map((name) => [name, dimensionOf(sweeps[name]!)] as const);
  const rng = new JavaRandom(BigInt(seed));
  return Array.from({ length: maxTrials }, () =>
    dims.reduce((t, [name, dim]) => withFlag(t, name, draw(dim, rng), 0), copyFlags(flags)),
  );
}
