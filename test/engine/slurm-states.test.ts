// Slurm's text outputs and the batch script: no cluster needed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { batchScript, resourceOptions } from '../../src/engine/slurm/executor.js';
import { arrayTaskState, describeJobState, parseSacct, parseScontrol, parseSqueue, phaseOf } from '../../src/engine/slurm/states.js';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordJobEnds } from '../../src/engine/slurm/job-ends.js';
import { slurmRunStatus } from '../../src/engine/slurm/status.js';
import { readAttr } from '../../src/store/attrs.js';
import { loadRun } from '../../src/store/index.js';
import { writeSlurmRecord } from '../../src/store/slurm-record.js';
import { copyFixtureHome } from '../helpers/home.js';

describe('slurm text outputs (no cluster needed)', () => {
  test('squeue lines: pending with reason, running on a node, array tasks, finished', () => {
    const q = parseSqueue('2_1|PENDING|JobArrayTaskLimit|\n3|PENDING|Resources|\n1|RUNNING|None|vm\n4|CANCELLED|Resources|vm\n5|NODE_FAIL|NodeDown|n2\n');
    assert.deepEqual(q.get('3'), { jobId: '3', phase: 'pending', state: 'PENDING', reason: 'Resources', node: undefined });
    assert.deepEqual(q.get('1'), { jobId: '1', phase: 'running', state: 'RUNNING', reason: undefined, node: 'vm' });
    assert.equal(q.get('2_1')?.reason, 'JobArrayTaskLimit');
    assert.equal(describeJobState(q.get('3')!), 'PENDING (Resources)');
    assert.equal(describeJobState(q.get('1')!), 'RUNNING on vm');
    assert.equal(describeJobState(q.get('4')!), 'CANCELLED', 'a stale pending reason is not shown');
    assert.equal(describeJobState(q.get('5')!), 'NODE_FAIL (NodeDown)');
  });

  test('scontrol show job and sacct -P records', () => {
    const sc = parseScontrol(
      'JobId=5 ArrayJobId=2 ArrayTaskId=1 ArrayTaskThrottle=1 JobName=wrap\n   JobState=FAILED Reason=JobLaunchFailure Dependency=(null)\n' +
        '   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:15\n   NodeList=vm\n   BatchHost=vm\n',
    );
    assert.deepEqual(sc.get('2_1'), { jobId: '2_1', phase: 'failed', state: 'FAILED', reason: 'JobLaunchFailure', node: 'vm', exitCode: 0, signal: 15 });
    // Tasks never split off their array: the array's own record answers for them.
    const whole = parseScontrol('JobId=32 ArrayJobId=32 ArrayTaskId=4294967294 JobName=x\n   JobState=CANCELLED Reason=BeginTime\n');
    assert.deepEqual(arrayTaskState(whole, '32_1'), { jobId: '32_1', phase: 'cancelled', state: 'CANCELLED', reason: 'BeginTime', node: undefined });
    const held = parseScontrol('JobId=40 ArrayJobId=40 ArrayTaskId=2-5,9%2 JobName=x\n   JobState=PENDING Reason=JobArrayTaskLimit\n');
    assert.equal(arrayTaskState(held, '40_4')?.reason, 'JobArrayTaskLimit');
    assert.equal(arrayTaskState(held, '40_9')?.phase, 'pending');
    assert.equal(arrayTaskState(held, '40_7'), null);
    assert.equal(arrayTaskState(held, '41_4'), null);
    const sa = parseSacct('7|CANCELLED by 0|None|vm|0:15\n8|TIMEOUT|TimeLimit|vm|0:0\n8|COMPLETED|None|vm|0:0\n');
    assert.equal(sa.get('7')?.phase, 'cancelled');
    assert.equal(sa.get('7')?.state, 'CANCELLED');
    assert.equal(sa.get('8')?.phase, 'completed', 'the last record of a requeued job wins');
    assert.deepEqual(['PENDING', 'COMPLETING', 'OUT_OF_MEMORY', 'PREEMPTED', 'NODE_FAIL', 'WHATEVER'].map(phaseOf), [
      'pending', 'running', 'failed', 'cancelled', 'node_fail', 'unknown',
    ]);
  });

  test('resources map to sbatch options; the batch script waits on a trapped supervisor', () => {
    assert.deepEqual(resourceOptions({ cpus: 4, memory: '8G', gpus: 2, time: '1:00:00' }), [
      '--cpus-per-task=4', '--mem=8G', '--gres=gpu:2', '--time=1:00:00',
    ]);
    const s = batchScript(['/usr/bin/node', '/opt/grun/dist/cli.js'], '/h/runs/abc', '/h/runs/abc/.guild/grun-slurm-job/job.json');
    assert.match(s, /^\/usr\/bin\/node \/opt\/grun\/dist\/cli\.js __supervise \/h\/runs\/abc --job \S+job\.json &$/m);
    assert.match(s, /trap 'kill -TERM \$sup 2>\/dev\/null' TERM/);
  });

  test('a COMPLETED job whose run was read before its supervisor recorded the end: read again, completed, nothing written', () => {
    const home = copyFixtureHome();
    const id = readdirSync(join(home, 'runs')).find((d) => d.startsWith('4cad94ad'))!;
    const dir = join(home, 'runs', id);
    for (const a of ['exit_status', 'stopped']) rmSync(join(dir, '.guild', 'attrs', a), { force: true });
    writeSlurmRecord(dir, { version: 1, executor: 'slurm', jobId: '77', cluster: '', submitted: Date.now() });
    const completed = () => ({ jobId: '77', phase: 'completed' as const, state: 'COMPLETED' });
    const view = { job: completed };
    // Slurm says COMPLETED of a run that has no end on disk (a shared file system not showing it yet)
    const [unseen] = recordJobEnds([loadRun(dir)], completed);
    assert.deepEqual(slurmRunStatus(unseen!, view), { status: 'error', reason: 'Slurm job 77 COMPLETED without a recorded exit status' });
    assert.equal(readAttr(dir, 'exit_status').kind, 'missing', 'no end is written for it');
    // read, then its supervisor records the end and the job completes before Slurm is asked
    const read = loadRun(dir);
    writeFileSync(join(dir, '.guild', 'attrs', 'exit_status'), '0\n');
    const [now] = recordJobEnds([read], completed);
    assert.equal(now!.exitStatus, 0);
    assert.equal(slurmRunStatus(now!, view).status, 'completed');
  });
});
