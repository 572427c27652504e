// `grun compare [RUN...] --table | --csv [PATH|-] | --json` (Guild's compare_impl): parses the
// options and prints the model of engine/compare.ts. `--json` prints Guild's `api compare`
// shape: a list of rows, the first one the header.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { compareCsv, compareJson, compareTable, scalarKeyOf, tableText, type CompareOptions } from '../engine/compare.js';
import { compareRuns } from '../engine/run-family.js';
import { GrunError } from '../store/errors.js';
import { addRunFilterOptions } from './filter-options.js';
import { scalarsOf } from '../store/run-values.js';
import type { Run } from '../store/types.js';
import { formatTable, printLines, printRunText, scalarStepText } from './format.js';
import { termSafe } from '../store/terminal-text.js';
import { textCompare } from '../store/natsort.js';
import { sourceComparedRuns } from './runs.js';
import { aliasShortArgs, collect, intOption, selectFrom } from './run-args.js';

/**
 * Guild's `compare --print-scalars`: every selected run (batches too) and each of its scalars
 * (`sys/*` too) in the order of Guild's index, by prefix then tag, with its last value and step.
 */
function printScalars(runs: Run[]): void {
  const lines: string[] = [];
  for (const run of runs) {
    lines.push(termSafe(`[${run.id.slice(0, 8)}] ${run.operation}`));
    const scalars = [...scalarsOf(run)].sort((a, b) => textCompare(a.prefix, b.prefix) || textCompare(a.tag, b.tag));
    for (const s of scalars) lines.push(termSafe(`  ${scalarKeyOf(s)}: ${scalarStepText(s.last, s.lastStep)}`));
  }
  printLines(lines);
}

export function register(program: Command): void {
  const cmd = addRunFilterOptions(
    program
      .command('compare')
      .description('Compare run flags, attributes and scalars')
      .argument('[RUN...]', 'runs to compare (default: all)')
      .option('-t, --table', 'print a text table (default)')
      .option('--csv [path]', "write CSV to PATH, or '-' for stdout")
      .option('--json', 'print rows as JSON, the first row the header')
      .option('-c, --cols <specs>', "extra columns: '=flag', '.attr', '[qualifier] scalar [step] [as NAME]', comma separated", collect)
      .option('--strict-cols <specs>', 'only these columns (also -cc)', collect)
      .option('-e, --extra-cols', 'add the sourcecode column')
      .option('-r, --skip-core', 'show only the run core column')
      .option('-p, --skip-op-cols', 'leave out the op columns')
      .option('-s, --all-scalars', 'include sys/* scalars')
      .option('-u, --skip-unchanged', 'leave out columns whose values are all the same')
      .option('--min <col>', 'sort by column, smallest first')
      .option('--max <col>', 'sort by column, largest first')
      .option('-n, --top <N>', 'show only the first N runs (also --limit)', intOption('--top'))
      .option('--include-batch', 'include batch runs')
      .option('--print-scalars', 'list the scalar keys of each run')
      .option('-d, --deleted', 'compare deleted runs')
      .option('-A, --archive <path>', 'compare runs in an export directory or .zip'),
  );
  aliasShortArgs(cmd, { '-cc': '--strict-cols', '--limit': '--top' });
  cmd.action(async (specs: string[], opts: Record<string, unknown>, c: Command) => {
    const o = opts as CompareOptions & { includeBatch?: boolean; csv?: string | true; json?: boolean; table?: boolean; printScalars?: boolean };
    if (o.min !== undefined && o.max !== undefined) throw new GrunError('--min and --max cannot both be used');
    if ([o.csv !== undefined, Boolean(o.json), Boolean(o.table)].filter(Boolean).length > 1) {
      throw new GrunError('--table, --csv and --json cannot be combined');
    }
    const all = await sourceComparedRuns(c, opts, specs);
    if (o.printScalars) return printScalars(selectFrom(all, specs, [':']));
    const runs = compareRuns(selectFrom(all, specs, [':']), all, o.includeBatch);
    if (o.csv !== undefined) {
      const text = compareCsv(runs, o);
      if (o.csv === true || o.csv === '-') printRunText([text.slice(0, -1)]);
      else writeFileSync(o.csv, text);
      return;
    }
    const { columns, rows } = compareTable(runs, { ...o, asText: !o.json });
    const header = columns.map((col) => col.spec.header);
    if (o.json) process.stdout.write(compareJson(header, rows) + '\n');
    else printLines(formatTable([header.map(termSafe), ...rows.map((r) => r.map((c) => termSafe(tableText(c))))]));
  });
}

