// Seed groups: runs that share every flag but the seed (Accio's `repeat`, a seed sweep) taken as
// one: their scalars as mean ± std (n), their curves as the mean with the min–max band. Pure.
import { formatNumber } from './format.js';
import { differingFlags, flagText } from './state/column-spec.js';
import type { PlotPoint } from './plot.js';
import type { Run, ScalarPoint } from '../store/types.js';

/** A flag that only seeds randomness: `seed`, `random_seed`, `torch-seed`, … */
export const isSeedFlag = (name: string): boolean => /(^|[_-])seed$/i.test(name);

export interface SeedGroup {
  runs: Run[];
  /** The flags that set this group apart from the others (`lr=0.1`), else the first run's id. */
  label: string;
}

/** Groups in the order of their first run; the seed flags and a run's seed are left out of the key. */
export function seedGroups(runs: readonly Run[]): SeedGroup[] {
  const groups = new Map<string, Run[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.operation, ...Object.keys(r.flags).filter((f) => !isSeedFlag(f)).sort().map((f) => [f, flagText(r, f)])]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const differing = differingFlags(runs).filter((f) => !isSeedFlag(f));
  const ops = new Set(runs.map((r) => r.operation)).size > 1;
  return [...groups.values()].map((rs) => ({
    runs: rs,
    label: [ops ? rs[0]!.operation : '', ...differing.map((f) => `${f}=${flagText(rs[0]!, f)}`)].filter(Boolean).join(' ') || rs[0]!.id.slice(0, 8),
  }));
}

export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  std: number;
  n: number;
}

/** Mean and std of the finite values; null when there are none. */
export function meanStd(values: readonly number[]): MeanStd | null {
  const vs = values.filter(Number.isFinite);
  if (vs.length === 0) return null;
  const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
  const std = vs.length > 1 ? Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (vs.length - 1)) : 0;
  return { mean, std, n: vs.length };
}

/** `mean ± std (n)`; values that are all NaN or infinite read `nan (n)`. */
export function meanStdText(values: readonly number[]): string {
  const m = meanStd(values);
  if (m) return `${formatNumber(m.mean, 8)} ± ${formatNumber(m.std, 6)} (${m.n})`;
  return values.length ? `nan (${values.length})` : '';
}

/**
 * A group's curve by step: at each step some member logged, the mean of the members' finite
 * values there and their min and max. `xOf` places a step (the step itself, or a time).
 */
export function groupCurve(
  members: readonly (readonly ScalarPoint[])[],
  xOf: (step: number, points: readonly ScalarPoint[]) => number,
): { mean: PlotPoint[]; band: { x: number; lo: number; hi: number }[]; notFinite: number } {
  const bySteps = new Map<number, ScalarPoint[]>();
  let notFinite = 0;
  for (const m of members) {
    for (const p of m) {
      if (!Number.isFinite(p.value)) {
        notFinite++;
        continue;
      }
      bySteps.set(p.step, [...(bySteps.get(p.step) ?? []), p]);
    }
  }
  const steps = [...bySteps.keys()].sort((a, b) => a - b);
  const mean: PlotPoint[] = [];
  const band: { x: number; lo: number; hi: number }[] = [];
  for (const step of steps) {
    const ps = bySteps.get(step)!;
    const vs = ps.map((p) => p.value);
    const x = xOf(step, ps);
    mean.push({ x, y: vs.reduce((a, b) => a + b, 0) / vs.length });
    band.push({ x, lo: Math.min(...vs), hi: Math.max(...vs) });
  }
  return { mean, band, notFinite };
}
