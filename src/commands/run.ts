// `grun run [OPSPEC] [FLAG=VAL...]`: a launch request from the command line (an operation with
// its flags, or `--start`/`--restart RUN`), handed to the engine's launch service;
// `--print-cmd`, `--test-flags`, `--test-sourcecode` and `--help-op` only plan and print.
import type { Command } from 'commander';
import { launch, type LaunchMode, type LaunchRequest, type LaunchWork } from '../engine/launch/service.js';
import { defaultOperation, findOperation, loadGuildfile } from '../engine/guildfile.js';
import { listOperations } from '../engine/operations.js';
import { describeOperationFlags, describeSourceCode, planRun } from '../engine/plan.js';
import type { RunRequest } from '../engine/plan-types.js';
import type { BatchMeta } from '../engine/batch.js';
import { isRestart, prepareStart, prepareSweepRestart, protoRequest } from '../engine/restart.js';
import { isSweepParent } from '../engine/stoppable.js';
import { GrunError, UsageError } from '../store/errors.js';
import { listRuns } from '../store/index.js';
import { commandLines, envLines, previewTrials } from '../engine/launch/preview.js';
import { newSeed } from '../engine/sweep/seeds.js';
import { readFailureNote } from '../store/run-reserve.js';
import type { YamlValue } from '../store/types.js';
import { encodeYaml, parseYaml11 } from '../store/yaml11.js';
import { editText, typedComment } from '../engine/external.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { termSafe } from '../store/terminal-text.js';
import { printLines } from './format.js';
import { flagsEditText, modelHelpLines, opHelpLines, optimizerHelpLines } from './op-help.js';
import { sourceCodeReportLines } from './sourcecode-report.js';
import { startDir } from './start-dir.js';
import { collect, confirm, confirmLaunch, homeOf, minutesOption, oneRun, positiveIntOption, previewLines } from './run-args.js';

interface RunOptions {
  yes?: boolean; stage?: boolean; start?: string; restart?: string; rerun?: string; proto?: string; background?: boolean; pidfile?: string; needed?: boolean;
  printCmd?: boolean; printEnv?: boolean; helpModel?: boolean; editFlags?: boolean; editComment?: boolean; editBatchComment?: boolean; printTrials?: boolean; saveTrials?: string; testFlags?: boolean; testSourcecode?: boolean; testOutputScalars?: string; testOutputAttrs?: string; helpOp?: boolean; quiet?: boolean; label?: string; tag?: string[]; comment?: string; batchLabel?: string; batchTag?: string[]; batchComment?: string;
  dep?: string[]; wait?: boolean; remote?: string; executor?: string; memo?: boolean; maxParallel?: number; runId?: string; runDir?: string; forceFlags?: boolean; forceDeps?: boolean; forceSourcecode?: boolean;
  maxTrials?: number; optimizer?: string; randomSeed?: string; stageTrials?: boolean; keepBatch?: boolean; keepRun?: boolean; stopAfter?: number; failOnTrialError?: boolean;
  minimize?: string; maximize?: string; optFlag?: string[]; randomStarts?: number; prune?: string; pruneFlag?: string[]; optimize?: boolean;
  /** `--gpus IDS` and `--no-gpus` as given (commander folds both into one `gpus` value). */
  gpusGiven?: string;
  noGpusGiven?: boolean;
}

/** The launch options only this command knows, for the `run_params` attr. */
const runParams = (o: RunOptions): Record<string, YamlValue> => ({
  background: !!o.background, needed: !!o.needed, pidfile: o.pidfile ?? null, print_cmd: !!o.printCmd,
  quiet: !!o.quiet, no_wait: o.wait === false, stage: !!o.stage, edit_flags: !!o.editFlags, edit_comment: !!o.editComment, edit_batch_comment: !!o.editBatchComment, test_flags: !!o.testFlags, yes: !!o.yes,
  force_deps: !!o.forceDeps, force_flags: !!o.forceFlags, force_sourcecode: !!o.forceSourcecode, gpus: o.gpusGiven ?? null, no_gpus: !!o.noGpusGiven,
  run_id: o.runId ?? null, run_dir: o.runDir ?? null, restart: o.restart ?? null, proto: o.rerun ?? o.proto ?? null, keep_run: !!o.keepRun,
  stop_after: o.stopAfter ?? null, fail_on_trial_error: !!o.failOnTrialError,
});

/** The request fields of Guild's `-D`, `--force-flags`, `--force-deps`, `--force-sourcecode`, `--keep-run`, `--gpus`, `--no-gpus` and `--stop-after`. */
function requestExtras(o: RunOptions): Pick<RunRequest, 'forceFlags' | 'forceDeps' | 'forceSourcecode' | 'gpus' | 'keepRun' | 'stopAfter' | 'givenDeps'> {
  if (o.gpusGiven !== undefined && o.noGpusGiven) throw new UsageError('--no-gpus and --gpus cannot both be used');
  return {
    ...(o.forceFlags ? { forceFlags: true } : {}),
    ...(o.forceDeps ? { forceDeps: true } : {}),
    ...(o.dep?.length ? { givenDeps: o.dep } : {}),
    ...(o.forceSourcecode ? { forceSourcecode: true } : {}),
    ...(o.keepRun ? { keepRun: true } : {}),
    ...(o.stopAfter !== undefined ? { stopAfter: o.stopAfter } : {}),
    ...(o.gpusGiven !== undefined ? { gpus: o.gpusGiven } : o.noGpusGiven ? { gpus: null } : {}),
  };
}

/**
 * What to launch: `--start`/`--restart RUN`, or an operation with its flags. `asked`: the user
 * already confirmed (a restart rewrites the run's directory, so it asks before, not after); null
 * when they declined.
 */
async function work(home: string, opspec: string | undefined, flagArgs: string[], o: RunOptions): Promise<{ w: LaunchWork; asked: boolean } | null> {
  const comment = o.editComment ? commentTyped(o.comment, 'run') : o.comment;
  const meta = { label: o.label, tags: o.tag, comment, runParams: runParams(o), ...requestExtras(o) };
  const startSpec = o.restart ?? o.start;
  const protoSpec = o.rerun ?? o.proto;
  if (startSpec !== undefined || protoSpec !== undefined) {
    const [which, ...others] = (['start', 'restart', 'rerun', 'proto'] as const).filter((k) => o[k] !== undefined);
    if (others.length) throw new UsageError(`--${which} and --${others[0]} cannot both be used`);
    // Guild reads the operands as flags here: there is no operation to name.
    const given = opspec === undefined ? flagArgs : [opspec, ...flagArgs];
    const notFlag = given.find((a) => !a.includes('='));
    if (notFlag !== undefined) throw new GrunError(`'${notFlag}': --${which} takes a run and NAME=VALUE flags, not an operation`);
    const runs = listRuns(home);
    const target = oneRun(runs, (startSpec ?? protoSpec)!);
    if (protoSpec !== undefined) return { w: { kind: 'operation', run: protoRequest(target, { home, flagArgs: given, ...meta }) }, asked: false };
    const asked = isRestart(target, given);
    const preview = { headline: `You are about to restart ${target.operation}`, lines: [], runs: [target] };
    if (asked && !confirmLaunch('grun run --restart', o.yes)(preview)) return null;
    if (isSweepParent(target)) {
      return { w: { kind: 'trials', parent: target, runs: await prepareSweepRestart(target, runs, { home, flagArgs: given, ...meta }) }, asked };
    }
    const say = (line: string): void => void process.stderr.write(`${line}\n`);
    const run = await prepareStart(target, { home, flagArgs: given, ...meta }, { maxTrials: o.maxTrials, needed: !!o.needed, say });
    if (!run) {
      process.stdout.write('Skipping run because flags have not changed (--needed specified)\n');
      return null;
    }
    return { w: { kind: 'staged', run, ...(o.forceDeps ? { forceDeps: true } : {}) }, asked };
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
  const run: RunRequest = {
    home, cwd: process.cwd(), opspec, flagArgs, ...meta,
    ...(o.runId !== undefined ? { runId: o.runId } : {}),
    ...(o.runDir !== undefined ? { runDir: o.runDir } : {}),
    ...(o.helpOp ? { describeOnly: true } : {}),
  };
  if (o.editFlags) run.flagArgs = await editedFlagArgs(run);
  return { w: { kind: 'operation', run }, asked: false };
}

/** `--opt-flag` / `--prune-flag NAME=VALUE` (values read as YAML). */
function settingFlags(option: string, args: string[] = []): Record<string, YamlValue> {
  const flags: Record<string, YamlValue> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new GrunError(`invalid ${option} '${a}': expected NAME=VALUE`);
    flags[a.slice(0, eq)] = parseYaml11(a.slice(eq + 1)) as YamlValue;
  }
  return flags;
}

/** The optimizer's settings: `--opt-flag` and `--random-starts N`. */
function optFlags(o: RunOptions): Record<string, YamlValue> {
  const flags = settingFlags('--opt-flag', o.optFlag);
  if (o.randomStarts !== undefined) flags['random-starts'] = o.randomStarts;
  return flags;
}

/** `--batch-label/-tag/-comment` (`-ebc`: typed), or nothing when none is given. */
function batchMeta(o: RunOptions): BatchMeta | undefined {
  if (o.batchLabel === undefined && o.batchTag === undefined && o.batchComment === undefined && !o.editBatchComment) return undefined;
  return { label: o.batchLabel, tags: o.batchTag, comment: o.editBatchComment ? commentTyped(o.batchComment, 'batch') : o.batchComment };
}

/** Guild's `-ec`/`-ebc`: the run's or batch's comment typed in the editor, `given` its start. */
const commentTyped = (given: string | undefined, what: 'run' | 'batch'): string =>
  typedComment([given ?? '', `# Type a comment for the ${what}. Lines starting with '#' are ignored.`, '# An empty comment aborts the command.'].join('\n'));

/**
 * Guild's `-e/--edit-flags`: the run's flags as planned (defaults, dependencies' runs), each
 * with its description and choices, edited as YAML; what was saved replaces them. Nothing
 * saved, or an empty text, keeps them; text that is not a mapping of flags is refused, or
 * edited again if the user says so.
 */
async function editedFlagArgs(req: RunRequest): Promise<string[]> {
  const plan = await planRun(req);
  if (Object.keys(plan.flags).length === 0) return req.flagArgs;
  let text = flagsEditText(plan);
  for (;;) {
    const edited = editText(text, '.yml');
    if (edited === null || !edited.trim()) return req.flagArgs;
    try {
      const flags = parseYaml11(edited);
      if (!flags || typeof flags !== 'object' || Array.isArray(flags)) throw new Error('expected a mapping of flag names to values');
      return Object.entries(flags).map(([k, v]) => `${k}=${formatFlagValue(v as YamlValue)}`);
    } catch (e) {
      process.stderr.write(`Error reading flags: ${termSafe((e as Error).message)}\n`);
      if (!confirm('Would you like to re-edit these flags?', true)) throw new GrunError('the flags were not changed: the run was not started');
      text = edited;
    }
  }
}

async function runCommand(cmd: Command, opspec: string | undefined, flagArgs: string[], o: RunOptions): Promise<void> {
  const home = homeOf(cmd);
  const startSpec = o.restart !== undefined ? 'restart' : o.start !== undefined ? 'start' : null;
  if (o.testSourcecode && startSpec) throw new UsageError(`--test-sourcecode cannot be used with --${startSpec}`);
  // a built-in optimizer named where no operation of the project is (`grun run skopt:random --help-op`)
  const optimizerHelp =
    o.helpOp && opspec !== undefined && !listOperations(process.cwd()).some((d) => d.name === opspec)
      ? (await import('../engine/optimize/optimizer.js')).optimizerFlagDefs(opspec)
      : null;
  if (optimizerHelp) {
    printLines(optimizerHelpLines(optimizerHelp.operation, optimizerHelp.flags));
    return;
  }
  if (o.helpModel) {
    const gf = loadGuildfile(process.cwd());
    const spec = opspec ?? (gf && defaultOperation(gf));
    const found = gf && spec ? findOperation(gf, spec) : null;
    if (!found) throw new GrunError(`--help-model: ${spec ? `no operation '${spec}' in` : 'no operation given and no default one in'} ${gf?.path ?? `${process.cwd()} (no guild.yml)`}`);
    printLines(modelHelpLines(found.model));
    return;
  }
  const what = await work(home, opspec, flagArgs, o);
  if (!what) return;
  const { w, asked } = what;
  if (o.testSourcecode && w.kind === 'operation') {
    printLines(sourceCodeReportLines(await describeSourceCode(w.run), startDir()));
    return;
  }
  const testsOutput = o.testOutputScalars !== undefined ? 'scalars' : o.testOutputAttrs !== undefined ? 'attrs' : null;
  const trialsOut = o.printTrials ? 'print' : o.saveTrials !== undefined ? 'save' : null;
  if (w.kind === 'operation' && o.helpOp) {
    const op = await describeOperationFlags(w.run);
    printLines(opHelpLines(op, listOperations(op.projectDir).find((d) => d.name === op.operation)?.description ?? ''));
    return;
  }
  if (w.kind === 'operation' && (o.printCmd || o.printEnv || o.testFlags || testsOutput || trialsOut)) {
    const plan = await planRun(w.run);
    if (trialsOut) {
      const trials = previewTrials(plan, { optimizer: o.optimizer, maxTrials: o.maxTrials, seed: o.randomSeed ?? newSeed() });
      if (trials === null) throw new GrunError(`cannot ${trialsOut} trials for a non-batch operation`);
      if (trials === undefined) throw new GrunError(`cannot ${trialsOut} the trials of optimizer '${o.optimizer}': it chooses each trial from the results of those before`);
      const { printTrials, saveTrials } = await import('./trials.js');
      if (trialsOut === 'print') printTrials(trials);
      else saveTrials(trials, o.saveTrials!);
      return;
    }
    if (testsOutput) {
      const { testOutput } = await import('./test-output.js');
      await testOutput(testsOutput === 'scalars' ? plan.outputScalars : plan.outputAttrs, testsOutput, (o.testOutputScalars ?? o.testOutputAttrs)!);
      return;
    }
    if (o.printCmd) printLines(commandLines(plan, { optimizer: o.optimizer, maxTrials: o.maxTrials, seed: o.randomSeed ?? newSeed() }));
    else if (o.printEnv) printLines(envLines(plan).map(termSafe));
    else process.stdout.write(encodeYaml(plan.flags));
    return;
  }
  // --pidfile implies --background
  const mode: LaunchMode = o.stage ? 'stage' : o.background || o.pidfile ? 'background' : 'foreground';
  const { executor, remote, maxParallel, pidfile, maxTrials, optimizer, randomSeed, keepBatch, stageTrials } = o;
  const req: LaunchRequest = {
    home, work: w, executor, remote, mode, noWait: o.wait === false, memo: !!o.memo, noMemo: o.memo === false, needed: !!o.needed, maxParallel, pidfile, quiet: !!o.quiet,
    sweep: { maxTrials, optimizer, optimize: o.optimize, randomSeed, keepBatch, stageTrials, minimize: o.minimize, maximize: o.maximize, prune: o.prune, pruneFlags: settingFlags('--prune-flag', o.pruneFlag), optFlags: optFlags(o), batch: batchMeta(o) },
  };
  const confirm = asked ? () => true : confirmLaunch(o.start ? 'grun run --start' : `grun run ${opspec}`, o.yes);
  const r = await launch(req, { stdout: process.stdout, stderr: process.stderr, confirm });
  if (r.skippedFor) {
    process.stdout.write(
      'Skipping because the following runs match this operation (--needed specified):\n' + previewLines(r.skippedFor).join('\n') + '\n',
    );
  }
  if (r.exitCode !== undefined) process.exitCode = r.exitCode;
  // What the supervisor could not record (a full disk): said, and the run's record is incomplete.
  const only = r.runs.length === 1 ? r.runs[0]! : null;
  if (mode === 'foreground' && only && r.exitCode !== undefined) {
    const failure = readFailureNote(only.dir);
    if (failure) {
      process.stderr.write(`grun: run ${only.id}: ${failure}\n`);
      process.exitCode ||= 1;
    }
  }
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
    .option('--restart <run>', 'run a run again in its own directory, with its flags (NAME=VALUE overrides); a sweep: its failed and stopped (not pruned) trials')
    .option('--rerun <run>', "start a new run of a run's operation with its flags (NAME=VALUE overrides)")
    .option('--proto <run>', "Guild's name for --rerun")
    .option('-l, --label <label>', 'label for the run')
    .option('-t, --tag <tag>', 'tag for the run (repeatable)', collect)
    .option('-c, --comment <comment>', 'comment for the run')
    .option('--edit-comment', "type the run's comment in an editor ($VISUAL, $EDITOR; -ec), --comment its start")
    .option('--edit-batch-comment', "type a sweep's batch comment in an editor (-ebc)")
    .option('-e, --edit-flags', "review and change the run's flags in an editor, as YAML")
    .option('--batch-label <label>', "label of a sweep's batch run (-bl)")
    .option('--batch-tag <tag>', "tag of a sweep's batch run (-bt, repeatable)", collect)
    .option('--batch-comment <comment>', "comment of a sweep's batch run (-bc)")
    .option('-b, --background', 'run in the background and return at once')
    .option('--pidfile <path>', "write the run supervisor's pid here (implies --background)")
    .option('--needed', 'skip when a completed run of the operation with the same flags exists')
    .option('--print-cmd', 'print the command the run would execute and exit')
    .option('--print-env', "print the environment the run's command would get (besides this one's) and exit")
    .option('--print-trials', "print the trials a sweep would run (each one's flags) and exit")
    .option('--save-trials <path>', 'save the trials a sweep would run to PATH (.csv, .json, or no extension: CSV) and exit')
    .option('--help-op', "show the operation's description and flags, and exit")
    .option('--help-model', "show the operations and resources of the operation's model, and exit")
    .option('-f, --force-flags', 'accept flags the operation does not define')
    .option('--force-deps', 'go on when a dependency cannot be resolved: it is warned of and left out')
    .option('-D, --dep <path>', 'link PATH into the run as a dependency (repeatable)', collect)
    .option('--force-sourcecode', "with --restart: copy the project's source code again")
    .option('--gpus <ids>', 'GPUs the run sees (CUDA_VISIBLE_DEVICES), e.g. 0,1')
    .option('--no-gpus', 'the run sees no GPU (CUDA_VISIBLE_DEVICES empty)')
    .option('--fail-on-trial-error', 'stop a sweep when a trial ends in error (the trials left can be started later)')
    .option('--stop-after <minutes>', 'stop the run once it has run this many minutes (TERM, then KILL 30 s later)', minutesOption('--stop-after'))
    .option('--test-flags', 'print the resolved flags and exit')
    .option('--test-sourcecode', 'show which project files the run would copy as source code, and why, and exit')
    .option('--test-output-scalars <path>', "try the operation's output-scalar patterns on each line of PATH ('-': stdin), show what they match, and exit")
    .option('--test-output-attrs <path>', "try the operation's output-attr patterns on each line of PATH ('-': stdin), show what they match, and exit")
    .option('-q, --quiet', "do not print the run's output")
    .option('-r, --remote <name>', 'run on a remote from config.yml (ssh: supervised there, followed here to its end; slurm: as a job)')
    .option('-n, --no-wait', 'with an ssh --remote: start the run there and return')
    .option('--executor <name>', 'where the run executes: local (default) or slurm')
    .option('--run-id <id>', 'use this id for the run instead of a new one')
    .option('-d, --run-dir <dir>', 'run in this directory instead of one in the Guild home (the run is not listed)')
    .option('-m, --max-trials <n>', 'trials of a sweep: a random sample of a grid, or the size of a random search (also --trials)', positiveIntOption('--max-trials'))
    .option('-o, --optimizer <name>', 'sweep optimizer: random, gp (bayesian, gaussian) or tpe')
    .option('-O, --optimize', "use the operation's default optimizer (guild.yml optimizers:)")
    .option('-N, --minimize <column>', "objective to minimize (Guild's column syntax: loss, 'min loss')")
    .option('-X, --maximize <column>', "objective to maximize (Guild's column syntax: acc, 'last val_acc')")
    .option('--opt-flag <name=value>', 'optimizer setting (random-starts, acq-func, xi, kappa, noise; -Fo as in Guild)', collect, [])
    .option('--random-starts <n>', 'trials drawn at random before the optimizer learns', positiveIntOption('--random-starts'))
    .option('--prune <name>', 'stop trials early on their scalars: median or asha')
    .option('--prune-flag <name=value>', 'pruner setting (median: warmup-steps, startup-trials; asha: min-resource, reduction-factor)', collect, [])
    .option('--random-seed <seed>', 'seed of the sweep (sampling, random search, child seeds)')
    .option('--stage-trials', 'stage the trials of a sweep instead of running them')
    .option('--keep-run', "keep the run of a delete-on-success operation (Guild moves it to the trash when it completes)")
    .option('--keep-batch', 'keep a successful sweep\'s batch run (Guild moves it to the trash)')
    .option('--max-parallel <n>', 'trials of a sweep run at once (default 1; on Slurm, the job array\'s throttle); steps of a pipeline at once (default: every ready step)', positiveIntOption('--max-parallel'))
    .option('--memo', 'reuse a completed run with the same operation, source, flags and inputs instead of running')
    .option('--no-memo', 'run every step of a pipeline, even one whose inputs a completed run has (steps are memoized by default)');
  run.on('option:gpus', (v: string) => run.setOptionValue('gpusGiven', v));
  run.on('option:no-gpus', () => run.setOptionValue('noGpusGiven', true));
  run.action(async (opspec: string | undefined, flags: string[], o: RunOptions, cmd: Command) => runCommand(cmd, opspec, flags, o));
}
