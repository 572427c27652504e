// `grun __batch <batchDir>`: the hidden mode that is a background batch run's own process
// (engine/batch-process.ts): it starts the batch's trials and records the batch's end.
import type { Command } from 'commander';
import { driveBatch } from '../engine/batch-process.js';
import { homeOf } from './run-args.js';

export function register(program: Command): void {
  program
    .command('__batch', { hidden: true })
    .argument('<batchDir>')
    .action(async (batchDir: string, _o: unknown, cmd: Command) => {
      process.exitCode = (await driveBatch(batchDir, homeOf(cmd))) ? 0 : 1;
    });
}
