import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonText, type JsonValue } from '../../src/engine/sweep/json-text.js';
import { expandParam, snap, type ParamFlag, type ParamSpec } from '../../src/engine/sweep/params.js';

const INT: ParamFlag = { type: 'int' };
const FLOAT: ParamFlag = { type: 'float' };
const STRING: ParamFlag = { type: 'string' };
const BOOL: ParamFlag = { type: 'boolean' };
const OPEN: ParamFlag = {};

/** A param as the JSON text of a definition would give it (so big ints arrive as bigint). */
function spec(json: string): ParamSpec {
  const raw = parseJsonText(json) as JsonValue;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { kind: 'value', value: raw };
  if ('value' in raw) return { kind: 'value', value: raw.value! };
  if ('values' in raw) return { kind: 'values', values: raw.values as JsonValue[] };
  const log = (['log', 'log10', 'log2'] as const).find((k) => raw[k] === true) ?? null;
  const s: ParamSpec = { kind: 'range', from: raw.from!, to: raw.to!, log };
  if ('step' in raw) s.step = raw.step!;
  return s;
}

function values(json: string, flag: ParamFlag): unknown[] {
  const r = expandParam(spec(json), flag);
  assert.equal(r.errors, undefined, `${json}: ${JSON.stringify(r.errors)}`);
  return r.values!;
}

function errors(json: string, flag: ParamFlag): string[] {
  const r = expandParam(spec(json), flag);
  assert.ok(r.errors, `${json} should fail, gave ${JSON.stringify(r.values)}`);
  return r.errors.map((e) => `${e.at}: ${e.message}`);
}

describe("Accio's own exploration tests (accio-runs §8.1)", () => {
  const table: [string, string, ParamFlag, unknown[]][] = [
    ['expand integers', '{"from":10,"to":15,"step":1}', INT, [10, 11, 12, 13, 14, 15]],
    ['expand longs', '{"from":10000000000,"to":10000000005,"step":1}', INT, [1e10, 1e10 + 1, 1e10 + 2, 1e10 + 3, 1e10 + 4, 1e10 + 5]],
    ['expand log10 doubles #1', '{"from":10,"to":10000,"step":10,"log10":true}', FLOAT, [10, 100, 1000, 10000]],
    ['expand log10 doubles #2', '{"from":0.00001,"to":1,"step":10,"log10":true}', FLOAT, [0.00001, 0.0001, 0.001, 0.01, 0.1, 1]],
    ['list of integers', '{"values":[10,11,12]}', INT, [10, 11, 12]],
    ['singleton byte', '1', INT, [1]],
    ['singleton integer', '10', INT, [10]],
    ['singleton double from an int', '42', FLOAT, [42]],
    ['singleton long beyond 2^53', '103212032002347323', INT, [103212032002347323n]],
    ['singleton false', 'false', BOOL, [false]],
    ['singleton true', 'true', BOOL, [true]],
    ['singleton string', '"foo bar"', STRING, ['foo bar']],
  ];
  for (const [name, json, flag, expected] of table) test(name, () => assert.deepEqual(values(json, flag), expected));

  test('no range of a non-numeric flag', () => {
    for (const flag of [STRING, BOOL, { type: 'path' } as ParamFlag]) {
      assert.deepEqual(errors('{"from":1,"to":3,"step":1}', flag), [`: a range needs a numeric flag, not a ${flag.type} flag`]);
    }
  });
});

describe('ranges: by index, end inclusive within epsilon, 12 significant digits', () => {
  const table: [string, ParamFlag, unknown[]][] = [
    ['{"from":1,"to":10,"step":3}', INT, [1, 4, 7, 10]],
    ['{"from":1,"to":10,"step":3}', FLOAT, [1, 4, 7, 10]],
    ['{"from":1,"to":10,"step":4}', INT, [1, 5, 9]],
    ['{"from":10,"to":1,"step":-3}', INT, [10, 7, 4, 1]],
    ['{"from":"1","to":"3","step":"1"}', INT, [1, 2, 3]],
    ['{"from":0.1,"to":0.5,"step":0.1}', FLOAT, [0.1, 0.2, 0.3, 0.4, 0.5]],
    ['{"from":"0.1","to":"0.3","step":"0.1"}', FLOAT, [0.1, 0.2, 0.3]], // Accio loses 0.3
    ['{"from":0,"to":1,"step":0.1}', FLOAT, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]],
    ['{"from":0,"to":1,"step":0.25}', FLOAT, [0, 0.25, 0.5, 0.75, 1]],
    ['{"from":1,"to":2,"step":0.3}', FLOAT, [1, 1.3, 1.6, 1.9]],
    ['{"from":-1,"to":1,"step":0.5}', FLOAT, [-1, -0.5, 0, 0.5, 1]],
    ['{"from":1,"to":0,"step":-0.25}', FLOAT, [1, 0.75, 0.5, 0.25, 0]],
    ['{"from":0.3,"to":-0.3,"step":-0.1}', FLOAT, [0.3, 0.2, 0.1, 0, -0.1, -0.2, -0.3]],
    ['{"from":5,"to":5,"step":1}', INT, [5]],
    // log: the step is a factor (×10 by default, ×2 for log2) and the end is kept
    ['{"from":0.00001,"to":1,"step":10,"log":true}', FLOAT, [0.00001, 0.0001, 0.001, 0.01, 0.1, 1]],
    ['{"from":0.00001,"to":1,"log":true}', FLOAT, [0.00001, 0.0001, 0.001, 0.01, 0.1, 1]],
    ['{"from":0.0001,"to":1,"step":10,"log":true}', FLOAT, [0.0001, 0.001, 0.01, 0.1, 1]],
    ['{"from":1,"to":1000,"step":10,"log":true}', FLOAT, [1, 10, 100, 1000]],
    ['{"from":1,"to":100,"step":2.718281828459045,"log":true}', FLOAT, [1, 2.71828182846, 7.38905609893, 20.0855369232, 54.5981500331]],
    ['{"from":1,"to":1024,"step":2,"log2":true}', FLOAT, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]],
    ['{"from":1,"to":1024,"log2":true}', FLOAT, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]],
    ['{"from":1,"to":1000,"step":2,"log2":true}', FLOAT, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]],
    ['{"from":0.125,"to":8,"step":4,"log2":true}', FLOAT, [0.125, 0.5, 2, 8]],
    ['{"from":2,"to":64,"step":4,"log2":true}', FLOAT, [2, 8, 32]],
    ['{"from":1,"to":1000,"step":2,"log10":true}', FLOAT, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]],
    ['{"from":0.001,"to":1000,"step":10,"log10":true}', FLOAT, [0.001, 0.01, 0.1, 1, 10, 100, 1000]],
    ['{"from":5,"to":5000,"step":10,"log10":true}', FLOAT, [5, 50, 500, 5000]],
    ['{"from":100,"to":1,"step":0.1,"log10":true}', FLOAT, [100, 10, 1]],
    ['{"from":-1,"to":-1000,"log":true}', FLOAT, [-1, -10, -100, -1000]],
    ['{"from":1,"to":100,"step":10,"log10":true}', INT, [1, 10, 100]], // Accio ignores log for ints
    ['{"from":1,"to":10,"step":1.5,"log":true}', INT, [1, 2, 3, 5, 8]], // rounded, then de-duplicated
    // untyped flags: ints stay ints, anything else is a float range
    ['{"from":1,"to":5,"step":2}', OPEN, [1, 3, 5]],
    ['{"from":0,"to":0.3,"step":0.1}', OPEN, [0, 0.1, 0.2, 0.3]],
  ];
  for (const [json, flag, expected] of table) {
    test(`${json} as ${flag.type ?? 'untyped'}`, () => assert.deepEqual(values(json, flag), expected));
  }

  test('range errors name the field', () => {
    const table: [string, ParamFlag, string[]][] = [
      ['{"from":1,"to":10,"step":0}', INT, ['.step: step must not be 0']],
      ['{"from":10,"to":1,"step":3}', INT, [': empty sweep: from 10 to 1 by 3 gives no values']],
      ['{"from":100,"to":1,"step":10,"log10":true}', FLOAT, [': empty sweep: from 100 to 1 by 10 gives no values']],
      ['{"from":1,"to":100,"step":1,"log10":true}', FLOAT, ['.step: a log range needs a factor above 0 and other than 1, got 1']],
      ['{"from":1,"to":100,"step":-2,"log":true}', FLOAT, ['.step: a log range needs a factor above 0 and other than 1, got -2']],
      ['{"from":0,"to":1,"log":true}', FLOAT, [': a log range needs from and to non-zero and of the same sign']],
      ['{"from":-1,"to":1,"log":true}', FLOAT, [': a log range needs from and to non-zero and of the same sign']],
      ['{"from":1,"to":10}', FLOAT, ['.step: required for a linear range']],
      ['{"from":0.5,"to":3.7,"step":1}', INT, ['.from: expected an int, got 0.5', '.to: expected an int, got 3.7']],
      ['{"from":"a","to":null,"step":[1]}', FLOAT, ['.from: expected a number, got "a"', '.to: expected a number, got null', '.step: expected a number, got a list']],
      ['{"from":0,"to":1,"step":1e-9}', FLOAT, [': range gives 1000000001 values, more than 100000']],
    ];
    for (const [json, flag, expected] of table) assert.deepEqual(errors(json, flag), expected, json);
  });

  test('snap keeps 12 significant digits', () => {
    assert.equal(snap(0.1 + 0.2), 0.3);
    assert.equal(snap(1.0000000000000004e-5), 1e-5);
    assert.equal(snap(123456789.123456789), 123456789.123);
    assert.equal(snap(0), 0);
  });
});

describe('typing by the declared flag type', () => {
  const table: [string, ParamFlag, unknown[]][] = [
    ['"0.0001"', FLOAT, [0.0001]],
    ['{"value":"1e-3"}', FLOAT, [0.001]],
    ['{"values":[1, 1.0, "1"]}', FLOAT, [1]], // one value after coercion, as in Accio
    ['{"values":[3, "3", 4]}', INT, [3, 4]],
    ['"12"', INT, [12]],
    ['"9223372036854775807"', INT, [9223372036854775807n]],
    ['"12"', { type: 'number' }, [12]],
    ['"1.5"', { type: 'number' }, [1.5]],
    ['"yes"', BOOL, [true]],
    ['"N"', BOOL, [false]],
    ['{"values":[true,"t","false"]}', BOOL, [true, false]],
    ['"/path/to/dataset"', STRING, ['/path/to/dataset']],
    ['{"value":{"a":1}}', OPEN, [{ a: 1 }]],
    ['[0.1, 0.2]', OPEN, [[0.1, 0.2]]], // a bare list is one value, not a sweep
    ['{"values":["b","a","b"]}', OPEN, ['b', 'a']], // first occurrence order
    ['null', FLOAT, [null]],
  ];
  for (const [json, flag, expected] of table) {
    test(`${json} as ${flag.type ?? 'untyped'}`, () => assert.deepEqual(values(json, flag), expected));
  }

  test('values of the wrong type are errors with their index', () => {
    const table: [string, ParamFlag, string[]][] = [
      ['3.9', INT, [': expected an int, got 3.9']],
      ['{"values":[1.2, 1.7]}', INT, ['.values[0]: expected an int, got 1.2', '.values[1]: expected an int, got 1.7']],
      ['"12.5"', INT, [': expected an int, got "12.5"']],
      ['"abc"', FLOAT, [': expected a float, got "abc"']],
      ['"maybe"', BOOL, [': expected a boolean (true/false, yes/no), got "maybe"']],
      ['1', BOOL, [': expected a boolean (true/false, yes/no), got 1']],
      ['42', STRING, [': expected a string, got 42']],
      ['[0.1, 0.2]', FLOAT, [': expected one value, got a list (use {"values": [...]} for a sweep)']],
      ['{"values":[]}', FLOAT, ['.values: empty sweep: no values']],
      ['null', { type: 'float', required: true }, [': required flag cannot be null']],
    ];
    for (const [json, flag, expected] of table) assert.deepEqual(errors(json, flag), expected, json);
  });

  test('choices, min and max of the flag apply to every value', () => {
    const opt: ParamFlag = { choices: [{ value: 'adam' }, { value: 'sgd' }] };
    assert.deepEqual(values('{"values":["sgd","adam"]}', opt), ['sgd', 'adam']);
    assert.deepEqual(errors('{"values":["adam","rmsprop"]}', opt), ['.values[1]: "rmsprop" is not one of "adam", "sgd"']);
    const lr: ParamFlag = { type: 'float', min: 0.0001, max: 1 };
    assert.deepEqual(errors('{"from":0.001,"to":10,"log":true}', lr), [': 10 is above the maximum 1']);
    assert.deepEqual(errors('0.00001', lr), [': 0.00001 is below the minimum 0.0001']);
  });
});
