// Shared by the reliability suites: quick/full sizing, real grun processes, and the invariants
// every home must keep whatever happened to the processes that wrote it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listAttrNames, readAttr } from '../../src/store/attrs.js';
import { listRuns, loadRun } from '../../src/store/index.js';
import { isProcessAlive } from '../../src/store/proc.js';
import { isRunDir } from '../../src/store/run.js';
import { grunBin } from '../helpers/home.js';

/** `GRUN_RELIABILITY=full` selects the full form of each suite; `npm test` runs the quick one. */
export const FULL = process.env.GRUN_RELIABILITY === 'full';
export const size = (quick: number, full: number): number => (FULL ? full : quick);

/** Figures each suite adds to; printed once at exit so the full run can be reported. */
export const figures = { kills: 0, runsChecked: 0, checks: 0, casesTried: 0, failures: 0, halfMadeDirs: 0 };
process.on('exit', () => {
  if (figures.kills || figures.casesTried || figures.checks) {
    process.stderr.write(`reliability figures: ${JSON.stringify({ form: FULL ? 'full' : 'quick', ...figures })}\n`);
  }
});

/** The grun under test; `GRUN_RELIABILITY_BIN` points the suites at another build (to show a bug they found). */
export const bin = process.env.GRUN_RELIABILITY_BIN ?? grunBin;

export function childEnv(home: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, GUILD_HOME: home, TZ: 'UTC', NO_COLOR: '1', ...env };
  delete e.NODE_ENV;
  return e;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `grun ARGS`, its exit (with output) as a promise. */
export function spawnGrun(
  args: string[],
  o: { home: string; cwd?: string; env?: Record<string, string>; detached?: boolean },
): { proc: ChildProcess; exit: Promise<Exit> } {
  const proc = spawn(bin, args, {
    cwd: o.cwd ?? o.home,
    env: childEnv(o.home, o.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: o.detached,
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<Exit>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { proc, exit };
}

/** `grun ARGS` to its end. */
export function runGrun(args: string[], o: { home: string; cwd?: string; env?: Record<string, string> }): Promise<Exit> {
  return spawnGrun(args, o).exit;
}

export function kill(pid: number | undefined, sig: NodeJS.Signals = 'SIGKILL'): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line contains every one of `parts`. */
export function findProcesses(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (parts.every((p) => cmd.includes(p)) && isProcessAlive(Number(name))) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * Live run supervisors working for `home`. A supervisor renames itself (`grun supervise <id>`),
 * so it is found by its command line and the GUILD_HOME it inherited from its launcher.
 */
export function supervisorsOf(home: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!cmd.includes('__supervise') && !cmd.startsWith('grun supervise')) continue;
      if (readFileSync(`/proc/${name}/environ`, 'utf8').includes(`\0GUILD_HOME=${home}\0`) && isProcessAlive(Number(name))) {
        pids.push(Number(name));
      }
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return pids;
}

export async function waitUntil(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Kills every process (and its group) still working on `home`: supervisors and their commands. */
export function killAllOf(home: string): void {
  for (const pid of findProcesses(home)) {
    kill(-pid);
    kill(pid);
  }
  // Commands run with cwd = run dir; their command lines need not name the home.
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readFileSync(`/proc/${name}/environ`, 'utf8');
      if (cwd.includes(`GUILD_HOME=${home}\0`) && Number(name) !== process.pid) kill(Number(name));
    } catch {
      // not ours or gone
    }
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number): void => void Atomics.wait(pause, 0, 0, ms);

/** True when the run stays in both runs/ and the trash (not only while being moved). */
function inBoth(home: string, id: string): boolean {
  for (let tries = 0; tries < 20; tries++) {
    if (!isRunDir(join(home, 'runs', id)) || !isRunDir(join(home, 'trash', 'runs', id))) return false;
    sleepSync(50);
  }
  return true;
}

export interface Violation {
  where: string;
  what: string;
}

export interface CheckOptions {
  /** Runs that must exist: each exactly once, in runs/ or in trash/runs/. */
  expected?: Iterable<string>;
}

const dirs = (p: string): string[] => {
  try {
    return readdirSync(p);
  } catch {
    return [];
  }
};

/**
 * Every invariant of a home: listings and every run dir load; no attr is torn; no run is in
 * both runs/ and the trash nor listed twice; an expected run is in exactly one place and
 * complete; `running` only with a live process; a run never made complete (PENDING) is shown
 * as such; the grun caches parse. Returns the violations (empty when all hold).
 */
export function checkHome(home: string, o: CheckOptions = {}): { violations: Violation[]; runs: number; halfMade: number } {
  const v: Violation[] = [];
  const add = (where: string, what: string): void => void v.push({ where, what });
  const live = dirs(join(home, 'runs'));
  const trash = dirs(join(home, 'trash', 'runs'));
  let listed: ReturnType<typeof listRuns> = [];
  let listedDeleted: ReturnType<typeof listRuns> = [];
  try {
    listed = listRuns(home);
    listedDeleted = listRuns(home, { deleted: true });
  } catch (e) {
    add(home, `listing threw: ${(e as Error).stack}`);
  }
  const listedIds = listed.map((r) => r.id);
  const deletedIds = listedDeleted.map((r) => r.id);
  for (const [ids, where] of [
    [listedIds, 'runs/'],
    [deletedIds, 'trash/runs/'],
  ] as const) {
    const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (dup.length) add(where, `listed twice: ${dup.join(', ')}`);
    for (const id of ids) if (id.startsWith('.')) add(where + id, 'a temporary directory is listed as a run');
  }
  for (const id of listedIds) {
    // The two listings are taken one after the other: a run moved between them shows in both.
    if (deletedIds.includes(id) && inBoth(home, id)) add(id, 'listed both in runs/ and in the trash');
  }
  for (const id of o.expected ?? []) {
    // Another process may be moving the run (delete, restore) while this looks: a run in flight
    // is seen in neither or both places for an instant. A lost or duplicated run stays so.
    let n = 0;
    for (let tries = 0; tries < 20; tries++) {
      n = (isRunDir(join(home, 'runs', id)) ? 1 : 0) + (isRunDir(join(home, 'trash', 'runs', id)) ? 1 : 0);
      if (n === 1) break;
      sleepSync(50);
    }
    if (n !== 1) add(id, n === 0 ? 'run lost: in neither runs/ nor the trash' : 'run duplicated: in runs/ and in the trash');
    else if (!listedIds.includes(id) && !deletedIds.includes(id) && !listRuns(home).concat(listRuns(home, { deleted: true })).some((r) => r.id === id)) {
      add(id, 'run present but not listed');
    }
  }
  let runs = 0;
  let halfMade = 0;
  for (const [base, names, deleted] of [
    [join(home, 'runs'), live, false],
    [join(home, 'trash', 'runs'), trash, true],
  ] as const) {
    for (const name of names) {
      const dir = join(base, name);
      if (!isRunDir(dir)) {
        // A launch killed before `opref` was written: not a run (never listed), only debris.
        if (!name.startsWith('.')) halfMade++;
        continue;
      }
      runs++;
      let run;
      try {
        run = loadRun(dir, deleted);
      } catch (e) {
        add(dir, `does not load: ${(e as Error).stack}`);
        continue;
      }
      for (const attr of listAttrNames(dir)) {
        const r = readAttr(dir, attr);
        if (r.kind === 'corrupt') add(dir, `torn attr ${attr}: ${r.message}`);
      }
      if (run.status === 'running' && !run.markers.lockRemote) {
        const rec = run.proc;
        const alive = rec ? isProcessAlive(rec.supervisor.pid, rec.supervisor.start) : run.lockPid !== null && isProcessAlive(run.lockPid);
        if (!alive) add(dir, 'shows running without a live process');
      }
      if (existsSync(join(dir, '.guild', 'PENDING')) && run.status !== 'pending') add(dir, `a half-made run shows ${run.status}`);
    }
  }
  for (const f of dirs(join(home, 'cache', 'grun')).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
    try {
      JSON.parse(readFileSync(join(home, 'cache', 'grun', f), 'utf8'));
    } catch (e) {
      add(`cache/grun/${f}`, `corrupt cache: ${(e as Error).message}`);
    }
  }
  figures.checks++;
  figures.runsChecked += runs;
  return { violations: v, runs, halfMade };
}

export function formatViolations(v: Violation[]): string {
  return v.map((x) => `  ${x.where}: ${x.what}`).join('\n');
}

/** Files under `dir` modified at or after `sinceMs` (to prove nothing was written outside a home). */
export function filesNewerThan(dir: string, sinceMs: number, skip: (p: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 3) return;
    for (const name of dirs(d)) {
      const p = join(d, name);
      if (skip(p)) continue;
      try {
        const st = statSync(p, { throwIfNoEntry: false });
        if (!st) continue;
        if (st.mtimeMs >= sinceMs && !st.isDirectory()) out.push(p);
        if (st.isDirectory()) walk(p, depth + 1);
      } catch {
        // unreadable: not ours
      }
    }
  };
  walk(dir, 0);
  return out;
}

/** A seeded PRNG (mulberry32), so a failing sequence can be replayed with GRUN_RELIABILITY_SEED. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const seed = Number(process.env.GRUN_RELIABILITY_SEED ?? Date.now() % 1_000_000);
