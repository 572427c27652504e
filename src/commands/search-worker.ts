// `grun __search <batchDir>`: the hidden mode that drives a search started in the background
// (engine/search.ts), its lines appended to the batch run's output as a Guild batch's are.
import type { Command } from 'commander';
import { join } from 'node:path';
import { driveSearch } from '../engine/search.js';
import { OutputWriter } from '../store/output.js';
import { homeOf } from './run-args.js';

export function register(program: Command): void {
  program
    .command('__search', { hidden: true })
    .argument('<batchDir>')
    .action(async (batchDir: string, _o: unknown, cmd: Command) => {
      const out = new OutputWriter(join(batchDir, '.guild'));
      try {
        const ok = await driveSearch(batchDir, homeOf(cmd), (line) => void out.write(0, Buffer.from(line + '\n')));
        process.exitCode = ok ? 0 : 1;
      } finally {
        out.close();
      }
    });
}
