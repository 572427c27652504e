// `grun operations [FILTER...] [-a] [-i] [-v]`: what can be run in the project: its guild.yml operations,
// else its scripts (Guild's operations_impl). Private operations (a name or model name starting
// with `_`) only with -a; -v adds each one's main, flags and description details as Guild does.
import type { Command } from 'commander';
import { listOperations } from '../engine/operations.js';
import { planOperation } from '../engine/plan.js';
import type { FlagDef, OperationDef } from '../engine/plan-types.js';
import { encodeFlagVal, pyRepr } from '../store/flagfmt.js';
import { GrunError } from '../store/errors.js';
import { textCompare } from '../store/natsort.js';
import { formatTable, printLines } from './format.js';
import { listedFlagDefs } from './op-help.js';
import { homeOf } from './run-args.js';

/** The operation's name in its model (`train` of `m:train`). */
const opName = (op: OperationDef): string => (op.model ? op.name.slice(op.model.length + 1) : op.name);

const isPrivate = (op: OperationDef): boolean => op.kind === 'guildfile' && (opName(op).startsWith('_') || op.model.startsWith('_'));

/** Guild's `util.match_filters`: every filter in the name or the description's first line, case ignored. */
function matchesFilters(op: OperationDef, filters: string[]): boolean {
  const vals = [op.name.toLowerCase(), splitDescription(op.description)[0].toLowerCase()];
  return filters.every((f) => vals.some((v) => v.includes(f.toLowerCase())));
}

/** Guild's `util.split_description`: the first line, then the others with a blank line between each two. */
function splitDescription(description: string): [string, string[]] {
  const [first = '', ...rest] = description.trim().split('\n');
  return [first, rest.flatMap((line, i) => (i > 0 ? ['', line] : [line]))];
}

/** Guild's `_format_flag_for_op`: `name: description (default is VALUE)`. */
const flagText = (d: FlagDef): string =>
  `${d.name}:${d.description ? ` ${d.description}` : ''} (default is ${encodeFlagVal(d.default, !!d.defaultIsFloat)})`;

/** The flags Guild's `operations -v` lists: its own, then its dependencies' (`operation:X`). */
async function flagDefs(home: string, cwd: string, op: OperationDef): Promise<FlagDef[]> {
  try {
    const plan = await planOperation(home, cwd, op.name, { describeOnly: true });
    return plan ? listedFlagDefs(plan.flagDefs) : [];
  } catch (e) {
    if (!(e instanceof GrunError)) throw e;
    process.stderr.write(`WARNING: cannot read the flags of ${op.name}: ${e.message}\n`);
    return [];
  }
}

/** Guild's `cli.table` details of an operation: lists shown as Python writes them. */
async function detailLines(home: string, cwd: string, op: OperationDef, details: string[]): Promise<string[]> {
  const flags = (await flagDefs(home, cwd, op)).map(flagText);
  return [`  main: ${op.main ?? ''}`.trimEnd(), `  flags: ${pyRepr(flags)}`, `  details: ${pyRepr(details)}`];
}

export function register(program: Command): void {
  program
    .command('operations')
    .alias('ops')
    .description('List the operations of the project in the current directory')
    .argument('[FILTER...]', 'only operations whose name or description holds every FILTER (case ignored)')
    .option('-a, --all', 'include private operations (a name or model name starting with _)')
    .option('-i, --installed', 'include the operations of installed packages (grun installs none: the list is the same)')
    .option('-v, --verbose', "show each operation's main, flags and details")
    .option('--json', 'print JSON')
    .action(async (filters: string[], o: { all?: boolean; verbose?: boolean; json?: boolean }, cmd: Command) => {
      // As Guild: a project with a guild.yml lists its operations only, sorted by model then name.
      const cwd = process.cwd();
      const all = listOperations(cwd);
      const declared = all.filter((op) => op.kind === 'guildfile');
      const ops = (declared.length ? declared.sort((a, b) => textCompare(a.model, b.model) || textCompare(opName(a), opName(b))) : all).filter((op) => (o.all || !isPrivate(op)) && matchesFilters(op, filters));
      for (const op of ops) if (op.warning) process.stderr.write(`WARNING: ${op.warning}\n`);
      if (o.json) {
        process.stdout.write(JSON.stringify(ops, null, 2) + '\n');
        return;
      }
      const described = ops.map((op) => splitDescription(op.description));
      const rows = formatTable(ops.map((op, i) => [op.name, described[i]![0]]));
      if (!o.verbose) return printLines(rows);
      const home = homeOf(cmd);
      const lines: string[] = [];
      for (const [i, op] of ops.entries()) lines.push(rows[i]!, ...(await detailLines(home, cwd, op, described[i]![1])));
      printLines(lines);
    });
}
