// The remote commands through the built binary against the loopback sshd: `remote status`,
// `push`, `pull`, `sync`, `runs --remote`. Skips without the cluster.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { remoteCommandArgs } from '../../src/engine/remote/runs.js';
import { commandIndex } from '../../src/commands/index.js';
import { version } from '../../src/version.js';
import { copyFixtureHome, emptyHome } from '../helpers/home.js';
import { fails, grun, ok, okSaid } from './cli-helpers.js';
import { clusterEnv, remoteGrunCommand, sshSkipReason } from './remote-helpers.js';

const ssh = sshSkipReason();
test('--remote forwards the command as typed from its name on, less the remote', () => {
  const args = (argv: string[]) => remoteCommandArgs(argv, commandIndex(argv));
  assert.deepEqual(args(['-H', 'h', 'runs', '-r', 'loop', '-Fo', 'train.py', '--json']), ['runs', '-Fo', 'train.py', '--json']);
  assert.deepEqual(args(['runs', 'list', '--remote=loop', '-a']), ['runs', 'list', '-a']);
  assert.deepEqual(args(['-H', 'runs', 'runs', 'info', '2', '-r', 'loop', '-d']), ['runs', 'info', '2', '-d']);
  assert.deepEqual(args(['cat', '-p', 'a', '-r', 'loop', '--', '-r', 'x']), ['cat', '-p', 'a', '--', '-r', 'x']);
});

test("grun remotes (Guild's) and remote list: the remotes config.yml declares, by name", () => {
  const home = emptyHome();
  writeFileSync(join(home, 'config.yml'), 'remotes:\n  gpu: {type: ssh, host: gpu.example, description: The GPU box}\n  cl: {type: slurm}\n');
  assert.equal(ok(home, ['remotes']), 'cl   slurm  \ngpu  ssh    The GPU box\n', 'an empty description keeps its padding, as Guild prints it');
  assert.deepEqual((JSON.parse(ok(home, ['remote', 'list', '--json'])) as { name: string }[]).map((r) => r.name), ['cl', 'gpu']);
});

test('a sweep is refused for an ssh remote before anything is sent; --executor goes with no ssh remote', () => {
  const home = emptyHome();
  writeFileSync(join(home, 'config.yml'), 'remotes:\n  gpu: {type: ssh, host: 127.0.0.1, port: 1, connect-timeout: 1}\n');
  fails(home, ['run', 'train.py', 'lr=[0.1,0.2]', '--remote', 'gpu', '-y'], /'lr=\[0\.1,0\.2\]' asks for a sweep: a sweep runs here or on Slurm, not on ssh remote 'gpu'/);
  fails(home, ['run', 'train.py', '--remote', 'gpu', '--executor', 'slurm', '-y'], /--executor and an ssh remote do not go together/);
  fails(home, ['submit', 'train.py', '--remote', 'gpu', '-y'], /remote 'gpu' is an ssh remote: sweeps and submissions go to a remote of type: slurm/);
});

describe('remote commands (loopback sshd)', { skip: ssh }, () => {
  let local: string;
  let remoteHome: string;
  let config: string;
  before(() => {
    const env = clusterEnv();
    if (typeof env === 'string') throw new Error(env);
    local = copyFixtureHome();
    remoteHome = emptyHome();
    config =
      'remotes:\n' +
      `  loop: {type: ssh, host: ${env.sshHost}, guild-home: ${JSON.stringify(remoteHome)}, grun-command: ${JSON.stringify(remoteGrunCommand)}}\n` +
      '  dead: {type: ssh, host: 127.0.0.1, port: 1, connect-timeout: 2}\n';
    writeFileSync(join(local, 'config.yml'), config);
  });

  test('grun remote status', () => {
    assert.equal(ok(local, ['remote', 'status', 'loop']), `loop (grun-loopback): grun ${version} is installed on grun-loopback\n`);
    fails(local, ['remote', 'status', 'dead'], /^grun: remote 'dead' cannot be reached: /);
    fails(local, ['remote', 'status', 'nope'], /^grun: no remote named 'nope' in .*\(remotes: dead, loop\)/);
  });

  test('grun push, then grun runs --remote and grun pull', () => {
    const out = ok(local, ['push', 'loop', '-y']);
    const local_ids = readdirSync(join(local, 'runs')).sort();
    assert.equal(out.trim().split('\n').length, local_ids.length);
    assert.deepEqual(readdirSync(join(remoteHome, 'runs')).sort(), local_ids);

    const mirror = emptyHome();
    writeFileSync(join(mirror, 'config.yml'), config);
    assert.match(ok(mirror, ['pull', 'loop', '1', '-y']), /^Copied [0-9a-f]{32} from loop\n/);
    assert.equal(readdirSync(join(mirror, 'runs')).length >= 1, true);
    fails(mirror, ['pull', 'dead', '-y'], /^grun: remote 'dead' cannot be reached/);
    // Guild's filters choose among the remote's runs; a batch brings its trials
    const filtered = emptyHome();
    writeFileSync(join(filtered, 'config.yml'), config);
    const prepares = (JSON.parse(ok(remoteHome, ['runs', '-Fo', 'prepare', '--json'])) as { id: string }[]).map((r) => r.id).sort();
    assert.ok(prepares.length >= 2);
    ok(filtered, ['pull', 'loop', '-Fo', 'prepare', '-y']);
    assert.deepEqual(readdirSync(join(filtered, 'runs')).sort(), prepares);
    ok(filtered, ['pull', 'loop', '--operation', 'train.py+', '-y']);
    assert.ok(readdirSync(join(filtered, 'runs')).includes('00075496577a4109811f47f478382fa3'), "the batch's trial came with it");
  });

  test('grun runs --remote', () => {
    const remote = ok(local, ['runs', '--remote', 'loop', '--json']);
    const direct = ok(remoteHome, ['runs', '--json']);
    assert.deepEqual(
      (JSON.parse(remote) as { id: string }[]).map((r) => r.id),
      (JSON.parse(direct) as { id: string }[]).map((r) => r.id),
    );
  });

  test('grun runs info --remote', () => {
    ok(remoteHome, ['label', '1', '-s', 'only-there', '-y']); // the remote's copy alone
    const remote = JSON.parse(ok(local, ['runs', 'info', '1', '--remote', 'loop', '-d', '--json'])) as { id: string; label: string; dependencies: unknown };
    const direct = JSON.parse(ok(remoteHome, ['runs', 'info', '-d', '--json'])) as { id: string; dependencies: unknown };
    assert.equal(remote.id, direct.id);
    assert.equal(remote.label, 'only-there');
    assert.deepEqual(remote.dependencies, direct.dependencies);
  });

  test("-r/--remote on the commands that act on runs: the remote's grun does it, prompts answered from here", () => {
    const id = JSON.parse(ok(remoteHome, ['runs', 'info', '1', '--json'])).id as string;
    assert.match(okSaid(local, ['label', '-r', 'loop', id.slice(0, 8), '-s', 'set-there', '-y']), /^Labeled 1 run\(s\)\n$/);
    assert.equal(JSON.parse(ok(remoteHome, ['runs', 'info', id, '--json'])).label, 'set-there');
    assert.notEqual(JSON.parse(ok(local, ['runs', 'info', id.slice(0, 8), '--json'])).label, 'set-there', 'not here');
    // the remote's prompt, answered on stdin
    const tagged = grun(local, ['tag', id.slice(0, 8), '-a', 'remote-tag', '--remote', 'loop'], { input: 'y\n' });
    assert.equal(tagged.code, 0, tagged.err);
    assert.match(tagged.out, /You are about to[^]*Continue\? \[Y\/n\]: /);
    assert.deepEqual(JSON.parse(ok(remoteHome, ['runs', 'info', id, '--json'])).tags, ['remote-tag']);
    assert.equal(ok(local, ['ls', '-r', 'loop', id.slice(0, 8), '-n']), ok(remoteHome, ['ls', id, '-n']));
    assert.equal(ok(local, ['cat', id.slice(0, 8), '-O', '-r', 'loop']), ok(remoteHome, ['cat', id, '-O']));
    // select: the remote's run (its label is there only), Guild's -min passed on as typed
    assert.equal(ok(local, ['select', id.slice(0, 8), '-a', 'label', '-r', 'loop']), 'set-there\n');
    assert.equal(ok(local, ['select', '-min', '.started', '--remote', 'loop']), ok(remoteHome, ['select', '--min', '.started']));
    assert.equal(ok(local, ['ls', '-h', '-r', 'loop', id.slice(0, 8), '-n']), ok(remoteHome, ['ls', id, '-n']));
    const missing = grun(local, ['cat', id.slice(0, 8), '-p', 'nothere', '-r', 'loop']);
    assert.deepEqual([missing.code, missing.err], [1, 'grun: nothere does not exist\n'], "the remote's error and exit code");
    const dead = grun(local, ['label', '-r', 'dead', '1', '-s', 'x', '-y']);
    assert.equal(dead.code, 1);
    assert.match(dead.err, /^grun: remote 'dead' cannot be reached: /m, 'after what ssh said');
  });

  test("runs restore and runs purge --remote: the remote's trash, its prompts answered from here", () => {
    const id = JSON.parse(ok(remoteHome, ['runs', 'info', '2', '--json'])).id as string;
    const short = id.slice(0, 8);
    const trashed = (home: string) => (JSON.parse(ok(home, ['runs', '-d', '--json'])) as { id: string }[]).map((r) => r.id);
    const localTrash = trashed(local);
    ok(local, ['runs', 'rm', '-r', 'loop', short, '-y']);
    assert.deepEqual(trashed(remoteHome), [id]);
    const restored = grun(local, ['runs', 'restore', '-r', 'loop', short], { input: 'y\n' });
    assert.equal(restored.code, 0, restored.err);
    assert.match(restored.out, /^You are about to restore the following runs:\n {2}\[[0-9a-f]{8}\][^]*Restore 1 run\(s\)\? \[Y\/n\]: $/);
    assert.equal(restored.err, 'Restored 1 run(s)\n');
    assert.deepEqual(trashed(remoteHome), []);
    assert.ok(readdirSync(join(remoteHome, 'runs')).includes(id));
    ok(local, ['runs', 'rm', '-r', 'loop', short, '-y']);
    const kept = grun(local, ['runs', 'purge', '--remote', 'loop', short], { input: 'n\n' });
    assert.match(kept.out, /Permanently delete 1 run\(s\)\? \[y\/N\]: $/);
    assert.deepEqual(trashed(remoteHome), [id], 'a no keeps it');
    assert.equal(okSaid(local, ['runs', 'purge', '--remote', 'loop', short, '-y']), 'Permanently deleted 1 run(s)\n');
    assert.deepEqual(trashed(remoteHome), []);
    assert.ok(!readdirSync(join(remoteHome, 'runs')).includes(id));
    assert.deepEqual(trashed(local), localTrash, "this home's trash is not touched");
    assert.ok(readdirSync(join(local, 'runs')).includes(id), 'nor its copy of the run');
  });

  test('grun sync with no remote runs', () => {
    const r = grun(emptyHome(), ['sync']);
    assert.equal(r.code, 0);
    assert.equal(r.err, 'No remote runs to sync.\n');
  });
});
