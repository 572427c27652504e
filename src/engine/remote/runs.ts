// What grun does with the runs of an ssh remote: list them (one ssh call: the remote grun prints
// its home as JSON), push and pull whole run directories (rsync; batch parents bring their
// children), and sync the local mirrors of remote runs (`LOCK.remote`, as Guild marks them).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomicSync } from '../../store/atomic.js';
import { GrunError } from '../../store/errors.js';
import { listRuns } from '../../store/index.js';
import { guildPath, isRunDir, loadRunSummary } from '../../store/run.js';
import { selectRuns } from '../../store/select.js';
import type { Run, RunStatus } from '../../store/types.js';
import { getSshRemote, loadRemotes } from './config.js';
import { RemoteUnreachable, SshConnection } from './ssh.js';

export const LOCK_REMOTE = 'LOCK.remote';
/** Local-only markers that rsync neither sends nor deletes. */
const LOCAL_ONLY = [`.guild/${LOCK_REMOTE}`];

/** One run as the remote's `grun runs list --json` describes it (the fields grun relies on). */
export interface RemoteRun {
  id: string;
  operation: string;
  status: RunStatus;
  started: number | null;
  label: string | null;
  [key: string]: unknown;
}

const connections = new Map<string, SshConnection>();

/** The connection to an ssh remote, one per (home, remote) in this process. */
export function connect(home: string, name: string, env: NodeJS.ProcessEnv = process.env): SshConnection {
  const key = `${home}\0${name}`;
  let c = connections.get(key);
  if (!c) {
    c = new SshConnection(getSshRemote(home, name, env), home);
    connections.set(key, c);
  }
  return c;
}

/** Ends every master connection this process opened (tests; grun leaves them to ControlPersist). */
export async function closeConnections(): Promise<void> {
  await Promise.all([...connections.values()].map((c) => c.close()));
  connections.clear();
}

function parseListing(name: string, stdout: string): RemoteRun[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    throw new GrunError(`remote '${name}': 'grun runs list --json' printed no JSON: ${stdout.slice(0, 200)}`);
  }
  if (!Array.isArray(data)) throw new GrunError(`remote '${name}': expected a JSON list of runs`);
  return data.filter((r): r is RemoteRun => !!r && typeof r === 'object' && typeof (r as RemoteRun).id === 'string');
}

/** The remote home's runs, newest first (`extraArgs`: filter options for the remote grun). */
export async function listRemoteRuns(conn: SshConnection, extraArgs: string[] = []): Promise<RemoteRun[]> {
  const r = await conn.grun(['runs', 'list', '--json', ...extraArgs]);
  if (r.code !== 0) throw remoteGrunError(conn, r.code, r.stderr);
  return parseListing(conn.remote.name, r.stdout);
}

/** A failing remote grun: `command not found` means grun is not installed there. */
function remoteGrunError(conn: SshConnection, code: number, stderr: string): GrunError {
  if (code === 127) {
    return new GrunError(
      `remote '${conn.remote.name}': grun is not installed there ('${conn.remote.grunCommand}' not found; set grun-command in the remote's config)`,
    );
  }
  const msg = stderr.trim().split('\n').pop()?.replace(/^grun: /, '') || `exit ${code}`;
  return new GrunError(`remote '${conn.remote.name}': ${msg}`, code);
}

/** RUN specs (`1`, `2:5`, id prefixes) against a remote listing, as against a local one. */
export function selectRemoteRuns(listing: RemoteRun[], specs: string[]): RemoteRun[] {
  if (specs.length === 0) return listing;
  // Selection reads only ids and the listing's order.
  return selectRuns(listing as unknown as Run[], specs) as unknown as RemoteRun[];
}

/**
 * Guild's `-r/--remote NAME` on a command (`runs`, `runs info`, `cat`, `label`, …): the command
 * line run by the remote's grun over one ssh connection, its output streamed here and its
 * prompts answered from here; returns its exit code.
 */
export async function remoteCommand(
  home: string,
  remoteName: string,
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const conn = connect(home, remoteName);
  const code = await conn.stream(conn.grunWords(args), out, err, undefined, { stdin: 'inherit' });
  if (code === 127) throw remoteGrunError(conn, code, '');
  return code;
}

/**
 * The command line to run on the remote, from grun's own argv (`process.argv.slice(2)`): from
 * the command's name (at `from`) on (grun's global options are this home's), less
 * `-r/--remote NAME`.
 */
export function remoteCommandArgs(argv: string[], from: number): string[] {
  const out: string[] = [];
  for (let j = from < 0 ? argv.length : from; j < argv.length; j++) {
    const a = argv[j]!;
    if (a === '--') {
      out.push(...argv.slice(j));
      break;
    }
    if (a === '-r' || a === '--remote') j++;
    else if (!a.startsWith('--remote=')) out.push(a);
  }
  return out;
}

/** `ids` plus the runs their directories link to as children, transitively (local runs). */
function withLocalChildren(runsDir: string, ids: string[]): string[] {
  const all = new Set<string>();
  const visit = (id: string): void => {
    if (all.has(id)) return;
    all.add(id);
    const dir = join(runsDir, id);
    if (!isRunDir(dir)) return;
    for (const c of loadRunSummary(dir).children) visit(c);
  };
  ids.forEach(visit);
  return [...all];
}

export interface TransferResult {
  /** Run ids copied, selected runs first, then the children they brought. */
  ids: string[];
}

/** `grun push REMOTE [RUN...]`: the selected local runs (default all) and their children. */
export async function pushRuns(
  home: string,
  remoteName: string,
  runs: Run[],
  opts: { delete?: boolean } = {},
): Promise<TransferResult> {
  const conn = connect(home, remoteName);
  const ids = withLocalChildren(join(home, 'runs'), runs.map((r) => r.id));
  await conn.rsyncRuns('push', join(home, 'runs'), ids, { delete: opts.delete, exclude: LOCAL_ONLY });
  return { ids };
}

/** Marks a local mirror running on `remote` while the remote says so, and clears it after. */
function markMirror(home: string, id: string, remoteName: string, status: RunStatus | undefined): void {
  const dir = join(home, 'runs', id);
  if (!existsSync(dir)) return;
  const lock = guildPath(dir, LOCK_REMOTE);
  // By rename: the summary cache notices a changed `.guild`, not a file rewritten in place.
  if (status === 'running') writeFileAtomicSync(lock, remoteName);
  else rmSync(lock, { force: true });
}

/**
 * `grun pull REMOTE [RUN...]`: RUN specs select from the remote listing (default all); each run
 * comes whole, with the children it links to. Runs still running there get `LOCK.remote`.
 */
export async function pullRuns(
  home: string,
  remoteName: string,
  specs: string[],
  opts: { delete?: boolean; listing?: RemoteRun[] } = {},
): Promise<TransferResult> {
  const conn = connect(home, remoteName);
  const listing = opts.listing ?? (await listRemoteRuns(conn));
  const selected = selectRemoteRuns(listing, specs);
  const localRuns = join(home, 'runs');
  const done = new Set<string>();
  let batch = selected.map((r) => r.id);
  const ordered: string[] = [];
  // Children are known only once their parent is here: pull in rounds until none is missing.
  while (batch.length > 0) {
    await conn.rsyncRuns('pull', localRuns, batch, { delete: opts.delete, exclude: LOCAL_ONLY });
    batch.forEach((id) => done.add(id));
    ordered.push(...batch);
    const next = new Set<string>();
    for (const id of batch) {
      const dir = join(localRuns, id);
      if (!isRunDir(dir)) continue;
      for (const c of loadRunSummary(dir).children) if (!done.has(c) && listing.some((r) => r.id === c)) next.add(c);
    }
    batch = [...next];
  }
  const statusOf = new Map(listing.map((r) => [r.id, r.status]));
  for (const id of ordered) markMirror(home, id, remoteName, statusOf.get(id));
  return { ids: ordered };
}

/** The remote named in a `LOCK.remote` (Guild may write `name:config`). */
export function lockRemoteName(marker: string): string {
  return marker.split(':')[0]!.trim();
}

export interface SyncReport {
  remote: string;
  ids: string[];
  /** Set when the remote could not be reached: its mirrors keep showing running. */
  unreachable?: string;
  /** Mirrors whose remote run has ended (LOCK.remote removed). */
  finished: string[];
  /** Mirrors whose run is no longer on the remote (deleted there): unmarked, never followed again. */
  missing: string[];
}

/** One pass of `grun sync`: every local mirror marked `LOCK.remote` follows its remote run. */
export async function syncRemoteRuns(home: string, opts: { remote?: string } = {}): Promise<SyncReport[]> {
  const byRemote = new Map<string, string[]>();
  for (const r of listRuns(home)) {
    if (r.markers.lockRemote === null) continue;
    const name = lockRemoteName(r.markers.lockRemote);
    if (opts.remote && name !== opts.remote) continue;
    byRemote.set(name, [...(byRemote.get(name) ?? []), r.id]);
  }
  const known = loadRemotes(home);
  const reports: SyncReport[] = [];
  for (const [name, ids] of byRemote) {
    if (known.get(name)?.type !== 'ssh') {
      reports.push({ remote: name, ids, finished: [], missing: [], unreachable: `no ssh remote named '${name}' is declared` });
      continue;
    }
    try {
      const listing = await listRemoteRuns(connect(home, name));
      const here = new Set(listing.map((r) => r.id));
      const present = ids.filter((id) => here.has(id));
      const missing = ids.filter((id) => !here.has(id));
      await pullRuns(home, name, present, { listing });
      // Otherwise it would show `running (remote)` for ever (Guild's issue #188).
      for (const id of missing) markMirror(home, id, name, undefined);
      const finished = present.filter((id) => listing.find((r) => r.id === id)?.status !== 'running');
      reports.push({ remote: name, ids: present, finished, missing });
    } catch (e) {
      if (!(e instanceof RemoteUnreachable)) throw e;
      reports.push({ remote: name, ids, finished: [], missing: [], unreachable: e.message });
    }
  }
  return reports;
}

/** `grun sync --watch`: passes every `intervalMs` until no mirror is marked running (or aborted). */
export async function watchRemoteRuns(
  home: string,
  onPass: (reports: SyncReport[]) => void,
  opts: { remote?: string; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  for (;;) {
    const reports = await syncRemoteRuns(home, { remote: opts.remote });
    onPass(reports);
    const open = reports.some((r) => r.unreachable || r.finished.length < r.ids.length);
    if (!open || opts.signal?.aborted) return;
    try {
      await sleep(opts.intervalMs ?? 5000, undefined, { signal: opts.signal });
    } catch {
      return; // aborted
    }
  }
}

export interface RemoteStatus {
  remote: string;
  host: string;
  reachable: boolean;
  installed: boolean;
  version?: string;
  message: string;
}

/** `grun remote status REMOTE`: can we reach it, is grun installed there, which version. */
export async function remoteStatus(home: string, name: string): Promise<RemoteStatus> {
  const conn = connect(home, name);
  const base = { remote: name, host: conn.remote.host };
  let r;
  try {
    r = await conn.exec(`${conn.remote.grunCommand} --version`);
  } catch (e) {
    if (!(e instanceof RemoteUnreachable)) throw e;
    return { ...base, reachable: false, installed: false, message: e.message };
  }
  const version = r.stdout.trim().split('\n').pop()?.trim();
  if (r.code === 0 && version) {
    return { ...base, reachable: true, installed: true, version, message: `grun ${version} is installed on ${conn.remote.host}` };
  }
  const why = r.code === 127 ? `'${conn.remote.grunCommand}' not found` : r.stderr.trim().split('\n').pop() || `exit ${r.code}`;
  return { ...base, reachable: true, installed: false, message: `grun is not installed on ${conn.remote.host} (${why})` };
}
