import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeYaml, isMarkedFloat, markFloat, parseYaml11, pyFloatRepr, YamlError } from '../../src/store/yaml11.js';
import { GrunError } from '../../src/store/errors.js';
import type { YamlValue } from '../../src/store/types.js';
import { fixtureHome, samplesDir } from '../helpers/home.js';

/** Every `.guild/attrs/*` file below `dir` (runs, their protos, trash, copied targets). */
function attrFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) attrFiles(p, out);
    else if (st.isFile() && dir.endsWith(join('.guild', 'attrs'))) out.push(p);
  }
  return out;
}

const asValue = (v: unknown) => v as YamlValue;

describe('yaml11 oracle: fixture attrs written by Guild 0.9.1', () => {
  test('every attr in the fixture home round-trips byte for byte', () => {
    const files = attrFiles(fixtureHome);
    assert.ok(files.length >= 466, `expected every fixture attr file, found ${files.length}`);
    assert.ok(files.some((f) => f.includes(join('.guild', 'proto', '.guild', 'attrs'))));
    assert.ok(files.some((f) => f.includes(join('trash', 'runs'))));
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.equal(encodeYaml(parseYaml11(text)), text, f);
    }
  });

  test('filter-runs sample attrs (hand-written, some without a final newline) re-encode the same', () => {
    const files = attrFiles(join(samplesDir, 'filter-runs'));
    assert.ok(files.length >= 155);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.equal(encodeYaml(parseYaml11(text)), text.endsWith('\n') ? text : text + '\n', f);
    }
  });

  test('flags keep integral floats as floats', () => {
    const flags = parseYaml11('epochs: 2\nfail: false\nlr: 0.05\nsleep: 0.0\n') as Record<string, YamlValue>;
    assert.deepEqual(flags, { epochs: 2, fail: false, lr: 0.05, sleep: 0 });
    assert.equal(isMarkedFloat(flags, 'sleep'), true);
    assert.equal(isMarkedFloat(flags, 'epochs'), false);
    assert.equal(encodeYaml(flags), 'epochs: 2\nfail: false\nlr: 0.05\nsleep: 0.0\n');
  });
});

describe('parseYaml11 (cases confirmed with PyYAML 6 + Guild yaml_util patch)', () => {
  const cases: [string, unknown][] = [
    ['a: 1\nb: yes\nc: No\nd: ON\ne: off\nf: y\ng: n\nh: ~\ni: null\nj:\nk: \'\'\n',
      { a: 1, b: true, c: false, d: true, e: false, f: 'y', g: 'n', h: null, i: null, j: null, k: '' }],
    // Guild patches the float resolver: no dot needed, exponent sign optional.
    ['a: 1e-05\nb: 1e5\nc: 1.0e-05\nd: 1.5e3\ne: -1E+2\nf: .5\ng: -.5\nh: 1.\nl: 1_000.5\nm: 1:30.5\n',
      { a: 1e-5, b: 100000, c: 1e-5, d: 1500, e: -100, f: 0.5, g: '-.5', h: 1, l: 1000.5, m: 90.5 }],
    ['a: 0x1F\nb: 0o17\nc: 017\nd: 08\ne: 0b101\nf: 1_000\ng: 1:30\nh: -0\ni: +5\nm: 0\n',
      { a: 31, b: '0o17', c: 15, d: '08', e: 5, f: 1000, g: 90, h: 0, i: 5, m: 0 }],
    ['a: 2026-01-01\nb: 2026-01-01 10:00:00\n', { a: '2026-01-01', b: '2026-01-01 10:00:00' }],
    ['key: this is a long\n  plain scalar that\n\n  continues\nnext: v\n',
      { key: 'this is a long plain scalar that\ncontinues', next: 'v' }],
    ["- a\n  b\n- c # comment\n# full comment\n- 'd'\n", ['a b', 'c', 'd']],
    ["a: 'it''s\n  folded\n\n  twice'\nb: \"esc \\t \\x41 \\u00e9 \\U0001F600 \\\\ \\\" \\\n  cont\"\n",
      { a: "it's folded\ntwice", b: 'esc \t A é 😀 \\ " cont' }],
    ['a: |\n  line1\n   indented\n\n  line3\nb: >\n  folded\n  text\n\n  para\n   more\nc: |-\n  strip\nd: |+\n  keep\n\ne: >2\n   lead\n',
      { a: 'line1\n indented\n\nline3\n', b: 'folded text\npara\n more\n', c: 'strip', d: 'keep\n\n', e: ' lead\n' }],
    ["a: [1, 2.0, three, 'four', \"five\", [6], {seven: 7}]\nb: {x: 1, y: [a, b], z: {}}\nc: []\nd: {}\ne: [a: 1, b]\nf: {a, b: }\n",
      { a: [1, 2, 'three', 'four', 'five', [6], { seven: 7 }], b: { x: 1, y: ['a', 'b'], z: {} }, c: [], d: {}, e: [{ a: 1 }, 'b'], f: { a: null, b: null } }],
    ['a: &x\n  k: v\nb: *x\nc: &y [1, 2]\nd: *y\n', { a: { k: 'v' }, b: { k: 'v' }, c: [1, 2], d: [1, 2] }],
    ["a: !!str 123\nb: !!int '42'\nc: !!float 1\nd: !!bool yes\ne: !!null ''\n", { a: '123', b: 42, c: 1, d: true, e: null }],
    ['base: &b\n  x: 1\n  y: 2\nder:\n  <<: *b\n  y: 3\n', { base: { x: 1, y: 2 }, der: { x: 1, y: 3 } }],
    ["'<<': 1\n", { '<<': 1 }],
    ['--- \na: 1\n...\n', { a: 1 }],
    ['--- text\n', 'text'],
    ['plain root\n', 'plain root'],
    ['', null],
    ['# only comment\n', null],
    ['- - a\n  - b\n- - c\n', [['a', 'b'], ['c']]],
    ['- a: 1\n  b:\n  - x\n  - y\n- c: 2\n', [{ a: 1, b: ['x', 'y'] }, { c: 2 }]],
    ['a:\n- 1\n- 2\nb:\n  - 3\n  - 4\n', { a: [1, 2], b: [3, 4] }],
    ["? ''\n: 1\n", { '': 1 }],
    ['a: x #c\nb: x#c\n', { a: 'x', b: 'x#c' }],
    ['a: 1\r\nb: 2\r\n', { a: 1, b: 2 }],
    ['\ufeffa: 1\n', { a: 1 }],
    ['url: http://x.y/z?a=b#frag\nt: 12:30:45\n', { url: 'http://x.y/z?a=b#frag', t: 45045 }],
    ['- \n- b\n-\n', [null, 'b', null]],
    ['a: [\n  1,\n  2,\n]\n', { a: [1, 2] }],
    ['__proto__: 1\n', JSON.parse('{"__proto__": 1}')],
  ];
  for (const [text, want] of cases) {
    test(JSON.stringify(text), () => assert.deepEqual(parseYaml11(text), want));
  }

  test('inf, nan and -0', () => {
    const v = parseYaml11('[.inf, -.Inf, .NaN, -0.0]') as number[];
    assert.equal(v[0], Infinity);
    assert.equal(v[1], -Infinity);
    assert.ok(Number.isNaN(v[2]));
    assert.ok(Object.is(v[3], -0));
  });

  test('ints beyond 2^53 come back as bigint, exactly', () => {
    const v = parseYaml11('a: 123456789012345678901234567890\nb: -9007199254740993\nc: 9007199254740991\nseed: 18446744073709551615\n') as Record<string, unknown>;
    assert.equal(v.a, 123456789012345678901234567890n);
    assert.equal(v.b, -9007199254740993n);
    assert.equal(v.c, 9007199254740991);
    assert.equal(encodeYaml(asValue(v)), 'a: 123456789012345678901234567890\nb: -9007199254740993\nc: 9007199254740991\nseed: 18446744073709551615\n');
  });

  const errors: [string, RegExp][] = [
    ['a: b: c\n', /line 1, column 5: mapping values are not allowed here/],
    ['a: - b\n', /block sequence entries are not allowed here/],
    ['- a\nb: c\n', /line 2, column 1: expected <document end>/],
    ['a: 1\n  b: 2\n', /line 2, column 4: mapping values are not allowed here/],
    ["a: 'unterminated\n", /end of stream while scanning a quoted scalar/],
    ['a: "bad \\q escape"\n', /unknown escape character 'q'/],
    ['a: [1, 2\n', /expected ',' or '\]'/],
    ['a: *undefined\n', /undefined alias 'undefined'/],
    ['a: 1\n---\nb: 2\n', /expected a single document/],
    ['a: @x\n', /cannot start any token/],
    ['a: !custom x\n', /could not determine a constructor for the tag '!custom'/],
    ['a: =\n', /tag:yaml.org,2002:value/],
    ['a: b\u0000c\n', /special characters are not allowed \(#x0000\)/],
    ['a: ._\n', /invalid float '\._'/],
  ];
  for (const [text, re] of errors) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseYaml11(text), (e: unknown) => e instanceof YamlError && e instanceof GrunError && re.test(e.message));
    });
  }
});

describe('encodeYaml (bytes confirmed with PyYAML 6 safe_dump + Guild encode_yaml)', () => {
  const l = [1];
  const long = Array(30).fill('word').join(' ');
  const cases: [unknown, string][] = [
    ['', "''\n"],
    [null, 'null\n'],
    ['abc', 'abc\n'],
    [3, '3\n'],
    [{ '': 1 }, "? ''\n: 1\n"],
    [{ ['a'.repeat(122)]: 1 }, 'a'.repeat(122) + ': 1\n'],
    [{ ['a'.repeat(123)]: 1 }, '? ' + 'a'.repeat(123) + '\n: 1\n'],
    [[[1, 2], [3]], '- - 1\n  - 2\n- - 3\n'],
    [[{ a: 1, b: [1, 2] }], '- a: 1\n  b:\n  - 1\n  - 2\n'],
    [{ a: [[1]], b: { c: [] } }, 'a:\n- - 1\nb:\n  c: []\n'],
    [{ b: 1, a: 2, B: 3, _: 4 }, 'B: 3\n_: 4\na: 2\nb: 1\n'],
    ['a\nb', "'a\n\n  b'\n"],
    ['a\n\nb\n', "'a\n\n\n  b\n\n  '\n"],
    [' x', "' x'\n"],
    [long, 'word word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word\n'],
    [{ k: long }, 'k: word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word\n'],
    [{ k: 'a'.repeat(90) }, `k: ${'a'.repeat(90)}\n`],
    [['x '.repeat(50)], "- 'x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x\n  x x x x x x x x x x '\n"],
    [{ k: 'a '.repeat(50) + 'é' }, 'k: "a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a\\\n  \\ a a a a a a a a a a a \\xE9"\n'],
    ['héllo', '"h\\xE9llo"\n'],
    ['\u{1F600}', '"\\U0001F600"\n'],
    ['a\tb', '"a\\tb"\n'],
    ['=', "'='\n"],
    ['<<', "'<<'\n"],
    ['2026-01-01', "'2026-01-01'\n"],
    ['0o17', '0o17\n'],
    ['-.5', '-.5\n'],
    // Guild's float patch makes these floats, so they are quoted as strings.
    ['1e-05', "'1e-05'\n"],
    ['1e2', "'1e2'\n"],
    ['1.0e2', "'1.0e2'\n"],
    ['+1.0e+2', "'+1.0e+2'\n"],
    // encode_yaml(strict=True) quotes single-char booleans.
    ['y', "'y'\n"],
    ['N', "'N'\n"],
    [{ yes: true }, "'yes': true\n"],
    ['null\n', "'null\n\n  '\n"],
    [{ x: 'a: b' }, "x: 'a: b'\n"],
    ['#a', "'#a'\n"],
    ['a #b', "'a #b'\n"],
    ['- a', "'- a'\n"],
    ['-a', '-a\n'],
    [':a', ':a\n'],
    ['a:', "'a:'\n"],
    ['@x', "'@x'\n"],
    ["it's", "it's\n"],
    ['---x', "'---x'\n"],
    [1e-5, '1.0e-05\n'],
    [0.1, '0.1\n'],
    [-0, '-0.0\n'],
    [Infinity, '.inf\n'],
    [-Infinity, '-.inf\n'],
    [NaN, '.nan\n'],
    [2n ** 70n, '1180591620717411303424\n'],
    [1e21, '1000000000000000000000\n'],
    [{ a: l, b: l, c: [l] }, 'a: &id001\n- 1\nb: *id001\nc:\n- *id001\n'],
    [{ a: undefined }, 'a: null\n'],
  ];
  for (const [value, want] of cases) {
    test(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value), () => {
      assert.equal(encodeYaml(value as YamlValue), want);
    });
  }

  test('markFloat makes integral numbers floats, in maps and lists', () => {
    const m: Record<string, YamlValue> = { a: 1, b: 1 };
    markFloat(m, 'b');
    const list: YamlValue[] = [2, 2, 1e20];
    markFloat(list, 1);
    markFloat(list, 2);
    assert.equal(encodeYaml({ m, list }), 'list:\n- 2\n- 2.0\n- 1.0e+20\nm:\n  a: 1\n  b: 1.0\n');
    assert.deepEqual(Object.keys(m), ['a', 'b'], 'the mark is not an enumerable key');
    assert.equal(JSON.stringify(m), '{"a":1,"b":1}');
  });

  test('aliases read back as shared objects and re-encode with the same anchors', () => {
    const text = 'a: &id001\n- 1\nb: *id001\nc:\n- *id001\n';
    const v = parseYaml11(text) as Record<string, YamlValue>;
    assert.equal(v.a, v.b);
    assert.equal(encodeYaml(v), text);
  });

  test('keys sort by code point, as Python does', () => {
    assert.equal(encodeYaml({ '\u{1F600}': 1, '\uff01': 2 }), '"\\uFF01": 2\n"\\U0001F600": 1\n');
  });

  test('refuses values YAML cannot hold', () => {
    assert.throws(() => encodeYaml({ d: new Date(0) } as unknown as YamlValue), /cannot encode a Date/);
    assert.throws(() => encodeYaml((() => 1) as unknown as YamlValue), /cannot encode a function/);
  });
});

describe('pyFloatRepr', () => {
  const cases: [number, string][] = [
    [0, '0.0'], [-0, '-0.0'], [1, '1.0'], [0.1, '0.1'], [1 / 3, '0.3333333333333333'],
    [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e-7, '1.5e-07'], [123.4, '123.4'], [12000, '12000.0'],
    [1e15, '1000000000000000.0'], [1e16, '1e+16'], [1.2345e16, '1.2345e+16'], [1e100, '1e+100'],
    [-2.5e-300, '-2.5e-300'], [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0.006369545334560578, '0.006369545334560578'], [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'],
  ];
  for (const [n, want] of cases) test(`${n} → ${want}`, () => assert.equal(pyFloatRepr(n), want));
});

// Random values dumped by the real PyYAML (with Guild's patches) must encode to the same bytes
// and parse back to the same values. Skips where PyYAML is not installed.
const PY_GEN = String.raw`
import yaml, re, random, json, sys
yaml.resolver.Resolver.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
 |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
 |\.[0-9_]+(?:[eE][-+][0-9]+)?
 |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
 |[-+]?\.(?:inf|Inf|INF)
 |\.(?:nan|NaN|NAN))$""", re.X), list("-+0123456789."))
def dump(v):
    R_ = yaml.resolver.Resolver
    R_.add_implicit_resolver('tag:yaml.org,2002:bool', re.compile(r"^(?:y|Y|n|N)$"), list('yYnN'))
    try: e = yaml.safe_dump(v, default_flow_style=False, indent=2)
    finally:
        for ch in 'yYnN': R_.yaml_implicit_resolvers[ch].pop()
    s = e.strip()
    return (s[:-4] if s.endswith('\n...') else s) + '\n'
R = random.Random(int(sys.argv[1]))
WORDS = ['yes','No','ON','off','true','null','~','y','n','1e5','1e-05','1.0e-05','1.5e3','0x1F','0o17','017','08','1:30','2026-01-01','<<','=','1_000','.5','-.5','-.inf','3.','a: b','a #b','#x','- x','-x','? x',':x','x:','[a]','{a}','a,b',"it's",'"q"','%p','@x','!x','&x','*x','|x','>x','---','...','a\tb',' lead','trail ','\u00e9t\u00e9','\U0001F600','x\u2028y','\x85','\ufeff','nul\x00l','back\\slash','multi\nline','two\n\nbreaks','trail\n','\nlead','a  \n  b','',' ','x'*130]
ALPH = 'abc xyz:#\'"-?[]{},!&*|>%@\\\n\t\u00e9'
def rstr():
    k = R.random()
    if k < 0.4: return R.choice(WORDS)
    if k < 0.6: return ' '.join(R.choice(['word','longerword','x'*R.randint(1,30),'a:b','#','\u00e9',"it's",'"','  ']) for _ in range(R.randint(5,40)))
    return ''.join(R.choice(ALPH) for _ in range(R.randint(0, 25)))
def scalar():
    k = R.random()
    if k < 0.5: return rstr()
    if k < 0.65: return R.choice([R.randint(-1000, 100000), 2**64, -(2**53) - 1, 1795343646048189])
    if k < 0.85: return R.choice([float(R.randint(-99, 99)), R.uniform(-1, 1) * 10 ** R.randint(-30, 30), round(R.uniform(-100, 100), R.randint(0, 6)), float('inf'), float('nan'), -0.0, 1e16, 1e-5])
    if k < 0.95: return R.random() < 0.5
    return None
def value(d=0):
    k = R.random()
    if d > 3 or k < 0.4: return scalar()
    if k < 0.7: return [value(d+1) for _ in range(R.randint(0, 4))]
    return {rstr(): value(d+1) for _ in range(R.randint(0, 4))}
def tag(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return {'i': str(v)}
    if isinstance(v, float): return {'f': repr(v)}
    if isinstance(v, list): return [tag(x) for x in v]
    return {'m': [[k, tag(x)] for k, x in v.items()]}
for _ in range(int(sys.argv[2])):
    v = value()
    print(json.dumps({'v': tag(v), 'yaml': dump(v)}))
`;

type Tagged = null | boolean | string | Tagged[] | { i: string } | { f: string } | { m: [string, Tagged][] };

function untag(t: Tagged): { value: unknown; float: boolean } {
  if (t === null || typeof t !== 'object') return { value: t, float: false };
  if (Array.isArray(t)) {
    const list: unknown[] = [];
    t.forEach((x, i) => {
      const u = untag(x);
      list.push(u.value);
      if (u.float) markFloat(list as YamlValue[], i);
    });
    return { value: list, float: false };
  }
  if ('i' in t) {
    const b = BigInt(t.i);
    const safe = b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= -BigInt(Number.MAX_SAFE_INTEGER);
    return { value: safe ? Number(b) : b, float: false };
  }
  if ('f' in t) {
    const n = t.f === 'nan' ? NaN : t.f === 'inf' ? Infinity : t.f === '-inf' ? -Infinity : Number(t.f);
    return { value: n, float: Number.isInteger(n) };
  }
  const map: Record<string, unknown> = {};
  for (const [k, x] of t.m) {
    const u = untag(x);
    map[k] = u.value;
    if (u.float) markFloat(map as Record<string, YamlValue>, k);
  }
  return { value: map, float: false };
}

/** Deep equality that also checks float marks and NaN / -0. */
function sameValue(a: unknown, b: unknown, aFloat = false, bFloat = false): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return Object.is(a, b) && (!Number.isInteger(a) || aFloat === bFloat);
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const ca = a as YamlValue[] & Record<string, YamlValue>;
  const cb = b as YamlValue[] & Record<string, YamlValue>;
  return ka.every((k) => k in cb && sameValue(ca[k as never], cb[k as never], isMarkedFloat(ca, k), isMarkedFloat(cb, k)));
}

const hasPyYaml = spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;

describe('yaml11 against the real PyYAML', { skip: hasPyYaml ? false : 'PyYAML is not installed' }, () => {
  test('random documents: same bytes out, same values in', () => {
    const out = execFileSync('python3', ['-c', PY_GEN, '7', '400'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 400);
    for (const line of lines) {
      const { v, yaml } = JSON.parse(line) as { v: Tagged; yaml: string };
      const { value, float } = untag(v);
      if (!float) assert.equal(encodeYaml(value as YamlValue), yaml, `encoding ${line}`);
      assert.ok(sameValue(parseYaml11(yaml), value, float, float), `parsing ${line}`);
    }
  });
});

describe('parseYaml11: a one-line plain scalar (resolved without the scan)', () => {
  // A trailing blank line changes no value but takes the scanner's path: both must agree,
  // errors (and their column) included.
  const viaScanner = (text: string): string => outcome(() => parseYaml11(text + '\n\n'));
  const outcome = (f: () => YamlValue): string => {
    try {
      const v = f();
      return typeof v === 'bigint' ? `bigint ${v}` : `${typeof v} ${JSON.stringify(v)}`;
    } catch (e) {
      return `error ${(e as Error).message}`;
    }
  };
  test('resolves as the scanner does: ints, floats, bools, nulls, timestamps, words, bad ints', () => {
    const docs = ['0', '012', '08', '1_000', '0x1F', '0b101', '0x_', '1e5', '2.', '1.0', '3.5e-2', '123456789012345678901',
      'yes', 'No', 'ON', 'off', 'y', 'null', 'NULL', 'true', 'False', 'nan', 'inf', '2026-01-01', '2026-1-1 10:00:00',
      'gpu-box', 'epochs=2 fail=no lr=0.1', 'a  b', 'a, b', 'f(x)', 'a/b', '_x', '9_'];
    for (const doc of docs) for (const text of [doc, `${doc}\n`]) assert.equal(outcome(() => parseYaml11(text)), viaScanner(text), JSON.stringify(text));
  });
  test('and so for every attr of the fixture home', () => {
    for (const f of attrFiles(fixtureHome)) {
      const text = readFileSync(f, 'utf8');
      assert.equal(outcome(() => parseYaml11(text)), viaScanner(text), f);
    }
  });
});
