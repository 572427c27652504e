// `grun select [RUN] [-min|--min|-max|--max COL] [-s/--short-id] [-a/--attr NAME] [-p/--path] [--all]
// [-r/--remote NAME]`: prints the selected run's id (Guild's select). `--min/--max` pick, among the selected runs,
// the one with the smallest/largest value of a compare column (runs without one come last).
// Several RUN arguments, or `--all`, print every selected run (all of them when none is given).
import type { Command } from 'commander';
import { GrunError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { encodeYaml } from '../store/yaml11.js';
import { addRunFilterOptions } from './filter-options.js';
import type { Run, YamlValue } from '../store/types.js';
import { cellValue, parseColSpec, sortByValue, type ColSpec } from '../engine/compare.js';
import { printRunText } from './format.js';
import { formattedRunFields, sourceComparedRuns, sourceRuns } from './runs.js';
import { aliasShortArgs, onRemote, oneRun, REMOTE_OPTION, selectFrom } from './run-args.js';
import { readAttr } from '../store/attrs.js';

/**
 * Guild's `--min/--max`: the first run in the column's order, texts in natural order (Guild's
 * select sorts with `util.natsorted`, where compare compares by code unit); none with a value
 * leaves the order as it is (the latest).
 */
function pickBy(runs: Run[], spec: ColSpec, dir: 1 | -1): Run {
  const sorted = sortByValue(runs, (run) => cellValue(run, spec), dir, true);
  if (sorted.length === 0) throw new GrunError('no matching runs');
  return sorted[0]!;
}

/** Guild's order: a field of the formatted run (`run_dir`, `status`, …), else the raw attr. */
function attrText(run: Run, name: string): string {
  const formatted = formattedRunFields(run);
  if (Object.hasOwn(formatted, name)) return String(formatted[name]);
  const r = readAttr(run.dir, name);
  if (r.kind === 'missing') throw new GrunError(`no such run attribute '${name}'`);
  if (r.kind === 'corrupt') throw new GrunError(`run ${run.id}: cannot read attribute '${name}': ${r.message}`);
  const v: YamlValue = r.value;
  if (typeof v === 'string') return v;
  return v !== null && typeof v === 'object' ? encodeYaml(v).trimEnd() : formatFlagValue(v);
}

export function register(program: Command): void {
  const cmd = addRunFilterOptions(
    program
      .command('select')
      .description('Print the id of a run')
      .argument('[RUN...]', 'run index, range or id prefix (default: 1, the latest; with --all, every run)')
      .option('--min <col>', 'the run with the smallest value of COL (also -min)')
      .option('--max <col>', 'the run with the largest value of COL (also -max)')
      .option('-s, --short-id', 'print the short id')
      .option('-a, --attr <name>', 'print this attribute instead of the id')
      .option('-p, --path', 'print the run directory')
      .option('--dir', 'print the run directory (as --path: Guild spells it both ways)')
      .option('-A, --all', 'print every selected run, not just one')
      .option('-d, --deleted', 'select from deleted runs')
      .option('--archive <path>', 'select from an export directory or .zip (-A is --all, as in Guild)')
      .option(...REMOTE_OPTION),
  ).action(async (specs: string[], opts: Record<string, unknown>, c: Command) => {
    if (await onRemote(opts, c)) return;
    const min = opts.min as string | undefined;
    const max = opts.max as string | undefined;
    if (min !== undefined && max !== undefined) throw new GrunError('--min and --max cannot both be used');
    const by = min ?? max;
    const spec = by === undefined ? undefined : parseColSpec(by);
    // a scalar column: the runs' scalars are read as they are listed, as compare's
    const runs = spec?.kind === 'scalar' ? await sourceComparedRuns(c, opts, specs) : await sourceRuns(c, opts);
    let chosen: Run[];
    if (spec) {
      const pool = selectFrom(runs, specs, [':']);
      chosen = [pickBy(pool, spec, min !== undefined ? 1 : -1)];
    } else if (opts.all || specs.length > 1) {
      if (runs.length === 0) throw new GrunError('no matching runs');
      chosen = selectFrom(runs, specs, [':']);
    } else chosen = [oneRun(runs, specs[0])];
    printRunText(
      chosen.map((run) =>
        opts.attr ? attrText(run, opts.attr as string) : opts.path || opts.dir ? run.dir : opts.shortId ? run.id.slice(0, 8) : run.id,
      ),
    );
  });
  // Guild's single-dash spellings of --min/--max
  aliasShortArgs(cmd, { '-min': '--min', '-max': '--max' });
}
