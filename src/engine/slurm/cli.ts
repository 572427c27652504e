// Slurm's command-line tools: sbatch, squeue, scontrol, sacct, scancel. Text outputs only, each
// run without blocking (a hung slurmctld holds a promise, never the event loop). One squeue call
// answers for all of the user's jobs; scontrol and sacct are asked only about jobs squeue no
// longer lists.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { GrunError } from '../../store/errors.js';
import {
  arrayTaskState,
  parseSacct,
  parseScontrol,
  parseSqueue,
  SACCT_FIELDS,
  SQUEUE_FORMAT,
  type JobState,
} from './states.js';
import { loadExeca } from '../lazy-execa.js';

export interface SubmitOptions {
  /** The batch script's path. */
  script: string;
  /** `-D`: the job's working directory. */
  workDir: string;
  /** `-o`: the batch script's own output (never the default slurm-%j.out in the cwd). */
  output: string;
  jobName?: string;
  partition?: string;
  account?: string;
  time?: string;
  /** `--array=0-N%K`. */
  array?: string;
  /** Further sbatch options, each one argument. */
  extra?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface Submitted {
  jobId: string;
  /** The cluster sbatch names after `;` (multi-cluster setups), else ''. */
  cluster: string;
}

function missingTool(tool: string, e: unknown): GrunError | null {
  if ((e as NodeJS.ErrnoException)?.code === 'ENOENT' || /ENOENT/.test(String((e as Error)?.message))) {
    return new GrunError(`Slurm's ${tool} is not installed here (or not on PATH)`);
  }
  return null;
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter(Boolean).pop() ?? '';
}

export function sbatchArgs(o: SubmitOptions): string[] {
  // A run happens once: a job lost with its node ends NODE_FAIL instead of being requeued into
  // a run directory that has already started (extra options may still say --requeue).
  const args = ['--parsable', '--no-requeue', '-D', o.workDir, '-o', o.output];
  if (o.jobName) args.push('-J', o.jobName);
  if (o.partition) args.push('--partition', o.partition);
  if (o.account) args.push('--account', o.account);
  if (o.time) args.push('--time', o.time);
  if (o.array) args.push(`--array=${o.array}`);
  args.push(...(o.extra ?? []), o.script);
  return args;
}

/** `sbatch --parsable … SCRIPT` → the job id. */
export async function sbatch(o: SubmitOptions): Promise<Submitted> {
  const r = await (await loadExeca())('sbatch', sbatchArgs(o), { reject: false, env: o.env, stdin: 'ignore', cwd: o.workDir });
  const err = missingTool('sbatch', r);
  if (err) throw err;
  if (r.exitCode !== 0) throw new GrunError(`sbatch refused the job: ${lastLine(String(r.stderr)) || `exit ${r.exitCode}`}`);
  const [jobId = '', cluster = ''] = String(r.stdout).trim().split(';');
  if (!/^\d+$/.test(jobId)) throw new GrunError(`sbatch printed no job id: ${String(r.stdout).trim()}`);
  return { jobId, cluster };
}

export interface QueryCounts {
  squeue: number;
  scontrol: number;
  sacct: number;
}

/** How often each tool was asked, in this process (the benchmark reports squeue calls per minute). */
export const queryCounts: QueryCounts = { squeue: 0, scontrol: 0, sacct: 0 };

/** How long a query may take before it counts as no answer (a hung slurmctld must not hang grun). */
const QUERY_TIMEOUT_MS = 30_000;

export interface QueryOptions {
  env?: NodeJS.ProcessEnv;
  /** Aborting kills the query in flight (the dashboard closing, a watch ended). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Runs a Slurm tool without blocking: its exit code and outputs, a timeout or abort as a failure. */
async function query(tool: string, args: string[], o: QueryOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const timeout = o.timeoutMs ?? QUERY_TIMEOUT_MS;
  const r = await (await loadExeca())(tool, args, { reject: false, env: o.env, stdin: 'ignore', timeout, cancelSignal: o.signal });
  const err = missingTool(tool, r);
  if (err) throw err;
  if (r.isCanceled) throw new GrunError(`${tool} was stopped`);
  const stderr = r.timedOut ? `no answer within ${timeout / 1000} s` : String(r.stderr ?? '');
  return { code: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr };
}

/**
 * All of the user's jobs in one call (`squeue -h -r -t all -u USER`): pending array tasks one per
 * line, finished jobs for as long as Slurm keeps them (MinJobAge).
 */
export async function squeueAll(o: QueryOptions = {}): Promise<Map<string, JobState>> {
  queryCounts.squeue++;
  const r = await query('squeue', ['-h', '-r', '-t', 'all', '-u', userInfo().username, '-o', SQUEUE_FORMAT], o);
  if (r.code !== 0) throw new GrunError(`squeue failed: ${lastLine(r.stderr) || `exit ${r.code}`}`);
  return parseSqueue(r.stdout);
}

/** `scontrol show job ID`; null when Slurm no longer knows the id. */
export async function scontrolJob(jobId: string, o: QueryOptions = {}): Promise<JobState | null> {
  queryCounts.scontrol++;
  const r = await query('scontrol', ['show', 'job', jobId], o);
  if (r.code === 0) {
    const all = parseScontrol(r.stdout);
    return all.get(jobId) ?? [...all.values()][0] ?? null;
  }
  // An array task not split off its array yet is "not found" by its own id: ask for the array.
  const array = /^(\d+)_\d+$/.exec(jobId)?.[1];
  if (!array) return null; // "Invalid job id specified": purged
  queryCounts.scontrol++;
  const a = await query('scontrol', ['show', 'job', array], o);
  return a.code === 0 ? arrayTaskState(parseScontrol(a.stdout), jobId) : null;
}

/** Whether `sacct` works here: false with `AccountingStorageType=accounting_storage/none`. */
let sacctWorks: boolean | undefined;

/** `sacct -P -n -X -j IDS`; an empty map where there is no accounting. */
export async function sacctJobs(jobIds: string[], o: QueryOptions = {}): Promise<Map<string, JobState>> {
  if (jobIds.length === 0 || sacctWorks === false) return new Map();
  queryCounts.sacct++;
  const r = await query('sacct', ['-P', '-n', '-X', '-o', SACCT_FIELDS, '-j', jobIds.join(',')], o);
  if (r.code !== 0) {
    if (/accounting storage is disabled|slurmdbd|Connection refused/i.test(r.stderr)) sacctWorks = false;
    return new Map();
  }
  sacctWorks = true;
  return parseSacct(r.stdout);
}

/**
 * The state of each job: squeue (one call), then scontrol for the ones it does not list, then
 * sacct where accounting exists; a job none of them knows is `unknown` (not failed). Throws
 * when squeue cannot answer (Slurm down, hung, or not installed here).
 */
export async function queryJobs(jobIds: string[], o: QueryOptions = {}): Promise<Map<string, JobState>> {
  const queue = await squeueAll(o);
  const out = new Map<string, JobState>();
  const missing: string[] = [];
  for (const id of jobIds) {
    const s = queue.get(id);
    if (s) out.set(id, s);
    else missing.push(id);
  }
  const stillMissing: string[] = [];
  for (const id of missing) {
    const s = await scontrolJob(id, o);
    if (s) out.set(id, s);
    else stillMissing.push(id);
  }
  const acct = await sacctJobs(stillMissing, o);
  for (const id of stillMissing) out.set(id, acct.get(id) ?? { jobId: id, phase: 'unknown', state: '' });
  return out;
}

/** `scancel` with a signal to the batch script and its children (`--full`), or plain (kill); several jobs in one call. */
export async function scancel(
  jobIds: string | string[],
  opts: { signal?: 'TERM' | 'INT' | 'KILL'; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const ids = typeof jobIds === 'string' ? [jobIds] : jobIds;
  if (ids.length === 0) return;
  const args = opts.signal ? [`--signal=${opts.signal}`, '--full', ...ids] : ids;
  const r = await (await loadExeca())('scancel', args, { reject: false, env: opts.env, stdin: 'ignore' });
  const err = missingTool('scancel', r);
  if (err) throw err;
  // scancel exits 0 silently for an unknown id; a non-zero exit is a real refusal.
  if (r.exitCode !== 0) throw new GrunError(`scancel ${args.join(' ')} failed: ${lastLine(String(r.stderr)) || `exit ${r.exitCode}`}`);
}

export interface ClusterStatus {
  reachable: boolean;
  /** `slurm 22.05.8`. */
  version?: string;
  /** `debug: up, 1 node(s) idle` per partition (the remote's own partition only, when it names one). */
  partitions: string[];
  message: string;
}

/** `grun remote status` of a `type: slurm` remote: sinfo's version and its partitions. */
export async function clusterStatus(partition?: string, env: NodeJS.ProcessEnv = process.env): Promise<ClusterStatus> {
  // Slurm's tools retry a missing config for a minute: say so at once.
  if (env.SLURM_CONF && !existsSync(env.SLURM_CONF)) {
    return { reachable: false, partitions: [], message: `SLURM_CONF names ${env.SLURM_CONF}, which does not exist` };
  }
  const v = await query('sinfo', ['--version'], { env, timeoutMs: 10_000 });
  if (v.code !== 0) {
    return { reachable: false, partitions: [], message: `Slurm does not answer: ${lastLine(v.stderr) || `sinfo exited ${v.code}`}` };
  }
  const version = v.stdout.trim();
  const args = ['-h', '-o', '%P|%a|%D|%t', ...(partition ? ['-p', partition] : [])];
  const p = await query('sinfo', args, { env });
  if (p.code !== 0) return { reachable: false, version, partitions: [], message: `sinfo failed: ${lastLine(p.stderr)}` };
  const partitions = p.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, avail, nodes, st] = l.split('|');
      return `${name}: ${avail}, ${nodes} node(s) ${st}`;
    });
  if (partition && partitions.length === 0) {
    return { reachable: true, version, partitions, message: `${version}; no partition named '${partition}'` };
  }
  return { reachable: true, version, partitions, message: `${version}; ${partitions.join('; ')}` };
}
