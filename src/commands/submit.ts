// `grun submit path/run.json [name=value ...]` and `grun submit OP name=value ...`: an Accio
// run definition (a file, inline JSON or an operation) with its overrides, as a launch request
// to the engine's launch service, which checks it as a whole before anything is created,
// expands it to one run or a parent with its children (a Guild batch), memoizes, then queues.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { launch } from '../engine/launch/service.js';
import { scriptKind } from '../engine/operations.js';
import { parseGpuList } from '../engine/queue.js';
import type { SubmitSource } from '../engine/sweep/rundef.js';
import { GrunError } from '../store/errors.js';
import { normalizeSingleDashFlags } from './argv.js';
import { confirmLaunch, homeOf, positiveIntOption } from './run-args.js';

/**
 * The first argument: a definition file, inline JSON, or an operation name (Accio's rule),
 * where a script (`train.py`) is an operation even though it is a file.
 */
function readSubmitSource(arg: string): SubmitSource {
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

interface SubmitOptions {
  name?: string; notes?: string; tags?: string; repeat?: string; seed?: string; memo?: boolean; yes?: boolean;
  stage?: boolean; maxParallel?: number; gpus?: string; executor?: string; remote?: string;
}

async function submitCommand(cmd: Command, source: string, params: string[], o: SubmitOptions): Promise<void> {
  const home = homeOf(cmd);
  const { name, notes, repeat, seed } = o;
  const overrides = { name, notes, repeat, seed, params, tags: o.tags?.split(',') };
  await launch(
    {
      home,
      work: { kind: 'submission', cwd: process.cwd(), source: readSubmitSource(source), overrides },
      executor: o.executor,
      remote: o.remote,
      mode: o.stage ? 'stage' : 'background',
      memo: o.memo !== false,
      maxParallel: o.maxParallel,
      gpus: o.gpus !== undefined ? parseGpuList(o.gpus) : undefined,
    },
    { stdout: process.stdout, confirm: confirmLaunch('grun submit', o.yes) },
  );
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
