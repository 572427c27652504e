import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlagDef } from '../../src/engine/plan-types.js';
import { normalizeSingleDashFlags } from '../../src/commands/argv.js';
import { expandRuns } from '../../src/engine/sweep/expand.js';
import {
  formatDefinitionError,
  resolveRunDefinition,
  RunDefinitionError,
  type LookupOperation,
  type RunOverrides,
} from '../../src/engine/sweep/rundef.js';
import { childSeeds } from '../../src/engine/sweep/seeds.js';
import { encodeYaml } from '../../src/store/yaml11.js';

// The workflow of accio-runs §8.4: epsilon (double, required), uri (string, required), level (int, 15).
const GEO: FlagDef[] = [
  { name: 'epsilon', default: null, type: 'float', required: true },
  { name: 'uri', default: null, type: 'string', required: true },
  { name: 'level', default: 15, type: 'int' },
];
const OPS: Record<string, FlagDef[]> = {
  geo: GEO,
  my_workflow: [],
  defaults: [{ name: 'lr', default: 0.1 }, { name: 'epochs', default: 3, type: 'int' }],
  open: [{ name: 'lr', default: null }, { name: 'opt', default: 'adam', choices: [{ value: 'adam' }, { value: 'sgd' }] }],
  // a script's globals `lr = 0.1`, `eps = 1.0`, `n = 2`, as flag detection types them
  script: [
    { name: 'eps', default: 1, defaultIsFloat: true, type: 'number' },
    { name: 'lr', default: 0.1, type: 'number' },
    { name: 'n', default: 2, type: 'number' },
  ],
};
const lookup: LookupOperation = (name) => (OPS[name] ? { flags: OPS[name]! } : null);

const resolve = (json: object | string, overrides: RunOverrides = {}) =>
  resolveRunDefinition({ kind: 'json', text: typeof json === 'string' ? json : JSON.stringify(json) }, overrides, lookup);

function errorsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof RunDefinitionError, String(e));
    assert.equal(e.exitCode, 2);
    assert.equal(e.message, `invalid run definition:\n${e.errors.map((x) => `  ${formatDefinitionError(x)}`).join('\n')}`);
    return e.errors.map(formatDefinitionError);
  }
  assert.fail('expected a RunDefinitionError');
}

const geo = (params: object, more: object = {}) => expandRuns(resolve({ workflow: 'geo', seed: 42, params, ...more }));

describe('run definition fields (RunParserSpec, accio-runs §8.2)', () => {
  test('a bare workflow', () => {
    const def = resolve({ workflow: 'my_workflow' });
    assert.deepEqual(
      { name: def.name, notes: def.notes, tags: def.tags, seed: def.seed, repeat: def.repeat, params: def.params },
      { name: null, notes: null, tags: [], seed: null, repeat: 1, params: [] },
    );
  });

  test('every field', () => {
    const def = resolve({ workflow: 'my_workflow', name: 'named run', notes: 'All my notes', tags: ['my', 'awesome', 'run', 'my'], seed: 1234567890123, repeat: 15 });
    assert.deepEqual(
      { name: def.name, notes: def.notes, tags: def.tags, seed: def.seed, repeat: def.repeat },
      { name: 'named run', notes: 'All my notes', tags: ['my', 'awesome', 'run'], seed: '1234567890123', repeat: 15 },
    );
  });

  test('an unknown workflow is the only error', () => {
    assert.deepEqual(errorsOf(() => resolve({ workflow: 'unknown_workflow' })), ["workflow: unknown operation 'unknown_workflow'"]);
    assert.deepEqual(errorsOf(() => resolve({ workflow: 'invalid:workflow:identifier' })), ["workflow: unknown operation 'invalid:workflow:identifier'"]);
  });

  test('seeds keep all 64 bits, as JSON numbers or strings', () => {
    assert.equal(resolve('{"workflow":"my_workflow","seed":9223372036854775807}').seed, '9223372036854775807');
    assert.equal(resolve('{"workflow":"my_workflow","seed":"-120482382048"}').seed, '-120482382048');
  });
});

describe('sweep expansion (accio-runs §8.4, parent seed 42)', () => {
  const SEEDS_42 = ['-5025562857975149833', '-5843495416241995736', '5694868678511409995'];

  test('one value each is a single run with the given seed and the defaults', () => {
    const x = geo({ epsilon: { value: '0.0001' }, uri: '/path/to/my/dataset' });
    assert.equal(x.kind, 'single');
    assert.equal(x.runs.length, 1);
    assert.deepEqual(x.runs[0], {
      flags: { epsilon: 0.0001, level: 15, uri: '/path/to/my/dataset' },
      userFlags: { epsilon: 0.0001, uri: '/path/to/my/dataset' },
      name: null,
      seed: '42',
    });
  });

  test('a one-element list is not a sweep', () => {
    const x = geo({ epsilon: { values: [0.1] }, uri: '/d' }, { name: 'mine' });
    assert.equal(x.kind, 'single');
    assert.equal(x.runs[0]!.name, 'mine');
  });

  test('repeat 3 of one combination: 3 unnamed children, seeds from Random(42)', () => {
    const x = geo({ epsilon: 0.1, uri: '/d' }, { repeat: 3 });
    assert.equal(x.kind, 'sweep');
    assert.equal(x.seed, '42');
    assert.deepEqual(x.runs.map((r) => [r.name, r.seed, r.flags]), SEEDS_42.map((s) => [null, s, { epsilon: 0.1, level: 15, uri: '/d' }]));
  });

  test('4 epsilons × 2 uris × 1 level: 8 children, first param outermost, named by what varies', () => {
    const x = geo({
      epsilon: { values: [1, 0.1, 0.001, 0.0001] },
      uri: { values: ['/path/to/geolife', '/path/to/cabspotting'] },
      level: { values: [12] },
    });
    assert.deepEqual(x.varying, ['epsilon', 'uri']);
    assert.deepEqual(x.runs.map((r) => r.name), [
      'epsilon=1.0 uri=geolife', 'epsilon=1.0 uri=cabspotting',
      'epsilon=0.1 uri=geolife', 'epsilon=0.1 uri=cabspotting',
      'epsilon=0.001 uri=geolife', 'epsilon=0.001 uri=cabspotting',
      'epsilon=0.0001 uri=geolife', 'epsilon=0.0001 uri=cabspotting',
    ]);
    assert.ok(x.runs.every((r) => r.flags.level === 12));
    assert.deepEqual(x.runs.map((r) => r.seed), childSeeds('42', 8));
  });

  test('the seed document: log epsilon (no step) × 2 uris × repeat 3 = 36 children', () => {
    const x = expandRuns(resolve({
      workflow: 'geo',
      seed: 42,
      name: 'geo sweep',
      notes: 'the user guide example',
      tags: ['geoi'],
      repeat: 3,
      params: { epsilon: { from: 0.00001, to: 1, log: true }, uri: { values: ['/path/to/dataset', '/path/to/other'] } },
    }));
    assert.equal(x.kind, 'sweep');
    assert.equal(x.runs.length, 36);
    assert.deepEqual([x.name, x.notes, x.tags], ['geo sweep', 'the user guide example', ['geoi']]);
    const names = ['1.0e-05', '0.0001', '0.001', '0.01', '0.1', '1.0'].flatMap((e) =>
      ['dataset', 'other'].flatMap((u) => Array(3).fill(`epsilon=${e} uri=${u}`)),
    );
    assert.deepEqual(x.runs.map((r) => r.name), names);
    assert.deepEqual(x.runs.map((r) => r.seed), childSeeds('42', 36));
    assert.equal(new Set(x.runs.map((r) => r.seed)).size, 36);
    assert.deepEqual(x.runs[6]!.flags, { epsilon: 0.0001, level: 15, uri: '/path/to/dataset' });
    assert.equal(encodeYaml(x.runs[35]!.flags), 'epsilon: 1.0\nlevel: 15\nuri: /path/to/other\n');
  });

  test('the same definition and seed give the same children; without a seed they differ', () => {
    const def = { workflow: 'geo', repeat: 2, params: { epsilon: { values: [0.1, 0.2] }, uri: '/d' } };
    const a = expandRuns(resolve({ ...def, seed: '77' }));
    assert.deepEqual(expandRuns(resolve({ ...def, seed: '77' })), a);
    const r1 = expandRuns(resolve(def));
    const r2 = expandRuns(resolve(def));
    assert.notEqual(r1.seed, r2.seed);
    assert.deepEqual(r1.runs.map((r) => r.seed), childSeeds(r1.seed, 4));
  });

  test('an int range names its children level=1 … level=10', () => {
    const x = geo({ epsilon: 0.1, uri: '/d', level: { from: 1, to: 10, step: 3 } });
    assert.deepEqual(x.runs.map((r) => r.name), ['level=1', 'level=4', 'level=7', 'level=10']);
  });

  test('params in definition order: the first is outermost and first in names', () => {
    const x = geo({ uri: { values: ['/a', '/b'] }, epsilon: { values: [0.5, 0.25] } });
    assert.deepEqual(x.runs.map((r) => r.name), ['uri=a epsilon=0.5', 'uri=a epsilon=0.25', 'uri=b epsilon=0.5', 'uri=b epsilon=0.25']);
  });

  test('no params: repeat 2 is a parent with 2 unnamed children, repeat 1 a single run', () => {
    const two = expandRuns(resolve({ workflow: 'defaults', repeat: 2 }));
    assert.equal(two.kind, 'sweep');
    assert.deepEqual(two.runs.map((r) => [r.name, r.flags, r.userFlags]), [[null, { epochs: 3, lr: 0.1 }, {}], [null, { epochs: 3, lr: 0.1 }, {}]]);
    assert.equal(expandRuns(resolve({ workflow: 'defaults' })).kind, 'single');
  });

  test('names of many epsilons, as Guild formats floats in labels', () => {
    const x = geo({ epsilon: { values: [1.0, 0.501187, 0.050119, 5.01e-4, 2.0e-4, 1.26e-4, 1.0e-4, 1e-7, 1e16] }, uri: '/d' });
    assert.deepEqual(x.runs.map((r) => r.name), [
      'epsilon=1.0', 'epsilon=0.501187', 'epsilon=0.050119', 'epsilon=0.000501', 'epsilon=0.0002',
      'epsilon=0.000126', 'epsilon=0.0001', 'epsilon=1.0e-07', 'epsilon=1.0e+16',
    ]);
  });

  test('a number flag whose default is a float sweeps floats: 0.0, 1.0, 10.0 in flags and names', () => {
    const x = expandRuns(resolve({ workflow: 'script', seed: 1, params: { lr: { from: 0, to: 1, step: 0.5 }, eps: { from: 10, to: 1000, step: 10, log10: true } } }));
    assert.deepEqual(x.runs.map((r) => r.name).slice(0, 3), ['lr=0.0 eps=10.0', 'lr=0.0 eps=100.0', 'lr=0.0 eps=1000.0']);
    assert.deepEqual([...new Set(x.runs.map((r) => r.name!.split(' ')[0]))], ['lr=0.0', 'lr=0.5', 'lr=1.0']);
    assert.equal(encodeYaml(x.runs.at(-1)!.flags), 'eps: 1000.0\nlr: 1.0\n\'n\': 2\n');
    assert.equal(encodeYaml(x.runs.at(-1)!.userFlags), 'eps: 1000.0\nlr: 1.0\n');
    // an int default keeps an int range ints; a fractional step makes floats of every point
    const n = expandRuns(resolve({ workflow: 'script', seed: 1, params: { n: { from: 1, to: 2, step: 1 } } }));
    assert.deepEqual(n.runs.map((r) => encodeYaml(r.userFlags)), ["'n': 1\n", "'n': 2\n"]);
    const half = expandRuns(resolve({ workflow: 'script', seed: 1, params: { n: { from: 1, to: 2, step: 0.5 } } }));
    assert.deepEqual(half.runs.map((r) => r.name), ['n=1.0', 'n=1.5', 'n=2.0']);
    const values = expandRuns(resolve({ workflow: 'script', seed: 1, params: { eps: { values: [1, 2] } } }));
    assert.deepEqual(values.runs.map((r) => encodeYaml(r.userFlags)), ['eps: 1.0\n', 'eps: 2.0\n']);
  });

  test('untyped flags name values as Guild labels do', () => {
    const x = expandRuns(resolve({ workflow: 'open', seed: 1, params: { lr: { values: [1, 0.5, true, null] }, opt: { values: ['sgd', 'adam'] } } }));
    assert.deepEqual(x.runs.map((r) => r.name).slice(0, 2), ['lr=1 opt=sgd', 'lr=1 opt=adam']);
    assert.deepEqual([...new Set(x.runs.map((r) => r.name!.split(' ')[0]))], ['lr=1', 'lr=0.5', 'lr=yes', 'lr=null']);
  });
});

describe('validation: every error at once, with its path', () => {
  test('accio-runs §8.4 error rows', () => {
    assert.deepEqual(errorsOf(() => geo({ epsilon: 0.1 })), ['params.uri: required flag is missing']);
    assert.deepEqual(errorsOf(() => geo({ epsilon: 0.1, uri: '/d', foo: 1 })), ['params.foo: unknown flag of geo (expected one of epsilon, level, uri)']);
    assert.deepEqual(errorsOf(() => resolve({ workflow: 'geo', params: { epsilon: 0.1, uri: '/d' } }, { repeat: '0' })), [
      'repeat: must be an integer >= 1, got "0" (from --repeat)',
    ]);
    assert.deepEqual(errorsOf(() => geo({ epsilon: { values: [] }, uri: '/d' })), ['params.epsilon.values: empty sweep: no values']);
    assert.deepEqual(errorsOf(() => geo({ epsilon: 'abc', uri: '/d' })), ['params.epsilon: expected a float, got "abc"']);
  });

  test('a definition with many problems lists them all', () => {
    const json = {
      workflow: 'geo',
      nmae: 'typo',
      repeat: 0,
      seed: 'abc',
      tags: 'a,b',
      params: {
        epsilon: { from: 1, to: 10, step: 0 },
        uri: { from: 1, to: 2, step: 1 },
        level: { values: [1, 'x', 2.5] },
        foo: 1,
        bar: { valeus: [1] },
        baz: { from: 1, to: 2, log: true, log2: true, stpe: 3 },
      },
    };
    assert.deepEqual(errorsOf(() => resolve(json)), [
      'nmae: unknown field (expected one of workflow, name, notes, tags, seed, repeat, params, search)',
      'tags: expected a list of strings, got "a,b"',
      'seed: expected a 64-bit integer, got "abc"',
      'repeat: must be an integer >= 1, got 0',
      'params.bar: expected a value, or an object with "value", "values" or "from"/"to"',
      'params.baz.stpe: unknown field',
      'params.baz: only one of log, log10, log2 may be set, got log, log2',
      'params.epsilon.step: step must not be 0',
      'params.uri: a range needs a numeric flag, not a string flag',
      'params.level.values[1]: expected an int, got "x"',
      'params.level.values[2]: expected an int, got 2.5',
      'params.foo: unknown flag of geo (expected one of epsilon, level, uri)',
      'params.bar: unknown flag of geo (expected one of epsilon, level, uri)',
      'params.baz: unknown flag of geo (expected one of epsilon, level, uri)',
    ]);
  });

  test('invalid JSON says where', () => {
    assert.deepEqual(errorsOf(() => resolve('{"workflow": "geo",\n  "params": {"epsilon": 0.1,}\n}')), [
      "invalid JSON at line 2, column 29: expected a string key, found '}'",
    ]);
    assert.deepEqual(errorsOf(() => resolve('{"workflow": "geo", "workflow": "x"}')), ['invalid JSON at line 1, column 21: duplicate key "workflow"']);
    assert.deepEqual(errorsOf(() => resolve('[1]')), ['expected a JSON object, got a list']);
    assert.deepEqual(errorsOf(() => resolve('')), ['invalid JSON at line 1, column 1: unexpected end of input']);
  });

  test('a missing or wrong workflow, and bad field types', () => {
    assert.deepEqual(errorsOf(() => resolve({ params: {} })), ['workflow: required']);
    assert.deepEqual(errorsOf(() => resolve({ workflow: 3, name: 4, notes: [], params: [] })), [
      'name: expected a string, got 4',
      'notes: expected a string, got a list',
      'workflow: expected an operation name, got 3',
      'params: expected an object of flag names, got a list',
    ]);
  });

  test('too many runs', () => {
    const params = { epsilon: { from: 1, to: 100000, step: 1 }, uri: { values: ['/a', '/b', '/c', '/d', '/e', '/f', '/g', '/h', '/i', '/j', '/k'] } };
    assert.deepEqual(errorsOf(() => geo(params)), ['params: the sweep gives 1100000 runs, more than 1000000']);
  });
});

describe('command-line overrides', () => {
  const file = { workflow: 'geo', name: 'from file', notes: 'n', tags: ['a'], seed: 1, repeat: 1, params: { epsilon: { values: [0.1, 0.2] }, uri: '/d' } };

  test('the command line wins; tags are added; a CLI param replaces the sweep in place', () => {
    const def = resolve(file, { name: 'cli', notes: 'cli notes', tags: ['b', 'a'], repeat: '2', seed: '-5', params: ['epsilon=0.5', 'level=20'] });
    assert.deepEqual(
      { name: def.name, notes: def.notes, tags: def.tags, seed: def.seed, repeat: def.repeat },
      { name: 'cli', notes: 'cli notes', tags: ['a', 'b'], seed: '-5', repeat: 2 },
    );
    assert.deepEqual(def.params.map((p) => [p.name, p.values]), [['epsilon', [0.5]], ['uri', ['/d']], ['level', [20]]]);
  });

  test('an operation name instead of a file', () => {
    const def = resolveRunDefinition({ kind: 'operation', name: 'geo' }, { params: ['epsilon=0.0001', 'uri=/x'], seed: '3' }, lookup);
    const x = expandRuns(def);
    assert.equal(x.kind, 'single');
    assert.deepEqual(x.runs[0]!.flags, { epsilon: 0.0001, level: 15, uri: '/x' });
    assert.equal(x.runs[0]!.seed, '3');
  });

  test('untyped flags decode CLI values as Guild does', () => {
    const def = resolveRunDefinition({ kind: 'operation', name: 'open' }, { params: ['lr=0.01', 'opt=sgd'] }, lookup);
    assert.deepEqual(def.params.map((p) => p.values[0]), [0.01, 'sgd']);
  });

  test('CLI errors are collected with the file errors', () => {
    assert.deepEqual(errorsOf(() => resolve(file, { params: ['level=abc', 'foo=1', 'bad', 'opt'], seed: '1.5', repeat: 'x' })), [
      'repeat: must be an integer >= 1, got "x" (from --repeat)',
      'seed: expected a 64-bit integer, got "1.5" (from --seed)',
      'params.level: expected an int, got "abc" (from level=abc)',
      "invalid argument 'bad': expected NAME=VALUE",
      "invalid argument 'opt': expected NAME=VALUE",
      'params.foo: unknown flag of geo (expected one of epsilon, level, uri)',
    ]);
    assert.deepEqual(errorsOf(() => resolveRunDefinition({ kind: 'operation', name: 'open' }, { params: ['opt=rmsprop'] }, lookup)), [
      'params.opt: "rmsprop" is not one of "adam", "sgd"',
    ]);
  });

  test("Accio's single-dash long flags become double-dash ones", () => {
    assert.deepEqual(
      normalizeSingleDashFlags(['-name=x', '-repeat', '3', '-n', '--tags=a', 'epsilon=-1', '-seed=-5', '-notes', '-tags=a,b', '-nomemo']),
      ['--name=x', '--repeat', '3', '-n', '--tags=a', 'epsilon=-1', '--seed=-5', '--notes', '--tags=a,b', '-nomemo'],
    );
  });
});
