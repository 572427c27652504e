// `npm run bench -- pruning`: steps executed by a sweep of 40 configurations of a synthetic
// learning curve, without pruning and with `median` and `asha` (their default settings, and asha
// with a fixed min-resource), and
// whether the best configuration (lowest final loss) ran to its end, over SEEDS seeds. The trials
// run in the order of the sweep, two at a time, in lock step, judged at every step by the same
// `judge` the search's scheduler calls on the scalars the supervisors write; the curves are
// simulated here rather than printed by 1,200 processes (the e2e tests run the real path).
import { judge, prunerSettings, type PrunerSettings } from '../src/engine/optimize/pruners.js';
import { Rng } from '../src/engine/optimize/rng.js';

const SEEDS = Number(process.env.BENCH_SEEDS ?? 10);
const CONFIGS = 40;
const STEPS = 50;
const PARALLEL = 2;

/** Each config's curve decays from 2.5 to its final value at a rate in `taus`, with noise. */
function curves(seed: number, taus: [number, number]): { final: number; values: number[] }[] {
  const rng = new Rng(seed);
  return Array.from({ length: CONFIGS }, () => {
    const final = 0.2 + rng.next() * 0.8;
    const tau = taus[0] + rng.next() * (taus[1] - taus[0]);
    const values = Array.from({ length: STEPS }, (_, s) => final + (2.5 - final) * Math.exp(-(s + 1) / tau) + 0.03 * rng.normal());
    return { final, values };
  });
}

function simulate(cs: { values: number[] }[], pruner: PrunerSettings | null): { steps: number; ranToEnd: boolean[] } {
  const points: [number, number][][] = cs.map(() => []);
  const passed: (number | undefined)[] = cs.map(() => undefined);
  const ended = cs.map(() => false);
  const ranToEnd = cs.map(() => false);
  let next = 0;
  let steps = 0;
  const running: number[] = [];
  while (next < cs.length || running.length) {
    while (running.length < PARALLEL && next < cs.length) running.push(next++);
    for (const i of [...running]) {
      const s = points[i]!.length + 1;
      points[i]!.push([s, cs[i]!.values[s - 1]!]);
      steps++;
      let stop = s === STEPS;
      if (stop) ranToEnd[i] = true;
      else if (pruner) {
        const others = cs.map((_, j) => ({ id: String(j), points: points[j]!, ended: ended[j]! })).filter((_, j) => j !== i && (ended[j] || running.includes(j)));
        const v = judge(pruner, { id: String(i), points: points[i]!, ...(passed[i] !== undefined ? { passedRung: passed[i] } : {}) }, others, { minimize: true, column: 'loss' });
        if (v.rung !== undefined && !v.prune) passed[i] = v.rung;
        stop = v.prune;
      }
      if (stop) {
        ended[i] = true;
        running.splice(running.indexOf(i), 1);
      }
    }
  }
  return { steps, ranToEnd };
}

const modes: [string, PrunerSettings | null][] = [
  ['none', null],
  ['median', prunerSettings('median')],
  ['asha (auto: 50/3² → 6)', prunerSettings('asha')],
  ['asha min-resource=1', prunerSettings('asha', { 'min-resource': 1 })],
  ['asha min-resource=10', prunerSettings('asha', { 'min-resource': 10 })],
];
// the same rate for all (curves keep their order but for noise), and rates that differ (they cross)
for (const taus of [[8, 8], [6, 10], [4, 16]] as [number, number][]) {
  console.log(`${CONFIGS} configurations x ${STEPS} steps, ${PARALLEL} at a time, ${SEEDS} seeds, decay over ${taus[0] === taus[1] ? taus[0] : taus.join('-')} steps`);
  for (const [name, p] of modes) {
    let steps = 0;
    let kept = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const cs = curves(seed, taus);
      const best = cs.reduce((b, c, i) => (c.final < cs[b]!.final ? i : b), 0);
      const r = simulate(cs, p);
      steps += r.steps;
      if (r.ranToEnd[best]) kept++;
    }
    const full = CONFIGS * STEPS * SEEDS;
    console.log(`  ${name.padEnd(24)} steps ${String(steps).padStart(6)} (${((100 * steps) / full).toFixed(1).padStart(5)}% of ${full})  best kept ${kept}/${SEEDS}`);
  }
}
