// Early stopping of trials from the scalars they log, as pure decisions over a table of trials
// (grun writes its own: no maintained pure-JS library does median stopping or ASHA). `median`:
// after a warm-up, a trial whose latest value at step s is worse than the median of the other
// trials' values at s (each one's latest value at or before s, among trials that reached s) is
// pruned (Optuna's MedianPruner). `asha`: rungs at min-resource·rf^k steps; a trial reaching a
// rung goes on only if its value there is in the best 1/rf of the values recorded at that rung
// so far (Optuna's SuccessiveHalvingPruner, asynchronous: no trial waits for others). Its
// default min-resource, `auto`, is a full run's length / rf² (two rungs below a full run), the
// length read from the longest trial that ended, and nothing is pruned before one has: at the
// first steps every curve is still in its opening transient and noise decides the order (on
// bench/pruning.ts a first rung at step 1 kept the best configuration in 6 of 10 seeds).
import { GrunError } from '../../store/errors.js';
import type { YamlValue } from '../../store/types.js';
import { median } from './stats.js';

/** A trial's series of the objective column: [step, value] in step order. */
export interface TrialCurve {
  id: string;
  points: [number, number][];
  /** asha: the highest rung this trial was already let through (judged once per rung, as Optuna). */
  passedRung?: number;
  /** The trial has ended (its length tells asha's `auto` min-resource how long a full run is). */
  ended?: boolean;
}

export type PrunerSettings =
  | { name: 'median'; warmupSteps: number; startupTrials: number }
  | { name: 'asha'; minResource: number | 'auto'; reductionFactor: number };

export interface Verdict {
  prune: boolean;
  reason?: string;
  /** asha: the rung judged (to be recorded as passed when not pruned). */
  rung?: number;
}

/** Settings from `--prune NAME` and `-Fp key=value` (Guild-style names). */
export function prunerSettings(name: string, flags: Record<string, YamlValue> = {}): PrunerSettings {
  const num = (key: string, dflt: number, min: number) => {
    const v = flags[key];
    if (v === undefined || v === null) return dflt;
    const x = typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min) {
      throw new GrunError(`pruner ${name}: ${key}=${String(v)}: expected an integer >= ${min}`);
    }
    return x;
  };
  const known: Record<string, string[]> = { median: ['warmup-steps', 'startup-trials'], asha: ['min-resource', 'reduction-factor'] };
  if (!known[name]) throw new GrunError(`unknown pruner '${name}': expected median or asha`);
  for (const k of Object.keys(flags)) {
    if (!known[name].includes(k)) throw new GrunError(`pruner ${name}: unknown setting '${k}' (expected ${known[name].join(', ')})`);
  }
  if (name === 'median') return { name, warmupSteps: num('warmup-steps', 5, 0), startupTrials: num('startup-trials', 5, 1) };
  const auto = flags['min-resource'] === undefined || flags['min-resource'] === null || flags['min-resource'] === 'auto';
  return { name: 'asha', minResource: auto ? 'auto' : num('min-resource', 1, 1), reductionFactor: num('reduction-factor', 3, 2) };
}

/** The value of a curve at step s: its latest value at or before s; null before its first. */
export function valueAt(points: [number, number][], step: number): number | null {
  let v: number | null = null;
  for (const [s, x] of points) {
    if (s > step) break;
    v = x;
  }
  return v;
}

function lastStep(points: [number, number][]): number {
  return points.length ? points[points.length - 1]![0] : -Infinity;
}

/** asha's `auto` min-resource: the longest ended trial's last step / rf², at least 1; null before any trial ended. */
function autoMinResource(others: TrialCurve[], rf: number): number | null {
  const full = Math.max(...others.filter((o) => o.ended).map((o) => lastStep(o.points)));
  return full > 0 ? Math.max(1, Math.round(full / rf ** 2)) : null;
}

const fmt = (x: number) => Number(x.toPrecision(4)).toString();

/**
 * Whether `trial` (still running) is to be stopped now, given the other trials of the search
 * (running or finished). `minimize` says which way is better; `column` names it in the reason.
 */
export function judge(
  s: PrunerSettings,
  trial: TrialCurve,
  others: TrialCurve[],
  opts: { minimize: boolean; column: string },
): Verdict {
  if (!trial.points.length) return { prune: false };
  const [step, value] = trial.points[trial.points.length - 1]!;
  const worse = (a: number, b: number) => (opts.minimize ? a > b : a < b);
  const op = opts.minimize ? '>' : '<';
  if (s.name === 'median') {
    if (step < s.warmupSteps) return { prune: false };
    const peers = others
      .filter((o) => lastStep(o.points) >= step)
      .map((o) => valueAt(o.points, step))
      .filter((v): v is number => v !== null);
    if (peers.length < s.startupTrials) return { prune: false };
    const m = median(peers);
    return worse(value, m)
      ? { prune: true, reason: `pruned at step ${step}: ${opts.column} ${fmt(value)} ${op} median ${fmt(m)}` }
      : { prune: false };
  }
  const minResource = s.minResource === 'auto' ? autoMinResource(others, s.reductionFactor) : s.minResource;
  if (minResource === null) return { prune: false };
  // the highest rung the trial has reached
  let rung = -1;
  for (let r = minResource; r <= step; r *= s.reductionFactor) rung++;
  if (rung < 0 || rung <= (trial.passedRung ?? -1)) return { prune: false };
  const rungStep = minResource * s.reductionFactor ** rung;
  const own = valueAt(trial.points, rungStep)!;
  const peers = others
    .filter((o) => lastStep(o.points) >= rungStep)
    .map((o) => valueAt(o.points, rungStep))
    .filter((v): v is number => v !== null);
  const all = [...peers, own].sort((a, b) => (opts.minimize ? a - b : b - a));
  const keep = Math.max(1, Math.floor(all.length / s.reductionFactor));
  const cutoff = all[keep - 1]!;
  return worse(own, cutoff)
    ? { prune: true, reason: `pruned at step ${rungStep}: ${opts.column} ${fmt(own)} ${op} rung ${rung} cutoff ${fmt(cutoff)} (best 1/${s.reductionFactor} of ${all.length})` }
    : { prune: false, rung };
}
