import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOutputPatterns, OutputScalarParser, type OutputScalarsConfig } from '../../src/store/output-scalars.js';

/** Feeds lines, returns [key, value, step] of every scalar logged (Guild's doctest shape). */
function scalarsOf(config: OutputScalarsConfig | undefined, text: string, ignoreKeys?: string[]): [string, number, number][] {
  const p = new OutputScalarParser(config, { ignoreKeys });
  return text.split('\n').flatMap((l) => p.parse(l).scalars.map((s) => [s.key, s.value, s.step] as [string, number, number]));
}

describe('default output scalars: step rules of guild/tests/output-scalars.md', () => {
  const cases: [string, string, [string, number, number][]][] = [
    ['no step, distinct keys', 'x: 1.1\ny: 1.2\nz: 1.3', [['x', 1.1, 0], ['y', 1.2, 0], ['z', 1.3, 0]]],
    ['explicit (10)', 'x: 1.1 (10)\ny: 1.2 (10)\nz: 1.3 (10)', [['x', 1.1, 10], ['y', 1.2, 10], ['z', 1.3, 10]]],
    ['repeat increments', 'x: 1.1\nx: 1.2\nx: 1.3', [['x', 1.1, 0], ['x', 1.2, 1], ['x', 1.3, 2]]],
    [
      'x,y,x,y,x,y',
      'x: 1.1\ny: 2.2\nx: 3.3\ny: 4.4\nx: 5.5\ny: 6.6',
      [['x', 1.1, 0], ['y', 2.2, 0], ['x', 3.3, 1], ['y', 4.4, 1], ['x', 5.5, 2], ['y', 6.6, 2]],
    ],
    [
      'x,y,y,y,x,y',
      'x: 1.1\ny: 2.2\ny: 3.3\ny: 4.4\nx: 5.5\ny: 6.6',
      [['x', 1.1, 0], ['y', 2.2, 0], ['y', 3.3, 1], ['y', 4.4, 2], ['x', 5.5, 2], ['y', 6.6, 3]],
    ],
    [
      'explicit step is sticky',
      'x: 1.1\ny: 2.2\nx: 3.3\ny: 4.4 (10)\nx: 5.5\ny: 6.6',
      [['x', 1.1, 0], ['y', 2.2, 0], ['x', 3.3, 1], ['y', 4.4, 10], ['x', 5.5, 10], ['y', 6.6, 10]],
    ],
    ['(step N) form and step: N lines', 'step: 3\nloss: 0.5\nacc: 1 (step 7)\nloss: 0.25', [['loss', 0.5, 3], ['acc', 1, 7], ['loss', 0.25, 7]]],
    ['numbers: exponent, sign, nan, inf', 'a: 1e-3\nb: -2.5\nc: NaN\nd: -inf', [['a', 0.001, 0], ['b', -2.5, 0], ['c', NaN, 0], ['d', -Infinity, 0]]],
    ['not scalars', 'status: done\n  indented: 1\nno colon 1\nx:1\nloss: 0.5 extra', []],
    ['trailing spaces are stripped', 'loss: 0.5   ', [['loss', 0.5, 0]]],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => assert.deepEqual(scalarsOf(undefined, text), expected));
  }

  test('flag names are not logged with default patterns but still count for steps', () => {
    assert.deepEqual(scalarsOf(undefined, 'lr: 0.1\nloss: 1\nlr: 0.1\nloss: 2', ['lr']), [['loss', 1, 0], ['loss', 2, 1]]);
    // With a custom config, flag names are logged.
    assert.deepEqual(scalarsOf([String.raw`^(\key):\s+(\value)$`], 'lr: 0.1', ['lr']), [['lr', 0.1, 0]]);
  });
});

describe('configured output scalars', () => {
  test("the fixture mnist guild.yml: step map and '(\\key)=(\\value)'", () => {
    const config: OutputScalarsConfig = [{ step: String.raw`Epoch (\step)` }, String.raw`(\key)=(\value)`];
    assert.deepEqual(scalarsOf(config, 'Epoch 1\nloss=0.5 val_acc=0.75\nEpoch 2\nloss=0.25 val_acc=0.875'), [
      ['loss', 0.5, 1],
      ['val_acc', 0.75, 1],
      ['loss', 0.25, 2],
      ['val_acc', 0.875, 2],
    ]);
  });

  const cases: [string, OutputScalarsConfig, string, [string, number, number][]][] = [
    ['one group takes the map key', [{ loss: String.raw`loss is (\value)` }], 'the loss is 0.3', [['loss', 0.3, 0]]],
    ['one group in a plain string has no key', [String.raw`loss is (\value)`], 'the loss is 0.3', []],
    ['Python named groups _key/_val', [String.raw`(?P<_key>\w+) -> (?P<_val>\value)`], 'acc -> 0.5', [['acc', 0.5, 0]]],
    ['other named groups are keys', [String.raw`P=(?P<precision>\value) R=(?P<recall>\value)`], 'P=0.5 R=0.25', [['precision', 0.5, 0], ['recall', 0.25, 0]]],
    ['named step group', [String.raw`iter (?P<step>\step): (?P<loss>\value)`], 'iter 40: 2', [['loss', 2, 40]]],
    ['zero unnamed groups is skipped', [String.raw`\key=\value`], 'loss=0.5', []],
    ['three unnamed groups is skipped', [String.raw`(a)(b)(c)`], 'abc', []],
    ['bad regex is skipped, others still work', ['(unclosed', String.raw`(\key)=(\value)`], 'x=1', [['x', 1, 0]]],
    ['inline (?i) flag', [String.raw`(?i)LOSS=(?P<loss>\value)`], 'loss=4', [['loss', 4, 0]]],
    ['values that are not floats are dropped', [String.raw`(\key)=(\S+)`], 'a=1 b=x c=.5 d=1_0', [['a', 1, 0], ['c', 0.5, 0], ['d', 10, 0]]],
    ['disabled with false', false, 'loss: 1', []],
    ['disabled with an empty list', [], 'loss: 1', []],
  ];
  for (const [name, config, text, expected] of cases) {
    test(name, () => assert.deepEqual(scalarsOf(config, text), expected));
  }

  test('compile problems are reported as warnings', () => {
    const p = new OutputScalarParser(['(unclosed', String.raw`\key=\value`]);
    assert.equal(p.warnings.length, 2);
    assert.match(p.warnings[1]!, /bad unnamed group count 0/);
  });
});

describe('output attrs', () => {
  test('non-numeric key: value lines become attrs; scalar keys and step are excluded', () => {
    const p = new OutputScalarParser(undefined, { ignoreKeys: ['optimizer'] });
    assert.deepEqual(p.parse('status: done'), { scalars: [], attrs: [{ key: 'status', value: 'done' }] });
    assert.deepEqual(p.parse('loss: 0.5').attrs, []);
    assert.deepEqual(p.parse('step: 5').attrs, []);
    assert.deepEqual(p.parse('optimizer: adam').attrs, [], 'flag names are not attrs either');
    assert.deepEqual(p.parse('note: two words').attrs, [], 'value is one token');
  });

  test("the default patterns match from the line's start only (Guild 0.9.1)", () => {
    const p = new OutputScalarParser(undefined);
    assert.deepEqual(p.parse('dep-1 says: hello'), { scalars: [], attrs: [] });
    assert.deepEqual(p.parse('epoch 3 loss: 0.5 (step 2)').scalars, []);
    assert.deepEqual(p.parse('loss: 0.5 (step 2)').scalars, [{ key: 'loss', value: 0.5, step: 2 }]);
  });

  test('attrs can be configured or disabled', () => {
    const off = new OutputScalarParser(undefined, { attrs: false });
    assert.deepEqual(off.parse('status: done').attrs, []);
    const custom = new OutputScalarParser(false, { attrs: [{ phase: String.raw`^phase=(\value)$` }] });
    assert.deepEqual(custom.parse('phase=warmup'), { scalars: [], attrs: [{ key: 'phase', value: 'warmup' }] });
  });
});

describe('user patterns run on RE2', () => {
  test('a catastrophic pattern matches in linear time', () => {
    const p = new OutputScalarParser([String.raw`^(a+)+$`, String.raw`(\key)=(\value)`]);
    const started = Date.now();
    assert.deepEqual(p.parse('a'.repeat(50_000) + 'b x=1').scalars, [{ key: 'x', value: 1, step: 0 }]);
    assert.ok(Date.now() - started < 5000, 'a backtracking engine takes forever here');
  });

  test('a pattern RE2 cannot run is refused with the feature named', () => {
    assert.throws(() => checkOutputPatterns([String.raw`\A(?P<w>\w+) (?P=w)\Z`], 'guild.yml op'), /guild.yml op: output-scalars pattern .* uses backreferences/);
    assert.throws(() => checkOutputPatterns([{ loss: String.raw`loss(?=:) (\value)` }], 'op'), /lookahead/);
    assert.doesNotThrow(() => checkOutputPatterns(['(unclosed', String.raw`\A(?P<loss>\value)\Z`], 'op'));
  });
});
