// grun run / stop / watch end to end: the built binary, real Python scripts, temp homes.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRun } from '../../src/store/index.js';
import { readOutputLines } from '../../src/store/output.js';
import { readRunScalars } from '../../src/store/scalars.js';
import { emptyHome } from '../helpers/home.js';
import { attr, grun, grunSpawn, onlyRunDir, outputHas, project, runIds, SLEEPER, waitFor } from './engine-helpers.js';

const TRAIN = `import os
lr = 0.1
epochs = 2
print("lr is", lr)
for step in range(1, epochs + 1):
    print("step: %d" % step)
    print("loss: %s" % (lr / step))
print("secret seen: %s" % ("MY_API_KEY" in os.environ))
`;

const FAIL = `import sys
print("about to fail")
sys.stderr.write("boom: simulated failure\\n")
sys.exit(3)
`;

/** Catches Ctrl-C itself, as Guild's op_main does around every Python operation. */
const CATCHER = `import time
try:
    print("ready")
    for _ in range(300):
        time.sleep(0.1)
except KeyboardInterrupt:
    print("interrupted")
    raise SystemExit(1)
`;

describe('grun run (engine e2e)', () => {
  test('a script runs to completed and its run reads back as Guild writes it', async () => {
    const home = emptyHome();
    const cwd = project({ 'train.py': TRAIN });
    const r = await grun(['run', 'train.py', 'lr=0.5', '-y', '-l', 'first', '-t', 'exp1', '-c', 'a note'], {
      cwd,
      home,
      env: { MY_API_KEY: 'k', GITHUB_TOKEN: 't', DB_PASSWORD: 'p', AWS_SECRET_ACCESS_KEY: 's', PLAIN_VAR: 'v' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /lr is 0\.5\n/);
    assert.match(r.stdout, /secret seen: True/); // the child gets the whole environment
    const dir = onlyRunDir(home);
    const run = loadRun(dir);
    assert.equal(run.status, 'completed');
    assert.equal(run.exitStatus, 0);
    assert.deepEqual(run.flags, { epochs: 2, lr: 0.5 });
    assert.equal(run.label, 'first');
    assert.deepEqual(run.tags, ['exp1', 'model']);
    assert.equal(run.comments[0]?.body, 'a note');
    assert.equal(attr(dir, 'user_flags'), 'lr: 0.5\n');
    assert.equal(attr(dir, 'deps'), '{}\n');
    assert.equal(attr(dir, 'id'), `${run.id}\n`);
    assert.equal(attr(dir, 'exit_status'), '0\n');
    for (const a of ['cmd', 'host', 'user', 'platform', 'random_seed', 'run_params', 'op', 'initialized', 'started', 'stopped']) {
      assert.ok(attr(dir, a) !== null, `attr ${a}`);
    }
    assert.ok(run.started! > run.initialized! && run.stopped! >= run.started!);
    // No markers left; the process record stays as history.
    for (const f of ['LOCK', 'PENDING', 'STAGED']) assert.ok(!existsSync(join(dir, '.guild', f)), f);
    assert.equal(run.proc?.executor, 'local');
    // env: secrets left out, the rest (and Guild's variables) in.
    const env = attr(dir, 'env')!;
    assert.match(env, /^PLAIN_VAR: v$/m);
    assert.match(env, new RegExp(`^RUN_ID: ${run.id}$`, 'm'));
    assert.match(env, /^FLAG_LR: '0\.5'$/m);
    for (const secret of ['MY_API_KEY', 'GITHUB_TOKEN', 'DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY']) {
      assert.doesNotMatch(env, new RegExp(`^${secret}:`, 'm'));
    }
    // Source copy, manifest and Guild's digest: md5(path \0 bytes \0).
    assert.equal(readFileSync(join(dir, 'train.py'), 'utf8'), TRAIN);
    const sha1 = createHash('sha1').update(TRAIN).digest('hex');
    assert.equal(readFileSync(join(dir, '.guild', 'manifest'), 'utf8'), `s train.py ${sha1} train.py\n`);
    const md5 = createHash('md5').update(`train.py\0${TRAIN}\0`).digest('hex');
    assert.equal(run.sourcecodeDigest, md5);
    // Output: one 9-byte record per line.
    const lines = readOutputLines(dir);
    assert.equal(lines.length, 6);
    assert.equal(statSync(join(dir, '.guild', 'output.index')).size, 6 * 9);
    // Output scalars with explicit steps (flag names are not scalars).
    const { summaries } = readRunScalars(dir);
    const loss = summaries.find((s) => s.tag === 'loss');
    assert.ok(loss, JSON.stringify(summaries));
    assert.equal(loss.count, 2);
    assert.equal(loss.firstStep, 1);
    assert.equal(loss.lastStep, 2);
    assert.ok(Math.abs(loss.last - 0.25) < 1e-6);
    assert.ok(!summaries.some((s) => s.tag === 'lr'));
  });

  test('a failing script ends in error with its stderr on stream 1 and its exit code', async () => {
    const home = emptyHome();
    const cwd = project({ 'fail.py': FAIL });
    const r = await grun(['run', 'fail.py', '-y'], { cwd, home });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /boom: simulated failure/);
    const dir = onlyRunDir(home);
    const run = loadRun(dir);
    assert.equal(run.status, 'error');
    assert.equal(run.exitStatus, 3);
    const boom = readOutputLines(dir).find((l) => l.text.startsWith('boom'));
    assert.equal(boom?.stream, 1);
    assert.equal(readOutputLines(dir)[0]?.stream, 0);
  });

  test('without a terminal and without -y, nothing starts', async () => {
    const home = emptyHome();
    const cwd = project({ 'train.py': TRAIN });
    const r = await grun(['run', 'train.py'], { cwd, home });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /-y/);
    assert.deepEqual(runIds(home), []);
  });

  test('Ctrl-C (SIGINT to grun) reaches the script, not the supervisor; the run records its exit', async () => {
    const home = emptyHome();
    const cwd = project({ 'catcher.py': CATCHER });
    const { proc, done } = grunSpawn(['run', 'catcher.py', '-y'], { cwd, home });
    await waitFor('run output', () => runIds(home).length === 1 && outputHas(onlyRunDir(home), 'ready'));
    proc.kill('SIGINT');
    const r = await done;
    assert.match(r.stdout, /interrupted\n/);
    const run = loadRun(onlyRunDir(home));
    assert.equal(run.status, 'error');
    assert.equal(run.exitStatus, 1);
    assert.equal(r.code, 1);
  });

  test('Ctrl-C of a plain Python script ends it as Guild does: exit 1 (error), traceback in output', async () => {
    const home = emptyHome();
    const cwd = project({ 'sleeper.py': SLEEPER });
    const { proc, done } = grunSpawn(['run', 'sleeper.py', '-y'], { cwd, home });
    await waitFor('run output', () => runIds(home).length === 1 && outputHas(onlyRunDir(home), 'ready'));
    proc.kill('SIGINT');
    const r = await done;
    const output = (): string => readFileSync(join(onlyRunDir(home), '.guild', 'output'), 'utf8');
    assert.match(r.stderr, /KeyboardInterrupt/, `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, the run's output ${JSON.stringify(output())}`);
    const run = loadRun(onlyRunDir(home));
    assert.equal(run.exitStatus, 1);
    assert.equal(run.status, 'error');
  });

  test('SIGHUP to a foreground grun only detaches: the run goes on', async () => {
    const home = emptyHome();
    const cwd = project({ 'sleeper.py': SLEEPER });
    const { proc, done } = grunSpawn(['run', 'sleeper.py', 'steps=10', '-y'], { cwd, home });
    await waitFor('run output', () => runIds(home).length === 1 && outputHas(onlyRunDir(home), 'ready'));
    proc.kill('SIGHUP');
    await done;
    const dir = onlyRunDir(home);
    assert.equal(loadRun(dir).status, 'running');
    await waitFor('the run to end', () => attr(dir, 'exit_status') !== null);
    assert.equal(loadRun(dir).status, 'completed');
  });

  test('--background returns at once; grun watch follows to the end', async () => {
    const home = emptyHome();
    const cwd = project({ 'sleeper.py': SLEEPER });
    const b = await grun(['run', 'sleeper.py', 'steps=8', '-y', '--background'], { cwd, home });
    assert.equal(b.code, 0, b.stderr);
    const dir = onlyRunDir(home);
    const id = dir.split('/').pop()!;
    assert.match(b.stdout, new RegExp(`sleeper\\.py started in background as ${id}`));
    assert.equal(loadRun(dir).status, 'running');
    const w = await grun(['watch'], { cwd, home });
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, /ready\n/);
    assert.match(w.stdout, /done\n/);
    assert.match(w.stdout, new RegExp(`Run ${id} stopped with a status of 'completed'`));
  });

  test('grun stop terminates a running run (-15), not its watcher; a second stop says it is not running', async () => {
    const home = emptyHome();
    const cwd = project({ 'sleeper.py': SLEEPER });
    const pidfile = join(cwd, 'sup.pid');
    const b = await grun(['run', 'sleeper.py', '-y', '--pidfile', pidfile], { cwd, home });
    assert.equal(b.code, 0, b.stderr);
    assert.match(readFileSync(pidfile, 'utf8'), /^\d+$/);
    const dir = onlyRunDir(home);
    const id = dir.split('/').pop()!;
    await waitFor('ready', () => outputHas(dir, 'ready'));
    // Ctrl-C of a watcher stops watching, not the run (--pid takes the pidfile).
    const w = grunSpawn(['watch', '--pid', pidfile], { cwd, home });
    let seen = '';
    w.proc.stdout!.on('data', (c: Buffer) => (seen += c.toString()));
    await waitFor('watch output', () => seen.includes('ready'));
    w.proc.kill('SIGINT');
    assert.match((await w.done).stdout, new RegExp(`Stopped watching ${id} \\(still running\\)`));
    assert.equal(loadRun(dir).status, 'running');
    const s = await grun(['stop', id.slice(0, 8), '-y'], { cwd, home });
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, new RegExp(`Stopping ${id} \\(pid \\d+\\)`));
    const run = loadRun(dir);
    assert.equal(run.status, 'terminated');
    assert.equal(run.exitStatus, -15);
    assert.ok(!existsSync(join(dir, '.guild', 'LOCK')));
    const again = await grun(['stop', id.slice(0, 8), '-y'], { cwd, home });
    assert.match(again.stderr, new RegExp(`Run ${id} is not running`));
  });

  test('--stage writes a staged run; --start runs it in place', async () => {
    const home = emptyHome();
    const cwd = project({ 'train.py': TRAIN });
    const st = await grun(['run', 'train.py', 'epochs=1', 'lr=1.0', '--stage', '-y'], { cwd, home });
    assert.equal(st.code, 0, st.stderr);
    const dir = onlyRunDir(home);
    const id = dir.split('/').pop()!;
    assert.match(st.stdout, new RegExp(`train\\.py staged as ${id}`));
    assert.equal(loadRun(dir).status, 'staged');
    assert.match(readFileSync(join(dir, '.guild', 'ENV'), 'utf8'), new RegExp(`^export RUN_ID=${id}$`, 'm'));
    assert.equal(attr(dir, 'exit_status'), null);
    assert.ok(attr(dir, 'started') !== null); // Guild writes started when staging too
    assert.equal(attr(dir, 'flags'), 'epochs: 1\nlr: 1.0\n'); // a float stays a float through the supervisor
    const r = await grun(['run', '--start', id.slice(0, 8), '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /loss: 1\.0/);
    const run = loadRun(dir);
    assert.equal(run.status, 'completed');
    assert.ok(!existsSync(join(dir, '.guild', 'STAGED')));
    assert.deepEqual(runIds(home), [id]);
  });

  test('--needed skips when a completed run has the same flags', async () => {
    const home = emptyHome();
    const cwd = project({ 'train.py': TRAIN });
    assert.equal((await grun(['run', 'train.py', 'epochs=1', '-y'], { cwd, home })).code, 0);
    const again = await grun(['run', 'train.py', 'epochs=1', '-y', '--needed'], { cwd, home });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Skipping because the following runs match/);
    assert.equal(runIds(home).length, 1);
    const other = await grun(['run', 'train.py', 'epochs=2', '-y', '--needed'], { cwd, home });
    assert.equal(other.code, 0, other.stderr);
    assert.equal(runIds(home).length, 2);
  });

  test('a guild.yml operation with an operation dependency links the upstream file in', async () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': `prepare:
  main: prepare
  flags-dest: args
  flags:
    size:
      default: 3
      type: int
train:
  main: train
  flags-dest: args
  flags:
    lr: 0.1
  requires:
    - operation: prepare
      select: data.txt
`,
      'prepare.py': `import argparse
p = argparse.ArgumentParser()
p.add_argument("--size", type=int, default=3)
a = p.parse_args()
open("data.txt", "w").write("".join("%d\\n" % i for i in range(a.size)))
print("prepared %d rows" % a.size)
`,
      'train.py': `import argparse
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.parse_args()
print("rows: %d" % len(open("data.txt").read().split()))
`,
    });
    const prep = await grun(['run', 'prepare', 'size=4', '-y'], { cwd, home });
    assert.equal(prep.code, 0, prep.stderr);
    const prepId = runIds(home)[0]!;
    const train = await grun(['run', 'train', '-y'], { cwd, home });
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stdout, /rows: 4/);
    const trainId = runIds(home).find((id) => id !== prepId)!;
    const dir = join(home, 'runs', trainId);
    const run = loadRun(dir);
    assert.equal(run.status, 'completed');
    assert.equal(run.flags['operation:prepare'], prepId);
    assert.equal(readlinkSync(join(dir, 'data.txt')), `../${prepId}/data.txt`);
    assert.match(attr(dir, 'deps')!, new RegExp(`config: ${prepId}`));
    assert.match(readFileSync(join(dir, '.guild', 'manifest'), 'utf8'), /^d data\.txt [0-9a-f]{40} operation:prepare$/m);
  });
});
