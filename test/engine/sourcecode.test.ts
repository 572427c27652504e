import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  combineSourceCodeConfig,
  copySourceCode,
  decideSourceCode,
  ruleText,
  parseSourceCodeConfig,
  selectSourceFiles,
  sourcecodeDigest,
} from '../../src/engine/sourcecode.js';
import { fnmatch } from '../../src/store/fnmatch.js';
import { parseYaml11 } from '../../src/store/yaml11.js';
import { fixtureHome, tempDir } from '../helpers/home.js';

/** The files of Guild's `copy-sourcecode` sample project (guild/tests/copy-sourcecode.md). */
function guildSample(): string {
  const dir = tempDir('grun-copysrc-');
  const files: Record<string, string | Buffer> = {
    '.dotdir/a.txt': 'a\n',
    '.gitattributes': '* text\n',
    '__pycache__/hello.pyc': Buffer.from([0x42, 0, 0x0d, 0x0a]),
    'a.txt': 'a\n',
    empty: '',
    'env/bin/activate': '# venv\n',
    'env/some-env-file': 'x\n',
    'guild.yml': 'op: {main: hello}\n',
    'hello.py': 'print("hello")\n',
    'hello.pyc': Buffer.from([0x42, 0, 0x0d, 0x0a]),
    'nocopy_dir/.guild-nocopy': '',
    'nocopy_dir/a.txt': 'a\n',
    'subdir/b.txt': 'b\n',
    'subdir/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]),
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}

function select(dir: string, model: string | undefined, op: string | undefined): string[] | null {
  const spec = combineSourceCodeConfig(model === undefined ? undefined : parseYaml11(model), op === undefined ? undefined : parseYaml11(op), 'guild.yml');
  return selectSourceFiles(dir, spec, { home: '/no/home', python: true })?.files ?? null;
}

describe("source code selection (cases of Guild's copy-sourcecode.md)", () => {
  const DEFAULT = ['.gitattributes', 'a.txt', 'empty', 'guild.yml', 'hello.py', 'subdir/b.txt'];
  const cases: [string, string | undefined, string | undefined, string[] | null][] = [
    ['default', undefined, undefined, DEFAULT],
    ['include-png', undefined, "- include: '*.png'", [...DEFAULT, 'subdir/logo.png']],
    ['only-png', undefined, "'*.png'", ['subdir/logo.png']],
    ['only-py', undefined, "- '*.py'", ['hello.py']],
    ['png-and-py', undefined, "- '*.png'\n- '*.py'", ['hello.py', 'subdir/logo.png']],
    ['only-py2', undefined, "- exclude: '*'\n- include: '*.py'", ['hello.py']],
    ['exclude-py', undefined, "- exclude: '*.py'", ['.gitattributes', 'a.txt', 'empty', 'guild.yml', 'subdir/b.txt']],
    ['no-subdir', undefined, '- exclude:\n    dir: subdir', ['.gitattributes', 'a.txt', 'empty', 'guild.yml', 'hello.py']],
    ['only-subdir', undefined, 'subdir/*', ['subdir/b.txt', 'subdir/logo.png']],
    ['only-subdir2', undefined, 'subdir', ['subdir/b.txt', 'subdir/logo.png']],
    ['include-dotdir', undefined, '- include:\n    dir: .dotdir', ['.gitattributes', 'a.txt', 'empty', 'guild.yml', 'hello.py', '.dotdir/a.txt', 'subdir/b.txt']],
    ['disabled', undefined, 'no', null],
    ['disabled2', undefined, '[]', null],
    ['disabled3', undefined, "- exclude: '*'", []],
    ['m1:op', '- include: subdir/logo.png', "- exclude:\n  - '*.py'\n  - a.*", ['.gitattributes', 'empty', 'guild.yml', 'subdir/b.txt', 'subdir/logo.png']],
    ['m2:op1', 'no', undefined, null],
    ['m2:op2', 'no', "- '*.py'\n- '*.yml'", ['guild.yml', 'hello.py']],
    ['m2:op3 (a dest is no rule: the model no stands)', 'no', 'dest: src', null],
    ['m4:op (each list of bare patterns starts over)', "- '*.py'", "- '*.yml'", ['guild.yml']],
    ['m3:op1', "'*'", undefined, ['.gitattributes', 'a.txt', 'empty', 'guild.yml', 'hello.py', 'hello.pyc', 'subdir/b.txt', 'subdir/logo.png']],
    ['m3:op2', "'*'", 'no', null],
  ];
  for (const [name, model, op, expected] of cases) {
    test(name, () => assert.deepEqual(select(guildSample(), model, op), expected));
  }

  test('alt-root and dest', () => {
    const dir = guildSample();
    assert.deepEqual(selectSourceFiles(dir, combineSourceCodeConfig(undefined, parseYaml11('root: subdir'), 'g'), { home: '/h' }), { root: join(dir, 'subdir'), files: ['b.txt'] });
    assert.deepEqual(selectSourceFiles(dir, combineSourceCodeConfig(undefined, parseYaml11('dest: src'), 'g'), { home: '/h' })!.dest, 'src');
  });

  test('text files above 1 MiB, the Guild home and at most 100 files', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(1024 * 1024 + 1));
    writeFileSync(join(dir, 'edge.txt'), 'y'.repeat(1024 * 1024));
    mkdirSync(join(dir, 'home/runs'), { recursive: true });
    writeFileSync(join(dir, 'home/runs/x.txt'), 'x\n');
    mkdirSync(join(dir, 'many'));
    for (let i = 0; i < 120; i++) writeFileSync(join(dir, 'many', `f${String(i).padStart(3, '0')}.py`), `${i}\n`);
    const files = selectSourceFiles(dir, { rules: [] }, { home: join(dir, 'home') })!.files;
    assert.equal(files.length, 100);
    assert.deepEqual(files.slice(0, 2), ['edge.txt', 'many/f000.py'], 'files of a directory before its subdirectories');
    assert.equal(files[99], 'many/f098.py');
  });

  test('a bad rule names itself', () => {
    assert.throws(() => parseSourceCodeConfig(parseYaml11('- {copy: x}\n'), 'guild.yml'), /guild.yml: sourcecode rule \{"copy":"x"\}: expected a pattern, \{include: …\} or \{exclude: …\}/);
  });

  test('fnmatch as Python: * crosses /, classes', () => {
    assert.equal(fnmatch('a/b.py', '*.py'), true);
    assert.equal(fnmatch('a.pyc', '*.py'), false);
    assert.equal(fnmatch('f1.txt', 'f[0-9].txt'), true);
    assert.equal(fnmatch('fx.txt', 'f[!x].txt'), false);
  });
});

/** A small project: a script, a venv, a cache dir, data, a hidden dir and a binary. */
function smallProject(): string {
  const dir = tempDir('grun-srcdecide-');
  const files: Record<string, string | Buffer> = {
    'train.py': 'print(1)\n',
    'run.sh': 'echo 1\n',
    'README.md': 'hi\n',
    'weights.bin': Buffer.from([1, 0, 2]),
    '__pycache__/train.cpython-311.pyc': Buffer.from([0x42, 0]),
    'env/bin/activate': '# venv\n',
    'data/a.csv': '1,2\n',
    'data/big/b.csv': '3,4\n',
    '.cache/x.txt': 'x\n',
    'src/data/keep.py': 'print(2)\n',
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}

const git = (cwd: string, ...args: string[]): void => {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
};

describe('the source code decision (what the copy takes and --test-sourcecode prints)', () => {
  test('outside Git: Python operations skip caches, venvs and build dirs; other scripts only hidden dirs', () => {
    const dir = smallProject();
    const py = decideSourceCode(dir, { rules: [] }, { home: '/none', python: true });
    assert.deepEqual(py.rules.map(ruleText), [
      'exclude dir .*',
      'exclude dir * containing .guild-nocopy',
      'include text * size < 1048577, max match 100',
      'exclude dir __pycache__',
      'exclude dir * containing bin/activate',
      'exclude dir * containing Scripts/activate',
      'exclude dir build',
      'exclude dir dist',
      'exclude dir *.egg-info',
    ]);
    assert.deepEqual(py.selected, ['README.md', 'run.sh', 'train.py', 'data/a.csv', 'data/big/b.csv', 'src/data/keep.py']);
    assert.deepEqual(py.skipped, ['.cache/', '__pycache__/', 'env/', 'weights.bin']);
    const sh = decideSourceCode(dir, { rules: [] }, { home: '/none' });
    assert.deepEqual(sh.rules.map(ruleText), ['exclude dir .*', 'exclude dir * containing .guild-nocopy', 'include text * size < 1048577, max match 100']);
    assert.deepEqual(sh.selected, ['README.md', 'run.sh', 'train.py', 'data/a.csv', 'data/big/b.csv', 'env/bin/activate', 'src/data/keep.py']);
    assert.deepEqual(sh.skipped, ['.cache/', 'weights.bin', '__pycache__/train.cpython-311.pyc']);
    // the copy takes the same decision
    assert.deepEqual(selectSourceFiles(dir, { rules: [] }, { home: '/none' })!.files, sh.selected);
  });

  test('guild.yml rules: a list of bare patterns starts with exclude *, a mixed list does not; /name is anchored', () => {
    const dir = smallProject();
    writeFileSync(join(dir, 'src/README.md'), 'sub\n');
    const decide = (yaml: string) => decideSourceCode(dir, combineSourceCodeConfig(undefined, parseYaml11(yaml), 'g'), { home: '/none' });
    const bare = decide("- '*.py'\n- /README.md\n");
    assert.deepEqual(bare.rules.slice(3).map(ruleText), ['exclude *', 'include *.py', 'include /README.md']);
    assert.deepEqual(bare.selected, ['README.md', 'train.py', 'src/data/keep.py']);
    const mixed = decide("- exclude: '*.sh'\n- weights.bin\n");
    assert.deepEqual(mixed.rules.slice(3).map(ruleText), ['exclude *.sh', 'include weights.bin']);
    assert.deepEqual(mixed.selected.slice(0, 3), ['README.md', 'train.py', 'weights.bin']);
    const off = decide("- exclude: '*'\n");
    assert.equal(off.disabled, true);
    assert.deepEqual([off.selected, off.skipped], [[], []]);
  });

  test("in a Git work tree: what Git does not ignore (nor .guildignore), binaries too; ignored dirs never walked", () => {
    const dir = smallProject();
    writeFileSync(join(dir, '.gitignore'), '/data/\n__pycache__/\nenv/\n');
    writeFileSync(join(dir, '.guildignore'), '*.sh\n');
    git(dir, 'init', '-q', '.');
    git(dir, 'add', 'train.py', '.gitignore');
    const d = decideSourceCode(dir, { rules: [] }, { home: join(dir, '.guild'), python: true });
    assert.deepEqual(d.rules.map(ruleText), [
      'exclude dir .guild',
      'exclude dir * containing .guild-nocopy',
      'exclude dir .git, /__pycache__, /data, /env',
      'gitignore + guildignore patterns',
      'exclude .git*, .guildignore',
    ]);
    // tracked and untracked files alike; Git's ignored directories and .guildignore's files left out
    // (`src/data`, which Git does not ignore, is source code: the ignored `/data/` is the top one)
    assert.deepEqual(d.selected, ['README.md', 'train.py', 'weights.bin', '.cache/x.txt', 'src/data/keep.py']);
    assert.deepEqual(d.skipped, ['.git/', '__pycache__/', 'data/', 'env/', '.gitignore', '.guildignore', 'run.sh']);
  });
});

describe('copy, manifest and digest', () => {
  test('the digest of a Guild fixture run equals its sourcecode_digest attr', () => {
    const run = join(fixtureHome, 'runs/5fe4ccc3174c4c9e9a212c98a4f108ec');
    const manifest = readFileSync(join(run, '.guild/manifest'), 'utf8');
    const paths = manifest.split('\n').filter((l) => l.startsWith('s ')).map((l) => l.split(' ')[1]!);
    assert.deepEqual(paths, ['guild.yml', 'prepare.py', 'train.py']);
    const attr = readFileSync(join(run, '.guild/attrs/sourcecode_digest'), 'utf8').trim();
    assert.equal(sourcecodeDigest(run, paths), attr);
    assert.equal(attr, '49f90d593182a05435184398b9185292');
  });

  test('copySourceCode writes files into the run dir and returns manifest lines and digest', () => {
    const dir = guildSample();
    writeFileSync(join(dir, 'a b.txt'), 'spaced\n');
    const runDir = tempDir('grun-run-');
    const sel = selectSourceFiles(dir, combineSourceCodeConfig(undefined, parseYaml11("- '*.py'\n- 'a b.txt'\n"), 'g'), { home: '/none' })!;
    const res = copySourceCode({ sourcecode: sel }, runDir);
    assert.deepEqual(res.files, ['a b.txt', 'hello.py']);
    assert.equal(readFileSync(join(runDir, 'hello.py'), 'utf8'), 'print("hello")\n');
    const sha = createHash('sha1').update('print("hello")\n').digest('hex');
    assert.equal(res.manifestLines[1], `s hello.py ${sha} hello.py`);
    assert.match(res.manifestLines[0]!, /^s 'a b.txt' [0-9a-f]{40} 'a b.txt'$/);
    const md5 = createHash('md5');
    for (const p of ['a b.txt', 'hello.py']) md5.update(`${p}\0`).update(readFileSync(join(dir, p))).update('\0');
    assert.equal(res.digest, md5.digest('hex'));
    const withDest = copySourceCode({ sourcecode: { ...sel, dest: 'src' } }, tempDir());
    assert.deepEqual(withDest.files, ['src/a b.txt', 'src/hello.py']);
    assert.match(withDest.manifestLines[1]!, /^s src\/hello.py [0-9a-f]{40} hello.py$/);
    assert.deepEqual(copySourceCode({ sourcecode: null }, runDir), { manifestLines: [], digest: null, files: [] });
  });
});
