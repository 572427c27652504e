// `grun merge`: a run's files back into its project, as Guild's merge decides, through the real
// binary over real runs (a shell operation that changes its source and makes files) and Git.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { grun, ok } from './cli-helpers.js';

const GUILD_YML = [
  'train:',
  "  exec: sh -c 'echo model > model.bin; mkdir -p out; echo r > out/result.txt; echo changed >> train.sh'",
  '  requires:',
  '    - file: data.txt',
  '',
].join('\n');

/** A project with the operation (committed to Git when `git`) and one run of it; its home and dir. */
function projectWithRun(git: boolean): { home: string; cwd: string } {
  const cwd = tempDir('grun-merge-');
  writeFileSync(join(cwd, 'guild.yml'), GUILD_YML);
  writeFileSync(join(cwd, 'data.txt'), 'd\n');
  writeFileSync(join(cwd, 'train.sh'), 'echo hi\n');
  if (git) {
    const g = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'ignore' });
    g('init', '-q', '.');
    g('add', '.');
    g('commit', '-qm', 'init');
  }
  const home = emptyHome();
  ok(home, ['run', 'train', '-y'], { cwd });
  return { home, cwd };
}

describe('grun merge', () => {
  test('--preview says what is copied and why the rest is not; -y copies the changed source and says so', () => {
    const { home, cwd } = projectWithRun(true);
    const p = grun(home, ['merge', '--preview'], { cwd });
    assert.equal(p.code, 0, p.err);
    assert.match(p.err, /^Merge will copy files from the following run to the current directory:\n {2}\[[0-9a-f]{8}\] {2}train {2}.* {2}completed {2}\nFiles:\n {2}train\.sh\nSkipped:\n {2}data\.txt {8}unchanged\n {2}guild\.yml {7}unchanged\n {2}model\.bin {7}non-project file\n {2}out\/result\.txt {2}non-project file\n$/);
    assert.equal(readFileSync(join(cwd, 'train.sh'), 'utf8'), 'echo hi\n', 'a preview copies nothing');
    const r = grun(home, ['merge', '-y'], { cwd });
    assert.equal(r.err, 'Copying train.sh\n');
    assert.equal(readFileSync(join(cwd, 'train.sh'), 'utf8'), 'echo hi\nchanged\n');
    assert.match(grun(home, ['merge', '-y'], { cwd }).err, /^Nothing to copy for the following run:\n.*\nTry 'grun merge --preview' for a list of skipped files\.\n$/);
  });

  test('a file Git cannot give back is not replaced without --replace; -a copies what the run made', () => {
    const { home, cwd } = projectWithRun(true);
    writeFileSync(join(cwd, 'model.bin'), 'mine\n'); // untracked: Git cannot give it back
    const r = grun(home, ['merge', '-a', '-y'], { cwd });
    assert.equal(r.code, 1);
    assert.equal(r.err, 'grun: files in the current directory have unstaged changes:\n  model.bin\nStage or stash these changes or use --replace to skip this check.\n');
    assert.equal(readFileSync(join(cwd, 'model.bin'), 'utf8'), 'mine\n');
    // a committed, unchanged file is Git's to give back: replaced
    rmSync(join(cwd, 'model.bin'));
    assert.equal(grun(home, ['merge', '-a', '-y'], { cwd }).err, 'Copying model.bin\nCopying out/result.txt\nCopying train.sh\n');
    assert.equal(readFileSync(join(cwd, 'out', 'result.txt'), 'utf8'), 'r\n');
    execFileSync('git', ['checkout', '-q', 'train.sh'], { cwd }); // committed, and not the run's
    const strict = grun(home, ['merge', '-y', '--no-replace'], { cwd });
    assert.deepEqual([strict.code, strict.err], [1, 'grun: files in the current directory would be replaced:\n  train.sh\nUse --replace to skip this check.\n']);
    assert.equal(grun(home, ['merge', '-y'], { cwd }).err, 'Copying train.sh\n');
  });

  test('outside Git any file is kept unless --replace; a declined confirmation copies nothing', () => {
    const { home, cwd } = projectWithRun(false);
    const r = grun(home, ['merge', '-y'], { cwd });
    assert.deepEqual([r.code, r.err], [1, 'grun: files in the current directory would be replaced:\n  train.sh\nUse --replace to skip this check.\n']);
    const no = grun(home, ['merge', '--replace'], { cwd, input: 'n\n' });
    assert.equal(no.code, 4);
    assert.match(no.out, /Continue\? \[y\/N\]: $/);
    assert.equal(readFileSync(join(cwd, 'train.sh'), 'utf8'), 'echo hi\n');
    assert.equal(grun(home, ['merge', '--replace'], { cwd, input: 'y\n' }).code, 0);
    assert.equal(readFileSync(join(cwd, 'train.sh'), 'utf8'), 'echo hi\nchanged\n');
  });

  test("elsewhere than the run's project it needs --target-dir; -s copies source code only, -x leaves out a pattern", () => {
    const { home } = projectWithRun(false);
    const other = tempDir('grun-merge-other-');
    const r = grun(home, ['merge', '-y'], { cwd: other });
    assert.equal(r.code, 1);
    assert.match(r.err, /^grun: run [0-9a-f]{32} was created from a different project \(.*\) - cannot merge to the current directory by default\nUse '--target-dir \.' to override this check/);
    const out = join(other, 'out');
    // the target named as it was typed, as Guild's cwd_desc names it
    assert.match(grun(home, ['merge', '-t', 'out', '--preview'], { cwd: other }).err, /^Merge will copy files from the following run to 'out':\n/);
    assert.equal(grun(home, ['merge', '-t', out, '-s', '-x', 'guild.*', '-y']).err, 'Copying train.sh\n');
    assert.ok(!existsSync(join(out, 'data.txt')) && !existsSync(join(out, 'guild.yml')));
    // a manifest line whose project path leaves the target is not followed
    const runDir = ok(home, ['select', '--dir']).trim();
    writeFileSync(join(runDir, '.guild', 'manifest'), `s train.sh 0 ../escaped.sh\n`);
    assert.match(grun(home, ['merge', '-t', out, '-y']).err, /^Nothing to copy/);
    assert.ok(!existsSync(join(other, 'escaped.sh')));
    // a run Guild made before manifests cannot be merged
    rmSync(join(ok(home, ['select', '--dir']).trim(), '.guild', 'manifest'));
    assert.match(grun(home, ['merge', '-t', out, '-y']).err, /^grun: run manifest does not exist for run [0-9a-f]{32}\n$/);
  });

  test('--no-summary and --summary-name are accepted as Guild 0.9.1 accepts them: its merge writes no run summary', () => {
    const { home } = projectWithRun(false);
    const merged = (extra: string[]): { err: string; files: string[] } => {
      const target = tempDir('grun-merge-summary-');
      const p = grun(home, ['merge', '-a', '-t', target, '--preview', ...extra]);
      assert.equal(p.code, 0, p.err);
      assert.match(p.err, /\nFiles:\n {2}data\.txt\n {2}guild\.yml\n {2}model\.bin\n {2}out\/result\.txt\n {2}train\.sh\n$/, 'nothing else in the preview');
      const r = grun(home, ['merge', '-a', '-t', target, '-y', ...extra]);
      assert.equal(r.code, 0, r.err);
      return { err: r.err, files: execFileSync('find', ['.', '-type', 'f'], { cwd: target, encoding: 'utf8' }).split('\n').filter(Boolean).sort() };
    };
    const plain = merged([]);
    assert.deepEqual(plain.files, ['./data.txt', './guild.yml', './model.bin', './out/result.txt', './train.sh']);
    assert.deepEqual(merged(['--no-summary']), plain);
    assert.deepEqual(merged(['--summary-name', 'summary-${run_id}.yml']), plain);
    assert.deepEqual(merged(['--summary-name=s.json', '--no-summary']), plain);
    assert.match(grun(home, ['merge', '-a', '-y', '--summary-name']).err, /--summary-name <name>' argument missing/);
  });
});
