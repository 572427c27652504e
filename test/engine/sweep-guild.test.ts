import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GrunError } from '../../src/store/errors.js';
import { encodeYaml, markFloat } from '../../src/store/yaml11.js';
import type { SweepSpec } from '../../src/engine/plan-types.js';
import {
  batchKind,
  dimensionOf,
  gridTrials,
  randomTrials,
  sampleTrials,
  sequenceValues,
} from '../../src/engine/sweep/guild-sweep.js';

const fn = (name: string, ...args: number[]): SweepSpec => ({ kind: 'function', name, args, text: `${name}[${args.join(':')}]` });
const list = (...values: (number | string)[]): SweepSpec => ({ kind: 'list', values });

describe('Guild sequence functions', () => {
  // Expected values printed by Guild 0.9's own expansion code (flag_util._expand_*, numpy 2.4).
  const table: [string, number[], number[]][] = [
    ['range', [1, 5], [1, 2, 3, 4, 5]],
    ['range', [0, 1, 0.25], [0, 0.25, 0.5, 0.75, 1]],
    ['range', [0, 1, 0.1], [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]],
    ['range', [5, 1, -1], [5, 4, 3, 2, 1]],
    ['range', [5, 1, -2], [5, 3, 1]],
    ['range', [1, 2, 0.3], [1, 1.3, 1.6, 1.9, 2.2]], // Guild's end + min(step, 1) overshoots
    ['range', [0.5, 2], [0.5, 1.5, 2.5]],
    ['range', [-1, 1, 0.5], [-1, -0.5, 0, 0.5, 1]],
    ['range', [1, 5, 2], [1, 3, 5]],
    ['range', [5], [0, 1, 2, 3, 4]],
    ['range', [0.1, 0.5, 0.1], [0.1, 0.2, 0.3, 0.4, 0.5]],
    ['range', [1, 1], [1]],
    ['range', [5, 1], []],
    ['linspace', [0, 1], [0, 0.25, 0.5, 0.75, 1]],
    ['linspace', [0, 1, 3], [0, 0.5, 1]],
    ['linspace', [1, 5, 5], [1, 2, 3, 4, 5]],
    ['linspace', [0, 1, 1], [0]],
    ['linspace', [1, 0, 4], [1, 0.66666667, 0.33333333, 0]],
    ['linspace', [0, 0.1, 4], [0, 0.03333333, 0.06666667, 0.1]],
    ['linspace', [-1, 1, 5], [-1, -0.5, 0, 0.5, 1]],
    ['logspace', [-5, 0, 6], [1e-5, 0.0001, 0.001, 0.01, 0.1, 1]],
    ['logspace', [0, 3], [1, 5.62341325, 31.6227766, 177.827941, 1000]],
    ['logspace', [1, 10, 10, 2], [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]],
    ['logspace', [-10, -5, 6], [1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5]], // below 1e-8: not rounded, exact powers
    ['logspace', [0, 1, 3], [1, 3.16227766, 10]],
    ['logspace', [0, 2, 5, 2], [1, 1.41421356, 2, 2.82842712, 4]],
    ['logspace', [-3, -1, 3, 10], [0.001, 0.01, 0.1]],
    ['logspace', [0.5, 1.5, 3], [3.16227766, 10, 31.6227766]],
    ['logspace', [20, 22, 3], [1e20, 1e21, 1e22]],
    // exact ties of round(x, 8) go to the even digit, as Python's round does
    ['linspace', [0, 0.00390625, 3], [0, 0.00195312, 0.00390625]],
    ['linspace', [0, 0.01171875, 3], [0, 0.00585938, 0.01171875]],
  ];
  for (const [name, args, expected] of table) {
    test(`${name}[${args.join(':')}]`, () => assert.deepEqual(sequenceValues(name, args), expected));
  }

  test('a range with a float argument gives floats, integral ones marked (1.0, not 1)', () => {
    const args: number[] = [1, 3];
    markFloat(args, 0);
    markFloat(args, 1);
    const values = sequenceValues('range', args);
    assert.deepEqual(values, [1, 2, 3]);
    assert.equal(encodeYaml(values), '- 1.0\n- 2.0\n- 3.0\n');
    assert.equal(encodeYaml(sequenceValues('range', [1, 3])), '- 1\n- 2\n- 3\n');
  });

  test('bad arguments are user errors naming the function', () => {
    assert.throws(() => sequenceValues('range', []), /range\[\]: range needs at least 1 argument/);
    assert.throws(() => sequenceValues('linspace', [0, 'x']), /invalid argument "x": expected a number/);
    assert.throws(() => sequenceValues('linspace', [0, 1, 2.5]), /count must be a non-negative integer/);
    assert.throws(() => sequenceValues('range', [0, 1, 0]), GrunError);
    assert.throws(() => sequenceValues('geomspace', [1, 2]), /not a sequence function/);
  });
});

describe('grid batches', () => {
  test('lists and sequences make a grid; keys sorted, the first outermost; scalars kept', () => {
    const trials = gridTrials({ lr: [0.1, 0.2], epochs: 1, fail: false }, { lr: list(0.1, 0.2), epochs: fn('range', 1, 2) });
    assert.deepEqual(trials, [
      { lr: 0.1, epochs: 1, fail: false },
      { lr: 0.2, epochs: 1, fail: false },
      { lr: 0.1, epochs: 2, fail: false },
      { lr: 0.2, epochs: 2, fail: false },
    ]);
    assert.equal(batchKind({ lr: list(0.1, 0.2) }), 'grid');
    assert.equal(batchKind({}), null);
  });

  test('-m N samples N trials with the seed, in grid order, reproducibly', () => {
    const grid = Array.from({ length: 100 }, (_, i) => i);
    const a = sampleTrials(grid, 10, '42');
    assert.equal(a.length, 10);
    assert.equal(new Set(a).size, 10);
    assert.deepEqual(a, [...a].sort((x, y) => x - y), 'original order kept');
    assert.deepEqual(sampleTrials(grid, 10, 42n), a);
    assert.notDeepEqual(sampleTrials(grid, 10, '43'), a);
    assert.deepEqual(sampleTrials(grid, 100, '1'), grid);
    assert.deepEqual(sampleTrials(grid, 500, '1'), grid);
  });
});

describe('random search', () => {
  test('a search function makes a random batch, as does -o random', () => {
    assert.equal(batchKind({ lr: fn('loguniform', 1e-4, 1e-1) }), 'random');
    assert.equal(batchKind({ lr: fn('', 0, 1) }), 'random');
    assert.equal(batchKind({ lr: list(1, 2) }, 'random'), 'random');
    assert.throws(() => batchKind({ lr: list(1, 2) }, 'gp'), /unsupported optimizer 'gp'/);
  });

  test('trials draw from their dimensions and a seed reproduces them', () => {
    const sweeps = {
      lr: fn('loguniform', 1e-4, 1e-1),
      dropout: fn('uniform', 0.1, 0.5),
      layers: fn('', 1, 3),
      opt: list('adam', 'sgd'),
    };
    const trials = randomTrials({ epochs: 5 }, sweeps, 50, '7');
    assert.equal(trials.length, 50);
    for (const t of trials) {
      assert.equal(t.epochs, 5);
      assert.ok((t.lr as number) >= 1e-4 && (t.lr as number) <= 1e-1);
      assert.ok((t.dropout as number) >= 0.1 && (t.dropout as number) < 0.5);
      assert.ok([1, 2, 3].includes(t.layers as number), 'int bounds give ints, inclusive');
      assert.ok(['adam', 'sgd'].includes(t.opt as string));
    }
    assert.deepEqual(new Set(trials.map((t) => t.layers)), new Set([1, 2, 3]));
    assert.ok(trials.filter((t) => (t.lr as number) < 1e-3).length > 10, 'loguniform favours small decades');
    assert.deepEqual(randomTrials({ epochs: 5 }, sweeps, 50, '7'), trials);
    assert.notDeepEqual(randomTrials({ epochs: 5 }, sweeps, 50, '8'), trials);
  });

  test('dimension errors', () => {
    assert.deepEqual(dimensionOf(fn('range', 1, 3)), { kind: 'choice', values: [1, 2, 3] });
    assert.throws(() => dimensionOf(fn('uniform', 1, 1)), /lower bound must be below/);
    assert.throws(() => dimensionOf(fn('loguniform', 0, 1)), /above 0/);
    assert.throws(() => gridTrials({}, { lr: fn('uniform', 0, 1) }), /search dimension/);
  });
});

describe('float values stay floats in attrs', () => {
  test('float sequences encode as Python floats; int ranges as ints', () => {
    const base: Record<string, number> = { sleep: 0 };
    markFloat(base, 'sleep');
    const trials = gridTrials(base, { x: fn('linspace', 1, 2, 2), k: fn('range', 1, 2) });
    assert.deepEqual(trials.map((t) => encodeYaml(t)), [
      'k: 1\nsleep: 0.0\nx: 1.0\n',
      'k: 1\nsleep: 0.0\nx: 2.0\n',
      'k: 2\nsleep: 0.0\nx: 1.0\n',
      'k: 2\nsleep: 0.0\nx: 2.0\n',
    ]);
    const [t] = randomTrials(base, { x: fn('linspace', 1, 2, 2) }, 1, '1');
    assert.match(encodeYaml(t!), /^sleep: 0\.0\nx: [12]\.0\n$/);
  });
});
