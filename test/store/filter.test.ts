import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterSyntaxError, matchFilter, parseFilter, scalarLookup, type ScalarLookup } from '../../src/store/filter/index.js';
import { GrunError } from '../../src/store/errors.js';
import type { Run, RunStatus, ScalarSummary, YamlValue } from '../../src/store/types.js';

function makeRun(over: Partial<Run> = {}): Run {
  const status: RunStatus = over.status ?? 'completed';
  return {
    id: 'abcd1234abcd1234abcd1234abcd1234', dir: '/nowhere', deleted: false,
    opref: { pkgType: 'script', pkgName: '/p', pkgVersion: '', modelName: '', opName: 'train.py' },
    operation: 'train.py', initialized: null, started: null, stopped: null, exitStatus: 0, label: null,
    tags: [], marked: false, flags: {}, comments: [], sourcecodeDigest: null, host: null, user: null,
    seed: null, markers: { lockRemote: null, pending: false, staged: false }, lockPid: null, proc: null, slurm: null,
    batch: false, children: [], parent: null, pruned: null, search: null, problems: [], statusInfo: { status }, ...over, status,
  };
}

const scalars = (values: Record<string, number>): ScalarLookup => (key) => values[key];
const none: ScalarLookup = () => undefined;

// guild/tests/filter-parser.md: its FilterRun, with the list attr `l` carried as a flag.
const docRun = makeRun({
  id: 'abcd1234',
  label: 'hello world a=1',
  flags: { a: 1, b: 1.2, c: 'red', d: true, id: '4321dcba', l: [1, 'two', 3.0] },
});
const docScalars = scalars({ x: 0.456, y: 1.123, b: 1.3 });
const test1 = (expr: string, run = docRun, sc = docScalars): boolean => matchFilter(parseFilter(expr), run, sc);

describe('filter parsing', () => {
  test('terms parse to their decoded values', () => {
    const cases: [string, YamlValue][] = [
      ['1', 1], ['0', 0], ['1.2', 1.2], ['.23', 0.23], ['a', 'a'], ["'a'", 'a'], ['"a"', 'a'], ["'1.2'", '1.2'],
      ['true', true], ['falSE', false], ['undefined', null], ['[1]', [1]], ['[1, 2]', [1, 2]],
      ['[red]', ['red']], ['[red, blue, 1,1.23]', ['red', 'blue', 1, 1.23]], ["'a, b, c'", 'a, b, c'],
      // YAML 1.1, as Guild decodes NUMBER tokens: octal ints, floats need a dot and a signed exponent.
      ['010', 8], ['1.5e-3', 0.0015], ['1e5', '1e5'], ['1.5e5', '1.5e5'], ['-1.2', -1.2], ['-.5', '-.5'],
      ['"tab\\there"', 'tab\there'], ['"\\u00e9"', 'é'],
    ];
    for (const [expr, value] of cases) {
      assert.deepEqual(parseFilter(expr), { kind: 'term', value }, expr);
    }
  });

  test('run tests, prefixes and keywords in any case', () => {
    assert.deepEqual(parseFilter('a = 1'), { kind: 'compare', ref: { source: 'auto', name: 'a' }, op: '=', value: 1 });
    assert.deepEqual(parseFilter('a<>2').kind, 'compare');
    assert.deepEqual(parseFilter('x IS NOT undefined'), { kind: 'compare', ref: { source: 'auto', name: 'x' }, op: '!=', value: null });
    assert.deepEqual(parseFilter('scalar:target/.guild#loss >= .5'), {
      kind: 'compare', ref: { source: 'scalar', name: 'target/.guild#loss' }, op: '>=', value: 0.5,
    });
    assert.deepEqual(parseFilter("c Not In ['red',green]"), {
      kind: 'in', ref: { source: 'auto', name: 'c' }, values: ['red', 'green'], negate: true,
    });
    assert.deepEqual(parseFilter('tags not contains [green]'), {
      kind: 'contains', ref: { source: 'auto', name: 'tags' }, value: ['green'], negate: true,
    });
    assert.deepEqual(parseFilter('attr:label contains x').kind, 'contains');
  });

  test('and/or share one precedence and group to the right, as in Guild; not binds tighter', () => {
    const t = { kind: 'term', value: true } as const;
    const f = { kind: 'term', value: false } as const;
    assert.deepEqual(parseFilter('true and false or true'), { kind: 'and', left: t, right: { kind: 'or', left: f, right: t } });
    assert.deepEqual(parseFilter('not true and false'), { kind: 'and', left: { kind: 'not', expr: t }, right: f });
    assert.equal(test1('true or false and true'), true);
    assert.equal(test1('true or false and false'), true);
    assert.equal(test1('(true or false) and false'), false);
    // Guild's grouping, where the usual precedence would say false:
    assert.equal(test1('false and true or true'), false);
  });

  test('syntax errors name the problem and its position', () => {
    const cases: [string, string][] = [
      ['loss <', "invalid filter 'loss <': expected a value after '<' at position 6"],
      ['', "invalid filter '': empty expression at position 0"],
      ["'", "invalid filter ''': unterminated string at position 0"],
      ['a == 123', "invalid filter 'a == 123': unknown operator '==' at position 2"],
      ['loss ~ 1', "invalid filter 'loss ~ 1': unexpected character '~' at position 5"],
      ['loss lt 1', "invalid filter 'loss lt 1': unknown operator 'lt' at position 5"],
      ["'a' = 123", "invalid filter ''a' = 123': unexpected '=' at position 4"],
      ['a = 1 or \nb(', "invalid filter 'a = 1 or \nb(': unexpected '(' at position 11"],
      ['and id = foo', "invalid filter 'and id = foo': unexpected 'and' at position 0"],
      ['foo = (', "invalid filter 'foo = (': expected a value after '=' but found '(' at position 6"],
      ['(', "invalid filter '(': expected an expression after '(' at position 1"],
      ['(a = 1', "invalid filter '(a = 1': unclosed '(' at position 0"],
      ['(a = 1 b', "invalid filter '(a = 1 b': expected ')' but found 'b' at position 7"],
      ['a = 1)', "invalid filter 'a = 1)': unmatched ')' at position 5"],
      ['x in [a, b', "invalid filter 'x in [a, b': unclosed '[' at position 5"],
      ['x in [a b]', "invalid filter 'x in [a b]': expected ',' or ']' but found 'b' at position 8"],
      ['x in []', "invalid filter 'x in []': expected a value after '[' but found ']' at position 6"],
      ['x in a', "invalid filter 'x in a': expected a list like [a, b] after 'in' but found 'a' at position 5"],
      ['x not = 1', "invalid filter 'x not = 1': expected 'in' or 'contains' after 'not' but found '=' at position 6"],
      ['x is not', "invalid filter 'x is not': expected a value after 'is not' at position 8"],
      ['a = 1 and', "invalid filter 'a = 1 and': expected an expression after 'and' at position 9"],
      ['_x = 1', "invalid filter '_x = 1': unexpected character '_' at position 0"],
      ['"\\q"', `invalid filter '"\\q"': invalid escape '\\q' in string at position 1`],
    ];
    for (const [expr, message] of cases) {
      assert.throws(() => parseFilter(expr), (e: unknown) => {
        assert.ok(e instanceof FilterSyntaxError && e instanceof GrunError, expr);
        assert.equal(e.message, message);
        return true;
      });
    }
  });
});

describe('filter evaluation (guild/tests/filter-parser.md)', () => {
  test('numeric comparison', () => {
    const cases: [string, boolean][] = [
      ['a = 1', true], ['a = 2', false], ['a < 1', false], ['a <= 1', true], ['a > 1', false], ['a >= 1', true],
      ['a != 1', false], ['a <> 2', true], ['b < 1.21', true], ['x = 0.456', true], ['x < 0.5', true],
    ];
    for (const [expr, want] of cases) assert.equal(test1(expr), want, expr);
  });

  test('undefined, membership, contains', () => {
    const cases: [string, boolean][] = [
      ['a is undefined', false], ['a is not undefined', true], ['not a is undefined', true],
      ['e = 1', false], ['e is undefined', true], ['e is not undefined', false],
      ['c in [red,green, blue]', true], ['c in [green,blue]', false],
      ['c not in [red, green, blue]', false], ['c not in [green, blue]', true],
      ["c contains 'ed'", true], ['c contains ed', true], ['c contains red', true], ['c contains fred', false],
      ['c not contains ed', false], ['c not contains fred', true],
      ['label contains hello', true], ["label contains 'hello world'", true], ["label contains 'HELLO WORLD'", true],
      ['xxx contains abc', false], ['xxx not contains abc', true],
      ['l contains two', true], ['l contains TWO', false], ['l contains 1', true], ['l contains three', false],
      ['l contains 3', true], ['l contains 3.0', true], ['l contains [two, 1]', true], ['l contains [two, 2]', false],
    ];
    for (const [expr, want] of cases) assert.equal(test1(expr), want, expr);
  });

  test('logic operations', () => {
    const cases: [string, boolean][] = [
      ['a = 1 and b = 1.2', true], ['a = 1 and b = 1.3', false], ['true or false', true], ['a = 1 or b = 1.3', true],
      ['a = 1.1 or b = 1.3', false], ['not true', false], ['not 1', false], ['not 0', true], ['not a = 1', false],
      ['a = 1 or a = 2 and c in [blue,green]', true], ['(a = 1 or a = 2) and c in [blue,green]', false],
      ['not ((a = 1 or a = 2) and c in [blue,green])', true], ['a = 1 and b < 1.2', false], ['a = 1 and b <= 1.2', true],
      ['cat', true], ["''", false], ['0.0', false],
    ];
    for (const [expr, want] of cases) assert.equal(test1(expr), want, expr);
  });

  test('references resolve attr, then flag, then scalar; prefixes pick one', () => {
    const cases: [string, boolean][] = [
      ['id = abcd1234', true], ["id = '4321dcba'", false], ['b = 1.2', true], ['b = 1.3', false],
      ["flag:id = '4321dcba'", true], ['flag:id = abcd1234', false], ['scalar:b = 1.3', true], ['scalar:b = 1.2', false],
      ['attr:a is undefined', true], ['y > 1', true],
    ];
    for (const [expr, want] of cases) assert.equal(test1(expr), want, expr);
  });

  test('Python comparison rules: bools are ints, no string/number coercion, bad orderings are false', () => {
    const run = makeRun({ flags: { fail: false, lr: 0.1, name: 'b', s: '0.1', n: null } });
    const cases: [string, boolean][] = [
      ['fail = 0', true], ['fail = false', true], ['fail < 1', true], ["lr = '0.1'", false], ['s = 0.1', false],
      ['s < 1', false], ['s != 1', true], ['name > a', true], ['name < a', false], ['n is undefined', true],
      ['n < 1', false], ['lr < 1e-2', false], ['lr > 1.0e-2', true],
    ];
    for (const [expr, want] of cases) assert.equal(matchFilter(parseFilter(expr), run, none), want, expr);
  });

  test('run attrs: core attrs, summary attrs and op_model', () => {
    const started = new Date(2026, 10, 22, 10, 34, 13).getTime() * 1000;
    const run = makeRun({
      id: 'e394b696ea204ade95ca29e4b868fdf9',
      opref: { pkgType: 'test', pkgName: '', pkgVersion: '', modelName: 'util', opName: 'test' },
      operation: 'util:test', status: 'terminated', exitStatus: -16, tags: ['red', 'green', 'Green'], marked: true,
      started, stopped: started + 65_000_000, sourcecodeDigest: 'b9966b73061ac83ef86aa6f2daace9e5', host: 'calusa',
      comments: [{ body: 'first', host: 'h', time: 1, user: '' }], seed: '1642568127', flags: { status: 'flagged' },
    });
    const cases: [string, boolean][] = [
      ['op = test', true], ['op_model = util', true], ['operation = util:test', true], ['run = e394b696', true],
      ['short_id = e394b696', true], ['status = terminated', true], ['status in [completed, terminated]', true],
      ['exit_status < 0', true], ['tags contains Green', true], ['tags contains [red, green]', true],
      ['tags contains blue', false], ['marked = true', true], ["started = '2026-11-22 10:34:13'", true],
      ["started > '2026-11-22'", true], ["time = '0:01:05'", true], ['sourcecode = b9966b73', true],
      ['sourcecode_digest contains 9966', true], ['host = calusa', true], ['random_seed = 1642568127', true],
      ['comments is not undefined', true], ['label is undefined', true], ['flag:status = flagged', true],
      ['from = ""', true],
    ];
    for (const [expr, want] of cases) assert.equal(matchFilter(parseFilter(expr), run, none), want, expr);
    const bare = makeRun();
    assert.equal(matchFilter(parseFilter('marked is undefined'), bare, none), true);
    assert.equal(matchFilter(parseFilter('tags not contains [green]'), bare, none), true);
    assert.equal(matchFilter(parseFilter("started = ''"), bare, none), true);
  });

  test('scalar keys: a bare tag matches under any prefix, prefix#tag only that prefix', () => {
    const s = (prefix: string, tag: string, last: number): ScalarSummary => ({
      prefix, tag, last, first: last, firstStep: 0, lastStep: 0, min: last, minStep: 0, max: last, maxStep: 0,
      avg: last, total: last, count: 1,
    });
    const lookup = scalarLookup([s('target/.guild', 'loss', 0.52803), s('.guild', 'acc', 0.9), s('', 'acc', 0.5)]);
    const run = makeRun();
    const cases: [string, boolean][] = [
      ['loss > 0.5', true], ['target/.guild#loss > 0.5', true], ['scalar:.guild#loss > 0', false],
      ['scalar:#loss > 0.5', true], ['acc = 0.9', true], ['scalar:.guild#acc = 0.9', true], ['scalar:.guild#acc = 0.5', false],
      ['loss is undefined', false], ['foo < 3', false],
    ];
    for (const [expr, want] of cases) assert.equal(matchFilter(parseFilter(expr), run, lookup), want, expr);
  });
});
