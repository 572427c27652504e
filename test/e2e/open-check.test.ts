// Guild's `open` and `check` through the real binary: a run's dir or file handed to a program
// or a shell, and what grun runs with.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { copyFixtureHome } from '../helpers/home.js';
import { fails, grun, ok } from './cli-helpers.js';

describe('grun open', () => {
  test('-c CMD gets the run dir, a path in it, or its output; --shell starts in the dir of PATH', () => {
    const home = copyFixtureHome();
    const dir = join(home, 'runs', '5fe4ccc3174c4c9e9a212c98a4f108ec');
    assert.equal(ok(home, ['open', '5fe4', '-c', 'echo opened']), `opened ${dir}\n`);
    assert.equal(ok(home, ['open', '5fe4', '-p', 'data.txt', '-c', 'head -n 2']), '0\n1\n');
    assert.equal(ok(home, ['open', 'c0c4', '-O', '-c', 'wc -l']).trim().split(' ')[0], String(ok(home, ['cat', 'c0c4', '-O']).split('\n').length - 1));
    const sh = grun(home, ['open', '5fe4', '-p', 'data.txt', '--shell-cmd', 'pwd']);
    assert.equal(sh.code, 0, sh.err);
    assert.equal(sh.out, `${dir}\n`);
    assert.match(sh.err, /^Running a new shell in .*\nTo exit the shell, type 'exit' and press Enter\.\n$/);
  });

  test('a path outside the run, a missing file, a program that is not there: said, exit 1', () => {
    const home = copyFixtureHome();
    fails(home, ['open', '5fe4', '-p', '../../x', '-c', 'true'], /not inside the run directory/);
    fails(home, ['open', '5fe4', '-p', 'nope.txt', '-c', 'true'], /nope\.txt does not exist/);
    fails(home, ['open', '5fe4', '-c', '/no/such/opener'], /cannot run \/no\/such\/opener/);
    fails(home, ['open', '5fe4', '-c', 'x', '--shell'], /--cmd and --shell cannot both be used/);
  });
});

describe('grun check', () => {
  test("what grun runs with, one fact a line, and --space what the home's files take", () => {
    const home = copyFixtureHome();
    const out = ok(home, ['check']);
    for (const key of ['grun_version', 'grun_install_location', 'guild_home', 'node_version', 'python_version', 'python_exe', 'platform', 'nvidia_smi_version', 'slurm_version']) {
      assert.match(out, new RegExp(`^${key}: +\\S`, 'm'), key);
    }
    assert.match(out, new RegExp(`^guild_home: +${home}$`, 'm'));
    assert.match(out, new RegExp(`^node_version: +${process.version}$`, 'm'));
    assert.match(ok(home, ['check', '--space']), /^runs: +\d+\.\d (KB|MB)\ndeleted runs: +\d+(\.\d)? (B|KB|MB)\ncache: +\d/);
  });
});
