// `npm run bench -- optimizers`: the median best value found over SEEDS seeds at a fixed budget
// (Branin at 30 trials, Hartmann-6 at 60; both minimized, optima 0.397887 and -3.32237) by
// grun's random, gp and tpe search, side by side with Optuna's TPE (its defaults) on the same
// objective and budget. Optuna comes from Debian's python3-optuna, installed with apt-get when
// python3 cannot import it. The optimizers are run as the engine runs them, one proposal at a time.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type OptimizerName, proposer } from '../src/engine/optimize/optimizer.js';
import { Rng } from '../src/engine/optimize/rng.js';
import type { Space } from '../src/engine/optimize/space.js';
import type { Trial } from '../src/engine/optimize/trials.js';
import { median } from '../src/engine/optimize/stats.js';

const SEEDS = Number(process.env.BENCH_SEEDS ?? 20);

const A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
const P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]];
const ALPHA = [1.0, 1.2, 3.0, 3.2];

interface Problem { name: string; trials: number; space: Space; f: (x: number[]) => number }

const uniform = (low: number, high: number) => ({ kind: 'uniform' as const, low, high, int: false });
const problems: Problem[] = [
  {
    name: 'branin',
    trials: 30,
    space: { names: ['x1', 'x2'], dims: [uniform(-5, 10), uniform(0, 15)] },
    f: ([x1, x2]) => {
      const b = 5.1 / (4 * Math.PI ** 2);
      const c = 5 / Math.PI;
      return (x2! - b * x1! ** 2 + c * x1! - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1!) + 10;
    },
  },
  {
    name: 'hartmann6',
    trials: 60,
    space: { names: ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'], dims: Array.from({ length: 6 }, () => uniform(0, 1)) },
    f: (x) => -ALPHA.reduce((s, a, i) => s + a * Math.exp(-x.reduce((t, xj, j) => t + A[i]![j]! * (xj - P[i]![j]! * 1e-4) ** 2, 0)), 0),
  },
];

function runGrun(p: Problem, name: OptimizerName, seed: number): number {
  const propose = proposer(name, {});
  const rng = new Rng(seed);
  const trials: Trial[] = [];
  for (let i = 0; i < p.trials; i++) {
    const point = propose(p.space, trials, rng);
    const x = p.space.dims.map((d, k) => (d.kind === 'uniform' ? d.low + point[k]! * (d.high - d.low) : NaN));
    trials.push({ point, value: p.f(x) });
  }
  return Math.min(...trials.map((t) => t.value!));
}

/** A python3 that imports optuna (the one on PATH, else Debian's), installing Debian's package if none does. */
function optunaPython(): string {
  const imports = (py: string) => {
    try {
      execFileSync(py, ['-c', 'import optuna'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const found = ['python3', '/usr/bin/python3'].find(imports);
  if (found) return found;
  console.log('no python3 here imports optuna: installing python3-optuna with apt-get');
  execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq python3-optuna'], { stdio: 'inherit' });
  return '/usr/bin/python3';
}

function runOptuna(python: string, p: Problem): { version: string; best: number[] } {
  const out = execFileSync(python, [join(import.meta.dirname, 'optuna_tpe.py'), p.name, String(p.trials), String(SEEDS)], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { version: string; best: number[] };
}

const fmt = (x: number) => x.toFixed(4).padStart(9);
const python = optunaPython();
const only = process.env.BENCH_METHODS?.split(',');
for (const p of problems) {
  const rows: [string, number[], number][] = [];
  for (const name of ['random', 'gp', 'tpe'] as OptimizerName[]) {
    if (only && !only.includes(name)) continue;
    const t0 = performance.now();
    const best = Array.from({ length: SEEDS }, (_, s) => runGrun(p, name, s + 1));
    rows.push([`grun ${name}`, best, (performance.now() - t0) / SEEDS]);
  }
  if (!only || only.includes('optuna')) {
    const t0 = performance.now();
    const optuna = runOptuna(python, p);
    rows.push([`optuna ${optuna.version} tpe`, optuna.best, (performance.now() - t0) / SEEDS]);
  }
  console.log(`${p.name}, ${p.trials} trials, ${SEEDS} seeds: median best (min .. max), time per seed`);
  for (const [label, best, ms] of rows) {
    console.log(`  ${label.padEnd(18)} ${fmt(median(best))}  (${fmt(Math.min(...best))} .. ${fmt(Math.max(...best))})  ${(ms / 1000).toFixed(2)} s`);
  }
}
