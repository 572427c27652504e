// `grun submit path/run.json [name=value ...]` and `grun submit OP name=value ...`: an Accio
// run definition, checked as a whole before anything is created, expanded to one run or a
// parent with its children (a Guild batch), memoized, then queued. Also the glue that lets
// `grun run OP lr=[0.1,0.2]` make a sweep (`addSweepOptions`, `runSweep`).
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { termSafe } from '../store/terminal-text.js';
import { createGuildSweep, createSubmission, stagedChildWriter, type CreatedSweep } from '../engine/batch.js';
import { executorFor, type OutputFollower } from '../engine/executor.js';
import { memoChildWriter } from '../engine/memo.js';
import { scriptKind } from '../engine/operations.js';
import { planRun } from '../engine/plan.js';
import type { RunPlan } from '../engine/plan-types.js';
import { parseGpuList, runScheduler, spawnScheduler } from '../engine/queue.js';
import { expandRuns, type Expansion } from '../engine/sweep/expand.js';
import { parseJsonText } from '../engine/sweep/json-text.js';
import {
  resolveRunDefinition,
  type OperationFlags,
  type SubmitSource,
} from '../engine/sweep/rundef.js';
import { parseSeed } from '../engine/sweep/seeds.js';
import { getRemote, type RemoteConfig, type SlurmRemote } from '../engine/remote/config.js';
import { slurmChildWriter, submitSweep } from '../engine/slurm/executor.js';
import { GrunError } from '../store/errors.js';
import { normalizeSingleDashFlags } from './argv.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { isMarkedFloat } from '../store/yaml11.js';
import { loadRun } from '../store/index.js';
import type { Run } from '../store/types.js';
import { confirm, homeOf, positiveIntOption } from './run-args.js';

/**
 * The first argument: a definition file, inline JSON, or an operation name (Accio's rule),
 * where a script (`train.py`) is an operation even though it is a file.
 */
export function readSubmitSource(arg: string): SubmitSource {
  if (existsSync(arg) && statSync(arg).isFile() && !scriptKind(arg)) {
    try {
      return { kind: 'json', text: readFileSync(arg, 'utf8') };
    } catch (e) {
      throw new GrunError(`cannot read run definition ${arg}: ${(e as Error).message}`, 2);
    }
  }
  if (arg.trimStart().startsWith('{')) return { kind: 'json', text: arg };
  return { kind: 'operation', name: arg };
}

/** The `workflow` a definition names, read loosely (the full check reports any problem). */
function workflowOf(source: SubmitSource): string | null {
  if (source.kind === 'operation') return source.name;
  try {
    const json = parseJsonText(source.text);
    if (json && typeof json === 'object' && !Array.isArray(json) && typeof json.workflow === 'string') {
      return json.workflow.trim() || null;
    }
  } catch {
    // invalid JSON: reported with its position by resolveRunDefinition
  }
  return null;
}

/**
 * The operation's plan with its flag definitions, whatever its required flags: planRun
 * insists on a value for each, so each one it names gets a placeholder (a flag function,
 * which planRun takes without typing); every flag is then set per run by planTrial.
 * Null when there is no such operation.
 */
export async function planOperation(home: string, cwd: string, opspec: string): Promise<RunPlan | null> {
  const flagArgs: string[] = [];
  for (;;) {
    try {
      return await planRun({ home, cwd, opspec, flagArgs: [...flagArgs] });
    } catch (e) {
      const msg = (e as Error).message;
      if (/^cannot find operation /.test(msg)) return null;
      const m = /^missing required flag '([^']+)'/.exec(msg);
      if (!m || flagArgs.length > 1000) throw e;
      flagArgs.push(`${m[1]}=uniform[0:1]`);
    }
  }
}

interface SubmitOptions {
  name?: string;
  notes?: string;
  tags?: string;
  repeat?: string;
  seed?: string;
  memo?: boolean;
  yes?: boolean;
  stage?: boolean;
  maxParallel?: number;
  gpus?: string;
  executor?: string;
  remote?: string;
}

/** Where runs are sent instead of grun's scheduler here: Slurm, through a `type: slurm` remote or not. */
export interface SlurmTarget {
  remote?: SlurmRemote;
}

/**
 * `--executor local|slurm` and a remote from config.yml, checked: a Slurm target, or null for
 * here. `remote` is the configured remote, already looked up; an ssh one is not a Slurm target.
 */
export function slurmTarget(executor: string | undefined, remote: RemoteConfig | null): SlurmTarget | null {
  if (executor !== undefined && executor !== 'local' && executor !== 'slurm') {
    throw new GrunError(`--executor '${executor}': expected local or slurm`);
  }
  if (remote && remote.type !== 'slurm') {
    throw new GrunError(`remote '${remote.name}' is an ssh remote: sweeps and submissions go to a remote of type: slurm`);
  }
  if (remote && executor === 'local') throw new GrunError(`--executor local and --remote ${remote.name} (slurm) contradict each other`);
  return remote || executor === 'slurm' ? (remote ? { remote } : {}) : null;
}

/** Sends what a sweep made to Slurm and says which jobs run it. */
async function submitToSlurm(home: string, created: CreatedSweep, proto: RunPlan, target: SlurmTarget, maxParallel?: number): Promise<void> {
  const { runs, arrayJobIds } = await submitSweep(created, proto, {
    home,
    ...(target.remote ? { remote: target.remote } : {}),
    ...(maxParallel !== undefined ? { maxParallel } : {}),
  });
  if (runs.length === 0) return;
  const jobs = arrayJobIds.length
    ? `job array${arrayJobIds.length > 1 ? 's' : ''} ${arrayJobIds.join(', ')}`
    : `job ${runs.map((r) => r.jobId).join(', ')}`;
  const throttle = maxParallel !== undefined && arrayJobIds.length ? `, at most ${maxParallel} at once` : '';
  process.stdout.write(`Submitted ${runs.length} run(s) to Slurm as ${jobs}${throttle}\n`);
}

/** Enter (or y) goes; without a terminal there is nobody to ask, so -y is needed. */
function confirmed(lines: string[], yes: boolean | undefined): boolean {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new GrunError('grun submit needs a confirmation and stdin is not a terminal: add -y/--yes to go ahead');
  process.stdout.write(lines.join('\n') + '\n');
  return confirm('Continue?', true);
}

function previewOf(exp: Expansion, operation: string): string[] {
  const lines =
    exp.kind === 'single'
      ? [`You are about to submit ${operation} as one run:`]
      : [`You are about to submit ${operation} as a parent with ${exp.runs.length} child runs:`];
  const first = exp.runs[0]!;
  for (const name of Object.keys(first.flags)) {
    if (exp.varying.includes(name)) {
      const values = [...new Set(exp.runs.map((r) => formatFlagValue(r.flags[name]!, { float: isMarkedFloat(r.flags, name) })))];
      lines.push(`  ${name}: ${values.join(', ')}`);
    } else lines.push(`  ${name}: ${formatFlagValue(first.flags[name]!, { float: isMarkedFloat(first.flags, name) })}`);
  }
  if (exp.repeat > 1) lines.push(`  (each ${exp.repeat} times)`);
  lines.push(`  seed: ${exp.seed}`);
  return lines;
}

function printCreated(created: CreatedSweep): void {
  const all = [...(created.parent ? [created.parent] : []), ...created.children];
  const out = all.map((r) => `Created run ${r.id}${r.memoOf ? ` (memoized: outputs of ${r.memoOf})` : ''}\n`);
  if (all.length > 1) out.push(`Created ${all.length} runs successfully\n`);
  process.stdout.write(out.join(''));
}

/** Queues what was made: a detached scheduler for these runs, unless they stay staged. */
function schedule(home: string, created: CreatedSweep, o: { stage?: boolean; maxParallel?: number; gpus?: string }): void {
  const waiting = created.children.filter((c) => !c.memoOf);
  if (o.stage || waiting.length === 0) {
    if (waiting.length) process.stdout.write(`Staged ${waiting.length} run(s): start them with 'grun queue'\n`);
    return;
  }
  const target = created.parent ? created.parent.id : waiting[0]!.id;
  const gpus = o.gpus !== undefined ? parseGpuList(o.gpus) : undefined;
  const pid = spawnScheduler(home, [target], { maxParallel: o.maxParallel ?? 1, ...(gpus ? { gpus } : {}) });
  process.stdout.write(`Scheduling ${waiting.length} run(s) in the background (scheduler pid ${pid})\n`);
}

async function submitCommand(cmd: Command, source: string, params: string[], o: SubmitOptions): Promise<void> {
  const home = homeOf(cmd);
  const slurm = slurmTarget(o.executor, o.remote ? getRemote(home, o.remote) : null);
  if (slurm && (o.stage || o.gpus !== undefined)) {
    throw new GrunError(`${o.stage ? '--stage' : '--gpus'} and Slurm do not go together: Slurm queues the runs and hands out GPUs itself`);
  }
  const src = readSubmitSource(source);
  const workflow = workflowOf(src);
  const proto = workflow === null ? null : await planOperation(home, process.cwd(), workflow);
  const lookup = (name: string): OperationFlags | null => (proto && name === workflow ? { flags: proto.flagDefs } : null);
  const def = resolveRunDefinition(
    src,
    {
      ...(o.name !== undefined ? { name: o.name } : {}),
      ...(o.notes !== undefined ? { notes: o.notes } : {}),
      ...(o.tags !== undefined ? { tags: o.tags.split(',') } : {}),
      ...(o.repeat !== undefined ? { repeat: o.repeat } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      params,
    },
    lookup,
  );
  const exp = expandRuns(def);
  if (!confirmed(previewOf(exp, proto!.operation), o.yes)) return;
  const memo = memoChildWriter(home, { reuse: o.memo !== false });
  const created = createSubmission(home, proto!, exp, { write: slurm ? slurmChildWriter(memo) : memo });
  if (slurm) await submitToSlurm(home, created, proto!, slurm, o.maxParallel);
  printCreated(created);
  if (!slurm) schedule(home, created, o);
}

export function register(program: Command): void {
  const cmd = program
    .command('submit')
    .description('Submit a run definition (JSON file or inline) or an operation with params: one run, or a sweep')
    .argument('<definition>', 'run definition file (.json), inline JSON, or an operation name')
    .argument('[params...]', 'param values as NAME=VALUE (they override the definition)')
    .option('--name <name>', 'name of the run (of the parent, for a sweep)')
    .option('--notes <text>', 'notes')
    .option('--tags <a,b>', 'tags, comma separated (added to the definition\'s)')
    .option('--repeat <n>', 'run each combination N times')
    .option('--seed <seed>', 'seed (64-bit integer); a sweep draws its children\'s from it')
    .option('--no-memo', 'run even when a completed run has the same inputs')
    .option('--stage', 'only create the runs: they wait for `grun queue`')
    .option('--max-parallel <n>', 'runs at once for the scheduler started for them (default 1)', positiveIntOption('--max-parallel'))
    .option('--gpus <ids>', 'GPUs the scheduler hands out (CUDA_VISIBLE_DEVICES), e.g. 0,1', (v: string) => (parseGpuList(v), v))
    .option('--executor <name>', 'where the runs execute: local (default) or slurm (a sweep is one job array)')
    .option('-r, --remote <name>', 'a remote of type: slurm from config.yml (partition, account, time, sbatch options)')
    .option('-y, --yes', 'submit without the preview and confirmation')
    .action(async (definition: string, params: string[], o: SubmitOptions, c: Command) =>
      submitCommand(c, definition, params, o),
    );
  // Accio's single-dash long flags (`-name=x`, `-repeat 3`)
  const parse = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (argv: string[]) => parse(normalizeSingleDashFlags(argv));
}

/** `grun run` options of a Guild-syntax sweep. */
export interface SweepRunOptions {
  yes?: boolean;
  maxTrials?: number;
  optimizer?: string;
  randomSeed?: string;
  stageTrials?: boolean;
  keepBatch?: boolean;
  maxParallel?: number;
  background?: boolean;
  quiet?: boolean;
  memo?: boolean;
  /** Send the trials to Slurm as a job array instead of running them here. */
  slurm?: SlurmTarget;
}

/** Adds the sweep (and memo) options to `grun run`. */
export function addSweepOptions(cmd: Command): Command {
  return cmd
    .option('-m, --max-trials <n>', 'trials of a sweep: a random sample of a grid, or the size of a random search', positiveIntOption('--max-trials'))
    .option('-o, --optimizer <name>', 'sweep optimizer: random')
    .option('--random-seed <seed>', 'seed of the sweep (sampling, random search, child seeds)')
    .option('--stage-trials', 'stage the trials of a sweep instead of running them')
    .option('--keep-batch', 'keep a successful sweep\'s batch run (Guild moves it to the trash)')
    .option('--max-parallel <n>', 'trials of a sweep run at once (default 1; on Slurm, the job array\'s throttle)', positiveIntOption('--max-parallel'))
    .option('--memo', 'reuse a completed run with the same operation, source, flags and inputs instead of running');
}

/** Follows the output of the trials it is told about, printing their completed lines. */
class TrialOutput {
  private readonly followers = new Map<string, OutputFollower>();

  add(run: Run): void {
    this.followers.set(run.id, executorFor(run).followOutput(run));
  }

  flush(id?: string): void {
    for (const [runId, f] of this.followers) {
      if (id !== undefined && runId !== id) continue;
      for (const line of f.poll()) (line.stream === 1 ? process.stderr : process.stdout).write(line.text + '\n');
    }
    if (id !== undefined) this.followers.delete(id);
  }
}

/**
 * `grun run OP lr=[0.1,0.2]`: the batch and its trials, then (unless staged or in the
 * background) the trials run here, one at a time by default, their output printed, Ctrl-C
 * interrupting the running ones and leaving the rest staged (as a Guild batch leaves them
 * pending).
 */
export async function runSweep(home: string, plan: RunPlan, o: SweepRunOptions): Promise<void> {
  const randomSeed = o.randomSeed === undefined ? undefined : parseSeed(o.randomSeed);
  if (randomSeed === null) throw new GrunError(`invalid value '${o.randomSeed}' for --random-seed: expected a 64-bit integer`);
  if (!o.yes) {
    const lines = [`You are about to run ${plan.operation} as a batch (${Object.keys(plan.sweeps).join(', ')} swept)`];
    for (const [name, v] of Object.entries(plan.flags)) lines.push(`  ${name}: ${formatFlagValue(v)}`);
    if (!confirmed(lines, o.yes)) return;
  }
  if (o.slurm && o.stageTrials) {
    throw new GrunError('--stage-trials and Slurm do not go together: Slurm queues the trials itself');
  }
  const local = o.memo ? memoChildWriter(home, { reuse: true }) : stagedChildWriter;
  const write = o.slurm ? slurmChildWriter(local) : local;
  const created = createGuildSweep(plan, {
    home,
    ...(o.maxTrials !== undefined ? { maxTrials: o.maxTrials } : {}),
    ...(o.optimizer !== undefined ? { optimizer: o.optimizer } : {}),
    ...(randomSeed !== undefined ? { randomSeed } : {}),
    keepBatch: !!o.keepBatch,
    stageTrials: !!o.stageTrials,
    write,
  });
  if (o.slurm) await submitToSlurm(home, created, plan, o.slurm, o.maxParallel);
  const verb = o.stageTrials ? 'Staged' : 'Created';
  const out = created.children.map((c) => `${verb} trial ${c.id}${c.memoOf ? ` (memoized: outputs of ${c.memoOf})` : ''}\n`);
  process.stdout.write(`Batch ${created.parent!.id}: ${created.children.length} trials\n${out.join('')}`);
  if (o.stageTrials || o.slurm) return;
  if (o.background) return schedule(home, created, { maxParallel: o.maxParallel ?? 1 });
  const output = new TrialOutput();
  const running = new Map<string, Run>();
  const abort = new AbortController();
  const onInt = (): void => {
    abort.abort();
    for (const run of running.values()) executorFor(run).interrupt(run);
  };
  process.on('SIGINT', onInt);
  const ticker = setInterval(() => !o.quiet && output.flush(), 100);
  try {
    const result = await runScheduler({
      home,
      maxParallel: o.maxParallel ?? 1,
      only: new Set(created.children.filter((c) => !c.memoOf).map((c) => c.id)),
      pollSeconds: 0.5,
      signal: abort.signal,
      onStarted: (run) => {
        running.set(run.id, run);
        process.stdout.write(termSafe(`INFO: [grun] Running trial ${run.id}: ${run.operation} (${run.label ?? ''})`) + '\n');
        if (!o.quiet) output.add(run);
      },
      onEnded: (run) => {
        running.delete(run.id);
        if (!o.quiet) output.flush(run.id);
        if (run.status !== 'completed') process.stdout.write(`INFO: [grun] Trial ${run.id} ended: ${run.status}\n`);
      },
    });
    if (result.failed.length) throw new GrunError(`could not start trial(s) ${result.failed.join(', ')}`);
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onInt);
  }
  const statuses = created.children.map((c) => (existsSync(c.dir) ? loadRun(c.dir).status : 'completed'));
  if (statuses.some((s) => s !== 'completed')) process.exitCode = 1;
}
