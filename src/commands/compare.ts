// `grun compare [RUN...] --table | --csv [PATH|-] | --json` (Guild's compare_impl): parses the
// options and prints the model of engine/compare.ts. `--json` prints Guild's `api compare`
// shape: a list of rows, the first one the header.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { compareCsv, compareJson, compareTable, scalarKeyOf, tableText, type CompareOptions } from '../engine/compare.js';
import { natsortCompare } from '../store/natsort.js';
import { compareRuns } from '../engine/run-family.js';
import { GrunError } from '../store/errors.js';
import { addRunFilterOptions } from './filter-options.js';
import { scalarsOf } from '../store/run-values.js';
import type { Run } from '../store/types.js';
import { formatTable, printLines, printRunText } from './format.js';
import { termSafe } from '../store/terminal-text.js';
import { sourceComparedRuns } from './runs.js';
import { aliasShortArgs, collect, intOption, selectFrom } from './run-args.js';

function printScalars(runs: Run[], allScalars: boolean): void {
  const lines: string[] = [];
  for (const run of runs) {
    lines.push(termSafe(`[${run.id.slice(0, 8)}] ${run.operation}`));
    const keys = [...new Set(scalarsOf(run).map(scalarKeyOf))]
      .filter((k) => allScalars || !k.split('#').pop()!.startsWith('sys/'))
      .sort(natsortCompare);
    for (const k of keys) lines.push(termSafe(`  ${k}`));
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
    const runs = compareRuns(selectFrom(all, specs, [':']), all, o.includeBatch);
    if (o.printScalars) return printScalars(runs, Boolean(o.allScalars));
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

