import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeOpref, formatOperation, parseOpref, shlexQuote, shlexSplit } from '../../src/store/opref.js';
import { GrunError } from '../../src/store/errors.js';
import type { Opref } from '../../src/store/types.js';
import { fixtureHome, samplesDir } from '../helpers/home.js';

const op = (pkgType: string, pkgName: string, pkgVersion: string, modelName: string, opName: string): Opref => ({
  pkgType,
  pkgName,
  pkgVersion,
  modelName,
  opName,
});

/** Every `.guild/opref` under `dir`, protos and copied targets included. */
function oprefFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) oprefFiles(p, out);
    else if (st?.isFile() && name === 'opref' && dir.endsWith('.guild')) out.push(p);
  }
  return out;
}

describe('shlex', () => {
  const quotes: [string, string][] = [
    ['', "''"],
    ['train.py', 'train.py'],
    ['/home/alice/project', '/home/alice/project'],
    ['a@b%c+d=e:f,g./-h_i', 'a@b%c+d=e:f,g./-h_i'],
    ['with space', "'with space'"],
    ["it's", `'it'"'"'s'`],
    ['$HOME', "'$HOME'"],
    ['é', "'é'"],
  ];
  for (const [s, want] of quotes) test(`quote ${JSON.stringify(s)}`, () => assert.equal(shlexQuote(s), want));

  const splits: [string, string[]][] = [
    ["script:/home/alice/project '' '' train.py", ['script:/home/alice/project', '', '', 'train.py']],
    ['guildfile:/foo/project\\ with\\ spaces 7253 test go', ['guildfile:/foo/project with spaces', '7253', 'test', 'go']],
    [`a'b c'd "e \\" \\\\ \\x" f\\'g`, ['ab cd', 'e " \\ \\x', "f'g"]],
    ['  lead   trail  ', ['lead', 'trail']],
    ['x "" y', ['x', '', 'y']],
    ['#notcomment', ['#notcomment']],
  ];
  for (const [s, want] of splits) test(`split ${JSON.stringify(s)}`, () => assert.deepEqual(shlexSplit(s), want));

  test('round trip of quote through split', () => {
    const words = ['', 'a b', "it's", '"q"', 'back\\slash', 'tab\there', 'x'];
    assert.deepEqual(shlexSplit(words.map(shlexQuote).join(' ')), words);
  });

  test('unbalanced quotes and a trailing backslash are errors', () => {
    assert.throws(() => shlexSplit("a 'b"), /no closing quotation/);
    assert.throws(() => shlexSplit('a "b'), /no closing quotation/);
    assert.throws(() => shlexSplit('a\\'), /no escaped character/);
  });
});

describe('opref', () => {
  test("Guild's opref-runs samples", () => {
    const read = (name: string) => readFileSync(join(samplesDir, 'opref-runs', name, '.guild', 'opref'), 'utf8');
    assert.deepEqual(parseOpref(read('guildfile')), op('guildfile', '/foo/bar', '7253deeeaeb6dc85466cf691facff24e', 'test', 'go'));
    assert.deepEqual(parseOpref(read('package')), op('package', 'fashion', '1.0', 'fashion', 'train'));
    assert.deepEqual(
      parseOpref(read('with_space')),
      op('guildfile', '/foo/project with spaces', '7253deeeaeb6dc85466cf691facff24e', 'test', 'go'),
    );
    assert.throws(
      () => parseOpref(read('invalid')),
      (e: unknown) =>
        e instanceof GrunError &&
        e.message === `invalid opref "not a valid opref": expected 'PKGTYPE:PKGNAME PKGVERSION MODEL OPNAME', no ':' in 'not'`,
    );
    // The old backslash style is re-encoded in today's quoting style.
    assert.equal(encodeOpref(parseOpref(read('with_space'))), "guildfile:'/foo/project with spaces' 7253deeeaeb6dc85466cf691facff24e test go");
  });

  test('every fixture opref parses and re-encodes to the same bytes', () => {
    const files = [...oprefFiles(join(fixtureHome, 'runs')), ...oprefFiles(join(fixtureHome, 'trash'))];
    assert.ok(files.length >= 24, `found ${files.length}`);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.ok(!text.endsWith('\n'), `${f} has no trailing newline`);
      assert.equal(encodeOpref(parseOpref(text)), text, f);
    }
    // The hand-written pre-0.9 samples (`test: '' '' train`) parse and survive a re-encode.
    const samples = oprefFiles(join(samplesDir, 'filter-runs'));
    assert.ok(samples.length >= 9);
    for (const f of samples) {
      const o = parseOpref(readFileSync(f, 'utf8'));
      assert.equal(o.pkgType, 'test', f);
      assert.deepEqual(parseOpref(encodeOpref(o)), o, f);
    }
  });

  test('bad oprefs say what is wrong', () => {
    assert.throws(() => parseOpref('script:/x a b'), /expected 'PKGTYPE:PKGNAME PKGVERSION MODEL OPNAME', found 3 token\(s\)/);
    assert.throws(() => parseOpref("script:/x 'a b c"), /invalid opref .*no closing quotation/);
    assert.throws(() => parseOpref(''), /found 0 token/);
  });

  test('encode quotes empty and unsafe parts', () => {
    assert.equal(encodeOpref(op('test', '', '', '', 'train')), "test:'' '' '' train");
    assert.equal(encodeOpref(op('script', "/home/o'brien/p q", '', '', 'train.py')), `script:'/home/o'"'"'brien/p q' '' '' train.py`);
    // Guild's `util.shlex_quote`: a part quoted whole in single quotes as `"'…'"` (its str(opref))
    assert.equal(encodeOpref(op('script', '/p q', '', '', "'x'")), `script:'/p q' '' '' "'x'"`);
    assert.deepEqual(parseOpref(`script:'/p q' '' '' "'x'"`).opName, "'x'");
  });
});

describe('formatOperation', () => {
  const proto = op('script', '/home/alice/sandbox', '', '', 'train.py');
  const cases: [Opref | null, Opref | null, string][] = [
    [op('guildfile', '/home/alice/mnist/guild.yml', '8cfb', '', 'train'), null, 'train'],
    [op('guildfile', '/foo/bar', '7253', 'test', 'go'), null, 'test:go'],
    [proto, null, 'train.py'],
    [op('package', 'fashion', '1.0', 'fashion', 'train'), null, 'fashion/fashion:train'],
    [op('package', 'fashion', '1.0', '', 'train'), null, 'fashion/train'],
    [op('builtin', 'guildai', '0.9.1', '', '+'), proto, 'train.py+'],
    [op('builtin', 'guildai', '0.9.1', 'skopt', 'random'), proto, 'train.py+skopt:random'],
    [op('builtin', 'guildai', '0.9.1', '', 'queue'), null, 'queue'],
    [op('test', '', '', '', 'train'), null, 'train'],
    [op('test', '', '', 'util', 'test'), null, 'util:test'],
    [op('func', 'nb', '', '', 'myfunc'), null, 'myfunc()'],
    [op('pending', '', '', '', 'train'), null, 'train'],
    [op('import', '/p/x.py', '', 'm', 'op'), null, 'm:op'],
    [op('weird', 'x', '', '', 'op'), null, '?'],
    [null, null, '?'],
    [null, proto, 'train.py+?'],
  ];
  for (const [o, p, want] of cases) test(want, () => assert.equal(formatOperation(o, p), want));
});
