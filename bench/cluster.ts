// Cluster figures, against the single-node Slurm and loopback sshd of scripts/cluster/start.sh
// (run that first, as root; then `npm run build`):
//   node --import tsx bench/cluster.ts
// 1. A 1,000-child sweep submitted to Slurm as a job array: time until every child has a job
//    id (the children are held with --begin so that they do not run), and the time per child.
// 2. squeue calls per minute while those 1,000 jobs are tracked by the batched, backing-off
//    poller (GRUN_BENCH_POLL_S seconds of polling, default 60), and the time of one call.
// 3. Listing 1,000 runs of an ssh remote (`grun runs list --json` there over one ssh call),
//    first call (no master connection, no summary cache there) and the next ones.
// GRUN_BENCH_PARTS=slurm or =ssh runs one half.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGuildSweep } from '../src/engine/batch.js';
import { planRun } from '../src/engine/plan.js';
import { closeConnections, connect, listRemoteRuns } from '../src/engine/remote/runs.js';
import { queryCounts, scancel, squeueAll } from '../src/engine/slurm/cli.js';
import { slurmChildWriter, submitSweep } from '../src/engine/slurm/executor.js';
import { SlurmPoller } from '../src/engine/slurm/poller.js';
import { median } from './measure.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHILDREN = 1000;
const POLL_S = Number(process.env.GRUN_BENCH_POLL_S ?? 60);
const state = process.env.GRUN_CLUSTER_STATE || '/tmp/grun-cluster';
const parts = (process.env.GRUN_BENCH_PARTS ?? 'slurm,ssh').split(',');

function clusterVars(): Record<string, string> | null {
  const file = join(state, 'env');
  if (!existsSync(file)) return null;
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

function skip(): never {
  process.stdout.write(`cluster bench skipped: ${state}/env is missing (run scripts/cluster/start.sh as root)\n`);
  process.exit(0);
}

const vars: Record<string, string> = clusterVars() ?? skip();
process.env.SLURM_CONF = vars.SLURM_CONF;
const tmp = mkdtempSync(join(tmpdir(), 'grun-bench-cluster-'));
const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

try {
  if (parts.includes('slurm')) await slurmBench();
  if (parts.includes('ssh')) await sshBench();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

async function slurmBench(): Promise<void> {
  // ---- 1. a 1,000-child sweep as a job array ----------------------------------------------
  const home = join(tmp, 'home');
  const proj = join(tmp, 'proj');
  mkdirSync(join(home, 'runs'), { recursive: true });
  mkdirSync(proj);
  writeFileSync(join(proj, 'sweep.py'), 'x = 0\nprint("x:", x)\n');
  const values = Array.from({ length: CHILDREN }, (_, i) => i).join(',');
  const plan = await planRun({ home, cwd: proj, opspec: 'sweep.py', flagArgs: [`x=[${values}]`] });
  const t0 = performance.now();
  const created = createGuildSweep(plan, { home, keepBatch: true, write: slurmChildWriter() });
  const { runs, arrayJobIds } = await submitSweep(created, plan, {
    home,
    maxParallel: 2,
    sbatchOptions: ['--begin=now+1hour'], // held: measure submission, not 1,000 runs on 2 cores
  });
  const submitMs = performance.now() - t0;
  if (runs.length !== CHILDREN || !runs.every((r) => /^\d+_\d+$/.test(r.jobId))) throw new Error('not every child has a job id');
  process.stdout.write(
    `slurm: ${CHILDREN}-child sweep submitted as ${arrayJobIds.length} job array(s): every child has a job id after ${fmt(submitMs)} (${(submitMs / CHILDREN).toFixed(1)} ms per child: run dir + record)\n`,
  );

  // ---- 2. squeue calls per minute while 1,000 jobs are tracked ----------------------------
  const one: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    const q = await squeueAll();
    one.push(performance.now() - s);
    if (i === 0 && q.size < CHILDREN) throw new Error(`squeue lists ${q.size} jobs, expected ${CHILDREN}+`);
  }
  const poller = new SlurmPoller();
  poller.track(runs.map((r) => r.jobId));
  const before = queryCounts.squeue;
  const loop = poller.start(() => {});
  await new Promise((r) => setTimeout(r, POLL_S * 1000));
  loop.stop();
  const calls = queryCounts.squeue - before;
  process.stdout.write(
    `slurm: ${calls} squeue calls in ${POLL_S} s while ${poller.size} jobs were tracked (${((calls * 60) / POLL_S).toFixed(1)}/min; ` +
      `interval backed off to ${poller.currentIntervalMs / 1000} s); one squeue call for all of them: ${fmt(median(one))} median of 5\n`,
  );
  for (const id of arrayJobIds) await scancel(id);
}

async function sshBench(): Promise<void> {
  // ---- 3. listing 1,000 runs of an ssh remote ---------------------------------------------
  const remoteHome = join(tmp, 'remote-home');
  const src = join(root, 'test/fixtures/guild-home/runs/9d33df1fe62b4f869c35c1c66bb6c2cd');
  mkdirSync(join(remoteHome, 'runs'), { recursive: true });
  for (let i = 0; i < CHILDREN; i++) {
    cpSync(src, join(remoteHome, 'runs', `${i.toString(16).padStart(8, '0')}${'0'.repeat(24)}`), { recursive: true });
  }
  const local = join(tmp, 'local');
  mkdirSync(local);
  writeFileSync(
    join(local, 'config.yml'),
    `remotes:\n  bench:\n    type: ssh\n    host: ${vars.GRUN_SSH_HOST}\n    guild-home: ${remoteHome}\n    grun-command: ${process.execPath} ${join(root, 'bin/grun')}\n`,
  );
  const conn = connect(local, 'bench');
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const s = performance.now();
    const listing = await listRemoteRuns(conn);
    times.push(performance.now() - s);
    if (listing.length !== CHILDREN) throw new Error(`remote listing has ${listing.length} runs`);
  }
  process.stdout.write(
    `ssh: listing ${CHILDREN} remote runs: first ${fmt(times[0]!)} (new master connection, no summary cache there), then ${fmt(median(times.slice(1)))} median of 3\n`,
  );
  await closeConnections();
}
