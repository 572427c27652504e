// Starting one run here, then (in the foreground) attached to it: output streams to the
// terminal, Ctrl-C interrupts the run as Guild's does (also when pressed while it starts), a
// lost terminal (SIGHUP) detaches and the run goes on.
import { setTimeout as sleep } from 'node:timers/promises';
import { readAttr } from '../../store/attrs.js';
import { debugEnabled, debugLog } from '../../store/debug-log.js';
import { pyRepr } from '../../store/flagfmt.js';
import { loadRunSummary, toRun } from '../../store/run.js';
import type { Run, RunStatus } from '../../store/types.js';
import { executorFor, targets, type RunHandle, type StartedRun } from '../executor.js';
import { OutputPrinter } from '../output-printer.js';
import type { RunPlan } from '../plan-types.js';

export interface LaunchOptions {
  home: string;
  /** Return once the run has started instead of attaching to it. */
  background?: boolean;
  pidfile?: string;
  /** The pidfile is grun's own (engine/pidfile.ts): removed as the run ends. */
  tempPidfile?: boolean;
  stage?: boolean;
  /** Attach without printing the run's output. */
  quiet?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface LaunchResult extends StartedRun {
  /** Final status when attached to the end; `running` or `staged` otherwise. */
  status: RunStatus;
  exitStatus: number | null;
  /** The terminal went away (SIGHUP) while attached: the run goes on without us. */
  detached: boolean;
}

const ATTACH_POLL_MS = 100;
/** Guild says it is waiting for the process after this long (op._handle_proc_keyboard_interrupt). */
const INTERRUPT_NOTICE_MS = 2000;

export async function startRun(plan: RunPlan, opts: LaunchOptions): Promise<LaunchResult> {
  const start = { home: opts.home, stage: opts.stage, pidfile: opts.pidfile, tempPidfile: opts.tempPidfile };
  return launch(() => targets.local.start(plan, start), opts);
}

/** `grun run --start RUN`: starts a staged run in its own directory. */
export async function startStagedRun(run: Run, opts: LaunchOptions): Promise<LaunchResult> {
  return launch(() => targets.local.startStaged(run, { pidfile: opts.pidfile, tempPidfile: opts.tempPidfile }), { ...opts, stage: false });
}

async function launch(start: () => Promise<StartedRun>, opts: LaunchOptions): Promise<LaunchResult> {
  // One Ctrl-C handler from before the run starts until grun lets go of it: a SIGINT while the
  // supervisor prepares the run reaches the run once it has started, and there is no moment,
  // however short, when a SIGINT would end grun by default instead.
  let interruptedAt = 0;
  let interrupt: (() => void) | null = null;
  const onInt = (): void => {
    interruptedAt ||= Date.now();
    interrupt?.();
  };
  process.on('SIGINT', onInt);
  try {
    const started = await start();
    if (opts.stage) return { ...started, status: 'staged', exitStatus: null, detached: false };
    debugStart(started);
    const run = toRun(loadRunSummary(started.runDir));
    const executor = executorFor(run);
    interrupt = () => executor.interrupt(run);
    if (interruptedAt) interrupt();
    if (opts.background) return { ...started, status: run.status, exitStatus: run.exitStatus, detached: false };
    return { ...started, ...(await attach(executor, run, opts, () => interruptedAt)) };
  } finally {
    process.off('SIGINT', onInt);
  }
}

/**
 * Guild's debug lines for a started run: its command, and with DEBUG_ENV=1 its environment as
 * the run recorded it (secrets left out: the `env` attr is redacted when written).
 */
function debugStart(started: StartedRun): void {
  if (!debugEnabled()) return;
  debugLog(`starting run ${started.runId} in ${started.runDir}`);
  const cmd = readAttr(started.runDir, 'cmd');
  if (cmd.kind === 'ok') debugLog(`operation command: ${pyRepr(cmd.value)}`);
  const env = readAttr(started.runDir, 'env');
  if (process.env.DEBUG_ENV === '1' && env.kind === 'ok') debugLog(`operation env: ${pyRepr(env.value)}`);
}

/**
 * Follows a run to its end, printing its output; SIGHUP only detaches. Ctrl-C is the caller's
 * (`launch`), which interrupts the run; `interruptedAt` says when (0: not), for the notice.
 */
async function attach(
  executor: RunHandle,
  run: Run,
  opts: Pick<LaunchOptions, 'quiet' | 'stdout' | 'stderr'>,
  interruptedAt: () => number,
): Promise<{ status: RunStatus; exitStatus: number | null; detached: boolean }> {
  const out = opts.stdout ?? process.stdout;
  const err = opts.stderr ?? process.stderr;
  const follower = executor.followOutput(run);
  const printer = new OutputPrinter(out, err);
  let detached = false;
  let noticed = false;
  const onHup = (): void => {
    detached = true;
  };
  process.on('SIGHUP', onHup);
  const print = (): void => {
    if (opts.quiet) follower.poll();
    else printer.print(follower);
  };
  try {
    for (;;) {
      if (detached) {
        printer.finish();
        return { status: 'running', exitStatus: null, detached };
      }
      print();
      const st = executor.status(run);
      if (st.status !== 'running') {
        await executor.settled?.(run);
        print();
        printer.finish();
        const final = toRun(loadRunSummary(run.dir, run.deleted));
        return { status: final.status, exitStatus: final.exitStatus, detached };
      }
      if (interruptedAt() && !noticed && Date.now() - interruptedAt() >= INTERRUPT_NOTICE_MS) {
        noticed = true;
        printer.finish();
        err.write('Operation interrupted - waiting for process to exit\n');
      }
      await sleep(ATTACH_POLL_MS);
    }
  } finally {
    process.off('SIGHUP', onHup);
  }
}
