// Runs on an ssh remote, Guild's way: the project is copied there, the remote grun starts a
// detached supervised run, and the local mirror (pulled, marked `LOCK.remote`) follows it through
// `grun sync`. Watching streams the remote `grun watch`; stopping is the remote `grun stop`.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GrunError } from '../../store/errors.js';
import { shlexQuote } from '../../store/opref.js';
import { hostName } from '../../store/proc.js';
import type { Run } from '../../store/types.js';
import { connect, lockRemoteName, pullRuns } from './runs.js';
import { RemoteUnreachable } from './ssh.js';
import type { RunRequest } from '../plan-types.js';

/** Never copied with a project: VCS data, Guild homes, caches. */
const PROJECT_EXCLUDES = ['.git/', '.hg/', '.guild/', '__pycache__/', '*.pyc', 'node_modules/', '.venv/', 'venv/'];

/** What `grun run --remote` passes on; `cwd`, the project, is copied whole (less PROJECT_EXCLUDES). */
export type RemoteRunRequest = Pick<RunRequest, 'cwd' | 'opspec' | 'flagArgs' | 'label' | 'tags' | 'comment'>;

export interface RemoteRunStarted {
  runId: string;
  /** The local mirror. */
  runDir: string;
  /** Where the project was copied on the remote. */
  remoteProject: string;
}

/** `grun run --remote REMOTE OP [FLAG=VAL...]`: starts the run there, leaves a mirror here. */
export async function startRemoteRun(home: string, remoteName: string, req: RemoteRunRequest): Promise<RemoteRunStarted> {
  const conn = connect(home, remoteName);
  // One copy per local project: a second run of it sends only what changed.
  const key = createHash('sha1').update(`${hostName()}:${req.cwd}`).digest('hex').slice(0, 16);
  const remoteProject = await conn.pushDir(req.cwd, join('cache', 'grun', 'projects', key), { exclude: PROJECT_EXCLUDES });
  const args = ['run', '-y', '--background', req.opspec, ...req.flagArgs];
  if (req.label !== undefined) args.push('--label', req.label);
  for (const t of req.tags ?? []) args.push('--tag', t);
  if (req.comment !== undefined) args.push('--comment', req.comment);
  const r = await conn.exec(`cd ${shlexQuote(remoteProject)} && ${conn.grunWords(args)}`);
  const runId = /started in background as ([0-9A-Za-z_.-]+)/.exec(r.stdout)?.[1];
  if (r.code !== 0 || !runId) {
    const why = r.stderr.trim().split('\n').pop()?.replace(/^grun: /, '') || r.stdout.trim() || `exit ${r.code}`;
    throw new GrunError(`remote '${remoteName}': the run did not start: ${why}`);
  }
  await pullRuns(home, remoteName, [runId]);
  return { runId, runDir: join(home, 'runs', runId), remoteProject };
}

/** Starts work on an ssh remote: the remote grun plans and supervises the run, a mirror follows it here. */
export const sshTarget = {
  name: 'ssh',
  start: startRemoteRun,
} as const;

/** The remote a local mirror belongs to. */
export function remoteOf(run: Run): string {
  if (run.markers.lockRemote === null) throw new GrunError(`run ${run.id} is not running on a remote`);
  return lockRemoteName(run.markers.lockRemote);
}

/**
 * Run `runId` of remote `name` followed to its end: the remote grun's watch streamed here (what
 * it printed so far, then what it prints), then its mirror pulled. Returns the remote watch's
 * exit code.
 */
export async function watchRemoteRun(
  home: string,
  name: string,
  runId: string,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  signal?: AbortSignal,
): Promise<number> {
  const conn = connect(home, name);
  const code = await conn.stream(conn.grunWords(['watch', runId]), out, err, signal);
  await pullRuns(home, name, [runId]);
  return code;
}

/** `grun stop` of a remote run: the remote grun stops it, then the mirror is pulled. */
export async function stopRemoteRun(
  home: string,
  run: Run,
  opts: { timeout?: number; force?: boolean; noWait?: boolean } = {},
): Promise<{ code: number; output: string }> {
  const name = remoteOf(run);
  const conn = connect(home, name);
  const args = ['stop', '-y', run.id];
  if (opts.timeout !== undefined) args.push('--timeout', String(opts.timeout));
  if (opts.force) args.push('--force');
  if (opts.noWait) args.push('--no-wait');
  const r = await conn.grun(args);
  try {
    await pullRuns(home, name, [run.id]);
  } catch (e) {
    if (!(e instanceof RemoteUnreachable)) throw e;
  }
  return { code: r.code, output: (r.stdout + r.stderr).trim() };
}
