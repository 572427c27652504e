import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JavaRandom } from '../../src/engine/sweep/java-random.js';
import { childSeeds, newSeed, parseSeed } from '../../src/engine/sweep/seeds.js';

describe('java.util.Random', () => {
  // Vectors from accio-runs.md §4, the rest printed by a real JVM (OpenJDK, java.util.Random).
  const longs: [bigint, string[]][] = [
    [42n, ['-5025562857975149833', '-5843495416241995736', '5694868678511409995']],
    [0n, ['-4962768465676381896', '4437113781045784766', '-6688467811848818630']],
    [1234567890123n, ['-37462751138084332', '-4294232599635685378', '-3937534964849336365']],
  ];
  for (const [seed, expected] of longs) {
    test(`nextLong of Random(${seed})`, () => {
      const r = new JavaRandom(seed);
      assert.deepEqual([r.nextLong(), r.nextLong(), r.nextLong()].map(String), expected);
    });
  }

  test('nextInt, nextInt(bound), nextDouble match the JVM', () => {
    const r = new JavaRandom(42n);
    assert.equal(r.nextInt(), -1170105035);
    assert.equal(r.nextIntBelow(10), 3);
    assert.equal(r.nextIntBelow(16), 10); // power-of-two branch
    assert.equal(r.nextDouble(), 0.047939305137387644);
    const q = new JavaRandom(-7n);
    const ints = Array.from({ length: 5 }, () => q.nextIntBelow(1000000007));
    assert.deepEqual(ints, [577934662, 935951290, 445645583, 119890471, 314447087]);
    assert.deepEqual([q.nextDouble(), q.nextDouble(), q.nextDouble()], [0.8518782305056931, 0.08574465212415472, 0.4602396713174489]);
    assert.equal(q.nextLong(), -1849135647554627033n);
  });

  test('seeds are taken as 64-bit longs: only the low 48 bits matter', () => {
    assert.equal(new JavaRandom(-(1n << 63n)).nextLong(), -4962768465676381896n); // Long.MIN_VALUE ≡ 0
    assert.equal(new JavaRandom((1n << 63n) - 1n).nextLong(), 4961115982468162243n);
  });

  test('nextIntBelow rejects bad bounds', () => {
    assert.throws(() => new JavaRandom(1n).nextIntBelow(0), RangeError);
    assert.throws(() => new JavaRandom(1n).nextIntBelow(2 ** 31), RangeError);
  });
});

describe('seeds', () => {
  test('childSeeds follow Random(parent).nextLong() in order, from a string or a bigint', () => {
    const expected = ['-5025562857975149833', '-5843495416241995736', '5694868678511409995'];
    assert.deepEqual(childSeeds('42', 3), expected);
    assert.deepEqual(childSeeds(42n, 3), expected);
    assert.deepEqual(childSeeds('42', 0), []);
  });

  test('the same parent seed reproduces the same children; another one does not', () => {
    assert.deepEqual(childSeeds('9007199254740993', 36), childSeeds('9007199254740993', 36));
    assert.notDeepEqual(childSeeds('9007199254740993', 36), childSeeds('9007199254740992', 36));
    assert.equal(new Set(childSeeds('1', 1000)).size, 1000);
  });

  test('newSeed is a random signed 64-bit decimal string', () => {
    const seeds = Array.from({ length: 200 }, newSeed);
    for (const s of seeds) {
      assert.match(s, /^-?\d+$/);
      assert.ok(BigInt(s) >= -(1n << 63n) && BigInt(s) < 1n << 63n);
    }
    assert.equal(new Set(seeds).size, 200);
    assert.ok(seeds.some((s) => s.startsWith('-')) && seeds.some((s) => !s.startsWith('-')));
    assert.ok(seeds.some((s) => BigInt(s) > BigInt(Number.MAX_SAFE_INTEGER)), 'uses more than 53 bits');
  });

  test('parseSeed keeps every digit and the 64-bit range', () => {
    const cases: [string | number | bigint, string | null][] = [
      ['120482382048', '120482382048'],
      [' -42 ', '-42'],
      ['+7', '7'],
      [1234567890123, '1234567890123'],
      [9223372036854775807n, '9223372036854775807'],
      ['-9223372036854775808', '-9223372036854775808'],
      ['9223372036854775808', null],
      [2 ** 60, null], // a JS number that large has already lost digits
      [1.5, null],
      ['12.0', null],
      ['abc', null],
      ['', null],
    ];
    for (const [input, expected] of cases) assert.equal(parseSeed(input), expected, String(input));
  });
});
