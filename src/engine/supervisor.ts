// The detached supervisor (`grun __supervise <runDir> --job FILE`): the one writer of a run
// directory. It lives in its own session, ignores SIGHUP, writes the run dir in Guild's order,
// spawns the command (never through a shell), tees its output into `output` + `output.index`,
// logs output scalars to tfevents, and finalizes the run when the command ends.
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { basename, dirname } from 'node:path';
import { readAttr, writeAttr } from '../store/attrs.js';
import { deferSyncs } from '../store/atomic.js';
import { OutputWriter } from '../store/output.js';
import { OutputScalarParser, type OutputScalarsConfig } from '../store/output-scalars.js';
import {
  bootId,
  hostName,
  PROC_RECORD_FILE,
  procStartTime,
  selfProcess,
  writeProcessRecord,
} from '../store/proc.js';
import { guildPath, PARENT_FILE } from '../store/run.js';
import { redactEnv, writeRedactedEnvNames } from '../store/secrets.js';
import { releaseSpace, reserveSpace, writeFailureNote } from '../store/run-reserve.js';
import { systemReason } from '../store/errors.js';
import { EventFileWriter } from '../store/tfevents.js';
import type { ProcessRecord, YamlValue } from '../store/types.js';
import { interpreterFor } from './interpreter.js';
import { GO, restoreSupervisorEnv, RUN_DIR_IN_JOB } from './supervisor-process.js';
import { restoreFloatMarks } from './flags.js';
import { recordPythonAttrs, stagedPython } from './python-attrs.js';
import type { RunPlan } from './plan-types.js';
import { removeTempPidfile } from './pidfile.js';
import { finishRunDir, readStagedEnv, runEnv, unstageRunDir, writeLateDeps, writeRunDir } from './run-writer.js';
import { runGpus, startSysSampler, type SysScalar } from './sys-metrics.js';

/**
 * What the launcher hands the supervisor: a JSON file alone in a temp dir that also holds the
 * supervisor's early log. The supervisor removes that dir once the command has started.
 */
export interface SupervisorJob {
  home: string;
  runId: string;
  /** The run dir, for a supervisor started before it was known (`supervisor-process.ts`). */
  runDir?: string;
  /** The plan to write a new run from; absent to start the staged run in `runs/<runId>`. */
  plan?: RunPlan;
  stage?: boolean;
  /**
   * A pipeline step on Slurm, planned before its upstream steps ran: what to plan it from again
   * here, once they have, to resolve its operation dependencies among the pipeline's runs.
   */
  lateDeps?: { cwd: string; opspec: string; flagArgs: string[]; runsParent?: string };
  /** grun's own pidfile for a background run (engine/pidfile.ts), removed as the run ends. */
  tempPidfile?: string;
}

/** Exit codes of the supervisor itself (the run's own status is in its attrs). */
const SUPERVISOR_SETUP_FAILED = 2;

/** How often the supervisor touches its process record, for readers on other hosts. */
const HEARTBEAT_MS = 30_000;
/** How often the run's CPU, memory and GPUs are sampled (`GRUN_SYS_INTERVAL_MS`; 0 turns it off). */
const SYS_INTERVAL_MS = 2_000;
const sysIntervalMs = (): number => {
  const v = Number(process.env.GRUN_SYS_INTERVAL_MS);
  return Number.isFinite(v) && v >= 0 && process.env.GRUN_SYS_INTERVAL_MS !== '' && process.env.GRUN_SYS_INTERVAL_MS !== undefined ? v : SYS_INTERVAL_MS;
};

interface ChildSpec {
  /** The fsyncs of the new run's files, done once the command has started (`deferSyncs`). */
  sync?: () => void;
  cmd: string[];
  env: Record<string, string>;
  outputScalars: OutputScalarsConfig | undefined;
  outputAttrs: OutputScalarsConfig | undefined;
  flagNames: string[];
  /** A Python run's interpreter, whose version (and packages) are recorded while the command runs. */
  python?: { exe: string; pipFreeze: boolean };
  /** Minutes after which the run is stopped (`--stop-after`). */
  stopAfter?: number;
}

function asRecord(v: YamlValue | undefined): Record<string, YamlValue> {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function attrValue(runDir: string, name: string): YamlValue | undefined {
  const a = readAttr(runDir, name);
  return a.kind === 'ok' ? a.value : undefined;
}

/** A staged run starts from what its directory holds: `cmd`, `.guild/ENV`, `op`, `flags`. */
function stagedChildSpec(runDir: string): ChildSpec {
  const cmd = attrValue(runDir, 'cmd');
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((a) => typeof a === 'string')) {
    throw new Error(`${guildPath(runDir, 'attrs', 'cmd')}: expected a non-empty list of strings`);
  }
  const op = asRecord(attrValue(runDir, 'op'));
  const python = stagedPython(runDir, cmd as string[]);
  return {
    cmd: cmd as string[],
    env: readStagedEnv(runDir),
    outputScalars: op['output-scalars'] as OutputScalarsConfig | undefined,
    outputAttrs: op['output-attrs'] as OutputScalarsConfig | undefined,
    flagNames: Object.keys(asRecord(attrValue(runDir, 'flags'))),
    ...(python ? { python } : {}),
  };
}

async function prepare(runDir: string, job: SupervisorJob): Promise<ChildSpec | null> {
  if (job.plan) {
    const plan = restoreFloatMarks(job.plan); // float marks (`1.0` vs `1`) do not survive JSON
    const { sync } = deferSyncs(() => writeRunDir(plan, { home: job.home, runId: job.runId, stage: job.stage }));
    if (job.stage) {
      sync();
      return null;
    }
    return {
      sync,
      cmd: plan.cmd,
      env: runEnv(plan, job.home, runDir, job.runId),
      outputScalars: plan.outputScalars,
      outputAttrs: plan.outputAttrs,
      flagNames: Object.keys(plan.flags),
      ...(plan.inputs.isPython ? { python: { exe: plan.cmd[0]!, pipFreeze: !!plan.pipFreeze } } : {}),
      ...(plan.stopAfter !== undefined ? { stopAfter: plan.stopAfter } : {}),
    };
  }
  if (!existsSync(guildPath(runDir, 'STAGED'))) throw new Error(`run ${job.runId} is not staged`);
  if (job.lateDeps) {
    // planning (and batches, at the end) loads half the engine: only the runs that need it pay
    const { planRun } = await import('./plan.js');
    writeLateDeps(runDir, await planRun({ home: job.home, runId: job.runId, ...job.lateDeps }));
  }
  const spec = stagedChildSpec(runDir);
  unstageRunDir(runDir);
  return spec;
}

function signalNumber(name: string | undefined): number {
  const n = name ? (osConstants.signals as Record<string, number>)[name] : undefined;
  return n ?? osConstants.signals.SIGKILL;
}

/** Tees both streams into the run's output and feeds each completed line to the scalar parser. */
class OutputTee {
  private readonly out: OutputWriter;
  private readonly parser: OutputScalarParser;
  private readonly scalars: EventFileWriter;
  private readonly attrs: EventFileWriter;
  private step = 0;
  /** Why output stopped being recorded (a full disk), once it did. */
  failure: string | null = null;

  constructor(runDir: string, spec: ChildSpec) {
    const dir = guildPath(runDir);
    this.out = new OutputWriter(dir);
    this.parser = new OutputScalarParser(spec.outputScalars, { ignoreKeys: spec.flagNames, attrs: spec.outputAttrs });
    const ids = { host: hostName(), pid: process.pid };
    this.scalars = new EventFileWriter(dir, ids);
    this.attrs = new EventFileWriter(dir, { ...ids, attrs: true });
  }

  /** A failed write (disk full, run dir removed) is reported once; the pipes keep draining. */
  write(stream: 0 | 1, chunk: Buffer): void {
    this.guard(() => {
      for (const line of this.out.write(stream, chunk)) this.parse(line);
    });
  }

  end(): void {
    this.guard(() => {
      for (const line of this.out.end()) this.parse(line);
    });
    for (const w of [this.out, this.scalars, this.attrs]) {
      try {
        w.close(); // flushing may meet the same full disk
      } catch (e) {
        this.failure ??= `its output and scalars were not all recorded: ${systemReason(e) ?? (e as Error).message}`;
      }
    }
  }

  private guard(f: () => void): void {
    if (this.failure) return;
    try {
      f();
    } catch (e) {
      this.failure = `its output is recorded only in part: ${systemReason(e) ?? (e as Error).message}`;
      process.stderr.write(`grun: ${this.failure}\n`);
    }
  }

  private parse(line: string): void {
    const { scalars, attrs } = this.parser.parse(line);
    for (const s of scalars) {
      this.scalars.addScalar(s.key, s.value, s.step);
      this.step = s.step;
    }
    for (const a of attrs) this.attrs.addText(a.key, a.value, this.step);
  }

  /** System metrics, at the step the run last logged. */
  addSys(scalars: SysScalar[]): void {
    this.guard(() => {
      for (const s of scalars) this.scalars.addScalar(s.key, s.value, this.step);
    });
  }
}

function readJob(file: string): SupervisorJob {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SupervisorJob;
  } finally {
    rmSync(file, { force: true });
  }
}

/** True once the launcher says `go` on stdin; false at its end without it (it went away). */
function launcherSaysGo(): Promise<boolean> {
  return new Promise((resolve) => {
    let heard = '';
    const done = (go: boolean): void => {
      process.stdin.destroy();
      resolve(go);
    };
    process.stdin.on('data', (chunk: Buffer) => {
      heard += chunk.toString('latin1');
      if (heard.length >= GO.length) done(heard.startsWith(GO));
    });
    process.stdin.once('end', () => done(false));
    process.stdin.once('error', () => done(false));
  });
}

/** Runs one run to its end. Returns the supervisor's exit code. */
export async function supervise(runDir: string, jobFile: string): Promise<number> {
  restoreSupervisorEnv();
  if (runDir === RUN_DIR_IN_JOB) {
    // started ahead of its run: nothing is known, nothing is touched, until the launcher says go
    if (!(await launcherSaysGo())) {
      rmSync(dirname(jobFile), { recursive: true, force: true });
      return 0;
    }
    let given: unknown;
    try {
      given = (JSON.parse(readFileSync(jobFile, 'utf8')) as SupervisorJob).runDir;
    } catch (e) {
      given = (e as Error).message;
    }
    if (typeof given !== 'string' || !given.startsWith('/')) {
      process.stderr.write(`grun: ${jobFile}: no run dir in the job (${String(given)})\n`);
      return SUPERVISOR_SETUP_FAILED;
    }
    runDir = given;
  }
  process.title = `grun supervise ${basename(runDir)}`;
  process.on('SIGHUP', () => {}); // a lost terminal must not end the run
  let pendingSignal: NodeJS.Signals | null = null;
  let childPid: number | undefined;
  const forward = (sig: NodeJS.Signals): void => {
    if (childPid === undefined) pendingSignal = sig;
    else signalGroup(childPid, sig);
  };
  process.on('SIGTERM', () => forward('SIGTERM'));
  process.on('SIGINT', () => forward('SIGINT'));

  let job: SupervisorJob;
  let spec: ChildSpec | null;
  try {
    job = readJob(jobFile);
    spec = await prepare(runDir, job);
  } catch (e) {
    process.stderr.write(`grun: ${(e as Error).message}\n`);
    return SUPERVISOR_SETUP_FAILED;
  }
  if (spec === null) return 0; // staged

  const env = { ...(process.env as Record<string, string>), ...spec.env };
  // A pyenv shim's choice, started directly (the env attr keeps what the run was given).
  const exe = await interpreterFor(spec.cmd[0]!, { home: job.home, cwd: runDir, env });
  // node's own spawn: execa (~100 modules, ~0.1 s to load) sat between launch and the command.
  const child = spawn(exe.exe, spec.cmd.slice(1), {
    cwd: runDir,
    env: { ...env, ...exe.env },
    // Its own process group, so that stop and Ctrl-C reach the command and its children only.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Exited and its pipes closed (every process of the group that held them gone).
  const closed = new Promise((resolve) => child.once('close', resolve));
  if (child.pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    process.stderr.write(`grun: cannot start ${spec.cmd[0]}: ${err.message}\n`);
    // A new run never started leaves nothing; a staged one stays staged, to be fixed and retried.
    if (job.plan) rmSync(runDir, { recursive: true, force: true });
    else writeFileSync(guildPath(runDir, 'STAGED'), '');
    return SUPERVISOR_SETUP_FAILED;
  }
  childPid = child.pid;
  const record: ProcessRecord = {
    version: 1,
    executor: 'local',
    host: hostName(),
    bootId: bootId(),
    supervisor: selfProcess(),
  };
  const childStart = procStartTime(childPid);
  if (childStart !== null) record.child = { pid: childPid, start: childStart };
  writeProcessRecord(runDir, record);
  // the env before LOCK: a launcher that sees the run started reads it (`--debug`)
  const recorded = redactEnv(env);
  writeAttr(runDir, 'env', recorded.env);
  writeRedactedEnvNames(runDir, recorded.redacted);
  writeFileSync(guildPath(runDir, 'LOCK'), String(childPid));
  reserveSpace(runDir);
  if (pendingSignal) signalGroup(childPid, pendingSignal);
  // Started: nobody needs the early log any more (a launcher killed mid-launch would leave it).
  rmSync(dirname(jobFile), { recursive: true, force: true });
  spec.sync?.();

  const recordPath = guildPath(runDir, PROC_RECORD_FILE);
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(recordPath, now, now);
    } catch {
      // the run dir was moved or deleted under us; the run still ends normally
    }
  }, HEARTBEAT_MS);

  // asked of the interpreter the run got, not again of a pyenv shim
  const pythonAttrs = spec.python ? recordPythonAttrs(runDir, spec.python.exe === spec.cmd[0] ? exe.exe : spec.python.exe, { home: job.home, pipFreeze: spec.python.pipFreeze }) : null;
  const tee = new OutputTee(runDir, spec);
  child.stdout!.on('data', (chunk: Buffer) => tee.write(0, chunk));
  child.stderr!.on('data', (chunk: Buffer) => tee.write(1, chunk));
  const sys = startSysSampler(childPid, runGpus(env), sysIntervalMs(), (s) => tee.addSys(s));
  const early = spec.stopAfter === undefined ? null : stopAfter(childPid, spec.stopAfter, (line) => tee.write(1, Buffer.from(line)));
  const exitStatus = await mainProcessExit(child, closed);
  early?.cancel();
  sys.stop();
  clearInterval(heartbeat);
  tee.end();
  await pythonAttrs;
  // A run moved away meanwhile (deleted to the trash) must not be recreated here.
  if (existsSync(guildPath(runDir, 'opref'))) {
    recordEnd(runDir, exitStatus, tee.failure);
    // The last child of a sweep to end records its parent's outcome, whoever started it.
    try {
      if (existsSync(guildPath(runDir, PARENT_FILE))) (await import('./batch.js')).finalizeParentIfDone(runDir);
    } catch {
      // the parent was deleted or is unreadable: the child's own outcome stands
    }
  }
  if (job.tempPidfile) removeTempPidfile(job.tempPidfile);
  return 0;
}

/**
 * Writes the run's end (exit status, stopped, LOCK removed) and what could not be recorded. On a
 * full disk the space reserved at the start is given back first; LOCK goes whatever happens.
 */
function recordEnd(runDir: string, exitStatus: number, failure: string | null): void {
  if (failure) releaseSpace(runDir);
  try {
    try {
      finishRunDir(runDir, exitStatus);
    } catch (e) {
      if (!systemReason(e)) throw e;
      releaseSpace(runDir);
      finishRunDir(runDir, exitStatus);
    }
    if (failure) writeFailureNote(runDir, failure);
  } finally {
    releaseSpace(runDir);
    rmSync(guildPath(runDir, 'LOCK'), { force: true });
  }
}

/** How long output from the group is still collected once the main process has exited. */
const OUTPUT_GRACE_MS = 2_000;

/**
 * The run's exit status, once its main process has exited. A run ends with its main process,
 * not with the last holder of its stdout/stderr (a server or daemon it started in the
 * background may hold them forever): output still arriving from the group is collected for
 * OUTPUT_GRACE_MS, then the pipes are closed (what the group writes after that is lost).
 */
async function mainProcessExit(child: ChildProcess, streamsClosed: PromiseLike<unknown>): Promise<number> {
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve([child.exitCode, child.signalCode]);
    else child.once('exit', (c, s) => resolve([c, s]));
  });
  let grace: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    Promise.resolve(streamsClosed).then(() => true),
    new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(false), OUTPUT_GRACE_MS))),
  ]);
  clearTimeout(grace);
  if (!drained) {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
  return code ?? -signalNumber(signal ?? undefined);
}

/** How long a run stopped by `--stop-after` has to end after TERM before it is killed (Guild's kill delay). */
const STOP_AFTER_KILL_MS = 30_000;

/**
 * Guild's `--stop-after`: once the run has run `minutes`, its group gets TERM (said in its
 * output, as Guild says it), and KILL if it is still there 30 s later.
 */
function stopAfter(pid: number, minutes: number, say: (line: string) => void): { cancel: () => void } {
  const started = Date.now();
  let kill: NodeJS.Timeout | undefined;
  const term = setTimeout(() => {
    const elapsed = (Date.now() - started) / 60_000;
    say(`INFO: [grun] Stopping process early (pid ${pid}) - ${elapsed.toFixed(1)} minute(s) elapsed\n`);
    signalGroup(pid, 'SIGTERM');
    kill = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_AFTER_KILL_MS);
  }, minutes * 60_000);
  return {
    cancel: () => {
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}

/** Signals a process group (the command and what it spawned); the pid alone if it has none. */
export function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}
