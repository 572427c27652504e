// A pruned search whose trials are Slurm jobs (the real single-node Slurm of
// scripts/cluster/start.sh; skips without it): each trial a job of its own, a pruned one's job
// stopped, the trial terminated with its reason.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSlurmRecord } from '../../src/store/slurm-record.js';
import { scontrolJob } from '../../src/engine/slurm/cli.js';
import { FINISHED_PHASES } from '../../src/engine/slurm/states.js';
import { parseYaml11 } from '../../src/store/yaml11.js';
import { emptyHome } from '../helpers/home.js';
import { attr, grun, project } from './engine-helpers.js';
import { clusterEnv, slurmSkipReason } from './remote-helpers.js';

const skip = slurmSkipReason();

describe('a pruned search on Slurm', { skip }, () => {
  before(() => {
    const env = clusterEnv();
    if (typeof env === 'string') throw new Error(env);
    process.env.SLURM_CONF = env.slurmConf;
  });

  test('--executor slurm: each trial a job; the pruned one stopped early, terminated with its reason', async () => {
    const cwd = project({
      'curve.py': 'import time\na = 0.0\nfor step in range(1, 41):\n    time.sleep(0.05 + 0.1 * a)\n    print("step: %d" % step)\n    print("loss: %f" % (a + 1.0 / step), flush=True)\n',
    });
    const home = emptyHome();
    const args = ['run', 'curve.py', 'a=[0.0,3.0]', '--prune', 'median', '--prune-flag', 'warmup-steps=2', '--prune-flag', 'startup-trials=1'];
    const r = await grun([...args, '--minimize', 'loss', '--max-parallel', '2', '--executor', 'slurm', '-y'], { cwd, home, env: { SLURM_CONF: process.env.SLURM_CONF! } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const dirs = readdirSync(join(home, 'runs')).map((id) => join(home, 'runs', id)).filter((d) => !existsSync(join(d, '.guild/proto')));
    assert.equal(dirs.length, 2);
    const jobs = dirs.map((d) => readSlurmRecord(d)?.jobId);
    assert.ok(jobs.every((j) => j !== undefined) && new Set(jobs).size === 2, `a job each: ${jobs.join(', ')}`);
    const bad = dirs.find((d) => (parseYaml11(attr(d, 'flags')!) as { a: number }).a === 3)!;
    const good = dirs.find((d) => d !== bad)!;
    assert.equal(attr(good, 'exit_status')?.trim(), '0');
    const reason = readFileSync(join(bad, '.guild/grun-pruned'), 'utf8').trim();
    const step = Number(/^pruned at step (\d+): loss 3\.\d+ > median 0\.\d+$/.exec(reason)?.[1]);
    assert.ok(step >= 2 && step < 40, reason);
    assert.equal(attr(bad, 'exit_status')?.trim(), '-15');
    const output = readFileSync(join(bad, '.guild/output'), 'utf8');
    assert.ok(!output.includes('step: 40'), 'stopped before its end');
    const job = await scontrolJob(readSlurmRecord(bad)!.jobId);
    assert.ok(job === null || FINISHED_PHASES.has(job.phase), `its job is over: ${JSON.stringify(job)}`);
  });
});
