// Gaussian-process search with expected improvement (Guild's `-o gp`, aliases `bayesian` and
// `gaussian`). grun writes its own: no maintained pure-JS library fits a GP or does Bayesian
// optimization. Matérn 5/2 kernel with one length scale per feature, hyperparameters fitted by
// maximizing the log marginal likelihood (restarts from a grid, then coordinate search in log
// space); choices one-hot; the acquisition maximized over random candidates and the
// neighbourhoods of the best trials, then refined locally. Running trials count as "constant
// liars" at the best value so far, so parallel proposals spread out.
import { type Point, type Space, isChoice, pointKey } from './space.js';
import { type Trial, freshRandomPoint, observed, usedKeys, checkRoom } from './trials.js';
import type { Rng } from './rng.js';
import { normCdf, normPdf } from './stats.js';

export type AcqFunc = 'EI' | 'PI' | 'LCB';

export interface GpSettings {
  /** Trials drawn at random before the model is used (Guild's `random-starts`). */
  randomStarts: number;
  acqFunc: AcqFunc;
  /** Improvement margin of EI and PI, in units of the objective's standard deviation. */
  xi: number;
  /** Exploration weight of LCB. */
  kappa: number;
  /** `gaussian`: the noise level is fitted; a number: fixed noise variance (normalized objective). */
  noise: 'gaussian' | number;
}

export const GP_DEFAULTS: GpSettings = { randomStarts: 3, acqFunc: 'EI', xi: 0.05, kappa: 1.96, noise: 'gaussian' };

/** The feature vector of a point: numeric coordinates as they are, choices one-hot. */
function featurize(space: Space, p: Point): number[] {
  const f: number[] = [];
  space.dims.forEach((d, i) => {
    if (isChoice(d)) d.values.forEach((_, k) => f.push(k === p[i] ? 1 : 0));
    else f.push(p[i]!);
  });
  return f;
}

interface Hyper {
  logLen: number[];
  logAmp: number;
  logNoise: number;
}

function matern52(a: number[], b: number[], invLen: number[], amp: number): number {
  let r2 = 0;
  for (let d = 0; d < a.length; d++) {
    const z = (a[d]! - b[d]!) * invLen[d]!;
    r2 += z * z;
  }
  const r = Math.sqrt(5 * r2);
  return amp * (1 + r + (5 * r2) / 3) * Math.exp(-r);
}

/** Lower Cholesky factor in place of a row-major n×n matrix; false when not positive definite. */
function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= a[j * n + k]! ** 2;
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = t / l;
    }
  }
  return true;
}

function forwardSolve(l: Float64Array, n: number, b: number[]): number[] {
  const x = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

function backSolve(l: Float64Array, n: number, b: number[]): number[] {
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

interface Model {
  xs: number[][];
  chol: Float64Array;
  alpha: number[];
  invLen: number[];
  amp: number;
}

function factor(xs: number[][], ys: number[], h: Hyper): { model: Model; logLik: number } | null {
  const n = xs.length;
  const invLen = h.logLen.map((l) => Math.exp(-l));
  const amp = Math.exp(h.logAmp);
  const noise = Math.exp(h.logNoise);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = matern52(xs[i]!, xs[j]!, invLen, amp);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
    k[i * n + i] = k[i * n + i]! + noise + 1e-8;
  }
  if (!cholesky(k, n)) return null;
  const alpha = backSolve(k, n, forwardSolve(k, n, ys));
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(k[i * n + i]!);
  const fit = ys.reduce((s, y, i) => s + y * alpha[i]!, 0);
  // a weak log-normal prior on the length scales keeps the fit away from degenerate extremes
  const prior = h.logLen.reduce((s, l) => s + ((l - Math.log(0.5)) / 1.5) ** 2 / 2, 0);
  return { model: { xs, chol: k, alpha, invLen, amp }, logLik: -0.5 * fit - logDet - prior };
}

const BOUNDS = { len: [Math.log(0.01), Math.log(20)], amp: [Math.log(0.05), Math.log(20)], noise: [Math.log(1e-6), Math.log(1)] } as const;

function clampHyper(h: Hyper): Hyper {
  const c = (x: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, x));
  return { logLen: h.logLen.map((l) => c(l, BOUNDS.len)), logAmp: c(h.logAmp, BOUNDS.amp), logNoise: c(h.logNoise, BOUNDS.noise) };
}

/** Hyperparameters by maximum marginal likelihood: the best of a grid of isotropic starts, then coordinate search. */
function fitHyper(xs: number[][], ys: number[], dim: number, noise: GpSettings['noise']): Model {
  const fixedNoise = noise === 'gaussian' ? null : Math.log(Math.max(noise, 1e-6));
  const score = (h: Hyper) => factor(xs, ys, h)?.logLik ?? -Infinity;
  let best: Hyper = { logLen: Array(dim).fill(Math.log(0.5)), logAmp: 0, logNoise: fixedNoise ?? Math.log(1e-3) };
  let bestScore = score(best);
  for (const len of [0.1, 0.25, 0.5, 1, 2]) {
    for (const n of fixedNoise === null ? [1e-4, 1e-2, 0.1] : [Math.exp(fixedNoise)]) {
      const h: Hyper = { logLen: Array(dim).fill(Math.log(len)), logAmp: 0, logNoise: Math.log(n) };
      const s = score(h);
      if (s > bestScore) [best, bestScore] = [h, s];
    }
  }
  for (let step = 1; step > 0.1; step /= 2) {
    let improved = true;
    for (let round = 0; improved && round < 3; round++) {
      improved = false;
      const coords = dim + 1 + (fixedNoise === null ? 1 : 0);
      for (let c = 0; c < coords; c++) {
        for (const sign of [1, -1]) {
          const h: Hyper = { logLen: [...best.logLen], logAmp: best.logAmp, logNoise: best.logNoise };
          if (c < dim) h.logLen[c] = h.logLen[c]! + sign * step;
          else if (c === dim) h.logAmp += sign * step;
          else h.logNoise += sign * step * 2;
          const hc = clampHyper(h);
          const s = score(hc);
          if (s > bestScore + 1e-9) {
            [best, bestScore] = [hc, s];
            improved = true;
            break;
          }
        }
      }
    }
  }
  return factor(xs, ys, best)?.model ?? factor(xs, ys, { ...best, logNoise: Math.log(0.1) })!.model;
}

function predict(m: Model, x: number[]): { mu: number; sigma: number } {
  const n = m.xs.length;
  const ks = m.xs.map((xi) => matern52(x, xi, m.invLen, m.amp));
  const mu = ks.reduce((s, k, i) => s + k * m.alpha[i]!, 0);
  const v = forwardSolve(m.chol, n, ks);
  const variance = m.amp - v.reduce((s, a) => s + a * a, 0);
  return { mu, sigma: Math.sqrt(Math.max(variance, 1e-12)) };
}

/** The acquisition value (higher is better) of a prediction, the objective minimized. */
export function acquisition(s: GpSettings, mu: number, sigma: number, best: number): number {
  switch (s.acqFunc) {
    case 'LCB':
      return -(mu - s.kappa * sigma);
    case 'PI':
      return normCdf((best - mu - s.xi) / sigma);
    case 'EI': {
      const imp = best - mu - s.xi;
      const z = imp / sigma;
      return imp * normCdf(z) + sigma * normPdf(z);
    }
  }
}

function neighbour(space: Space, p: Point, scale: number, rng: Rng): Point {
  return space.dims.map((d, i) => {
    if (isChoice(d)) return rng.next() < 0.15 ? rng.int(d.values.length) : p[i]!;
    return Math.min(1, Math.max(0, p[i]! + scale * rng.normal()));
  });
}

/** The next point to try. */
export function proposeGp(space: Space, trials: Trial[], settings: GpSettings, rng: Rng): Point {
  checkRoom(space, trials);
  const obs = observed(trials);
  if (obs.length < Math.max(settings.randomStarts, 2)) return freshRandomPoint(space, trials, rng);
  const raw = obs.map((t) => t.value);
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  const std = Math.sqrt(raw.reduce((a, b) => a + (b - mean) ** 2, 0) / raw.length) || 1;
  const ys = raw.map((y) => (y - mean) / std);
  const xs = obs.map((t) => featurize(space, t.point));
  const dim = xs[0]!.length;
  const fitted = fitHyper(xs, ys, dim, settings.noise);
  const best = Math.min(...ys);
  const pending = trials.filter((t) => t.value === undefined || !Number.isFinite(t.value));
  let model = fitted;
  if (pending.length) {
    // constant liar: running trials are taken to reach the best value; the same hyperparameters
    const h: Hyper = { logLen: fitted.invLen.map((v) => -Math.log(v)), logAmp: Math.log(fitted.amp), logNoise: Math.log(1e-4) };
    const lied = factor([...xs, ...pending.map((t) => featurize(space, t.point))], [...ys, ...pending.map(() => best)], h);
    if (lied) model = lied.model;
  }
  const used = usedKeys(space, trials);
  const acq = (p: Point) => {
    if (used.has(pointKey(space, p))) return -Infinity;
    const { mu, sigma } = predict(model, featurize(space, p));
    return acquisition(settings, mu, sigma, best);
  };
  const candidates: Point[] = [];
  for (let i = 0; i < 1000; i++) candidates.push(space.dims.map((d) => (isChoice(d) ? rng.int(d.values.length) : rng.next())));
  const elite = [...obs].sort((a, b) => a.value - b.value).slice(0, 5);
  for (const t of elite) for (let i = 0; i < 40; i++) candidates.push(neighbour(space, t.point, 0.05, rng));
  const scored = candidates.map((p) => ({ p, a: acq(p) })).sort((x, y) => y.a - x.a);
  let top = scored[0]!;
  for (const start of scored.slice(0, 5)) {
    let cur = start;
    for (let scale = 0.05; scale > 0.001; scale /= 2) {
      for (let i = 0; i < 10; i++) {
        const p = neighbour(space, cur.p, scale, rng);
        const a = acq(p);
        if (a > cur.a) cur = { p, a };
      }
    }
    if (cur.a > top.a) top = cur;
  }
  return top.a === -Infinity ? freshRandomPoint(space, trials, rng) : top.p;
}
