// A pipeline sent to the real single-node Slurm of scripts/cluster/start.sh (skips without it):
// each step a job after the jobs it needs (`afterok`), operation dependencies resolved in the
// job, the pipeline's own job recording how the steps ended; a failing first step leaves the
// later jobs cancelled by Slurm, not pending.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { scontrolJob } from '../../src/engine/slurm/cli.js';
import { FINISHED_PHASES, type JobState } from '../../src/engine/slurm/states.js';
import { readStepRecords } from '../../src/store/step-records.js';
import { readSlurmRecord } from '../../src/store/slurm-record.js';
import type { StatusInfo } from '../../src/store/types.js';
import { emptyHome } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { project } from './engine-helpers.js';
import { slurmSkipReason, slurmStatusNow, useClusterSlurm } from './remote-helpers.js';

const skip = slurmSkipReason();

const GUILD_YML = `prepare:
  main: prepare
  flags:
    fail: {default: 0, type: int}
train:
  main: train
  requires:
    - operation: prepare
evaluate:
  main: evaluate
  requires:
    - operation: train
pipe:
  flags:
    fail: 0
  steps:
    - prepare fail=\${fail}
    - train
    - evaluate
`;

/** prepare writes 21 (after a pause, so that the later jobs are seen waiting), train doubles it, evaluate prints it. */
const FILES = {
  'guild.yml': GUILD_YML,
  'prepare.py': 'import sys, time\nfail = 0\ntime.sleep(4)\nopen("data.txt", "w").write("21")\nif fail:\n    sys.exit(3)\n',
  'train.py': 'x = int(open("data.txt").read())\nopen("model.txt", "w").write(str(2 * x))\nprint("trained")\n',
  'evaluate.py': 'print("answer:", open("model.txt").read())\n',
};

async function untilEnded(dir: string, ms = 120_000): Promise<StatusInfo> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await slurmStatusNow(dir);
    if (!['pending', 'running'].includes(s.status)) return s;
    assert.ok(Date.now() < end, `still ${JSON.stringify(s)} after ${ms} ms`);
    await sleep(300);
  }
}

async function jobEnd(id: string): Promise<JobState> {
  for (let i = 0; ; i++) {
    const st = await scontrolJob(id);
    if (st && FINISHED_PHASES.has(st.phase)) return st;
    assert.ok(i < 100, `job ${id} still ${JSON.stringify(st)}`);
    await sleep(300);
  }
}

/** `step NAME: run ID (job N)` lines of `grun run PIPELINE --executor slurm`. */
function stepJobs(out: string): Map<string, { run: string; job: string }> {
  return new Map([...out.matchAll(/^step (\S+): run (\w+) \(job (\d+)\)$/gm)].map((m) => [m[1]!, { run: m[2]!, job: m[3]! }]));
}

describe('a pipeline on Slurm (local single-node Slurm)', { skip, concurrency: true }, () => {
  let home: string;
  let proj: string;
  before(() => {
    useClusterSlurm();
    home = emptyHome();
    proj = project(FILES);
  });

  test('a 3-step pipeline: each step a job after the one it needs (afterok), ending completed', async () => {
    const out = ok(home, ['run', 'pipe', '--executor', 'slurm', '-y'], { cwd: proj });
    const jobs = stepJobs(out);
    assert.deepEqual([...jobs.keys()], ['prepare', 'train', 'evaluate'], out);
    // while prepare runs (it sleeps), the later jobs wait on Slurm's dependency
    const show = (id: string) => spawnSync('scontrol', ['show', 'job', id], { encoding: 'utf8' }).stdout;
    assert.match(show(jobs.get('train')!.job), new RegExp(`Dependency=afterok:${jobs.get('prepare')!.job}\\b`));
    assert.match(show(jobs.get('evaluate')!.job), new RegExp(`Dependency=afterok:${jobs.get('train')!.job}\\b`));
    const pipeId = /submitted to Slurm as (\w+) \(job (\d+)\)/.exec(out)![1]!;
    const pipeDir = join(home, 'runs', pipeId);
    const s = await untilEnded(pipeDir);
    assert.equal(s.status, 'completed', JSON.stringify(s));
    assert.deepEqual(readStepRecords(pipeDir)!.map((r) => [r.name, r.state, r.run]), [
      ['prepare', 'completed', jobs.get('prepare')!.run],
      ['train', 'completed', jobs.get('train')!.run],
      ['evaluate', 'completed', jobs.get('evaluate')!.run],
    ]);
    // operation dependencies resolved inside the jobs, to this pipeline's upstream runs
    const evalDir = join(home, 'runs', jobs.get('evaluate')!.run);
    assert.equal(readFileSync(join(evalDir, '.guild', 'output'), 'utf8'), 'answer: 42\n');
    assert.match(readFileSync(join(evalDir, '.guild', 'attrs', 'deps'), 'utf8'), new RegExp(jobs.get('train')!.run));
    for (const { job } of jobs.values()) assert.equal((await jobEnd(job)).state, 'COMPLETED');
    assert.equal(readSlurmRecord(pipeDir)?.jobId, /submitted to Slurm as \w+ \(job (\d+)\)/.exec(out)![1]);
  });

  test('a failing first step leaves the later jobs cancelled, not pending; the pipeline ends in error', async () => {
    const out = ok(home, ['run', 'pipe', 'fail=1', '--executor', 'slurm', '-y'], { cwd: proj });
    const jobs = stepJobs(out);
    const pipeId = /submitted to Slurm as (\w+) \(job (\d+)\)/.exec(out)![1]!;
    const pipeDir = join(home, 'runs', pipeId);
    const s = await untilEnded(pipeDir);
    assert.equal(s.status, 'error', JSON.stringify(s));
    assert.deepEqual(readStepRecords(pipeDir)!.map((r) => [r.name, r.state]), [
      ['prepare', 'failed'],
      ['train', 'cancelled'],
      ['evaluate', 'cancelled'],
    ]);
    assert.equal((await jobEnd(jobs.get('prepare')!.job)).state, 'FAILED');
    for (const name of ['train', 'evaluate']) assert.equal((await jobEnd(jobs.get(name)!.job)).state, 'CANCELLED', name);
    for (const name of ['train', 'evaluate']) {
      assert.equal((await slurmStatusNow(join(home, 'runs', jobs.get(name)!.run))).status, 'terminated', name);
    }
  });
});
