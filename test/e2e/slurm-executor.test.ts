// The Slurm executor against the real single-node Slurm of scripts/cluster/start.sh (skips
// without it): a run that completes, one that fails, one cancelled while running, one cancelled
// while pending (with its reason), a job Slurm does not know, and a sweep from `grun run` as one
// throttled job array.
import { before, describe, test } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { planRun } from '../../src/engine/plan.js';
import { queryCounts, sacctJobs, scontrolJob } from '../../src/engine/slurm/cli.js';
import { slurmExecutor, submitRun } from '../../src/engine/slurm/executor.js';
import { SlurmPoller } from '../../src/engine/slurm/poller.js';
import { FINISHED_PHASES, type JobState } from '../../src/engine/slurm/states.js';
import { readAttr } from '../../src/store/attrs.js';
import { readSlurmRecord, SLURM_RECORD_FILE } from '../../src/store/slurm-record.js';
import { loadRun } from '../../src/store/index.js';
import type { Run, StatusInfo } from '../../src/store/types.js';
import { emptyHome, grunBin } from '../helpers/home.js';
import { fails, grun, ok } from './cli-helpers.js';
import { project } from './engine-helpers.js';
import { clusterEnv, slurmSkipReason, slurmStatusesNow, slurmStatusNow } from './remote-helpers.js';

const skip = slurmSkipReason();

async function until(run: Run, done: (s: StatusInfo) => boolean, ms = 30_000): Promise<StatusInfo> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await slurmStatusNow(run.dir);
    if (done(s)) return s;
    assert.ok(Date.now() < end, `still ${JSON.stringify(s)} after ${ms} ms`);
    await sleep(200);
  }
}

/** Slurm's final word on a job (the batch script ends a moment after the run is recorded). */
async function jobEnd(run: Run): Promise<JobState> {
  const id = readSlurmRecord(run.dir)!.jobId;
  for (let i = 0; ; i++) {
    const st = await scontrolJob(id);
    if (st && FINISHED_PHASES.has(st.phase)) return st;
    assert.ok(i < 50, `job ${id} still ${JSON.stringify(st)}`);
    await sleep(200);
  }
}

const ended = (s: StatusInfo): boolean => !['pending', 'running'].includes(s.status);

describe('slurm executor (local single-node Slurm)', { skip, concurrency: true }, () => {
  let home: string;
  let proj: string;
  // The sweep's tasks wait for a file each, so that the test sees them throttled before any ends.
  const gates = mkdtempSync(join(tmpdir(), 'grun-gates-'));
  const open = (): void => [1, 2, 3].forEach((x) => writeFileSync(join(gates, `go-${x}`), ''));
  before(() => {
    const env = clusterEnv();
    if (typeof env === 'string') throw new Error(env);
    process.env.SLURM_CONF = env.slurmConf;
    home = emptyHome();
    proj = project({
      'ok.py': 'print("loss: 0.25")\nprint("done")\n',
      'fail.py': 'import sys\nprint("failing")\nsys.exit(3)\n',
      'slow.py': 'import time\nprint("started", flush=True)\ntime.sleep(60)\n',
      'sweep.py': `import os, time\nx = 0\nwhile not os.path.exists(${JSON.stringify(gates)} + "/go-%s" % x):\n    time.sleep(0.05)\nprint("x:", x)\n`,
    });
  });

  async function submit(script: string, sbatchOptions: string[] = []): Promise<Run> {
    const plan = await planRun({ home, cwd: proj, opspec: script, flagArgs: [] });
    const started = await submitRun(plan, { home, sbatchOptions });
    assert.match(started.jobId, /^\d+$/);
    assert.equal(readSlurmRecord(started.runDir)?.jobId, started.jobId);
    return loadRun(started.runDir);
  }

  test('a run completes: output, scalars and exit status written by the supervisor in the job', async () => {
    const run = await submit('ok.py');
    const s = await until(run, ended);
    assert.equal(s.status, 'completed', JSON.stringify(s));
    assert.equal(readFileSync(join(run.dir, '.guild', 'output'), 'utf8'), 'loss: 0.25\ndone\n');
    assert.deepEqual(readAttr(run.dir, 'exit_status'), { kind: 'ok', value: 0 });
    assert.deepEqual([(await jobEnd(run)).state, (await jobEnd(run)).exitCode], ['COMPLETED', 0]);
    const listed = JSON.parse(ok(home, ['runs', '--json'])) as { id: string; status: string }[];
    assert.equal(listed.find((r) => r.id === run.id)?.status, 'completed');
  });

  test('a failing run: error, its exit status, and Slurm says FAILED', async () => {
    const run = await submit('fail.py');
    const s = await until(run, ended);
    assert.equal(s.status, 'error');
    assert.deepEqual(readAttr(run.dir, 'exit_status'), { kind: 'ok', value: 3 });
    const st = await jobEnd(run);
    assert.deepEqual([st.state, st.exitCode], ['FAILED', 3]);
  });

  test('stop cancels a running job with TERM first: terminated, -15', async () => {
    const run = await submit('slow.py');
    const s = await until(run, (x) => x.status === 'running' && readOutput(run).includes('started'));
    assert.match(s.reason ?? '', /^Slurm job \d+ RUNNING on \S+$/);
    const t0 = Date.now();
    const out = await slurmExecutor.stop(run, { timeout: 10 });
    assert.equal(out.kind, 'stopped');
    assert.ok(Date.now() - t0 < 10_000, 'TERM ended it before the grace period');
    assert.deepEqual(readAttr(run.dir, 'exit_status'), { kind: 'ok', value: -15 });
    assert.equal(loadRun(run.dir).status, 'terminated');
  });

  test('a job Slurm ends itself (scancel outside grun, as a time limit): terminated, with Slurm\'s word asked once', async () => {
    const run = await submit('slow.py');
    await until(run, (x) => x.status === 'running' && readOutput(run).includes('started'));
    const jobId = readSlurmRecord(run.dir)!.jobId;
    spawnSync('scancel', [jobId]); // TERM to every process of the job, as at its time limit
    await jobEnd(run);
    for (let i = 0; readAttr(run.dir, 'exit_status').kind !== 'ok'; i++) {
      assert.ok(i < 50, 'the supervisor records the end');
      await sleep(100);
    }
    assert.deepEqual(readAttr(run.dir, 'exit_status'), { kind: 'ok', value: -15 });
    const info = (): { status: string; status_reason?: string } => JSON.parse(ok(home, ['runs', 'info', run.id, '--json']));
    assert.deepEqual(info(), { ...info(), status: 'terminated', status_reason: `Slurm job ${jobId} CANCELLED` });
    assert.equal(readSlurmRecord(run.dir)?.finalState, 'CANCELLED', 'kept: later listings do not ask Slurm');
  });

  test('a queued job is pending with its reason; cancelling it finalizes the run', async () => {
    const run = await submit('ok.py', ['--begin=now+3600']);
    const s = await until(run, (x) => x.status === 'pending' && /BeginTime/.test(x.reason ?? ''));
    assert.match(s.reason!, /^Slurm job \d+ PENDING \(BeginTime\)$/);
    assert.equal(loadRun(run.dir).status, 'pending', 'Guild reads it as pending too');
    // The CLI shows the job's state and reason, not only grun's markers.
    const info = JSON.parse(ok(home, ['runs', 'info', run.id, '--json'])) as { status: string; status_reason?: string };
    assert.equal(info.status, 'pending');
    assert.match(info.status_reason ?? '', /^Slurm job \d+ PENDING \(BeginTime\)$/);
    const out = await slurmExecutor.stop(run, { timeout: 10 });
    assert.equal(out.kind, 'stopped');
    const after = loadRun(run.dir);
    assert.equal(after.status, 'terminated');
    assert.equal(readSlurmRecord(run.dir)?.finalState, 'CANCELLED');
  });

  test('a job Slurm has never heard of is unknown, not failed', async () => {
    const run = await submit('ok.py', ['--begin=now+3600']);
    const rec = readSlurmRecord(run.dir)!;
    await slurmExecutor.stop(run, { noWait: true });
    // A listing running meanwhile (tests share the home) may have finalized the cancelled job.
    for (const a of ['exit_status', 'stopped']) rmSync(join(run.dir, '.guild', 'attrs', a), { force: true });
    writeFileSync(join(run.dir, '.guild', 'PENDING'), '');
    writeFileSync(join(run.dir, '.guild', SLURM_RECORD_FILE), JSON.stringify({ ...rec, jobId: '987654321' }));
    const s = await slurmStatusNow(run.dir);
    assert.equal(s.status, 'pending');
    assert.match(s.reason!, /987654321 UNKNOWN/);
  });

  test('grun run with a sweep and --executor slurm: one job array, throttled, task i runs trial i', async () => {
    const out = ok(home, ['run', 'sweep.py', 'x=[1,2,3]', '--executor', 'slurm', '--max-parallel', '1', '--keep-batch', '-y'], { cwd: proj });
    const m = /^Submitted 3 run\(s\) to Slurm as job array (\d+), at most 1 at once$/m.exec(out);
    assert.ok(m, out);
    const batchId = /^Batch (\w+): 3 trials$/m.exec(out)![1]!;
    const ids = [...out.matchAll(/^Created trial (\w+)$/gm)].map((x) => x[1]!);
    assert.equal(ids.length, 3);
    const dirs = ids.map((id) => join(home, 'runs', id));
    assert.deepEqual(dirs.map((d) => readSlurmRecord(d)?.jobId), [0, 1, 2].map((i) => `${m[1]}_${i}`));
    // Each task waits for its gate: the tasks behind the first are seen waiting, then the gates
    // open (also if they never are, so that the test ends) and the tasks run one at a time.
    let throttled = false;
    const seen: string[] = [];
    let maxRunning = 0;
    for (let i = 0; ; i++) {
      const st = await slurmStatusesNow(dirs);
      seen.push(st.map((s) => s.reason).join(', '));
      throttled ||= st.some((s) => /PENDING \(JobArrayTaskLimit\)/.test(s.reason ?? ''));
      if (throttled || i === 100) open();
      maxRunning = Math.max(maxRunning, st.filter((s) => /RUNNING/.test(s.reason ?? '')).length);
      if (st.every(ended)) break;
      assert.ok(i < 150, JSON.stringify(st));
      await sleep(100);
    }
    assert.ok(throttled, `waiting tasks say JobArrayTaskLimit: ${seen.join(' / ')}`);
    assert.equal(maxRunning, 1);
    dirs.forEach((d, i) => {
      assert.equal(loadRun(d).status, 'completed');
      assert.equal(readFileSync(join(d, '.guild', 'output'), 'utf8'), `x: ${i + 1}\n`);
    });
    // The last task's supervisor records the parent's outcome (a moment after its own), as a
    // local sweep's does.
    const parentDir = join(home, 'runs', batchId);
    for (let i = 0; readAttr(parentDir, 'exit_status').kind !== 'ok' && i < 50; i++) await sleep(100);
    assert.deepEqual(readAttr(parentDir, 'exit_status'), { kind: 'ok', value: 0 });
    const listed = JSON.parse(ok(home, ['runs', '--json'])) as { id: string; status: string }[];
    for (const id of [batchId, ...ids]) assert.equal(listed.find((r) => r.id === id)?.status, 'completed', id);
  });

  test('a sweep sbatch refuses leaves no run behind; Slurm with --stage-trials is refused', () => {
    const bad = emptyHome();
    writeFileSync(join(bad, 'config.yml'), 'remotes:\n  nowhere: {type: slurm, partition: nosuchpartition}\n');
    fails(bad, ['run', 'sweep.py', 'x=[1,2]', '--remote', 'nowhere', '-y'], /sbatch.*nosuchpartition|invalid partition/i, { cwd: proj });
    assert.deepEqual(readdirSync(join(bad, 'runs')), [], 'no parent, no child');
    fails(bad, ['run', 'sweep.py', 'x=[1,2]', '--executor', 'slurm', '--stage-trials', '-y'], /--stage-trials and Slurm/, { cwd: proj });
    fails(bad, ['run', 'sweep.py', 'x=[1,2]', '--executor', 'cloud', '-y'], /--executor 'cloud': expected local or slurm/, { cwd: proj });
    assert.deepEqual(readdirSync(join(bad, 'runs')), []);
  });

  test('grun remote status of a slurm remote: version and partition', () => {
    writeFileSync(join(home, 'config.yml'), 'remotes:\n  hpc: {type: slurm, partition: debug}\n  gpu: {type: slurm, partition: gpu}\n');
    assert.match(ok(home, ['remote', 'status', 'hpc']), /^hpc \(slurm\): slurm-wlm 22\.\d+\.\d+; debug\*: up, 1 node\(s\) \w+\n$/);
    const r = grun(home, ['remote', 'status', 'gpu']);
    assert.equal(r.code, 1);
    assert.match(r.out, /no partition named 'gpu'/);
  });

});

// Apart from the tests above: its `grun stop` blocks this process while it waits, which would
// hide the short states the concurrent tests above watch for.
describe('slurm: a submission as a job array, stopped through its parent', { skip }, () => {
  let proj: string;
  before(() => {
    const env = clusterEnv();
    if (typeof env === 'string') throw new Error(env);
    process.env.SLURM_CONF = env.slurmConf;
    proj = project({ 'sweep.py': 'x = 0\nprint("x:", x)\n' });
  });

  test('grun submit through a slurm remote: a job array held by its sbatch options; stopping the parent cancels it', async () => {
    const held = emptyHome();
    writeFileSync(join(held, 'config.yml'), 'remotes:\n  later: {type: slurm, partition: debug, sbatch-options: --begin=now+3600}\n');
    const def = JSON.stringify({ workflow: 'sweep.py', name: 'xs', params: { x: { values: [1, 2] } } });
    const out = ok(held, ['submit', def, '--remote', 'later', '-y'], { cwd: proj });
    assert.match(out, /^Submitted 2 run\(s\) to Slurm as job array \d+$/m);
    const listed = (): { id: string; status: string; label: string | null }[] => JSON.parse(ok(held, ['runs', '--json']));
    const parent = listed().find((r) => r.label === 'xs')!;
    assert.deepEqual(listed().map((r) => r.status), ['pending', 'pending', 'pending']);
    // Slurm gives the reason once its scheduler has looked at the job (`None` until then).
    const child = listed().find((r) => r.id !== parent.id)!.id;
    for (let i = 0; ; i++) {
      const info = JSON.parse(ok(held, ['runs', 'info', child, '--json'])) as { status_reason?: string };
      if (/\(BeginTime\)$/.test(info.status_reason ?? '')) {
        assert.match(info.status_reason!, /^Slurm job \d+_[01] PENDING \(BeginTime\)$/);
        break;
      }
      assert.ok(i < 40, `no BeginTime reason: ${info.status_reason}`);
      await sleep(250);
    }
    ok(held, ['stop', parent.id, '-y', '--timeout', '10']);
    assert.deepEqual(listed().map((r) => r.status), ['terminated', 'terminated', 'terminated']);
    assert.deepEqual(readAttr(join(held, 'runs', parent.id), 'exit_status'), { kind: 'ok', value: -15 });
    // The queued children were cancelled in Slurm and recorded so by grun itself.
    for (const c of listed().filter((r) => r.id !== parent.id)) {
      const rec = readSlurmRecord(join(held, 'runs', c.id))!;
      assert.equal(rec.finalState, 'CANCELLED');
      assert.equal((await scontrolJob(rec.jobId))?.state ?? (await sacctJobs([rec.jobId])).get(rec.jobId)?.state, 'CANCELLED');
    }
  });

  // Here, not above: the concurrent tests' own squeue calls would be counted with the poller's.
  test('one squeue call per pass for all tracked jobs, backing off while nothing changes', async () => {
    const poller = new SlurmPoller({ minMs: 100, maxMs: 800 });
    poller.track(['987654321', '987654322', '987654323']);
    const before = queryCounts.squeue;
    await poller.pollOnce();
    await poller.pollOnce();
    await poller.pollOnce();
    assert.equal(queryCounts.squeue - before, 3);
    assert.equal(poller.state('987654322')?.phase, 'unknown');
    assert.equal(poller.currentIntervalMs, 400, 'doubled after each unchanged pass');
  });

  test('grun watch of a queued job says why it waits, then follows it to its end', async () => {
    const home = emptyHome();
    writeFileSync(join(home, 'config.yml'), 'remotes:\n  later: {type: slurm, partition: debug, sbatch-options: --begin=now+3600}\n');
    const out = ok(home, ['run', 'sweep.py', '--remote', 'later', '-y'], { cwd: proj });
    const [, id, jobId] = /as (\w+) \(job (\d+)\)/.exec(out)!;
    const env: NodeJS.ProcessEnv = { ...process.env, GUILD_HOME: home };
    delete env.NODE_ENV;
    const watch = spawn(grunBin, ['watch', id!], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    watch.stdout.on('data', (b: Buffer) => (stdout += b));
    watch.stderr.on('data', (b: Buffer) => (stderr += b));
    const ended = new Promise<number | null>((res) => watch.on('close', res));
    for (let i = 0; !/PENDING \(BeginTime\)/.test(stderr); i++) {
      assert.ok(i < 100, `watch said: ${stderr}`);
      await sleep(100);
    }
    assert.match(stderr, new RegExp(`^Waiting: Slurm job ${jobId} PENDING \\(BeginTime\\)$`, 'm'));
    spawnSync('scancel', [jobId!]);
    assert.equal(await ended, 0);
    assert.match(stdout, new RegExp(`Run ${id} stopped with a status of 'terminated'`));
  });
});

function readOutput(run: Run): string {
  try {
    return readFileSync(join(run.dir, '.guild', 'output'), 'utf8');
  } catch {
    return '';
  }
}
