import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAttr } from '../../src/store/attrs.js';
import { decodeFlagValue, defaultLabel, flagsDesc, formatFlagValue } from '../../src/store/flagfmt.js';
import type { YamlValue } from '../../src/store/types.js';
import { isMarkedFloat, markFloat } from '../../src/store/yaml11.js';
import { fixtureHome } from '../helpers/home.js';

/** Shows floats as Python does (`1.0`), so expectations read like Guild's doctests. */
function py(v: unknown, float = false): string {
  if (typeof v === 'number') return Number.isInteger(v) && float ? `${v}.0` : String(v);
  if (typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map((x, i) => py(x, isMarkedFloat(v, i))).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, YamlValue>;
    return `{${Object.keys(o).map((k) => `${k}: ${py(o[k], isMarkedFloat(o, k))}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

describe('default labels of the fixture runs', () => {
  test('every Guild-made default label is reproduced', () => {
    const runsDir = join(fixtureHome, 'runs');
    let checked = 0;
    const explicit = new Set(['4cad94ad746246858852b7eb8736ac22', '469936806e8c4e96b4b609279c8f47d4']); // `--label`, `-t` tags
    for (const id of readdirSync(runsDir)) {
      const flags = readAttr(join(runsDir, id), 'flags');
      const label = readAttr(join(runsDir, id), 'label');
      if (flags.kind !== 'ok' || label.kind !== 'ok') continue;
      const dl = defaultLabel(flags.value as Record<string, YamlValue>);
      if (explicit.has(id)) assert.ok(label.value === 'best run' || label.value === `tagA tagB ${dl}`, id);
      else assert.equal(dl, label.value, id);
      checked++;
    }
    assert.ok(checked >= 15, `checked ${checked}`);
  });

  test('sorted, null flags skipped, floats truncated not rounded', () => {
    const flags: Record<string, YamlValue> = { z: null, lr: 0.006369545334560578, fail: false, epochs: 1, sleep: 0, name: 'a b' };
    markFloat(flags, 'sleep');
    assert.equal(defaultLabel(flags), "epochs=1 fail=no lr=0.00636 name='a b' sleep=0.0");
    assert.equal(defaultLabel({}), '');
  });

  test("a trial's flags as Guild's `Running trial` line names them: sorted, null skipped, floats whole, joined by ', '", () => {
    const flags: Record<string, YamlValue> = { z: null, lr: 0.006369545334560578, fail: false, sleep: 0, name: 'a b' };
    markFloat(flags, 'sleep');
    assert.equal(flagsDesc(flags), "fail=no, lr=0.006369545334560578, name='a b', sleep=0.0");
    // the same flags as a Guild batch logged them (fixture run f5d01912)
    const trial: Record<string, YamlValue> = { epochs: 1, fail: false, lr: 0.0014320956295608123, sleep: 0 };
    markFloat(trial, 'sleep');
    assert.equal(flagsDesc(trial), 'epochs=1, fail=no, lr=0.0014320956295608123, sleep=0.0');
  });
});

describe('formatFlagValue (Guild flag-utils.md)', () => {
  const cases: [YamlValue, string, { truncateFloats?: number; float?: boolean }?][] = [
    ['', "''"],
    ['a', 'a'],
    ['a b', "'a b'"],
    ["a b 'c d e'", `"a b 'c d e'"`],
    ["'a b'", "'''a b'''"],
    ['2018_06_26', "'2018_06_26'"],
    ['12e321', "'12e321'"],
    ['1', "'1'"],
    ['1.2e3', "'1.2e3'"],
    ['[1:2]', "'[1:2]'"],
    ['foo[1:2]', 'foo[1:2]'],
    ['y', 'y'],
    ['yes', "'yes'"],
    [1, '1'],
    [1, '1.0', { float: true }],
    [12000, '12000.0', { float: true }],
    [123.4, '123.4'],
    [1e100, '1.0e+100', { float: true }],
    [1 / 3, '0.3333333333333333'],
    [-1.234e-3, '-0.001234'],
    [true, 'yes'],
    [false, 'no'],
    [null, 'null'],
    [[], '[]'],
    [['', 'a', 1, 1 / 3, true, false, null], "['', a, 1, 0.3333333333333333, yes, no, null]"],
    [['a,b', 'c'], "['a,b', c]"],
    [{}, '{}'],
    [{ a: 1.123, b: 'c d', e: true, f: [1, 2, 'g h'] }, '{a: 1.123, b: c d, e: yes, f: [1, 2, g h]}'],
    [1 / 6, '0.16666', { truncateFloats: 5 }],
    [1.123454, '1.12345', { truncateFloats: 5 }],
    [0.999999, '0.99999', { truncateFloats: 5 }],
    [12345.123456, '12345.12345', { truncateFloats: 5 }],
    [0.0000012345, '1.2345e-06', { truncateFloats: 5 }],
    [1.0000012345, '1.00000', { truncateFloats: 5 }],
    [1.1, '1.1', { truncateFloats: 5 }],
    [Infinity, '.inf'],
    [NaN, '.nan'],
  ];
  for (const [v, want, opts] of cases) {
    test(`${py(v)}${opts ? ' ' + JSON.stringify(opts) : ''} → ${want}`, () => assert.equal(formatFlagValue(v, opts), want));
  }

  test('float marks inside lists', () => {
    const l: YamlValue[] = [1, 2];
    markFloat(l, 1);
    assert.equal(formatFlagValue(l), '[1, 2.0]');
  });
});

describe('decodeFlagValue (Guild flag-utils.md)', () => {
  const cases: [string, string][] = [
    ['', '""'],
    ['a', '"a"'],
    ["'a b'", '"a b"'],
    ['2018_06_26', '"2018_06_26"'],
    ['1', '1'],
    ['001', '1'],
    ['1.1', '1.1'],
    ['12000.0', '12000'],
    ['1.0e+100', '1e+100'],
    ["'1'", '"1"'],
    ['yes', 'true'],
    ['no', 'false'],
    ['null', 'null'],
    ["'[1:2]'", '"[1:2]"'],
    ['foo[1:2]', '"foo[1:2]"'],
    ['[]', '[]'],
    ["['', a, 1, 1.0, 0.3333333333333333, yes, no, null]", '["", "a", 1, 1.0, 0.3333333333333333, true, false, null]'],
    ['{}', '{}'],
    ['[1:2]', '"[1:2]"'],
    ['[[1:2]]', '[[62]]'],
    ["['[1:2]']", `"['[1:2]']"`],
    ["'[]'", '"[]"'],
    ['[1] * 2', '[1, 1]'],
    [' [1] * 2 ', '[1, 1]'],
    ['[] * 2', '[]'],
    ['[1,2] * 2', '[1, 2, 1, 2]'],
    ['range[1:5]', '[1, 2, 3, 4, 5]'],
    ['range[0:5:2]', '[0, 2, 4]'],
    ['range[5:1:-1]', '[5, 4, 3, 2, 1]'],
    ['range[1:5:0.5]', '[1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]'],
    ['range[1e-5:1e-4:1e-5]', '[0.00001, 0.00002, 0.00003, 0.00004, 0.00005, 0.00006, 0.00007, 0.00008, 0.00009, 0.0001]'],
    ['range[1:5:1:2:3]', '[1, 2, 3, 4, 5]'],
    ['range[10]', '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]'],
    ['range[foo:bar]', '"range[foo:bar]"'],
    ['range[]', '"range[]"'],
    ['linspace[1:5]', '[1.0, 2.0, 3.0, 4.0, 5.0]'],
    ['linspace[1:10]', '[1.0, 3.25, 5.5, 7.75, 10.0]'],
    ['linspace[1e-2:1e-1:10]', '[0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1]'],
    ['linspace[1:5:5:hello:456]', '[1.0, 2.0, 3.0, 4.0, 5.0]'],
    ['linspace[1:bar]', '"linspace[1:bar]"'],
    ['logspace[1:5]', '[10.0, 100.0, 1000.0, 10000.0, 100000.0]'],
    ['logspace[-5:0:6]', '[0.00001, 0.0001, 0.001, 0.01, 0.1, 1.0]'],
    ['logspace[0:3:4:2]', '[1.0, 2.0, 4.0, 8.0]'],
    ['logspace[0:3:4:2:456:hello]', '[1.0, 2.0, 4.0, 8.0]'],
    ['1_2_3', '"1_2_3"'],
    ['1.1_2', '"1.1_2"'],
    ['1:2', '"1:2"'],
    ['67217e15', '"67217e15"'],
    ['1e2', '"1e2"'],
    ['12e3', '"12e3"'],
    ['1e000000000000000000000000000001', '"1e000000000000000000000000000001"'],
    ['+12345e6', '12345000000'],
    ['123456E7', '1234560000000'],
    ['1.23455e6', '1234550'],
    ['1e', '"1e"'],
    ['e1', '"e1"'],
    ['1e0000000000000000000000000000001', '10'],
    ['loguniform[1e-4:1e-1]', '"loguniform[1e-4:1e-1]"'],
    ['[0.1,0.2]', '[0.1, 0.2]'],
    ['99999999999999999999', '99999999999999999999'],
  ];
  for (const [s, want] of cases) test(`${JSON.stringify(s)} → ${want}`, () => assert.equal(py(decodeFlagValue(s)), want));
});
