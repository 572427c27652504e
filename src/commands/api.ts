// `grun api compare [RUN...] [-f/--format] [--include-batch]`: Guild's `api compare`, the
// comparison as JSON rows for programs (the header first, each row's full run id first).
// Guild's other `api` subcommands (ops, runs, help-op, merge) are not here yet.
import type { Command } from 'commander';
import { compareJson, compareTable } from '../engine/compare.js';
import { compareRuns } from '../engine/run-family.js';
import { addRunFilterOptions } from './filter-options.js';
import { sourceComparedRuns } from './runs.js';
import { selectFrom } from './run-args.js';

export function register(program: Command): void {
  const api = program.command('api').description('Data for programs, as JSON');
  addRunFilterOptions(
    api
      .command('compare')
      .description('The comparison of runs as JSON rows (as grun compare), full run ids first')
      .argument('[RUN...]', 'runs to compare (default: all)')
      .option('-f, --format', 'indent the JSON')
      .option('--include-batch', 'include batch runs'),
  ).action(async (specs: string[], opts: Record<string, unknown>, c: Command) => {
    const all = await sourceComparedRuns(c, opts, specs);
    const runs = compareRuns(selectFrom(all, specs, [':']), all, Boolean(opts.includeBatch));
    if (runs.length === 0) return void process.stdout.write('[]\n');
    // Guild adds `.id` as a last user column and puts it in place of the short `run` column
    const { columns, rows } = compareTable(runs, { cols: ['.id'] });
    const idAt = columns.findIndex((col) => col.spec.kind === 'attr' && col.spec.name === 'id');
    const move = <T>(row: readonly T[]): T[] => [row[idAt]!, ...row.filter((_, i) => i !== 0 && i !== idAt)];
    process.stdout.write(compareJson(move(columns.map((col) => col.spec.header)), rows.map(move), Boolean(opts.format)) + '\n');
  });
}
