// A job lost with its node: slurmd and the job's processes are killed as a dead machine would
// lose them; once slurmctld gives up on the node (SlurmdTimeout=10 in start.sh's config) the job
// is NODE_FAIL and the run shows error with that reason, finalized so that Guild agrees. slurmd
// is started again afterwards. Needs the cluster of scripts/cluster/start.sh (skips without it).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { planRun } from '../../src/engine/plan.js';
import { submitRun } from '../../src/engine/slurm/executor.js';
import { readSlurmRecord } from '../../src/store/slurm-record.js';
import { readAttr } from '../../src/store/attrs.js';
import { loadRun } from '../../src/store/index.js';
import { readProcessRecord } from '../../src/store/proc.js';
import { executorText } from '../../src/views/format.js';
import { emptyHome } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { project } from './engine-helpers.js';
import { clusterEnv, daemonPid, restartSlurmd, slurmSkipReason, slurmStatusNow } from './remote-helpers.js';

const skip = slurmSkipReason();

/** Pids whose command line starts with `prefix` (slurmstepd titles itself `slurmstepd: [ID.batch]`). */
function pidsNamed(prefix: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').startsWith(prefix)) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

function kill(pid: number, group = false): void {
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function nodeState(conf: string): string {
  return spawnSync('sinfo', ['-h', '-N', '-o', '%t'], { env: { ...process.env, SLURM_CONF: conf }, encoding: 'utf8' }).stdout.trim();
}

describe('slurm: a job lost with its node', { skip }, () => {
  const env = clusterEnv();
  after(async () => {
    if (typeof env === 'string') return;
    const pid = daemonPid(env, 'slurmd');
    if (pid === null || spawnSync('kill', ['-0', String(pid)]).status !== 0) restartSlurmd(env);
    for (let i = 0; i < 100 && !/^(idle|mix|alloc)$/.test(nodeState(env.slurmConf)); i++) await sleep(200);
  });

  test('NODE_FAIL: the run shows error with the reason, never a local pid verdict', { timeout: 90_000 }, async () => {
    if (typeof env === 'string') throw new Error(env);
    process.env.SLURM_CONF = env.slurmConf;
    const home = emptyHome();
    const proj = project({ 'long.py': 'import time\nprint("started", flush=True)\ntime.sleep(120)\n' });
    const plan = await planRun({ home, cwd: proj, opspec: 'long.py', flagArgs: [] });
    const { runDir, jobId } = await submitRun(plan, { home });
    for (let i = 0; !readProcessRecord(runDir)?.child; i++) {
      assert.ok(i < 100, 'the run should start');
      await sleep(100);
    }
    const rec = readProcessRecord(runDir)!;
    // The machine dies: slurmd, the job's step daemon, its batch shell, supervisor and command.
    kill(daemonPid(env, 'slurmd')!);
    for (const p of pidsNamed(`slurmstepd: [${jobId}.`)) kill(p);
    kill(rec.child!.pid, true);
    kill(rec.supervisor.pid);

    let s;
    for (let i = 0; ; i++) {
      s = await slurmStatusNow(runDir);
      if (s.status !== 'running' && s.status !== 'pending') break;
      assert.ok(i < 300, `still ${JSON.stringify(s)} after 60 s`);
      await sleep(200);
    }
    assert.equal(s.status, 'error');
    assert.match(s.reason ?? '', new RegExp(`^Slurm job ${jobId} NODE_FAIL`));
    assert.equal(readSlurmRecord(runDir)?.finalState, 'NODE_FAIL');
    assert.deepEqual(readAttr(runDir, 'exit_status'), { kind: 'ok', value: 1 });
    assert.equal(loadRun(runDir).status, 'error', 'Guild reads the same');
    const listed = JSON.parse(ok(home, ['runs', '--json'])) as { status: string }[];
    assert.deepEqual(listed.map((r) => r.status), ['error']);
    assert.equal(executorText(loadRun(runDir)), `slurm ${jobId} NODE_FAIL`, "the dashboard's executor cell");
  });
});
