// `grun run [OPSPEC] [FLAG=VAL...]`: plan, preview, then start (foreground, background or staged);
// `--start RUN` starts a staged run.
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { readFailureNote } from '../store/run-reserve.js';
import { startRun, startStagedRun, type LaunchOptions, type LaunchResult } from '../engine/launch.js';
import { parseSweepSyntax } from '../engine/flags.js';
import { planRun } from '../engine/plan.js';
import { restartRequest } from '../engine/restart.js';
import { defaultOperation, loadGuildfile } from '../engine/guildfile.js';
import { restageRunDir } from '../engine/run-writer.js';
import type { RunPlan, RunRequest } from '../engine/plan-types.js';
import { setStagedEnv } from '../engine/queue.js';
import { getRemote } from '../engine/remote/config.js';
import { startRemoteRun } from '../engine/remote/remote-run.js';
import { submitRun } from '../engine/slurm/executor.js';
import { memoizeRun } from '../engine/memo.js';
import { addSweepOptions, runSweep, slurmTarget, type SweepRunOptions } from './submit.js';
import { GrunError, UsageError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { listRuns, loadRun } from '../store/index.js';
import { encodeOpref, shlexQuote } from '../store/opref.js';
import type { Run, YamlValue } from '../store/types.js';
import { encodeYaml } from '../store/yaml11.js';
import { dim, printLines } from './format.js';
import { opHelpLines } from './op-help.js';
import { listOperations } from '../engine/operations.js';
import { collect, confirm, homeOf, oneRun, previewLines } from './run-args.js';

interface RunOptions extends SweepRunOptions {
  yes?: boolean;
  stage?: boolean;
  start?: string;
  restart?: string;
  label?: string;
  tag?: string[];
  comment?: string;
  background?: boolean;
  pidfile?: string;
  needed?: boolean;
  printCmd?: boolean;
  testFlags?: boolean;
  quiet?: boolean;
  remote?: string;
  executor?: string;
  runId?: string;
  runDir?: string;
  helpOp?: boolean;
  forceFlags?: boolean;
  /** `--gpus IDS` and `--no-gpus` as given (commander folds both into one `gpus` value). */
  gpusGiven?: string;
  noGpusGiven?: boolean;
}

/** Flag lines for the preview: the value, and the default where the value differs from it. */
function flagPreview(plan: RunPlan): string[] {
  const defaults = new Map(plan.flagDefs.map((d) => [d.name, d.default]));
  return Object.keys(plan.flags)
    .sort()
    .map((name) => {
      const v = plan.flags[name]!;
      const line = `  ${name}: ${formatFlagValue(v)}`;
      if (!defaults.has(name)) return line;
      const d = defaults.get(name)!;
      return isDeepStrictEqual(d, v) ? line : `${line}  ${dim(`(default ${formatFlagValue(d)})`)}`;
    });
}

/** Enter (or y) goes, n cancels; without a terminal there is nobody to ask. */
function confirmed(what: string, lines: string[], yes: boolean | undefined): boolean {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new GrunError(`${what} needs a confirmation and stdin is not a terminal: add -y/--yes to go ahead`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return confirm('Continue?', true);
}

/** Guild's --needed: a run of the same operation with the same flags (here: a completed one). */
function matchingRuns(home: string, plan: RunPlan): Run[] {
  const opref = encodeOpref(plan.opref);
  return listRuns(home).filter(
    (r) => r.status === 'completed' && r.opref && encodeOpref(r.opref) === opref && isDeepStrictEqual(r.flags, plan.flags),
  );
}

/** The launch options only this command knows, for the `run_params` attr. */
function runParams(o: RunOptions): Record<string, YamlValue> {
  return {
    background: !!o.background,
    needed: !!o.needed,
    pidfile: o.pidfile ?? null,
    print_cmd: !!o.printCmd,
    quiet: !!o.quiet,
    stage: !!o.stage,
    test_flags: !!o.testFlags,
    yes: !!o.yes,
    force_flags: !!o.forceFlags,
    gpus: o.gpusGiven ?? null,
    no_gpus: !!o.noGpusGiven,
    run_id: o.runId ?? null,
    run_dir: o.runDir ?? null,
    restart: o.restart ?? null,
  };
}

function report(op: string, r: LaunchResult, o: RunOptions): void {
  if (o.stage) {
    process.stdout.write(`${op} staged as ${r.runId}\nTo start the operation, use 'grun run --start ${r.runId}'\n`);
  } else if (o.background || o.pidfile) {
    const where = o.pidfile ? `pidfile ${o.pidfile}` : `pid ${r.supervisorPid}`;
    process.stdout.write(`${op} started in background as ${r.runId} (${where})\n`);
  } else if (!r.detached) {
    process.exitCode = r.status === 'completed' ? 0 : r.exitStatus ? exitCodeOf(r.exitStatus) : 1;
    // What the supervisor could not record (a full disk): said, and the run's record is incomplete.
    const failure = readFailureNote(r.runDir);
    if (failure) {
      process.stderr.write(`grun: run ${r.runId}: ${failure}\n`);
      process.exitCode ||= 1;
    }
  }
}

/** The shell's convention: a positive exit status as is, a signal as 128 + its number. */
function exitCodeOf(exitStatus: number): number {
  return exitStatus > 0 ? Math.min(exitStatus, 255) : 128 + Math.min(-exitStatus, 127);
}

function launchOptions(home: string, o: RunOptions): LaunchOptions {
  return { home, background: !!(o.background || o.pidfile), pidfile: o.pidfile, stage: o.stage, quiet: o.quiet };
}

/** The request fields of Guild's `--force-flags`, `--gpus` and `--no-gpus`. */
function requestExtras(o: RunOptions): Pick<RunRequest, 'forceFlags' | 'gpus'> {
  if (o.gpusGiven !== undefined && o.noGpusGiven) throw new UsageError('--no-gpus and --gpus cannot both be used');
  return {
    ...(o.forceFlags ? { forceFlags: true } : {}),
    ...(o.gpusGiven !== undefined ? { gpus: o.gpusGiven } : o.noGpusGiven ? { gpus: null } : {}),
  };
}

/** `--start`/`--restart RUN` (Guild treats them alike): a staged run starts, another restarts. */
async function startOrRestart(home: string, spec: string, flagArgs: string[], o: RunOptions): Promise<void> {
  let run = oneRun(listRuns(home), spec);
  const restart = run.status !== 'staged' || flagArgs.length > 0;
  const verb = restart ? 'restart' : 'start';
  if (!confirmed(`grun run --${verb}`, [`You are about to ${verb} ${run.operation}`, ...previewLines([run])], o.yes)) return;
  if (restart) {
    const plan = await planRun(
      restartRequest(run, { home, flagArgs, label: o.label, tags: o.tag, comment: o.comment, runParams: runParams(o), ...requestExtras(o) }),
    );
    if (Object.keys(plan.sweeps).length) throw new GrunError('a restart runs once: give single flag values, not a sweep');
    restageRunDir(plan, run.dir, home, run.id);
    run = loadRun(run.dir);
  } else {
    const { gpus } = requestExtras(o);
    if (gpus !== undefined) setStagedEnv(run.dir, { CUDA_VISIBLE_DEVICES: gpus ?? '' });
  }
  const r = await startStagedRun(run, launchOptions(home, o));
  report(run.operation, r, { ...o, stage: false });
}

async function runCommand(cmd: Command, opspec: string | undefined, flagArgs: string[], o: RunOptions): Promise<void> {
  const home = homeOf(cmd);
  const restartSpec = o.restart ?? o.start;
  if (restartSpec !== undefined) {
    if (o.restart !== undefined && o.start !== undefined) throw new UsageError('--start and --restart cannot both be used');
    // Guild reads the operands as flags here: there is no operation to name.
    const given = opspec === undefined ? flagArgs : [opspec, ...flagArgs];
    const notFlag = given.find((a) => !a.includes('='));
    if (notFlag !== undefined) throw new GrunError(`'${notFlag}': --start/--restart take a run and NAME=VALUE flags, not an operation`);
    return startOrRestart(home, restartSpec, given, o);
  }
  if (opspec === undefined || opspec.includes('=')) {
    const gf = loadGuildfile(process.cwd());
    const dflt = gf ? defaultOperation(gf) : null;
    if (dflt === null) {
      throw new GrunError("missing operation: give a script or a guild.yml operation before the flags (see 'grun operations')");
    }
    if (opspec !== undefined) flagArgs = [opspec, ...flagArgs];
    opspec = dflt;
  }
  const remote = o.remote ? getRemote(home, o.remote) : null;
  if (remote?.type === 'ssh') {
    if (o.executor !== undefined) throw new GrunError(`--executor and an ssh remote do not go together: the run executes on ${remote.name}`);
    const swept = flagArgs.find((a) => a.includes('=') && parseSweepSyntax(a.slice(a.indexOf('=') + 1)));
    if (swept) throw new GrunError(`'${swept}' asks for a sweep: a sweep runs here or on Slurm, not on ssh remote '${remote.name}'`);
    // The remote grun plans and supervises the run; here a mirror follows it.
    const r = await startRemoteRun(home, remote.name, { cwd: process.cwd(), opspec, flagArgs, label: o.label, tags: o.tag, comment: o.comment });
    process.stdout.write(`${opspec} started on ${remote.name} as ${r.runId}\n`);
    return;
  }
  const slurm = slurmTarget(o.executor, remote);
  const plan = await planRun({
    home,
    cwd: process.cwd(),
    opspec,
    flagArgs,
    label: o.label,
    tags: o.tag,
    comment: o.comment,
    runParams: runParams(o),
    ...(o.runId !== undefined ? { runId: o.runId } : {}),
    ...(o.runDir !== undefined ? { runDir: o.runDir } : {}),
    ...(o.helpOp ? { describeOnly: true } : {}),
    ...requestExtras(o),
  });
  if (Object.keys(plan.sweeps).length) {
    if (o.stage) throw new GrunError('--stage stages one run: use --stage-trials to stage the trials of a sweep');
    return runSweep(home, plan, { ...o, ...(slurm ? { slurm } : {}) });
  }
  if (o.helpOp) {
    const op = listOperations(plan.projectDir).find((d) => d.name === plan.operation);
    printLines(opHelpLines(plan, op?.description ?? ''));
    return;
  }
  if (o.printCmd) {
    process.stdout.write(plan.cmd.map(shlexQuote).join(' ') + '\n');
    return;
  }
  if (o.testFlags) {
    process.stdout.write(encodeYaml(plan.flags));
    return;
  }
  if (o.needed) {
    const matches = matchingRuns(home, plan);
    if (matches.length) {
      process.stdout.write(
        'Skipping run because the following runs match this operation (--needed specified):\n' +
          previewLines(matches).join('\n') +
          '\n',
      );
      return;
    }
  }
  if (o.memo) {
    const hit = memoizeRun(home, plan);
    if (hit) {
      process.stdout.write(`${plan.operation} memoized as ${hit.id}: outputs of completed run ${hit.memoOf}\n`);
      return;
    }
  }
  const verb = o.stage ? 'stage' : 'run';
  const preview = [`You are about to ${verb} ${plan.operation}`, ...flagPreview(plan)];
  if (!confirmed(`grun run ${plan.operation}`, preview, o.yes)) return;
  if (slurm) {
    const r = await submitRun(plan, { home, pidfile: o.pidfile, ...slurm });
    process.stdout.write(`${plan.operation} submitted to Slurm as ${r.runId} (job ${r.jobId})\n`);
    return;
  }
  // Guild's resolution log, on stderr: which upstream run each dependency uses.
  for (const d of plan.deps) process.stderr.write(`Resolving ${d.name}\nUsing run ${d.runId} for ${d.name}\n`);
  const r = await startRun(plan, launchOptions(home, o));
  if (o.stage && o.runDir !== undefined) {
    // Not in the home, so `--start` cannot find it: its own directory and command start it.
    const start = `cd ${shlexQuote(r.runDir)} && source .guild/ENV && ${plan.cmdAttr.map(shlexQuote).join(' ')}`;
    process.stdout.write(`${plan.operation} staged in '${r.runDir}'\nTo start the operation, use "(${start})"\n`);
    return;
  }
  report(plan.operation, r, o);
}

export function register(program: Command): void {
  const run = program
    .command('run')
    .description('Start a run: a script or a guild.yml operation, with flags as NAME=VALUE')
    .argument('[opspec]', 'script (train.py) or operation (train, model:train)')
    .argument('[flags...]', 'flag values as NAME=VALUE')
    .option('-y, --yes', 'start without the preview and confirmation')
    .option('--stage', 'stage the run (start it later with --start)')
    .option('--start <run>', 'start a staged run (another run restarts)')
    .option('--restart <run>', "run a run again in its own directory, with its flags (NAME=VALUE overrides)")
    .option('-l, --label <label>', 'label for the run')
    .option('-t, --tag <tag>', 'tag for the run (repeatable)', collect)
    .option('-c, --comment <comment>', 'comment for the run')
    .option('-b, --background', 'run in the background and return at once')
    .option('--pidfile <path>', "write the run supervisor's pid here (implies --background)")
    .option('--needed', 'skip when a completed run of the operation with the same flags exists')
    .option('--print-cmd', 'print the command the run would execute and exit')
    .option('--help-op', "show the operation's description and flags, and exit")
    .option('--force-flags', 'accept flags the operation does not define')
    .option('--gpus <ids>', 'GPUs the run sees (CUDA_VISIBLE_DEVICES), e.g. 0,1')
    .option('--no-gpus', 'the run sees no GPU (CUDA_VISIBLE_DEVICES empty)')
    .option('--test-flags', 'print the resolved flags and exit')
    .option('-q, --quiet', "do not print the run's output")
    .option('-r, --remote <name>', 'run on a remote from config.yml (ssh: supervised there; slurm: as a job)')
    .option('--executor <name>', 'where the run executes: local (default) or slurm')
    .option('--run-id <id>', 'use this id for the run instead of a new one')
    .option('--run-dir <dir>', 'run in this directory instead of one in the Guild home (the run is not listed)');
  run.on('option:gpus', (v: string) => run.setOptionValue('gpusGiven', v));
  run.on('option:no-gpus', () => run.setOptionValue('noGpusGiven', true));
  addSweepOptions(run).action(async (opspec: string | undefined, flags: string[], o: RunOptions, cmd: Command) =>
    runCommand(cmd, opspec, flags, o),
  );
}
