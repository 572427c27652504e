import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sortByValue } from '../../src/engine/compare.js';
import { natsortCompare } from '../../src/store/natsort.js';

describe("compare's orders, as Guild's", () => {
  test("column names in Guild's util.natsorted order", () => {
    const names = ['b', 'B', 'a', 'x10', 'x2', 'l_2', 'lr', 'Z', '_a', '1a', 'a07', 'a7', '', '10', '9', 'a10b2', 'a10b10', 'a9b'];
    // natsort 8.0.2's natsorted (what Guild 0.9.1 calls) of the same names, under Python 3.11
    const natsorted = ['', '1a', '9', '10', 'B', 'Z', '_a', 'a', 'a07', 'a7', 'a9b', 'a10b2', 'a10b10', 'b', 'l_2', 'lr', 'x2', 'x10'];
    assert.deepEqual([...names].sort(natsortCompare), natsorted);
    assert.deepEqual(['a7', 'a07'].sort(natsortCompare), ['a7', 'a07'], 'equal keys keep their order');
    assert.equal(natsortCompare('n99999999999999999999', 'n100000000000000000000'), -1, 'integers past 2^53 by value');
  });

  test("--min/--max: numbers by value, texts by code unit as compare's, or naturally as select's; runs without a value last", () => {
    const cells = ['b', 'B', 'a10', 'a9', undefined, 2, 10];
    assert.deepEqual(sortByValue(cells, (c) => c, 1), [2, 10, 'B', 'a10', 'a9', 'b', undefined]);
    assert.deepEqual(sortByValue(cells, (c) => c, -1), ['b', 'a9', 'a10', 'B', 10, 2, undefined]);
    // natsort 8.0.2's natsorted of the values, as Guild's select sorts them (None aside)
    assert.deepEqual(sortByValue(cells, (c) => c, 1, true), [2, 10, 'B', 'a9', 'a10', 'b', undefined]);
    assert.deepEqual(sortByValue(cells, (c) => c, -1, true), ['b', 'a10', 'a9', 'B', 10, 2, undefined]);
  });
});
