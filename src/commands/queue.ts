// `grun queue [RUN...] [--max-parallel N] [--gpus 0,1] [--once] [--poll S]`: the scheduler in
// the foreground. Without RUN it serves every staged run of the home until interrupted (or,
// with --once, until the queue is empty); with RUN (a parent stands for its children) it
// serves those runs and ends when they have all ended.
import type { Command } from 'commander';
import { withChildren } from '../engine/run-family.js';
import { parseGpuList, runScheduler } from '../engine/queue.js';
import { GrunError } from '../store/errors.js';
import { listRuns } from '../store/index.js';
import { selectRuns } from '../store/select.js';
import { homeOf, positiveIntOption } from './run-args.js';

interface QueueOptions {
  maxParallel?: number;
  gpus?: string;
  once?: boolean;
  poll?: string;
}

function pollSeconds(text: string | undefined): number {
  if (text === undefined) return 2;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new GrunError(`invalid value '${text}' for --poll: expected seconds above 0`);
  return n;
}

function timestamp(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

async function queueCommand(cmd: Command, specs: string[], o: QueueOptions): Promise<void> {
  const home = homeOf(cmd);
  const maxParallel = o.maxParallel ?? 1;
  const gpus = o.gpus !== undefined ? parseGpuList(o.gpus) : undefined;
  let only: Set<string> | undefined;
  if (specs.length) {
    const all = listRuns(home);
    only = new Set(withChildren(selectRuns(all, specs), all).map((r) => r.id));
  }
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const result = await runScheduler({
      home,
      maxParallel,
      ...(gpus ? { gpus } : {}),
      once: !!o.once,
      pollSeconds: pollSeconds(o.poll),
      ...(only ? { only } : {}),
      signal: abort.signal,
      log: (line) => process.stdout.write(`${timestamp()} ${line}\n`),
    });
    process.stdout.write(`${timestamp()} Scheduler done: ${result.started.length} started, ${result.failed.length} failed to start\n`);
    if (result.failed.length) process.exitCode = 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export function register(program: Command): void {
  program
    .command('queue')
    .description('Start staged runs first come, first served, as slots and GPUs allow')
    .argument('[RUN...]', 'only these runs (a parent stands for its children); ends when they have ended')
    .option('--max-parallel <n>', 'runs at once (default 1)', positiveIntOption('--max-parallel'))
    .option('--gpus <ids>', 'GPUs to hand out through CUDA_VISIBLE_DEVICES, e.g. 0,1', (v: string) => (parseGpuList(v), v))
    .option('--once', 'end when no staged run is left and the runs started have ended')
    .option('--poll <seconds>', 'how often to look for newly staged runs (default 2)')
    .action(async (specs: string[], o: QueueOptions, c: Command) => queueCommand(c, specs, o));
}
