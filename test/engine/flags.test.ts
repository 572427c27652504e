import { describe, test } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { decodeCliFlag, flagDefsFromConfig, resolveFlags, splitFlagArg } from '../../src/engine/flags.js';
import type { FlagDef } from '../../src/engine/plan-types.js';
import { isMarkedFloat, parseYaml11 } from '../../src/store/yaml11.js';
import { projectRoot } from '../helpers/home.js';
import type { GrunError } from '../../src/store/errors.js';

describe('decoding name=value as Guild', () => {
  const cases: [string, FlagDef['type'] | undefined, unknown, boolean?][] = [
    ['1', undefined, 1],
    ['-3', undefined, -3],
    ['1.0', undefined, 1, true],
    ['0.5', undefined, 0.5],
    ['1e-3', undefined, 0.001],
    ['yes', undefined, true],
    ['off', undefined, false],
    ['abc', undefined, 'abc'],
    ['1_000', undefined, '1_000'],
    ['1:2', undefined, '1:2'],
    ['012', 'string', '012'],
    ['1e-3', 'string', '1e-3'],
    ['yes', 'string', 'yes'],
    ['012', 'int', 12],
    ['3', 'float', 3, true],
    ['2.5', 'number', 2.5],
    ['no', 'boolean', false],
    ['1', 'boolean', true],
    ['data/x.csv', 'path', 'data/x.csv'],
    // quoted values: YAML decodes the quotes, then the declared type converts (never kept)
    ["'yes'", 'string', 'yes'],
    ['"yes"', 'string', 'yes'],
    ["'1'", 'string', '1'],
    ["'it''s'", 'string', "it's"],
    ['"a\\tb"', 'string', 'a\tb'],
    ["''", 'string', ''],
    ["'x.csv'", 'path', 'x.csv'],
    ["'1'", 'int', 1],
    ["'0.5'", 'number', 0.5],
    ['"1.0"', 'number', 1, true],
    ["'3'", 'float', 3, true],
    ["'1'", undefined, '1'],
    ["'yes'", undefined, 'yes'],
    ['"1.0"', undefined, '1.0'],
  ];
  for (const [raw, type, value, isFloat] of cases) {
    test(`${raw} (${type ?? 'no type'}) → ${JSON.stringify(value)}`, () => {
      const def: FlagDef = { name: 'f', default: null, ...(type ? { type } : {}) };
      const d = decodeCliFlag('f', raw, def);
      assert.deepEqual(d.value, value);
      assert.equal(d.sweep, undefined);
      assert.equal(!!d.isFloat, !!isFloat);
    });
  }

  test('lists are grid sweeps, coerced per element by the declared type', () => {
    assert.deepEqual(decodeCliFlag('lr', '[0.1,0.2]').sweep, { kind: 'list', values: [0.1, 0.2] });
    assert.deepEqual(decodeCliFlag('n', '[1, 2, 3]', { name: 'n', default: 1, type: 'int' }).value, [1, 2, 3]);
    assert.deepEqual(decodeCliFlag('s', '[01, 02]', { name: 's', default: 'a', type: 'string' }).value, ['01', '02']);
    assert.deepEqual(decodeCliFlag('o', "['adam', sgd]").value, ['adam', 'sgd']);
    assert.deepEqual(decodeCliFlag('o', "['1', 2, \"yes\"]").value, ['1', 2, 'yes']);
    assert.deepEqual(decodeCliFlag('s', "['a', \"b\"]", { name: 's', default: 'a', type: 'string' }).value, ['a', 'b']);
    assert.deepEqual(decodeCliFlag('n', "['1', 2]", { name: 'n', default: 1, type: 'int' }).value, [1, 2]);
    assert.deepEqual(decodeCliFlag('x', '[1]*3').sweep, { kind: 'list', values: [1, 1, 1] });
    const floats = decodeCliFlag('x', '[1.0, 2]').value as number[];
    assert.equal(isMarkedFloat(floats, 0), true);
    assert.equal(isMarkedFloat(floats, 1), false);
  });

  test('flag functions are kept as text with parsed arguments', () => {
    assert.deepEqual(decodeCliFlag('lr', 'loguniform[1e-4:1e-1]'), {
      value: 'loguniform[1e-4:1e-1]',
      sweep: { kind: 'function', name: 'loguniform', args: [0.0001, 0.1], text: 'loguniform[1e-4:1e-1]' },
    });
    assert.deepEqual(decodeCliFlag('n', 'range[1:5:2]').sweep, { kind: 'function', name: 'range', args: [1, 5, 2], text: 'range[1:5:2]' });
    assert.deepEqual(decodeCliFlag('x', '[0:1]').sweep, { kind: 'function', name: '', args: [0, 1], text: '[0:1]' });
    // An unknown name is not a function: a plain string value
    assert.deepEqual(decodeCliFlag('s', 'foo[1]', { name: 's', default: '', type: 'string' }), { value: 'foo[1]' });
  });

  test("arg-split values are shell words as Guild splits them: \"2 1 'a b' d\" is four values", () => {
    assert.deepEqual(decodeCliFlag('l', "2 1 'a b' d", { name: 'l', default: null, argSplit: true }).value, [2, 1, 'a b', 'd']);
    assert.deepEqual(decodeCliFlag('l', 'a,b,,3', { name: 'l', default: null, argSplit: ',' }).value, ['a', 'b', 3]);
  });

  test('arg-split flags take "3 4" as one list value, not a sweep', () => {
    const d = decodeCliFlag('layers', '3 4', { name: 'layers', default: [1], type: 'int', argSplit: true });
    assert.deepEqual(d, { value: [3, 4] });
  });
});

describe('validation errors name the flag and what was expected', () => {
  const defs: FlagDef[] = [
    { name: 'epochs', default: 3, type: 'int' },
    { name: 'lr', default: 0.01, min: 0.0001, max: 1.0 },
    { name: 'optimizer', default: 'adam', choices: [{ value: 'adam' }, { value: 'sgd' }] },
    { name: 'fast', default: false, type: 'boolean' },
    { name: 'scale', default: 1, type: 'float' },
    { name: 'data', default: null, required: true },
  ];
  const run = (...args: string[]) => resolveFlags(defs, ['data=x', ...args], { operation: 'train' });
  const cases: [string[], RegExp][] = [
    [['foo=1'], /^unknown flag 'foo' for train: expected one of data, epochs, fast, lr, optimizer, scale$/],
    [['epochs=abc'], /^invalid value abc for epochs: invalid value for type 'int'$/],
    [['epochs=1.5'], /^invalid value 1.5 for epochs: invalid value for type 'int'$/],
    [['scale=x'], /^invalid value x for scale: invalid value for type 'float'$/],
    [['fast=maybe'], /^invalid value maybe for fast: invalid value for type 'boolean'$/],
    [['optimizer=rmsprop'], /^invalid value rmsprop for optimizer: expected one of adam, sgd$/],
    [['lr=0'], /^invalid value 0 for lr: out of range \(less than min 0.0001\)$/],
    [['lr=2'], /^invalid value 2 for lr: out of range \(greater than max 1\)$/],
    [['lr=[0.1,5]'], /^invalid value 5 for lr: out of range \(greater than max 1\)$/],
    [['epochs'], /^invalid flag argument 'epochs': expected NAME=VALUE$/],
  ];
  for (const [args, re] of cases) {
    test(args.join(' '), () => assert.throws(() => run(...args), (e: Error) => e.name === 'GrunError' && re.test(e.message)));
  }
  test('missing required flag', () => {
    assert.throws(() => resolveFlags(defs, [], { operation: 'train' }), {
      name: 'GrunError',
      message: "missing required flag 'data' for train: expected data=VALUE",
    });
  });
  test('splitFlagArg keeps = in values', () => assert.deepEqual(splitFlagArg('expr=a=b'), ['expr', 'a=b']));
  test('an operation without flags says so', () => {
    assert.throws(() => resolveFlags([], ['x=1'], { operation: 'run.py' }), { message: "unknown flag 'x' for run.py: it takes no flags" });
  });
});

describe('resolving flags', () => {
  test('defaults overlaid by user values; user_flags only what was typed; sorted; floats marked', () => {
    const defs: FlagDef[] = [
      { name: 'sleep', default: 0, defaultIsFloat: true },
      { name: 'lr', default: 0.1 },
      { name: 'epochs', default: 3 },
      { name: 'x', default: 1 },
    ];
    const r = resolveFlags(defs, ['epochs=2', 'x=2.0', 'lr=[0.1,0.2]'], { operation: 'train.py' });
    assert.deepEqual(Object.keys(r.flags), ['epochs', 'lr', 'sleep', 'x']);
    assert.deepEqual(r.flags, { epochs: 2, lr: [0.1, 0.2], sleep: 0, x: 2 });
    assert.deepEqual(r.userFlags, { epochs: 2, lr: [0.1, 0.2], x: 2 });
    assert.deepEqual(r.floatFlags, ['sleep', 'x']);
    assert.equal(isMarkedFloat(r.flags, 'sleep'), true);
    assert.equal(isMarkedFloat(r.flags, 'x'), true);
    assert.equal(isMarkedFloat(r.userFlags, 'x'), true);
    assert.equal(isMarkedFloat(r.flags, 'epochs'), false);
    assert.deepEqual(Object.keys(r.sweeps), ['lr']);
  });

  test('aliases map X=ID onto operation:X', () => {
    const defs: FlagDef[] = [{ name: 'operation:prepare', default: 'aaa', type: 'string', argSkip: true }];
    const r = resolveFlags(defs, ['prepare=012'], { operation: 'train', aliases: { prepare: 'operation:prepare' } });
    assert.deepEqual(r.flags, { 'operation:prepare': '012' });
  });

  test("a flag's alias sets it; alias and name together are refused, or with force are two flags", () => {
    const defs = flagDefsFromConfig({ depth: { alias: 'd', default: 1 } }, 'test');
    assert.deepEqual(resolveFlags(defs, ['d=3'], { operation: 'op' }).flags, { depth: 3 });
    assert.throws(() => resolveFlags(defs, ['depth=2', 'd=3'], { operation: 'op' }), (e: GrunError) =>
      e.message === "cannot specify both alias 'depth' and name for flag 'd'" && e.hint === 'Use --force-flags to skip this check.');
    const both = resolveFlags([...defs, { name: 'd', default: null }], ['depth=2', 'd=3'], { operation: 'op', force: true });
    assert.deepEqual(both.flags, { d: 3, depth: 2 });
  });

  test('with force, a value its type refuses is kept as decoded; a number flag takes a boolean as Guild (a bool is an int)', () => {
    const defs: FlagDef[] = [{ name: 'n', default: 1, type: 'number' }, { name: 'i', default: 1, type: 'int' }];
    assert.deepEqual(resolveFlags(defs, ['n=yes', 'i=abc'], { operation: 'op', force: true }).flags, { i: 'abc', n: true });
    assert.deepEqual(resolveFlags(defs, ['n=yes'], { operation: 'op' }).flags, { i: 1, n: true });
    assert.throws(() => resolveFlags(defs, ['i=abc'], { operation: 'op' }), /invalid value abc for i: invalid value for type 'int'/);
  });

  test('guild.yml flag maps: short and long forms, choices with values, float defaults', () => {
    const y = parseYaml11(
      'lr: {default: 0.01, min: 0.0001, max: 1.0}\nepochs: {default: 3, type: int, required: yes}\n' +
        "opt:\n  default: adam\n  choices:\n  - value: adam\n  - {value: sgd, description: plain}\nsleep: 1.0\ndebug: no\n" +
        'v: {arg-switch: yes, arg-name: verbose, env-name: VERB, default: no}\n',
    );
    const defs = flagDefsFromConfig(y, 'guild.yml');
    const by = Object.fromEntries(defs.map((d) => [d.name, d]));
    assert.deepEqual(by.lr, { name: 'lr', default: 0.01, min: 0.0001, max: 1 });
    assert.deepEqual(by.epochs, { name: 'epochs', default: 3, type: 'int', required: true });
    assert.deepEqual(by.opt!.choices, [{ value: 'adam' }, { value: 'sgd', description: 'plain' }]);
    assert.deepEqual(by.sleep, { name: 'sleep', default: 1, defaultIsFloat: true });
    assert.deepEqual(by.debug, { name: 'debug', default: false });
    assert.deepEqual(by.v, { name: 'v', default: false, argName: 'verbose', argSwitch: true, envName: 'VERB' });
    assert.throws(() => flagDefsFromConfig(parseYaml11('x: {type: decimal}'), 'guild.yml'), {
      message: "guild.yml: flag 'x' has type 'decimal': expected one of int, float, number, string, boolean, path, existing-path, auto",
    });
  });
});

describe('existing-path flags', () => {
  test('the path must exist relative to the cwd', () => {
    const defs: FlagDef[] = [{ name: 'data', default: null, type: 'existing-path' }];
    assert.deepEqual(resolveFlags(defs, ['data=package.json'], { operation: 'op', cwd: projectRoot }).flags, { data: 'package.json' });
    assert.throws(() => resolveFlags(defs, ['data=nope.csv'], { operation: 'op', cwd: projectRoot }), {
      message: `invalid value nope.csv for data: ${join(projectRoot, 'nope.csv')} does not exist`,
    });
  });
});
