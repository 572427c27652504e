// Tree-structured Parzen estimator (`-o tpe`), after Optuna's TPESampler: trials split at
// gamma(n) = min(ceil(0.1·n), 25) into good and bad, a Parzen mixture over each (one kernel per
// trial plus a prior kernel, weights ramped down for old trials once there are 25), candidates
// drawn from the good mixture, the one with the highest l(x)/g(x) proposed. 8 random starts and
// 100 candidates (Optuna: 10 and 24) did best on bench/optimizers.ts. The
// kernels are multivariate (one kernel per trial over all dimensions, Scott's bandwidth), which
// follows the correlations a product of one-dimensional estimators misses; running trials are
// counted as bad ("constant liar"). grun writes its own: no maintained pure-JS library does TPE.
import { type Point, type Space, isChoice, pointKey } from './space.js';
import { type Trial, checkRoom, freshRandomPoint, observed, usedKeys } from './trials.js';
import type { Rng } from './rng.js';
import { normCdf } from './stats.js';

export interface TpeSettings {
  /** Trials drawn at random before the estimator is used (Optuna's `n_startup_trials`). */
  randomStarts: number;
  /** Candidates drawn from the good trials' mixture (Optuna's `n_ei_candidates`). */
  candidates: number;
  /** Weight of the prior kernel (Optuna's `prior_weight`). */
  priorWeight: number;
}

export const TPE_DEFAULTS: TpeSettings = { randomStarts: 8, candidates: 100, priorWeight: 1 };

/** Optuna's `default_gamma`: how many of n trials are good. */
export function gammaSplit(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Optuna's `default_weights`: flat below 25 trials, then older trials ramped down (oldest first). */
export function trialWeights(n: number): number[] {
  if (n < 25) return Array(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (n - 26)));
  return [...ramp, ...Array(25).fill(1)];
}

interface Kernel {
  weight: number;
  /** Per dimension: a numeric kernel's centre and width, or a choice's probabilities. */
  parts: ({ mu: number; sigma: number } | { probs: number[] })[];
}

/** The Parzen mixture over a group of points (in trial order) plus the prior kernel. */
function parzen(space: Space, points: Point[], weights: number[], s: TpeSettings): Kernel[] {
  const n = points.length;
  const numeric = space.dims.filter((d) => !isChoice(d)).length;
  const scott = 0.2 * Math.max(n, 1) ** (-1 / (numeric + 4));
  const minSigma = 1 / Math.min(100, 1 + n + 1);
  const sigma = Math.min(1, Math.max(minSigma, scott));
  const kernels: Kernel[] = points.map((p, k) => ({
    weight: weights[k]!,
    parts: space.dims.map((d, i) => {
      if (!isChoice(d)) return { mu: p[i]!, sigma };
      const fill = s.priorWeight / (n + 1);
      const probs = d.values.map((_, c) => (c === p[i] ? 1 : 0) + fill);
      const sum = probs.reduce((a, b) => a + b, 0);
      return { probs: probs.map((q) => q / sum) };
    }),
  }));
  kernels.push({
    weight: s.priorWeight,
    parts: space.dims.map((d) => (isChoice(d) ? { probs: d.values.map(() => 1 / d.values.length) } : { mu: 0.5, sigma: 1 })),
  });
  const total = kernels.reduce((a, k) => a + k.weight, 0);
  for (const k of kernels) k.weight /= total;
  return kernels;
}

function truncNormalSample(mu: number, sigma: number, rng: Rng): number {
  for (let i = 0; i < 100; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return Math.min(1, Math.max(0, mu));
}

function sample(kernels: Kernel[], rng: Rng): Point {
  let u = rng.next();
  let k = kernels[kernels.length - 1]!;
  for (const c of kernels) {
    if ((u -= c.weight) < 0) {
      k = c;
      break;
    }
  }
  return k.parts.map((part) => {
    if ('probs' in part) {
      let v = rng.next();
      for (let c = 0; c < part.probs.length; c++) if ((v -= part.probs[c]!) < 0) return c;
      return part.probs.length - 1;
    }
    return truncNormalSample(part.mu, part.sigma, rng);
  });
}

function logDensity(kernels: Kernel[], p: Point): number {
  const logs = kernels.map((k) =>
    k.parts.reduce((s, part, i) => {
      if ('probs' in part) return s + Math.log(part.probs[p[i]!]!);
      const z = (p[i]! - part.mu) / part.sigma;
      const mass = normCdf((1 - part.mu) / part.sigma) - normCdf(-part.mu / part.sigma);
      return s - 0.5 * z * z - Math.log(part.sigma * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
    }, Math.log(k.weight)),
  );
  const top = Math.max(...logs);
  return top + Math.log(logs.reduce((s, l) => s + Math.exp(l - top), 0));
}

/** The next point to try. */
export function proposeTpe(space: Space, trials: Trial[], settings: TpeSettings, rng: Rng): Point {
  checkRoom(space, trials);
  const obs = observed(trials);
  if (obs.length < Math.max(settings.randomStarts, 1)) return freshRandomPoint(space, trials, rng);
  // good/bad split by value; each group keeps trial order for the age weights
  const order = obs.map((t, i) => ({ t, i })).sort((a, b) => a.t.value - b.t.value);
  const nGood = gammaSplit(obs.length);
  const goodIdx = new Set(order.slice(0, nGood).map((o) => o.i));
  const good = obs.filter((_, i) => goodIdx.has(i)).map((t) => t.point);
  const pending = trials.filter((t) => t.value === undefined || !Number.isFinite(t.value)).map((t) => t.point);
  const bad = [...obs.filter((_, i) => !goodIdx.has(i)).map((t) => t.point), ...pending];
  const l = parzen(space, good, trialWeights(good.length), settings);
  const g = parzen(space, bad, trialWeights(bad.length), settings);
  const used = usedKeys(space, trials);
  let best: { p: Point; score: number } | null = null;
  for (let i = 0; i < settings.candidates; i++) {
    const p = sample(l, rng);
    if (used.has(pointKey(space, p))) continue;
    const score = logDensity(l, p) - logDensity(g, p);
    if (!best || score > best.score) best = { p, score };
  }
  return best?.p ?? freshRandomPoint(space, trials, rng);
}
