import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GrunError } from '../../src/store/errors.js';
import { Rng } from '../../src/engine/optimize/rng.js';
import { decodeValue, encodeValue, pointKey, type Space } from '../../src/engine/optimize/space.js';
import type { Trial } from '../../src/engine/optimize/trials.js';
import { chooseOptimizer, isBuiltinOptimizer, knownOptimizerFlags, optimizerDefs, optimizerSettings, proposer, settingsAttr } from '../../src/engine/optimize/optimizer.js';
import { gammaSplit, proposeTpe, TPE_DEFAULTS, trialWeights } from '../../src/engine/optimize/tpe.js';
import { acquisition, GP_DEFAULTS, proposeGp } from '../../src/engine/optimize/gp.js';
import { judge, prunerSettings, valueAt, type TrialCurve } from '../../src/engine/optimize/pruners.js';

const unit = (names: string[]): Space => ({ names, dims: names.map(() => ({ kind: 'uniform' as const, low: 0, high: 1, int: false })) });

/** Runs an optimizer on f over `space` for n trials; returns the trials. */
function search(name: string, space: Space, f: (p: number[]) => number, n: number, seed = 1): Trial[] {
  const propose = proposer(name, {});
  const rng = new Rng(seed);
  const trials: Trial[] = [];
  for (let i = 0; i < n; i++) {
    const point = propose(space, trials, rng);
    trials.push({ point, value: f(point) });
  }
  return trials;
}

describe('search space', () => {
  test('values map to coordinates and back', () => {
    const table: [Parameters<typeof decodeValue>[0], number, number | string][] = [
      [{ kind: 'uniform', low: -5, high: 5, int: false }, 0.25, -2.5],
      [{ kind: 'uniform', low: 1, high: 4, int: true }, 0.99, 4],
      [{ kind: 'uniform', low: 1, high: 4, int: true }, 0.3, 2],
      [{ kind: 'loguniform', low: 1e-4, high: 1 }, 0.5, 0.01],
      [{ kind: 'choice', values: ['adam', 'sgd'] }, 1, 'sgd'],
    ];
    for (const [dim, u, v] of table) {
      const got = decodeValue(dim, u);
      if (typeof v === 'number') assert.ok(Math.abs((got as number) - v) < 1e-12, `${JSON.stringify(dim)} ${u} → ${String(got)}`);
      else assert.equal(got, v);
      assert.equal(decodeValue(dim, encodeValue(dim, got)!), got, 'round trip');
    }
    assert.equal(encodeValue({ kind: 'uniform', low: 0, high: 1, int: false }, 2), null);
  });
});

describe('optimizer settings', () => {
  test("Guild's names and aliases; forest and gbrt refused naming the working ones", () => {
    for (const alias of ['gp', 'bayesian', 'gaussian']) assert.equal(optimizerSettings(alias, {}).name, 'gp');
    for (const name of ['forest', 'gbrt']) {
      assert.throws(() => optimizerSettings(name, {}), (e: Error) => e instanceof GrunError && /not available.*gp \(bayesian, gaussian\), tpe or random/.test(e.message));
    }
    assert.throws(() => optimizerSettings('hyperband', {}), /unsupported optimizer 'hyperband'/);
  });

  test('settings by Guild flag name, checked', () => {
    const s = optimizerSettings('gp', { 'random-starts': 5, 'acq-func': 'LCB', kappa: 3, noise: 0.01 });
    assert.deepEqual(settingsAttr(s), { 'random-starts': 5, 'acq-func': 'LCB', xi: GP_DEFAULTS.xi, kappa: 3, noise: 0.01 });
    assert.equal(settingsAttr(optimizerSettings('gp', { 'acq-func': 'gp_hedge' }))['acq-func'], 'EI');
    assert.throws(() => optimizerSettings('gp', { xi: 'big' }), /optimizer gp: xi=big: expected a number >= 0/);
    assert.throws(() => optimizerSettings('gp', { 'acq-func': 'UCB' }), /acq-func=UCB: expected EI, PI, LCB or gp_hedge/);
    assert.throws(
      () => optimizerSettings('tpe', { xi: 1 }),
      (e: GrunError) => e.message === "unsupported flag 'xi'" && /^Try 'grun run tpe --help-op' for a list of flags or\nuse --force-flags/.test(e.hint ?? ''),
    );
    assert.deepEqual(knownOptimizerFlags('tpe', { xi: 1, candidates: 5 }), { candidates: 5 });
    assert.throws(() => optimizerSettings('gp', { 'random-starts': 1.5 }), /random-starts=1.5: expected an integer/);
  });
});

describe('guild.yml optimizers sections', () => {
  const sections = optimizerDefs(
    {
      fast: { algorithm: 'gp', default: true, 'random-starts': 2, kappa: 1.5 },
      'tpe-wide': { algorithm: 'tpe', flags: { candidates: 200 } },
      gp: { xi: 0.1 },
      sweeper: 'my-sweep-op',
    },
    undefined,
  );
  test('chosen by name, by --optimize (the default one), or an algorithm or operation by name; the command line overrides', () => {
    const table: [{ name?: string; optimize?: boolean }, Record<string, number>, unknown][] = [
      [{ name: 'fast' }, {}, { algorithm: 'gp', flags: { 'random-starts': 2, kappa: 1.5 } }],
      [{ optimize: true }, { kappa: 3 }, { algorithm: 'gp', flags: { 'random-starts': 2, kappa: 3 } }],
      [{ name: 'tpe-wide' }, {}, { algorithm: 'tpe', flags: { candidates: 200 } }],
      [{ name: 'gp' }, {}, { algorithm: 'gp', flags: { xi: 0.1 } }],
      [{ name: 'bayesian' }, { xi: 0.2 }, { algorithm: 'bayesian', flags: { xi: 0.2 } }],
      [{ name: 'sweeper' }, { a: 1 }, { algorithm: 'my-sweep-op', flags: { a: 1 } }],
      [{ name: 'other-op' }, {}, { algorithm: 'other-op', flags: {} }],
      [{}, {}, undefined],
    ];
    for (const [o, cli, want] of table) assert.deepEqual(chooseOptimizer(o, sections, cli), want, JSON.stringify(o));
    assert.ok(isBuiltinOptimizer('gaussian') && isBuiltinOptimizer('+') && isBuiltinOptimizer('forest'));
    assert.ok(!isBuiltinOptimizer('my-sweep-op'));
  });

  test("the forms Guild reads: a mapping, a list of names, and one optimizer: (then the default)", () => {
    const table: [unknown, unknown, { name: string; algorithm: string; default: boolean; flags: object }[]][] = [
      [['opt-1', 'opt-2'], undefined, [{ name: 'opt-1', algorithm: 'opt-1', default: false, flags: {} }, { name: 'opt-2', algorithm: 'opt-2', default: false, flags: {} }]],
      [{ a: null, b: 'gp' }, undefined, [{ name: 'a', algorithm: 'a', default: false, flags: {} }, { name: 'b', algorithm: 'gp', default: false, flags: {} }]],
      [undefined, 'tune', [{ name: 'tune', algorithm: 'tune', default: true, flags: {} }]],
      [undefined, { algorithm: 'tune', beta: 0.3 }, [{ name: 'tune', algorithm: 'tune', default: true, flags: { beta: 0.3 } }]],
    ];
    for (const [many, one, want] of table) assert.deepEqual(optimizerDefs(many as never, one as never), want, JSON.stringify([many, one]));
    // the only optimizer is the default one
    assert.deepEqual(chooseOptimizer({ optimize: true }, optimizerDefs({ only: { beta: 1 } }, undefined), {}), { algorithm: 'only', flags: { beta: 1 } });
  });

  test('bad sections are named', () => {
    assert.throws(() => chooseOptimizer({ optimize: true }, [], {}, 'train'), /^GrunError: no default optimizer defined for train$/);
    assert.throws(
      () => chooseOptimizer({ optimize: true }, optimizerDefs({ b: null, a: null }, undefined), {}, 'train'),
      (e: Error & { hint?: string }) => e.message === 'no default optimizer defined for train' && e.hint === "Specify one of the following with '--optimizer': a, b",
    );
    assert.throws(() => chooseOptimizer({ name: 'x' }, optimizerDefs({ x: { algorithm: 'forest' } }, undefined), {}), /optimizer 'forest' is not available/);
    assert.throws(() => optimizerDefs({ x: 3 }, undefined), /optimizers.x: expected a mapping or an optimizer's name/);
    assert.throws(() => optimizerDefs(3, undefined), /optimizers: expected a mapping of names to optimizer settings, or a list of names/);
    assert.throws(() => optimizerDefs([{ kappa: 1 }], undefined), /optimizers\[0\]: expected an optimizer's name or a mapping with algorithm/);
    assert.throws(() => chooseOptimizer({ optimize: true }, optimizerDefs({ a: { default: true }, b: { default: 'yes' } }, undefined), {}), /more than one is default \(a, b\)/);
  });
});

describe('gp', () => {
  test('EI is larger where the mean is lower or the spread wider', () => {
    const s = { ...GP_DEFAULTS, xi: 0 };
    assert.ok(acquisition(s, -1, 0.1, 0) > acquisition(s, 0, 0.1, 0));
    assert.ok(acquisition(s, 0, 1, 0) > acquisition(s, 0, 0.1, 0));
    assert.ok(Math.abs(acquisition(s, 0, 1, 0) - 1 / Math.sqrt(2 * Math.PI)) < 1e-6);
  });

  test('finds the minimum of a smooth function of two flags far better than random', () => {
    const f = ([x, y]: number[]) => (x! - 0.3) ** 2 + (y! - 0.7) ** 2;
    const gp = Math.min(...search('gp', unit(['x', 'y']), f, 20).map((t) => t.value!));
    const rnd = Math.min(...search('random', unit(['x', 'y']), f, 20).map((t) => t.value!));
    assert.ok(gp < 1e-2, `gp best ${gp}`);
    assert.ok(gp < rnd / 5, `gp ${gp} vs random ${rnd}`);
  });

  test('the same seed and trials give the same proposal', () => {
    const trials: Trial[] = [0.1, 0.3, 0.5, 0.7, 0.9].map((x) => ({ point: [x], value: (x - 0.4) ** 2 }));
    const a = proposeGp(unit(['x']), trials, GP_DEFAULTS, new Rng(7));
    const b = proposeGp(unit(['x']), trials, GP_DEFAULTS, new Rng(7));
    assert.deepEqual(a, b);
    assert.ok(Math.abs(a[0]! - 0.4) < 0.15, `proposal ${a[0]} near the minimum 0.4`);
  });

  test('a running trial makes the next proposal go elsewhere (constant liar)', () => {
    const trials: Trial[] = [0.1, 0.5, 0.9].map((x) => ({ point: [x], value: (x - 0.4) ** 2 }));
    const first = proposeGp(unit(['x']), trials, GP_DEFAULTS, new Rng(7));
    const second = proposeGp(unit(['x']), [...trials, { point: first }], GP_DEFAULTS, new Rng(7));
    assert.ok(Math.abs(first[0]! - second[0]!) > 0.01, `${first[0]} then ${second[0]}`);
  });

  test('never proposes a point twice; a finite space runs out with a clear error', () => {
    const space: Space = { names: ['opt', 'layers'], dims: [{ kind: 'choice', values: ['adam', 'sgd'] }, { kind: 'uniform', low: 1, high: 2, int: true }] };
    for (const name of ['gp', 'tpe', 'random']) {
      const trials = search(name, space, (p) => p[0]! + p[1]!, 4);
      assert.equal(new Set(trials.map((t) => pointKey(space, t.point))).size, 4, name);
      assert.throws(() => search(name, space, (p) => p[0]!, 5), /only 4 point\(s\), all of them tried/);
    }
  });
});

describe('tpe', () => {
  test("Optuna's split and weights", () => {
    assert.deepEqual([1, 10, 11, 100, 300].map(gammaSplit), [1, 1, 2, 10, 25]);
    assert.deepEqual(trialWeights(3), [1, 1, 1]);
    const w = trialWeights(30);
    assert.equal(w.length, 30);
    assert.ok(Math.abs(w[0]! - 1 / 30) < 1e-12);
    assert.ok(w[3]! < w[4]! && w[4] === 1, 'the ramp ends at 1');
    assert.deepEqual(w.slice(5), Array(25).fill(1));
  });

  test('proposes in the good region once past its random starts', () => {
    const rng = new Rng(3);
    const trials: Trial[] = Array.from({ length: 40 }, (_, i) => ({ point: [(i + 0.5) / 40], value: Math.abs((i + 0.5) / 40 - 0.8) }));
    const proposals = Array.from({ length: 20 }, () => proposeTpe(unit(['x']), trials, TPE_DEFAULTS, rng)[0]!);
    const near = proposals.filter((x) => Math.abs(x - 0.8) < 0.15).length;
    assert.ok(near >= 16, `${near}/20 near 0.8: ${proposals.map((x) => x.toFixed(2)).join(' ')}`);
  });

  test('chooses the better category', () => {
    const space: Space = { names: ['opt', 'lr'], dims: [{ kind: 'choice', values: ['adam', 'sgd', 'rms'] }, { kind: 'uniform', low: 0, high: 1, int: false }] };
    const trials = search('tpe', space, (p) => (p[0] === 1 ? 0 : 1) + (p[1]! - 0.5) ** 2, 30);
    const late = trials.slice(15).filter((t) => t.point[0] === 1).length;
    assert.ok(late >= 10, `${late}/15 late trials chose sgd`);
  });
});

describe('pruners', () => {
  const curve = (id: string, values: number[], start = 1): TrialCurve => ({ id, points: values.map((v, i) => [start + i, v]) });
  const opts = { minimize: true, column: 'loss' };

  test('valueAt takes the latest value at or before a step', () => {
    const pts: [number, number][] = [[2, 0.5], [4, 0.3]];
    assert.deepEqual([1, 2, 3, 4, 9].map((s) => valueAt(pts, s)), [null, 0.5, 0.5, 0.3, 0.3]);
  });

  test('median: worse than the median at its step after the warm-up', () => {
    const s = prunerSettings('median', { 'warmup-steps': 3, 'startup-trials': 3 });
    const others = [curve('a', [1, 0.8, 0.6, 0.4]), curve('b', [1, 0.7, 0.5, 0.3]), curve('c', [1, 0.9, 0.7, 0.5])];
    const table: [TrialCurve, TrialCurve[], boolean, string?][] = [
      [curve('t', [1, 0.95]), others, false], // in the warm-up
      [curve('t', [1, 0.95, 0.91]), others, true, 'pruned at step 3: loss 0.91 > median 0.6'],
      [curve('t', [1, 0.95, 0.55]), others, false],
      [curve('t', [1, 0.95, 0.91]), others.slice(0, 2), false], // fewer than startup-trials peers
      [curve('t', [1, 0.95, 0.91, 0.9, 0.9]), others, false], // nobody else reached step 5
    ];
    for (const [t, o, prune, reason] of table) {
      const v = judge(s, t, o, opts);
      assert.equal(v.prune, prune, JSON.stringify(t.points));
      if (reason) assert.equal(v.reason, reason);
    }
    assert.equal(judge(s, curve('t', [0, 0.1, 0.2]), others, { minimize: false, column: 'acc' }).reason, 'pruned at step 3: acc 0.2 < median 0.6');
  });

  test('asha: only the best 1/rf at each rung go on, judged once per rung', () => {
    const s = prunerSettings('asha', { 'min-resource': 1, 'reduction-factor': 2 });
    const peers = [curve('a', [0.5, 0.4]), curve('b', [0.6, 0.5]), curve('c', [0.7, 0.65])];
    // at step 2 (rung 1): values 0.4 0.5 0.65 + own; the best 2 of 4 go on
    assert.equal(judge(s, curve('t', [0.9, 0.45]), peers, opts).prune, false);
    const v = judge(s, curve('t', [0.9, 0.6]), peers, opts);
    assert.equal(v.prune, true);
    assert.equal(v.reason, 'pruned at step 2: loss 0.6 > rung 1 cutoff 0.45 (best 1/2 of 4)'.replace('0.45', '0.5'));
    assert.equal(judge(s, { ...curve('t', [0.9, 0.6, 0.6]), passedRung: 1 }, peers, opts).prune, false, 'step 3: no new rung');
    assert.deepEqual(judge(s, curve('t', [0.3]), peers, opts), { prune: false, rung: 0 });
  });

  test("asha's default min-resource: a full run's length / rf², nothing pruned before a trial ended", () => {
    const s = prunerSettings('asha');
    assert.deepEqual(s, { name: 'asha', minResource: 'auto', reductionFactor: 3 });
    const bad = curve('t', Array(6).fill(2));
    const running = [curve('a', [1, 1, 1, 1, 1, 1]), curve('b', [1, 1, 1, 1, 1, 1])];
    assert.equal(judge(s, bad, running, opts).prune, false, 'no trial ended yet: no rung known');
    // a full run is 45 steps: the first rung at 45/9 = 5
    const full = { ...curve('f', Array(45).fill(0.5)), ended: true };
    assert.equal(judge(s, curve('t', [9, 9, 9, 9]), [full, ...running], opts).prune, false, 'before the first rung');
    const v = judge(s, curve('t', [9, 9, 9, 9, 9]), [full, ...running], opts);
    assert.equal(v.reason, 'pruned at step 5: loss 9 > rung 0 cutoff 0.5 (best 1/3 of 4)');
    assert.deepEqual(prunerSettings('asha', { 'min-resource': 'auto' }), s);
  });

  test('bad pruner names and settings', () => {
    assert.throws(() => prunerSettings('hyperband'), /unknown pruner 'hyperband': expected median or asha/);
    assert.throws(() => prunerSettings('asha', { 'reduction-factor': 1 }), /reduction-factor=1: expected an integer >= 2/);
    assert.throws(() => prunerSettings('median', { rungs: 3 }), /unknown setting 'rungs'/);
  });
});
