// `grun operations`: what can be run in the project (guild.yml operations, then scripts).
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
      const ops = listOperations(process.cwd());
      if (o.json) {
        process.stdout.write(JSON.stringify(ops, null, 2) + '\n');
        return;
      }
      printLines(formatTable(ops.map((op) => [op.name, op.description])));
    });
}
