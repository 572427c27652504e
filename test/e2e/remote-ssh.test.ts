// push, pull, remote listing, remote status and sync against the loopback sshd that
// scripts/cluster/start.sh starts (through ~/.ssh/config, non-default port). Skips without it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import {
  closeConnections,
  connect,
  listRemoteRuns,
  remoteCommand,
  pullRuns,
  pushRuns,
  remoteStatus,
  syncRemoteRuns,
} from '../../src/engine/remote/runs.js';
import { writeFileAtomicSync } from '../../src/store/atomic.js';
import { mirrorExecutor } from '../../src/engine/remote/mirror-executor.js';
import { startRemoteRun, watchRemoteRun } from '../../src/engine/remote/remote-run.js';
import { listRuns, loadRun } from '../../src/store/index.js';
import { copyFixtureHome, emptyHome, grunBin } from '../helpers/home.js';
import { clusterEnv, remoteGrunCommand, sshSkipReason, writeRemotes } from './remote-helpers.js';
import { childEnv, grun, project } from './engine-helpers.js';
import { version } from '../../src/version.js';

const skip = sshSkipReason();
const BATCH = '8fa2461079df492da3d07eefeab88a99'; // trials b473328a…, 00075496…
const TRIALS = ['b473328ab1d347d58b826d1aa977a8d0', '00075496577a4109811f47f478382fa3'];

function collect(): { stream: Writable; text: () => string } {
  let buf = '';
  const stream = new Writable({ write: (c, _e, cb) => ((buf += String(c)), cb()) });
  return { stream, text: () => buf };
}

describe('ssh remote (loopback sshd)', { skip }, () => {
  let local: string;
  let remoteHome: string;
  before(() => {
    const env = clusterEnv();
    if (typeof env === 'string') throw new Error(env);
    local = copyFixtureHome();
    remoteHome = emptyHome();
    const remote = { type: 'ssh', host: env.sshHost, 'guild-home': remoteHome, 'grun-command': remoteGrunCommand };
    writeRemotes(local, {
      loop: remote,
      nogrun: { ...remote, 'grun-command': 'grun-not-installed-here' },
      dead: { type: 'ssh', host: '127.0.0.1', port: 1, 'connect-timeout': 2 },
    });
  });
  after(() => closeConnections());

  test('remote status says grun is installed and its version', async () => {
    const s = await remoteStatus(local, 'loop');
    assert.equal(s.reachable, true);
    assert.equal(s.installed, true, s.message);
    assert.equal(s.version, version);
    const n = await remoteStatus(local, 'nogrun');
    assert.deepEqual([n.reachable, n.installed], [true, false]);
    assert.match(n.message, /not installed.*grun-not-installed-here' not found/);
  });

  test('an unreachable remote is reported as such', async () => {
    const s = await remoteStatus(local, 'dead');
    assert.equal(s.reachable, false);
    assert.match(s.message, /remote 'dead' cannot be reached: .*(refused|port 1)/);
  });

  test('push copies whole runs; a batch brings its trials; --delete mirrors deletions', async () => {
    const batch = loadRun(join(local, 'runs', BATCH));
    const { ids } = await pushRuns(local, 'loop', [batch]);
    assert.deepEqual(ids.sort(), [BATCH, ...TRIALS].sort());
    for (const id of ids) assert.ok(existsSync(join(remoteHome, 'runs', id, '.guild', 'opref')), id);
    assert.equal(readlinkSync(join(remoteHome, 'runs', BATCH, TRIALS[0]!)), `../${TRIALS[0]}`);
    const out = join('runs', TRIALS[0]!, '.guild', 'output');
    assert.deepEqual(readFileSync(join(remoteHome, out)), readFileSync(join(local, out)));

    rmSync(join(local, out));
    await pushRuns(local, 'loop', [loadRun(join(local, 'runs', TRIALS[0]!))]);
    assert.ok(existsSync(join(remoteHome, out)), 'without --delete the remote file stays');
    await pushRuns(local, 'loop', [loadRun(join(local, 'runs', TRIALS[0]!))], { delete: true });
    assert.ok(!existsSync(join(remoteHome, out)), '--delete removes it');
  });

  test('the remote listing is one grun call there; pull brings runs with their trials', async () => {
    const conn = connect(local, 'loop');
    const listing = await listRemoteRuns(conn);
    assert.deepEqual(listing.map((r) => r.id).sort(), [BATCH, ...TRIALS].sort());
    const shown = collect();
    const code = await remoteCommand(local, 'loop', ['runs', 'list', '-Fo', 'train.py'], shown.stream, collect().stream);
    assert.equal(code, 0);
    assert.equal(shown.text().trim().split('\n').length, 2, shown.text()); // the two trials

    const mirror = emptyHome();
    writeFileSync(join(mirror, 'config.yml'), readFileSync(join(local, 'config.yml')));
    const { ids } = await pullRuns(mirror, 'loop', [BATCH.slice(0, 8)]);
    assert.deepEqual(ids.sort(), [BATCH, ...TRIALS].sort());
    const runs = listRuns(mirror);
    assert.deepEqual(runs.map((r) => r.id).sort(), ids.sort());
    assert.ok(runs.every((r) => r.status === 'completed' && r.markers.lockRemote === null));
  });

  test('sync: a mirror shows running (remote) until the remote run ends; unreachable leaves it running', async () => {
    const proj = project({ 'slow.py': 'import time\nprint("step: 1")\ntime.sleep(2)\nprint("done")\n' });
    const started = await grun(['run', '-y', '-b', 'slow.py'], { cwd: proj, home: remoteHome });
    assert.equal(started.code, 0, started.stderr);
    const id = /as ([0-9a-f]{32})/.exec(started.stdout)?.[1];
    assert.ok(id, started.stdout);

    const mirror = emptyHome();
    writeFileSync(join(mirror, 'config.yml'), readFileSync(join(local, 'config.yml')));
    await pullRuns(mirror, 'loop', [id]);
    const dir = join(mirror, 'runs', id);
    assert.equal(readFileSync(join(dir, '.guild', 'LOCK.remote'), 'utf8'), 'loop');
    assert.deepEqual(loadRun(dir).statusInfo, { status: 'running', remote: 'loop' });

    // The same mirror claimed by a remote that does not answer: reported, status untouched.
    writeFileAtomicSync(join(dir, '.guild', 'LOCK.remote'), 'dead');
    const [down] = await syncRemoteRuns(mirror);
    assert.match(down!.unreachable ?? '', /remote 'dead' cannot be reached/);
    assert.deepEqual(loadRun(dir).statusInfo, { status: 'running', remote: 'dead' });
    writeFileAtomicSync(join(dir, '.guild', 'LOCK.remote'), 'loop');

    for (let i = 0; ; i++) {
      const [rep] = await syncRemoteRuns(mirror);
      assert.deepEqual(rep!.ids, [id]);
      if (rep!.finished.length === 1) break;
      assert.ok(i < 40, 'the remote run should end within 20 s');
      await sleep(500);
    }
    const run = loadRun(dir);
    assert.equal(run.status, 'completed');
    assert.equal(run.markers.lockRemote, null);
    assert.match(readFileSync(join(dir, '.guild', 'output'), 'utf8'), /step: 1\ndone\n/);
    assert.deepEqual(readdirSync(join(mirror, 'runs')), [id]);

    // A mirror whose run was deleted on the remote is unmarked instead of running for ever.
    const gone = 'f'.repeat(32);
    cpSync(dir, join(mirror, 'runs', gone), { recursive: true });
    writeFileAtomicSync(join(mirror, 'runs', gone, '.guild', 'LOCK.remote'), 'loop');
    const [rep] = await syncRemoteRuns(mirror);
    assert.deepEqual([rep!.ids, rep!.missing], [[], [gone]]);
    assert.equal(loadRun(join(mirror, 'runs', gone)).markers.lockRemote, null);
  });

  test('run --remote: the project goes there, the run starts detached, watch follows it to its end', async () => {
    const proj = project({ 'train.py': 'import time\nlr = 0.1\nprint("lr", lr)\ntime.sleep(1)\nprint("loss: 0.5")\n' });
    const mirror = emptyHome();
    writeFileSync(join(mirror, 'config.yml'), readFileSync(join(local, 'config.yml')));
    const started = await startRemoteRun(mirror, 'loop', { cwd: proj, opspec: 'train.py', flagArgs: ['lr=0.25'], label: 'remote one' });
    assert.ok(existsSync(join(started.remoteProject, 'train.py')));
    assert.ok(existsSync(join(remoteHome, 'runs', started.runId, '.guild', 'opref')));
    const run = loadRun(started.runDir);
    assert.deepEqual(run.statusInfo, { status: 'running', remote: 'loop' });
    assert.equal(run.label, 'remote one');

    const shown = collect();
    const code = await watchRemoteRun(mirror, 'loop', run.id, shown.stream, collect().stream);
    assert.equal(code, 0);
    assert.match(shown.text(), /lr 0\.25\nloss: 0\.5\n/);
    const after = loadRun(started.runDir);
    assert.equal(after.status, 'completed', 'watch pulls the finished run');
    assert.equal(after.markers.lockRemote, null);
  });

  test("grun run --remote waits for the run as Guild does, its output here and its exit status; -n returns at once", async () => {
    const proj = project({ 'fails.py': 'print("on the remote")\nraise SystemExit(3)\n', 'slow.py': 'import time\ntime.sleep(30)\n' });
    const mirror = emptyHome();
    writeFileSync(join(mirror, 'config.yml'), readFileSync(join(local, 'config.yml')));
    const r = await grun(['run', 'fails.py', '--remote', 'loop', '-y'], { cwd: proj, home: mirror });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^fails\.py started on loop as [0-9a-f]{32}\non the remote\n/);
    const ended = listRuns(mirror)[0]!;
    assert.deepEqual([ended.status, ended.exitStatus, ended.markers.lockRemote], ['error', 3, null], 'the mirror pulled at the end');
    // Ctrl-C stops following: the run goes on there
    const followed = spawn(grunBin, ['-H', mirror, 'run', 'slow.py', '--remote', 'loop', '-y'], { cwd: proj, env: childEnv(mirror) });
    let said = '';
    followed.stdout.on('data', (c) => (said += String(c)));
    for (let i = 0; !/started on loop as/.test(said); i++) {
      assert.ok(i < 300, `no start line: ${said}`);
      await sleep(100);
    }
    await sleep(500); // its watch under way on the remote
    followed.kill('SIGINT');
    const code = await new Promise<number | null>((res) => followed.on('exit', (c) => res(c)));
    assert.equal(code, 0);
    const following = /as ([0-9a-f]{32})/.exec(said)![1]!;
    assert.match(said, new RegExp(`Stopped watching ${following} \\(still running on loop\\)\n$`));
    assert.equal(loadRun(join(remoteHome, 'runs', following)).status, 'running');
    assert.equal((await grun(['stop', '-y', following], { cwd: proj, home: mirror })).code, 0);
    const left = await grun(['run', 'slow.py', '--remote', 'loop', '-n', '-y'], { cwd: proj, home: mirror });
    assert.equal(left.code, 0, left.stderr);
    const id = /as ([0-9a-f]{32})$/m.exec(left.stdout)![1]!;
    assert.deepEqual(loadRun(join(mirror, 'runs', id)).statusInfo, { status: 'running', remote: 'loop' });
    assert.equal((await grun(['stop', '-y', id], { cwd: proj, home: mirror })).code, 0);
  });

  test('the mirror executor follows a remote run by pulling it, and stops it there', async () => {
    const proj = project({
      'tick.py': 'import time\nfor i in range(3):\n    print("tick", i, flush=True)\n    time.sleep(0.7)\n',
      'wait.py': 'import time\nprint("waiting", flush=True)\ntime.sleep(60)\n',
    });
    const mirror = emptyHome();
    writeFileSync(join(mirror, 'config.yml'), readFileSync(join(local, 'config.yml')));
    const tick = await startRemoteRun(mirror, 'loop', { cwd: proj, opspec: 'tick.py', flagArgs: [] });
    const follower = mirrorExecutor.followOutput(loadRun(tick.runDir));
    const lines: string[] = [];
    for (let i = 0; mirrorExecutor.status(loadRun(tick.runDir)).status === 'running'; i++) {
      lines.push(...follower.poll().map((l) => l.text));
      assert.ok(i < 150, 'the mirror should see the end within 15 s');
      await sleep(100);
    }
    lines.push(...follower.poll().map((l) => l.text));
    assert.deepEqual(lines, ['tick 0', 'tick 1', 'tick 2']);
    assert.equal(loadRun(tick.runDir).status, 'completed');

    const wait = await startRemoteRun(mirror, 'loop', { cwd: proj, opspec: 'wait.py', flagArgs: [] });
    const out = await mirrorExecutor.stop(loadRun(wait.runDir), { timeout: 10 });
    assert.equal(out.kind, 'stopped', JSON.stringify(out));
    assert.equal(loadRun(wait.runDir).status, 'terminated');
    assert.equal(loadRun(join(remoteHome, 'runs', wait.runId)).status, 'terminated');
  });
});
