// `grun __supervise <runDir> --job FILE`: the hidden mode the engine starts detached to own a
// run's process. Its own module so that a supervisor loads nothing but the supervisor.
import type { Command } from 'commander';
import { supervise } from '../engine/supervisor.js';

export function register(program: Command): void {
  program
    .command('__supervise', { hidden: true })
    .argument('<runDir>')
    .requiredOption('--job <file>')
    .action(async (runDir: string, o: { job: string }) => {
      process.exitCode = await supervise(runDir, o.job);
    });
}
