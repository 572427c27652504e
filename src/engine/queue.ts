// The scheduler: staged runs (sweep children, `--stage` runs, Guild's staged runs) wait in one
// FIFO queue, oldest `started` first. Runs are started first come, first served, skipping
// ahead to the first whose request (slots, GPUs) fits what is free, as Accio's node-level
// scheduler does. Several schedulers may serve one home: a run is started only by the one
// that claimed it (an O_EXCL-style link of `.guild/grun-claim`), and a claim whose owner died
// is recovered.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type * as Lockfile from 'proper-lockfile';
import { lazyRequire } from '../store/lazy-require.js';
import { GrunError } from '../store/errors.js';
import { listRuns, loadRun } from '../store/index.js';
import { parseOpref } from '../store/opref.js';
import { bootId, hostName, isProcessAlive, selfProcess } from '../store/proc.js';
import { guildPath } from '../store/run.js';
import type { Run, YamlValue } from '../store/types.js';
import { finalizeParentIfDone } from './batch.js';
import { targets } from './executor.js';
import { findOperation, isMap, parseGuildfile } from './guildfile.js';
import { memoizeStaged, MemoIndex } from './memo.js';
import { readStagedEnv, writeStagedEnv } from './run-writer.js';
import { grunArgv } from './self-command.js';

const lockfile = lazyRequire<typeof Lockfile>('proper-lockfile');

export const CLAIM_FILE = 'grun-claim';
/** A claim from another host is taken for stale after this long (claims last one start). */
const FOREIGN_CLAIM_STALE_MS = 10 * 60_000;
/** How often running runs are checked for their end (the gap before the next one starts). */
const REAP_MS = 20;

export interface ClaimOwner {
  pid: number;
  start: number;
  host: string;
  bootId: string;
  /** Unique per scheduler, so that it releases only its own claims. */
  nonce: string;
}

export function selfOwner(): ClaimOwner {
  return { ...selfProcess(), host: hostName(), bootId: bootId(), nonce: randomBytes(8).toString('hex') };
}

function readClaim(path: string): ClaimOwner | null {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as ClaimOwner;
    return c && Number.isInteger(c.pid) && typeof c.host === 'string' ? c : null;
  } catch {
    return null;
  }
}

/** A claim whose owner is gone: dead on this host (pid + start time), or this host rebooted. */
export function isClaimStale(path: string, now = Date.now()): boolean {
  const c = readClaim(path);
  if (c && c.host === hostName()) {
    return (!!c.bootId && c.bootId !== bootId()) || !isProcessAlive(c.pid, c.start);
  }
  try {
    return now - statSync(path).mtimeMs > (c ? FOREIGN_CLAIM_STALE_MS : 5_000);
  } catch {
    return false; // gone: not ours to judge
  }
}

function linkClaim(path: string, owner: ClaimOwner): boolean {
  const tmp = `${path}.${owner.pid}.${owner.nonce}`;
  writeFileSync(tmp, JSON.stringify(owner));
  try {
    linkSync(tmp, path); // atomic, fails when a claim exists: exactly one claimer wins
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // the run dir went away meanwhile
    }
  }
}

/**
 * Claims a run for `owner`. A stale claim is removed under a lock (so two recoverers never
 * both remove claims, one of them fresh) and the claim is tried again.
 */
export function claimRun(runDir: string, owner: ClaimOwner): boolean {
  const path = guildPath(runDir, CLAIM_FILE);
  if (!existsSync(guildPath(runDir))) return false;
  if (linkClaim(path, owner)) return true;
  if (!isClaimStale(path)) return false;
  let release: (() => void) | null = null;
  try {
    release = lockfile().lockSync(path, { realpath: false, stale: 10_000 });
  } catch {
    return false; // another scheduler is recovering it
  }
  try {
    if (isClaimStale(path)) unlinkSync(path);
  } catch {
    // already removed
  } finally {
    release();
  }
  return linkClaim(path, owner);
}

/** Removes the claim if it is `owner`'s. */
export function releaseClaim(runDir: string, owner: ClaimOwner): void {
  const path = guildPath(runDir, CLAIM_FILE);
  if (readClaim(path)?.nonce !== owner.nonce) return;
  try {
    unlinkSync(path);
  } catch {
    // gone with its run
  }
}

/** What a run asks of the machine. */
export interface ResourceRequest {
  slots: number;
  gpus: number;
}

const DEFAULT_REQUEST: ResourceRequest = { slots: 1, gpus: 0 };

function count(v: YamlValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** guild.yml `resources: {slots|cpus: N, gpus: N}` of an operation (or its model), if any. */
export function requestFromConfig(v: YamlValue | undefined): ResourceRequest {
  if (!isMap(v)) return DEFAULT_REQUEST;
  return { slots: count(v.slots) ?? count(v.cpus) ?? 1, gpus: count(v.gpus) ?? 0 };
}

/** Looks up runs' requests from their guild.yml (by the opref), each file read once. */
export class RequestReader {
  private readonly files = new Map<string, ReturnType<typeof parseGuildfile> | null>();

  requestOf(runDir: string): ResourceRequest {
    let opref;
    try {
      opref = parseOpref(readFileSync(guildPath(runDir, 'opref'), 'utf8'));
    } catch {
      return DEFAULT_REQUEST;
    }
    if (opref.pkgType !== 'guildfile') return DEFAULT_REQUEST;
    let gf = this.files.get(opref.pkgName);
    if (gf === undefined) {
      try {
        gf = parseGuildfile(readFileSync(opref.pkgName), opref.pkgName, join(opref.pkgName, '..'));
      } catch {
        gf = null;
      }
      this.files.set(opref.pkgName, gf);
    }
    const found = gf && findOperation(gf, opref.modelName ? `${opref.modelName}:${opref.opName}` : opref.opName);
    if (!found) return DEFAULT_REQUEST;
    return requestFromConfig(found.config.resources ?? found.model.resources);
  }
}

/** Staged runs in FIFO order: oldest `started` (else `initialized`) first; batch parents never. */
export function queuedRuns(runs: Run[]): Run[] {
  const t = (r: Run): number => r.started ?? r.initialized ?? Number.MAX_SAFE_INTEGER;
  return runs
    .filter((r) => r.status === 'staged' && !r.batch)
    .sort((a, b) => t(a) - t(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * FIFO with skipping: the runs to start now, in queue order, each the first that fits what
 * the ones before it left free. A request larger than the whole machine runs alone, when
 * nothing else is running (Accio's `forceScheduling`), rather than waiting forever.
 */
export function pickRuns<T>(
  queue: T[],
  requestOf: (item: T) => ResourceRequest,
  free: ResourceRequest,
  capacity: ResourceRequest,
  busy: boolean,
): T[] {
  const picked: T[] = [];
  let slots = free.slots;
  let gpus = free.gpus;
  for (const item of queue) {
    if (slots <= 0) break;
    const req = requestOf(item);
    const oversized = req.slots > capacity.slots || req.gpus > capacity.gpus;
    if (oversized) {
      if (!busy && picked.length === 0) {
        picked.push(item);
        break;
      }
      continue;
    }
    if (req.slots <= slots && req.gpus <= gpus) {
      picked.push(item);
      slots -= req.slots;
      gpus -= req.gpus;
    }
  }
  return picked;
}

/** Sets (or adds) variables in a staged run's `.guild/ENV`. */
export function setStagedEnv(runDir: string, vars: Record<string, string>): void {
  writeStagedEnv(runDir, { ...readStagedEnv(runDir), ...vars });
}

export interface SchedulerOptions {
  home: string;
  /** Runs at once (slots). */
  maxParallel: number;
  /** GPU ids to hand out through CUDA_VISIBLE_DEVICES; undefined: GPUs are not managed. */
  gpus?: string[];
  /** Exit once nothing is queued and nothing this scheduler started is running. */
  once?: boolean;
  /** Seconds between scans of the home for newly staged runs. */
  pollSeconds?: number;
  /** Only these runs (ids); the scheduler then ends when they have all ended. */
  only?: Set<string>;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** false: start every run, even one whose inputs a completed run had (default: memoize). */
  memo?: boolean;
  onStarted?: (run: Run) => void;
  onEnded?: (run: Run) => void;
}

interface Active {
  id: string;
  dir: string;
  req: ResourceRequest;
  gpuIds: string[];
  started: boolean;
}

export interface SchedulerResult {
  started: string[];
  failed: string[];
}

/**
 * Runs the queue until aborted (or, with `once`/`only`, until it is drained). Each run is
 * claimed, checked to be still staged, given its GPUs, and started by the local target;
 * when it ends, its parent (if any) is finalized.
 */
export async function runScheduler(o: SchedulerOptions): Promise<SchedulerResult> {
  const owner = selfOwner();
  const log = o.log ?? (() => {});
  const capacity: ResourceRequest = { slots: Math.max(1, o.maxParallel), gpus: o.gpus?.length ?? 0 };
  const freeGpus = [...(o.gpus ?? [])];
  const requests = new RequestReader();
  const active = new Map<string, Active>();
  const failed = new Set<string>();
  const started: string[] = [];
  const pollMs = Math.max(0.05, o.pollSeconds ?? 2) * 1000;
  let queue: Run[] = [];
  let lastScan = 0;
  let wake: (() => void) | null = null;
  let memo: MemoIndex | undefined;

  const requestOf = (r: Run): ResourceRequest => {
    const req = requests.requestOf(r.dir);
    return o.gpus ? req : { ...req, gpus: 0 };
  };
  const used = (): ResourceRequest => {
    let slots = 0;
    let gpus = 0;
    for (const a of active.values()) {
      slots += Math.min(a.req.slots, capacity.slots);
      gpus += a.gpuIds.length;
    }
    return { slots, gpus };
  };

  const start = async (run: Run, req: ResourceRequest): Promise<void> => {
    const gpuIds = freeGpus.splice(0, Math.min(req.gpus, freeGpus.length));
    const entry: Active = { id: run.id, dir: run.dir, req, gpuIds, started: false };
    active.set(run.id, entry);
    try {
      if (o.gpus) setStagedEnv(run.dir, { CUDA_VISIBLE_DEVICES: gpuIds.join(',') });
      await targets.local.startStaged(loadRun(run.dir), {});
      entry.started = true;
      started.push(run.id);
      log(`Started ${run.id} (${run.operation})${gpuIds.length ? ` on GPU ${gpuIds.join(',')}` : ''}`);
      o.onStarted?.(run);
    } catch (e) {
      failed.add(run.id);
      active.delete(run.id);
      freeGpus.push(...gpuIds);
      log(`Cannot start ${run.id}: ${(e as Error).message}`);
    } finally {
      releaseClaim(run.dir, owner);
      wake?.();
    }
  };

  const finalize = (dir: string): void => {
    try {
      finalizeParentIfDone(dir);
    } catch (e) {
      log(`Cannot finalize the parent of ${dir}: ${(e as Error).message}`);
    }
  };

  const reap = (): void => {
    for (const a of active.values()) {
      if (!a.started) continue;
      const gone = !existsSync(guildPath(a.dir)); // deleted while running: it is not ours to wait for
      const run = gone ? null : loadRun(a.dir);
      if (run?.status === 'running') continue;
      active.delete(a.id);
      freeGpus.push(...a.gpuIds);
      if (!run) continue;
      finalize(a.dir);
      log(`Run ${a.id} ended: ${run.status}`);
      o.onEnded?.(run);
    }
  };

  const scan = (): void => {
    const all = listRuns(o.home);
    queue = queuedRuns(all).filter((r) => !failed.has(r.id) && !active.has(r.id) && (!o.only || o.only.has(r.id)));
    lastScan = Date.now();
  };

  while (!o.signal?.aborted) {
    reap();
    if (o.signal?.aborted) break; // by a run that just ended (a sweep that fails on a trial's error)
    if (Date.now() - lastScan >= pollMs || queue.length === 0 || active.size === 0) scan();
    const u = used();
    const free = { slots: capacity.slots - u.slots, gpus: capacity.gpus - u.gpus };
    const picked = pickRuns(queue, requestOf, free, capacity, active.size > 0);
    for (const run of picked) {
      queue = queue.filter((r) => r !== run);
      if (!claimRun(run.dir, owner)) continue;
      // Claimed: it may have been started (and its claim released) since the scan
      if (!existsSync(guildPath(run.dir, 'STAGED')) || existsSync(guildPath(run.dir, 'PENDING'))) {
        releaseClaim(run.dir, owner);
        continue;
      }
      const memoOf = o.memo === false ? null : memoizeStaged(run.dir, (memo ??= MemoIndex.open(o.home)));
      if (memoOf) {
        releaseClaim(run.dir, owner);
        log(`Memoized ${run.id}: outputs of ${memoOf}`);
        finalize(run.dir);
        o.onEnded?.(loadRun(run.dir));
        continue;
      }
      void start(run, requestOf(run));
    }
    if (queue.length === 0 && active.size === 0) {
      if (o.only) {
        const left = [...o.only].some((id) => existsSync(guildPath(join(o.home, 'runs', id), 'STAGED')) && !failed.has(id));
        if (!left) break;
      } else if (o.once) break;
    }
    const waitMs = active.size > 0 ? REAP_MS : pollMs;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => wake?.(), waitMs);
      wake = () => {
        clearTimeout(t);
        o.signal?.removeEventListener('abort', wake!);
        wake = null;
        resolve();
      };
      o.signal?.addEventListener('abort', wake, { once: true });
    });
  }
  // Aborted: wait for starts in flight, so that no claim is left behind
  while ([...active.values()].some((a) => !a.started)) await sleep(REAP_MS);
  return { started, failed: [...failed] };
}

/** `--gpus 0,1` → ['0', '1']. */
export function parseGpuList(text: string): string[] {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!ids.every((id) => /^\d+$/.test(id))) {
    throw new GrunError(`invalid value '${text}' for --gpus: expected GPU indexes like 0,1`);
  }
  return [...new Set(ids)];
}

export const schedulerLogPath = (home: string): string => join(home, 'cache', 'grun', 'queue.log');

/**
 * Starts a detached `grun queue RUN... --max-parallel N` for just these runs, so that the
 * command that made them can return (as Accio's submit does); it ends when they have.
 * Its log is appended to `cache/grun/queue.log`. Returns its pid.
 */
export function spawnScheduler(home: string, runIds: string[], o: { maxParallel: number; gpus?: string[] }): number {
  const logFile = schedulerLogPath(home);
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const args = [...grunArgv(), '-H', home, 'queue', '--max-parallel', String(o.maxParallel)];
    if (o.gpus) args.push('--gpus', o.gpus.join(','));
    const child = spawn(process.execPath, [...args, ...runIds], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: process.env,
    });
    child.unref();
    if (child.pid === undefined) throw new GrunError('cannot start the scheduler');
    return child.pid;
  } finally {
    closeSync(fd);
  }
}
