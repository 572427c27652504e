// `grun operations`: what can be run in the project: its guild.yml operations, else its scripts.
import type { Command } from 'commander';
import { listOperations } from '../engine/operations.js';
import { formatTable, printLines } from './format.js';

export function register(program: Command): void {
  program
    .command('operations')
    .alias('ops')
    .description('List the operations of the project in the current directory')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      // As Guild: a project with a guild.yml lists its operations only, sorted by name.
      const all = listOperations(process.cwd());
      const declared = all.filter((op) => op.kind === 'guildfile');
      const ops = declared.length ? declared.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : all;
      for (const op of ops) if (op.warning) process.stderr.write(`WARNING: ${op.warning}\n`);
      if (o.json) {
        process.stdout.write(JSON.stringify(ops, null, 2) + '\n');
        return;
      }
      printLines(formatTable(ops.map((op) => [op.name, op.description])));
    });
}
