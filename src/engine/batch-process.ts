// A sweep started in the background runs as Guild's batch does: a process of its own (the batch
// run's, `grun __batch BATCHDIR`) that starts its trials as slots free up, its lines in the
// batch's output. Its trials wait `pending` until it starts them; stopping the batch stops the
// running trials and leaves the pending ones to be started as needed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAttr } from '../store/attrs.js';
import { writeFileAtomicSync } from '../store/atomic.js';
import { GrunError } from '../store/errors.js';
import { OutputWriter } from '../store/output.js';
import { bootId, hostName, readProcessRecord, selfProcess, writeProcessRecord } from '../store/proc.js';
import { guildPath } from '../store/run.js';
import { recordParentEnd } from './batch.js';
import { removeTempPidfile } from './pidfile.js';
import { runTrialsHere } from './launch/foreground-sweep.js';
import { schedulerLogPath } from './queue.js';
import { grunArgv } from './self-command.js';

/** On a background batch run: what its process needs (written before it starts). */
export const BATCH_JOB_FILE = 'grun-batch';

export interface BatchJob {
  /** The trials, in the order they start. */
  trials: string[];
  maxParallel: number;
  gpus?: string[];
  /** Each trial's `Resolving …` lines (engine/deps.ts `resolutionLines`). */
  trialLog: string[];
  /** A pidfile grun made (Guild's daemon pidfile): removed when the batch ends. */
  tempPidfile?: string;
}

/** How long the launcher waits for the batch's process to say it runs. */
const READY_MS = 15_000;

/**
 * Starts the batch run's process and returns its pid once it runs; `pidfile` receives the pid
 * (`tempPidfile`: grun's own, removed by the batch as it ends).
 */
export async function spawnBatch(
  home: string,
  batchDir: string,
  o: { trials: string[]; maxParallel: number; gpus?: string[]; trialLog: string[]; pidfile: string; tempPidfile?: boolean },
): Promise<number> {
  const { pidfile } = o;
  const job: BatchJob = {
    trials: o.trials,
    maxParallel: o.maxParallel,
    ...(o.gpus ? { gpus: o.gpus } : {}),
    trialLog: o.trialLog,
    ...(o.tempPidfile ? { tempPidfile: pidfile } : {}),
  };
  writeFileAtomicSync(guildPath(batchDir, BATCH_JOB_FILE), JSON.stringify(job) + '\n');
  let pidFd: number;
  try {
    pidFd = openSync(pidfile, 'w');
  } catch (e) {
    throw new GrunError(`cannot write pidfile '${pidfile}': ${(e as Error).message}`);
  }
  const logFile = schedulerLogPath(home);
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  let exited = false;
  try {
    const child = spawn(process.execPath, [...grunArgv(), '-H', home, '__batch', batchDir], { detached: true, stdio: ['ignore', log, log], env: process.env });
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    child.unref();
    if (child.pid === undefined) throw new GrunError(`cannot start batch ${batchDir}`);
    writeFileSync(pidFd, String(child.pid));
    const until = Date.now() + READY_MS;
    while (readProcessRecord(batchDir)?.supervisor.pid !== child.pid) {
      if (exited || Date.now() > until) throw new GrunError(`the batch process exited before batch ${batchDir} started (see ${logFile})`);
      await sleep(20);
    }
    return child.pid;
  } catch (e) {
    if (o.tempPidfile) removeTempPidfile(pidfile);
    throw e;
  } finally {
    closeSync(log);
    closeSync(pidFd);
  }
}

/**
 * The batch run's process: records itself as the run's (process record, LOCK), starts the
 * trials, and records the batch's end: the aggregate of its trials, or terminated when stopped
 * (SIGTERM, SIGINT), which stops its running trials and leaves the pending ones. True when
 * every trial completed.
 */
export async function driveBatch(batchDir: string, home: string): Promise<boolean> {
  const job = JSON.parse(readFileSync(guildPath(batchDir, BATCH_JOB_FILE), 'utf8')) as BatchJob;
  writeProcessRecord(batchDir, { version: 1, executor: 'local', host: hostName(), bootId: bootId(), supervisor: selfProcess() });
  writeFileSync(guildPath(batchDir, 'LOCK'), String(process.pid));
  // It runs now: no longer the PENDING parent that waits for a scheduler.
  rmSync(guildPath(batchDir, 'PENDING'), { force: true });
  const out = new OutputWriter(guildPath(batchDir));
  const stream = out.stream(0);
  const say = (line: string): void => void stream.write(line + '\n');
  const runsRoot = dirname(batchDir);
  try {
    const trials = job.trials.map((id) => ({ id, dir: join(runsRoot, id) })).filter((t) => existsSync(guildPath(t.dir, 'opref')));
    const r = await runTrialsHere(trials, {
      home,
      batchDir,
      maxParallel: job.maxParallel,
      ...(job.gpus ? { gpus: job.gpus } : {}),
      trialLog: job.trialLog,
      pending: true,
      stopSignals: ['SIGINT', 'SIGTERM'],
      stdout: stream,
      stderr: stream,
    });
    if (r.stopped) {
      say('INFO: [grun] Stopping batch (pending trials can be started as needed)');
      recordParentEnd(batchDir, 'terminated');
    }
    return r.ok;
  } catch (e) {
    say(`ERROR: [grun] ${(e as Error).message}`);
    if (readAttr(batchDir, 'exit_status').kind !== 'ok') recordParentEnd(batchDir, 'error');
    throw e;
  } finally {
    out.close();
    rmSync(guildPath(batchDir, BATCH_JOB_FILE), { force: true });
    rmSync(guildPath(batchDir, 'LOCK'), { force: true });
    if (job.tempPidfile) removeTempPidfile(job.tempPidfile);
  }
}
