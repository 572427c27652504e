// The real single-node Slurm and loopback sshd that scripts/cluster/start.sh starts: its
// $GRUN_CLUSTER_STATE/env (default /tmp/grun-cluster/env), and why a test must skip without it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reconcileSlurmRuns } from '../../src/engine/slurm/reconcile.js';
import { slurmRunStatus } from '../../src/engine/slurm/status.js';
import { loadRun } from '../../src/store/index.js';
import type { StatusInfo } from '../../src/store/types.js';
import { grunBin } from '../helpers/home.js';

export interface ClusterEnv {
  state: string;
  slurmConf: string;
  partition: string;
  sshHost: string;
  vars: Record<string, string>;
}

const STATE = process.env.GRUN_CLUSTER_STATE || '/tmp/grun-cluster';
const START_HINT = 'start it with scripts/cluster/start.sh (as root)';

/** The cluster's env file, or a reason why there is none. */
export function clusterEnv(): ClusterEnv | string {
  const file = join(STATE, 'env');
  if (!existsSync(file)) return `no cluster: ${file} is missing; ${START_HINT}`;
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!;
  }
  if (!vars.SLURM_CONF || !vars.GRUN_SSH_HOST) return `no cluster: ${file} lacks SLURM_CONF or GRUN_SSH_HOST`;
  return { state: STATE, slurmConf: vars.SLURM_CONF, partition: vars.SLURM_PARTITION ?? 'debug', sshHost: vars.GRUN_SSH_HOST, vars };
}

/** Points Slurm's commands in this process at the test cluster (throws without one). */
export function useClusterSlurm(): void {
  const env = clusterEnv();
  if (typeof env === 'string') throw new Error(env);
  process.env.SLURM_CONF = env.slurmConf;
}

/** Why the ssh tests skip (false when the loopback sshd answers). */
export function sshSkipReason(): string | false {
  const env = clusterEnv();
  if (typeof env === 'string') return env;
  const r = spawnSync('ssh', ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', env.sshHost, 'true'], { timeout: 10_000 });
  return r.status === 0 ? false : `no cluster: ssh ${env.sshHost} does not answer; ${START_HINT}`;
}

/** Why the Slurm tests skip (false when sinfo answers with an idle node). */
export function slurmSkipReason(): string | false {
  const env = clusterEnv();
  if (typeof env === 'string') return env;
  const r = spawnSync('sinfo', ['-h', '-N', '-o', '%t'], { env: { ...process.env, SLURM_CONF: env.slurmConf }, encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return `no cluster: sinfo does not answer (${r.error?.message ?? r.stderr.trim()}); ${START_HINT}`;
  return /^(idle|mix|alloc)/m.test(r.stdout) ? false : `no cluster: the node is not up (${r.stdout.trim()}); ${START_HINT}`;
}

/** Why sacct does not answer (slurmdbd or its database down), or false when it does. */
export function sacctNotAnswering(): string | false {
  const env = clusterEnv();
  if (typeof env === 'string') return env;
  const r = spawnSync('sacct', ['-n', '-X', '-j', '1'], { env: { ...process.env, SLURM_CONF: env.slurmConf }, encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? false : `no accounting: sacct does not answer (${r.error?.message ?? r.stderr.trim()}); ${START_HINT}`;
}

/** grun on the loopback remote is this checkout's built binary. */
export const remoteGrunCommand = `${process.execPath} ${grunBin}`;

/** Writes `remotes:` into a Guild home's config.yml. */
export function writeRemotes(home: string, remotes: Record<string, Record<string, string | number>>): void {
  const lines = ['remotes:'];
  for (const [name, fields] of Object.entries(remotes)) {
    lines.push(`  ${name}:`);
    for (const [k, v] of Object.entries(fields)) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  writeFileSync(join(home, 'config.yml'), lines.join('\n') + '\n');
}

/** The pid start.sh recorded for one of its daemons (slurmctld, slurmd, sshd, munged). */
export function daemonPid(env: ClusterEnv, name: string): number | null {
  try {
    const pid = Number(readFileSync(join(env.state, 'pids', name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Starts slurmd again after a test killed it, recording its pid where stop.sh looks for it. */
export function restartSlurmd(env: ClusterEnv): void {
  const pidFile = join(env.state, 'slurm', 'slurmd.pid');
  rmSync(pidFile, { force: true }); // the killed slurmd's is still there
  const r = spawnSync('slurmd', ['-f', env.slurmConf], { env: { ...process.env, SLURM_CONF: env.slurmConf }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`slurmd did not start again: ${r.stderr || r.error?.message}`);
  for (let i = 0; i < 50 && !existsSync(pidFile); i++) spawnSync('sleep', ['0.1']);
  writeFileSync(join(env.state, 'pids', 'slurmd'), readFileSync(pidFile, 'utf8'));
}

/** Slurm runs' statuses as `grun runs` shows them: Slurm asked once, the ends it reports recorded, then read. */
export async function slurmStatusesNow(runDirs: string[]): Promise<StatusInfo[]> {
  const { runs, view } = await reconcileSlurmRuns(runDirs.map((d) => loadRun(d)));
  return runs.map((r) => slurmRunStatus(r, view));
}

export const slurmStatusNow = async (runDir: string): Promise<StatusInfo> => (await slurmStatusesNow([runDir]))[0]!;
