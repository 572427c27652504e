// Jobs that leave squeue (after MinJobAge) are known only to the accounting: grun must end them
// with Slurm's final state from sacct, not read them UNKNOWN forever.
// The cluster of scripts/cluster/start.sh has accounting: without it these fail, not skip.
//
// Slurm purges a finished job only MinJobAge after its end, on a purge pass that runs once a
// minute: each scenario's jobs are started when this file is imported, so that the wait for the
// purge overlaps the rest of the suite instead of adding a minute or two to it.
import { describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { planRun } from '../../src/engine/plan.js';
import { sacctJobs, scontrolJob } from '../../src/engine/slurm/cli.js';
import { slurmExecutor, submitRun } from '../../src/engine/slurm/executor.js';
import { asksSlurm, slurmRunStatus } from '../../src/engine/slurm/status.js';
import { FINISHED_PHASES } from '../../src/engine/slurm/states.js';
import { readAttr } from '../../src/store/attrs.js';
import { readProcessRecord } from '../../src/store/proc.js';
import { readSlurmRecord } from '../../src/store/slurm-record.js';
import { loadRun } from '../../src/store/index.js';
import type { Run } from '../../src/store/types.js';
import { emptyHome } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { project } from './engine-helpers.js';
import { clusterEnv, sacctNotAnswering, slurmSkipReason } from './remote-helpers.js';

const skip = slurmSkipReason();

interface Submitted {
  home: string;
  run: Run;
  jobId: string;
}

/** Why the cluster cannot run these scenarios, or false (a missing accounting fails, not skips). */
function setUp(): string | false {
  const env = clusterEnv();
  if (typeof env === 'string') return env;
  process.env.SLURM_CONF = env.slurmConf;
  return sacctNotAnswering();
}

const proj = skip ? '' : project({ 'ok.py': 'print("done")\n', 'slow.py': 'import time\nprint("started", flush=True)\ntime.sleep(120)\n' });

/** A run in a home of its own: a listing in one test must not reconcile another test's run. */
async function submit(script: string, sbatchOptions: string[] = []): Promise<Submitted> {
  const home = emptyHome();
  const plan = await planRun({ home, cwd: proj, opspec: script, flagArgs: [] });
  const started = await submitRun(plan, { home, sbatchOptions });
  return { home, run: loadRun(started.runDir), jobId: started.jobId };
}

/** Waits until neither squeue nor scontrol knows the job (Slurm purges it MinJobAge after its end). */
async function leftQueue(jobId: string): Promise<void> {
  for (let i = 0; ; i++) {
    const q = spawnSync('squeue', ['-h', '-t', 'all', '-j', jobId, '-o', '%i'], { encoding: 'utf8' });
    if (q.stdout.trim() === '' && (await scontrolJob(jobId)) === null) return;
    assert.ok(i < 600, `job ${jobId} still in squeue after 300 s (MinJobAge is set by scripts/cluster/start.sh)`);
    await sleep(500);
  }
}

function readOutput(run: Run): string {
  try {
    return readFileSync(join(run.dir, '.guild', 'output'), 'utf8');
  } catch {
    return '';
  }
}

/** A job cancelled while queued, outside grun. */
async function cancelledOutside(): Promise<Submitted> {
  const s = await submit('ok.py', ['--hold']);
  spawnSync('scancel', [s.jobId]);
  await leftQueue(s.jobId);
  return s;
}

/** A job whose supervisor and command are killed (as by the OOM killer): nothing is left to
 *  record an end, and the batch script ends the job. */
async function killedUnseen(): Promise<Submitted> {
  const s = await submit('slow.py');
  for (let i = 0; !readOutput(s.run).includes('started'); i++) {
    assert.ok(i < 300, 'the run should start');
    await sleep(100);
  }
  const proc = readProcessRecord(s.run.dir)!;
  process.kill(proc.supervisor.pid, 'SIGKILL');
  process.kill(proc.child!.pid, 'SIGKILL');
  await leftQueue(s.jobId);
  return s;
}

/** Started at import; a failure is kept for its test to report, never left unhandled. */
function early(scenario: () => Promise<Submitted>): () => Promise<Submitted> {
  const why = skip || setUp();
  const started = why ? null : scenario().then((v) => ({ v }), (e: unknown) => ({ e }));
  return async () => {
    if (why) throw new Error(why);
    const r = await started!;
    if ('e' in r) throw r.e;
    return r.v;
  };
}

const cancelled = early(cancelledOutside);
const killed = early(killedUnseen);

function listed(home: string, id: string): { status: string; reason: string } {
  const all = JSON.parse(ok(home, ['runs', '--json'])) as { id: string; status: string }[];
  const info = JSON.parse(ok(home, ['runs', 'info', id, '--json'])) as { status_reason?: string };
  return { status: all.find((r) => r.id === id)!.status, reason: info.status_reason ?? '' };
}

describe('slurm accounting: jobs that left the queue end with sacct\'s state', { skip, concurrency: true }, () => {
  test('a job cancelled while queued, outside grun: terminated, CANCELLED as sacct says', async () => {
    const { home, run, jobId } = await cancelled();
    const acct = (await sacctJobs([jobId])).get(jobId);
    assert.equal(acct?.state, 'CANCELLED', 'sacct knows the job');
    assert.deepEqual(listed(home, run.id), { status: 'terminated', reason: `Slurm job ${jobId} CANCELLED` });
    assert.deepEqual(readAttr(run.dir, 'exit_status'), { kind: 'ok', value: -15 });
    assert.equal(readSlurmRecord(run.dir)?.finalState, 'CANCELLED');
    assert.equal(loadRun(run.dir).status, 'terminated', 'Guild reads the same');
  });

  test('a job that ended, supervisor and all, while no grun was looking: ended with sacct\'s state', async () => {
    const { home, run, jobId } = await killed();
    assert.equal(readAttr(run.dir, 'exit_status').kind, 'missing', 'the run recorded no end');
    const acct = (await sacctJobs([jobId])).get(jobId)!;
    assert.ok(acct && FINISHED_PHASES.has(acct.phase), `sacct knows how it ended: ${JSON.stringify(acct)}`);
    const l = listed(home, run.id);
    assert.equal(l.reason, `Slurm job ${jobId} ${acct.state}`);
    assert.equal(l.status, acct.phase === 'cancelled' || acct.phase === 'timeout' ? 'terminated' : 'error');
    assert.equal(readSlurmRecord(run.dir)?.finalState, acct.state);
    assert.equal(loadRun(run.dir).status, l.status, 'Guild reads the same');
  });

  test('a queued job grun cancels is recorded terminated at once, without asking Slurm again', async () => {
    const err = setUp();
    if (err) throw new Error(err);
    const { run, jobId } = await submit('ok.py', ['--hold']);
    const out = await slurmExecutor.stop(run, { timeout: 10 });
    assert.equal(out.kind, 'stopped');
    assert.deepEqual(readAttr(run.dir, 'exit_status'), { kind: 'ok', value: -15 });
    assert.equal(readSlurmRecord(run.dir)?.finalState, 'CANCELLED');
    assert.equal(asksSlurm(loadRun(run.dir)), false, 'an ended run is not asked about again');
    assert.equal(slurmRunStatus(loadRun(run.dir)).reason, `Slurm job ${jobId} CANCELLED`);
  });
});
