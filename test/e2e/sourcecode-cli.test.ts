// `grun run --test-sourcecode` and the copy it describes, through the real binary: Guild's report,
// `-C DIR` paths from where grun was started, Git's rules in a real repository.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, grunBin, tempDir } from '../helpers/home.js';
import { fails, ok } from './cli-helpers.js';

function project(files: Record<string, string | Buffer>): string {
  const dir = tempDir('grun-srcproj-');
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  return dir;
}

const PY_RULES = [
  'Rules:',
  '  exclude dir .*',
  '  exclude dir * containing .guild-nocopy',
  '  include text * size < 1048577, max match 100',
  '  exclude dir __pycache__',
  '  exclude dir * containing bin/activate',
  '  exclude dir * containing Scripts/activate',
  '  exclude dir build',
  '  exclude dir dist',
  '  exclude dir *.egg-info',
];

const runDirs = (home: string): string[] => readdirSync(join(home, 'runs'));

describe('run --test-sourcecode', () => {
  test('-C DIR: what a script run would copy, paths from where grun was started, no run made', () => {
    const home = emptyHome();
    const dir = project({ 'sub/hello.py': 'print("hi")\n', 'sub/logo.png': Buffer.from([0x89, 0, 1]), 'sub/dist/x.py': 'x\n' });
    const out = ok(home, ['-C', 'sub', 'run', 'hello.py', '--test-sourcecode'], { cwd: dir });
    assert.equal(out, ["Copying from 'sub'", ...PY_RULES, 'Selected for copy:', '  sub/hello.py', 'Skipped:', '  sub/dist/', '  sub/logo.png', ''].join('\n'));
    assert.deepEqual(runDirs(home), []);
    // started in the project itself
    const here = ok(home, ['run', 'hello.py', '--test-sourcecode'], { cwd: join(dir, 'sub') });
    assert.match(here, /^Copying from the current directory\nRules:\n/);
    assert.match(here, /Selected for copy:\n {2}hello.py\nSkipped:\n {2}dist\/\n {2}logo.png\n$/);
  });

  test("a shell script gets Guild's base rules only; sourcecode: no is reported disabled", () => {
    const home = emptyHome();
    const dir = project({
      'go.sh': 'echo hi\n',
      'venv/bin/activate': '# env\n',
      'guild.yml': 'quiet:\n  exec: bash go.sh\n  sourcecode: no\n',
    });
    const sh = ok(home, ['run', 'go.sh', '--test-sourcecode'], { cwd: dir });
    assert.match(sh, /Rules:\n {2}exclude dir \.\*\n {2}exclude dir \* containing \.guild-nocopy\n {2}include text \* size < 1048577, max match 100\nSelected for copy:\n {2}go.sh\n {2}guild.yml\n {2}venv\/bin\/activate\nSkipped:\n$/);
    assert.equal(ok(home, ['run', 'quiet', '--test-sourcecode'], { cwd: dir }), 'Copying from the current directory\nRules:\n  exclude *\nSource code copy disabled\n');
  });

  test('refused with --restart (there is no operation to describe)', () => {
    fails(emptyHome(), ['run', '--restart', 'abc', '--test-sourcecode'], /--test-sourcecode cannot be used with --restart/);
  });
});

describe("Git's rules in a Git work tree", () => {
  const gitProject = (): string => {
    const dir = project({
      'train.py': 'import os\nprint(sorted(f for f in os.listdir(".") if f != ".guild"))\n',
      'notes.txt': 'untracked\n',
      'model.bin': Buffer.from([1, 0, 2]),
      'data/big.csv': '1,2\n',
      '.gitignore': 'data/\n',
    });
    for (const args of [['init', '-q', '.'], ['add', 'train.py', '.gitignore']]) {
      assert.equal(spawnSync('git', args, { cwd: dir }).status, 0);
    }
    return dir;
  };

  test('an ignored data dir is neither copied nor walked; untracked and binary files are source code', () => {
    const home = emptyHome();
    const dir = gitProject();
    const report = ok(home, ['run', 'train.py', '--test-sourcecode'], { cwd: dir });
    assert.equal(
      report,
      [
        'Copying from the current directory',
        'Rules:',
        '  exclude dir .guild',
        '  exclude dir * containing .guild-nocopy',
        '  exclude dir .git, /data',
        '  gitignore + guildignore patterns',
        '  exclude .git*, .guildignore',
        'Selected for copy:',
        '  model.bin',
        '  notes.txt',
        '  train.py',
        'Skipped:',
        '  .git/',
        '  data/',
        '  .gitignore',
        '',
      ].join('\n'),
    );
    // the run copies exactly that
    assert.equal(ok(home, ['run', 'train.py', '-y'], { cwd: dir }), "['model.bin', 'notes.txt', 'train.py']\n");
  });

  test('without git on PATH the same project gets the default rules', () => {
    const home = emptyHome();
    const dir = gitProject();
    const bin = tempDir('grun-nogit-');
    // node and python3 (flag detection), nothing else
    symlinkSync(process.execPath, join(bin, 'node'));
    const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(python, join(bin, 'python3'));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, NO_COLOR: '1' };
    delete env.GUILD_HOME;
    const r = spawnSync(grunBin, ['-H', home, 'run', 'train.py', '--test-sourcecode'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, ['Copying from the current directory', ...PY_RULES, 'Selected for copy:', '  .gitignore', '  notes.txt', '  train.py', '  data/big.csv', 'Skipped:', '  .git/', '  model.bin', ''].join('\n'));
  });
});
