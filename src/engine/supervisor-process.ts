// Starting a run's supervisor process (`grun __supervise RUNDIR --job FILE`, detached, its
// output to a log beside the job file in a temp dir of its own). Node and the supervisor's
// modules take about as long to load as the launcher takes to load and plan, so `grun run`
// starts one at once (`prestartSupervisor`, from cli.ts), as `__supervise - --job FILE`: it
// loads, then waits on its stdin (a pipe) for `go`, after which it reads its job (with the run
// dir in it) from FILE. The launcher that ends without using it closes the pipe, and the
// supervisor, reading the end of its stdin without `go`, removes its temp dir and exits, having
// touched nothing. Only node's own modules here: cli.ts loads this before anything else.
//
// Node reads the whole certificate bundle NODE_EXTRA_CA_CERTS names as it starts, before any of
// grun's code (on Node 20, ~65 ms of CPU for a system bundle: more than node's own start). A
// supervisor makes no TLS connection, so it starts without it, the value set aside in
// CA_CERTS_ASIDE, and puts it back (`restoreSupervisorEnv`) before it reads its env: the run
// is given, and records, the env of the launcher.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grunArgv } from './self-command.js';
import type { SupervisorJob } from './supervisor.js';

/** What a waiting supervisor reads on its stdin before it reads its job. */
export const GO = 'go\n';
/** The run dir argument of a supervisor that takes it from its job (`job.runDir`). */
export const RUN_DIR_IN_JOB = '-';

export interface SupervisorProcess {
  proc: ChildProcess;
  jobFile: string;
  logFile: string;
  /** Its temp dir (job and log): the launcher removes it once the run is ready. */
  tmp: string;
  exited: boolean;
  spawnError: Error | null;
  /** Hands its job to the supervisor (written to `jobFile` first); absent when it had it at start. */
  start?: (job: SupervisorJob) => void;
}

function startProcess(runDir: string, job: SupervisorJob | null): SupervisorProcess {
  const tmp = mkdtempSync(join(tmpdir(), 'grun-launch-'));
  const jobFile = join(tmp, 'job.json');
  const logFile = join(tmp, 'supervisor.log');
  if (job) writeFileSync(jobFile, JSON.stringify(job));
  // Plain fds, never a pipe: a piped stream would die with this process (stack notes §1.6). The
  // stdin of a waiting one is a pipe on purpose: its end, without `go`, is the launcher gone.
  const log = openSync(logFile, 'a');
  let proc: ChildProcess;
  try {
    // node's own spawn, not execa: loading execa (~100 modules) delayed every launch by ~0.1 s,
    // and a detached child with plain fds is all this needs.
    proc = spawn(process.execPath, [...grunArgv(), '__supervise', runDir, '--job', jobFile], {
      detached: true,
      stdio: [job ? 'ignore' : 'pipe', log, log],
      env: supervisorEnv(),
    });
  } finally {
    closeSync(log);
  }
  const sp: SupervisorProcess = { proc, jobFile, logFile, tmp, exited: false, spawnError: null };
  proc.once('error', (e) => {
    sp.spawnError = e;
    sp.exited = true;
  });
  proc.once('exit', () => (sp.exited = true));
  proc.unref();
  const stdin = proc.stdin;
  if (stdin) {
    stdin.on('error', () => {}); // it died first: the launcher reads why in its log
    (stdin as unknown as { unref(): void }).unref();
    sp.start = (j) => {
      writeFileSync(jobFile, JSON.stringify(j));
      stdin.end(GO);
    };
  }
  return sp;
}

const CA_CERTS = 'NODE_EXTRA_CA_CERTS';
const CA_CERTS_ASIDE = 'GRUN_SUPERVISOR_NODE_EXTRA_CA_CERTS';

/** The launcher's env, NODE_EXTRA_CA_CERTS set aside. */
function supervisorEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[CA_CERTS_ASIDE];
  if (env[CA_CERTS] !== undefined) {
    env[CA_CERTS_ASIDE] = env[CA_CERTS];
    delete env[CA_CERTS];
  }
  return env;
}

/** In the supervisor, first of all: its env as the launcher's was. */
export function restoreSupervisorEnv(): void {
  const v = process.env[CA_CERTS_ASIDE];
  if (v === undefined) return;
  delete process.env[CA_CERTS_ASIDE];
  process.env[CA_CERTS] = v;
}

let waiting: SupervisorProcess | null = null;

/** Starts a supervisor now, to wait for the first run this process starts (`takeSupervisor`). */
export function prestartSupervisor(): void {
  waiting ??= startProcess(RUN_DIR_IN_JOB, null);
}

/**
 * The supervisor of a run in `runDir`: the waiting one, handed the job, if this process started
 * one that still waits; else a new one with the job from its start.
 */
export function takeSupervisor(runDir: string, job: SupervisorJob): SupervisorProcess {
  const sp = waiting;
  waiting = null;
  if (sp && !sp.exited && sp.start) {
    sp.start({ ...job, runDir });
    return sp;
  }
  return startProcess(runDir, job);
}
