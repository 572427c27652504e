// Remotes declared in config.yml (user config and Guild home), checked field by field. No ssh.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getRemote, getSshRemote, loadRemotes } from '../../src/engine/remote/config.js';
import { remoteShellPath } from '../../src/engine/remote/ssh.js';
import { emptyHome, tempDir } from '../helpers/home.js';

function homes(userYaml: string | null, homeYaml: string | null): { home: string; env: NodeJS.ProcessEnv } {
  const user = tempDir('grun-user-');
  const home = emptyHome();
  if (userYaml !== null) {
    mkdirSync(join(user, '.guild'), { recursive: true });
    writeFileSync(join(user, '.guild', 'config.yml'), userYaml);
  }
  if (homeYaml !== null) writeFileSync(join(home, 'config.yml'), homeYaml);
  return { home, env: { HOME: user } };
}

describe('remote config', () => {
  test('ssh and slurm remotes from the user config and the home; the home wins by name', () => {
    const { home, env } = homes(
      'remotes:\n  gpu:\n    type: ssh\n    host: gpu1\n    user: alice\n    port: 2222\n    private-key: ~/.ssh/id_gpu\n' +
        '  both:\n    type: ssh\n    host: from-user\n',
      'remotes:\n  both:\n    type: ssh\n    host: from-home\n    guild-home: /data/guild\n    grun-command: node /opt/grun/bin/grun\n' +
        '  hpc:\n    type: slurm\n    partition: gpu\n    account: lab\n    time: "1:00:00"\n    sbatch-options: [--qos=low, --exclusive]\n',
    );
    const all = loadRemotes(home, env);
    assert.deepEqual([...all.keys()].sort(), ['both', 'gpu', 'hpc']);
    const gpu = getSshRemote(home, 'gpu', env);
    assert.deepEqual([gpu.host, gpu.user, gpu.port, gpu.privateKey, gpu.guildHome, gpu.grunCommand], [
      'gpu1', 'alice', 2222, '~/.ssh/id_gpu', '.guild', 'grun',
    ]);
    const both = getSshRemote(home, 'both', env);
    assert.deepEqual([both.host, both.guildHome, both.grunCommand], ['from-home', '/data/guild', 'node /opt/grun/bin/grun']);
    const hpc = getRemote(home, 'hpc', env);
    assert.ok(hpc.type === 'slurm');
    assert.deepEqual([hpc.partition, hpc.account, hpc.time, hpc.sbatchOptions], ['gpu', 'lab', '1:00:00', ['--qos=low', '--exclusive']]);
  });

  test('errors name the file, the remote and the field', () => {
    const { home, env } = homes(null, 'remotes:\n  a:\n    type: ssh\n');
    assert.throws(() => loadRemotes(home, env), /config\.yml: remote 'a': 'host' is required for type ssh/);
    const b = homes(null, 'remotes:\n  b:\n    type: ec2\n');
    assert.throws(() => loadRemotes(b.home, b.env), /remote 'b': unsupported type "ec2" \(grun knows ssh and slurm\)/);
    const c = homes(null, 'remotes:\n  c:\n    type: ssh\n    host: h\n    port: twenty\n');
    assert.throws(() => loadRemotes(c.home, c.env), /remote 'c': 'port' must be a positive integer, not "twenty"/);
    const d = homes(null, 'remotes:\n  hpc: {type: slurm}\n');
    assert.throws(() => getSshRemote(d.home, 'hpc', d.env), /remote 'hpc' is of type slurm; this needs an ssh remote/);
    assert.throws(() => getRemote(d.home, 'nope', d.env), /no remote named 'nope' in .*config\.yml \(remotes: hpc\)/);
  });

  test('remote paths: ~ expands on the remote, anything else is quoted', () => {
    assert.equal(remoteShellPath('~/.guild'), '"$HOME"/.guild');
    assert.equal(remoteShellPath('/data/my runs'), "'/data/my runs'");
    assert.equal(remoteShellPath('~'), '"$HOME"');
  });
});
