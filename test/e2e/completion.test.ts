// Shell completion: the script `grun completion` prints, sourced in a real bash, completes
// commands, options, operations, flags, run ids and remotes through `grun __complete`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { copyFixtureHome, grunBin, tempDir } from '../helpers/home.js';
import { project } from './engine-helpers.js';
import { grun, ok } from './cli-helpers.js';

/** What bash completes for `line` (the words after `grun`, the last one being typed) with grun's script sourced. */
function bashCompletes(home: string, words: string[], cwd: string): string[] {
  const quoted = ['grun', ...words].map((w) => `'${w}'`).join(' ');
  const script = `eval "$(grun completion -s bash)"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}; _grun_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(grunBin)}:${process.env.PATH}`, GUILD_HOME: home };
  delete env.NODE_ENV;
  const r = spawnSync('bash', ['--norc', '-c', script], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

describe('grun completion', () => {
  const home = copyFixtureHome();
  writeFileSync(join(home, 'config.yml'), 'remotes:\n  gpu: {type: ssh, host: gpu.example}\n  cluster: {type: slurm}\n');
  const cwd = project({ 'guild.yml': 'train:\n  exec: echo\n  flags:\n    lr: 0.1\n    epochs: 2\nprepare:\n  exec: echo\n', 'other.py': 'x = 1\n' });

  test('commands, subcommands and options', () => {
    assert.deepEqual(bashCompletes(home, ['ru'], cwd), ['run', 'runs']);
    assert.deepEqual(bashCompletes(home, ['runs', 'in'], cwd), ['info']);
    assert.deepEqual(bashCompletes(home, ['run', '--print'], cwd), ['--print-cmd', '--print-env', '--print-trials']);
    assert.ok(bashCompletes(home, ['runs', 'info', '-'], cwd).includes('--remote'));
    assert.deepEqual(bashCompletes(home, ['cat', '-p'], cwd), ['-p', '-pa'], "Guild's two-letter options too");
  });

  test("run: the project's operations, then the operation's flags not given yet", () => {
    assert.deepEqual(bashCompletes(home, ['run', ''], cwd), ['other.py', 'prepare', 'train']);
    assert.deepEqual(bashCompletes(home, ['run', 'train', ''], cwd), ['epochs=', 'lr=']);
    assert.deepEqual(bashCompletes(home, ['run', 'train', 'lr=0.2', ''], cwd), ['epochs=']);
    assert.deepEqual(bashCompletes(home, ['-C', cwd, 'run', 'pr'], tempDir('grun-elsewhere-')), ['prepare'], "-C DIR: DIR's operations");
  });

  test('run ids for the commands that take runs, remote names where a remote goes', () => {
    const ids = bashCompletes(home, ['runs', 'info', ''], cwd);
    assert.ok(ids.length > 5 && ids.every((id) => /^[0-9a-f]{8}$/.test(id)), ids.join(' '));
    assert.deepEqual(bashCompletes(home, ['label', 'c66e'], cwd), ['c66e6a9a']);
    assert.deepEqual(bashCompletes(home, ['push', ''], cwd), ['cluster', 'gpu']);
    assert.deepEqual(bashCompletes(home, ['runs', '--remote', 'g'], cwd), ['gpu']);
    // an option's value that is a path is left to bash's own file completion
    assert.deepEqual(bashCompletes(home, ['cat', '-p', 'zz-none'], cwd), []);
  });

  test('--install writes the script and loads it from the startup file once, keeping a copy of that file', () => {
    const user = tempDir('grun-user-');
    writeFileSync(join(user, '.bashrc'), 'alias ll=ls\n');
    const env = { HOME: user, XDG_CONFIG_HOME: '' };
    const r = grun(home, ['completion', '-s', 'bash', '--install'], { env });
    assert.equal(r.code, 0, r.err);
    const script = join(user, '.config', 'grun', 'bash_completion');
    assert.equal(readFileSync(script, 'utf8'), ok(home, ['completion', '-s', 'bash']));
    assert.equal(readFileSync(join(user, '.bashrc'), 'utf8'), `alias ll=ls\n[ -s ${script} ] && . ${script}  # Enable completion for grun\n`);
    assert.equal(readFileSync(join(user, '.bashrc.grun-backup'), 'utf8'), 'alias ll=ls\n');
    const again = grun(home, ['completion', '-s', 'bash', '--install'], { env });
    assert.match(again.err, /grun completion is already installed in .*\.bashrc \(line 2\)/);
    assert.equal(readFileSync(join(user, '.bashrc'), 'utf8').split('\n').length, 3, 'not added twice');
    // and a bash that reads the startup file completes
    const b = spawnSync('bash', ['-c', `. ${join(user, '.bashrc')}; COMP_WORDS=(grun ru); COMP_CWORD=1; _grun_complete; echo "\${COMPREPLY[@]}"`], {
      env: { ...process.env, HOME: user, PATH: `${dirname(grunBin)}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    assert.equal(b.stdout, 'run runs\n', b.stderr);
  });

  test('zsh and fish scripts; an unknown shell is refused', () => {
    assert.match(ok(home, ['completion', '-s', 'zsh']), /bashcompinit[^]*complete -o default -F _grun_complete grun/);
    assert.match(ok(home, ['completion', '-s', 'fish']), /^complete -c grun -f -a '\(grun __complete -- /m);
    const r = spawnSync(grunBin, ['completion', '-s', 'tcsh'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--shell 'tcsh': expected bash, zsh, fish/);
  });
});
