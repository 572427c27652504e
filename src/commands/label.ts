// `grun label [RUN...] -s/--set | -p/--prepend | -a/--append | -r/-rm/--remove | -c/--clear`
// rewrites `attrs/label` (Guild's runs_impl.label). Templates may use `${flag}` and `${label}`.
import type { Command } from 'commander';
import { editRuns } from '../engine/edits.js';
import { GrunError } from '../store/errors.js';
import { listRuns } from '../store/index.js';
import { addRunFilterOptions } from './filter-options.js';
import { aliasShortArgs, CHILD_EDIT_HELP, collect, homeOf, onRemote, REMOTE_OPTION, runsOp, selectFrom } from './run-args.js';
import { filterRuns } from './run-filter.js';

interface LabelOptions {
  set?: string;
  prepend?: string;
  append?: string;
  remove?: string[];
  clear?: boolean;
  yes?: boolean;
}

function checkOptions(o: LabelOptions): void {
  const given = (['set', 'prepend', 'append', 'remove', 'clear'] as const).filter((k) => o[k] !== undefined && o[k] !== false);
  if (given.length === 0) throw new GrunError('specify one of --set, --prepend, --append, --remove or --clear');
  const ok = given.length === 1 || (given.length === 2 && given.includes('clear') && given.includes('remove'));
  if (!ok) throw new GrunError(`${given.map((g) => `--${g}`).join(' and ')} cannot be used together`);
}

function preview(o: LabelOptions): string {
  if (o.set !== undefined) return `You are about to label the following runs with '${o.set}':`;
  if (o.prepend !== undefined) return `You are about to prepend '${o.prepend}' to the label of the following runs:`;
  if (o.append !== undefined) return `You are about to append '${o.append}' to the label of the following runs:`;
  if (o.clear) return 'You are about to clear the label of the following runs:';
  return `You are about to remove '${(o.remove ?? []).join(' ')}' from the label of the following runs:`;
}

export function register(program: Command): void {
  const cmd = addRunFilterOptions(
    program
      .command('label')
      .description('Set or change run labels')
      .argument('[RUN...]', 'runs to label (default: 1, the latest)')
      .option('-s, --set <label>', 'set the label')
      .option('-p, --prepend <label>', 'prepend to the label')
      .option('-a, --append <label>', 'append to the label')
      .option('--remove <part>', 'remove a word from the label (repeatable; -rm)', collect)
      .option('-c, --clear', 'remove the label')
      .option('-y, --yes', 'do not ask for confirmation')
      .option(...REMOTE_OPTION)
      .addHelpText('after', CHILD_EDIT_HELP),
  );
  aliasShortArgs(cmd, { '-rm': '--remove' });
  cmd.action(async (specs: string[], opts: LabelOptions & Record<string, unknown>, c: Command) => {
    if (await onRemote(opts, c)) return;
    checkOptions(opts);
    const selected = selectFrom(filterRuns(listRuns(homeOf(c)), opts), specs, ['1']);
    await runsOp(
      selected,
      { yes: opts.yes, preview: preview(opts), prompt: 'Continue?', noRuns: 'No runs to modify.', defaultYes: true },
      (runs) => {
        const { set, prepend, append, remove, clear } = opts;
        editRuns(runs.map((r) => r.dir), { kind: 'label', set, prepend, append, remove, clear });
        process.stderr.write(clear ? `Cleared label for ${runs.length} run(s)\n` : `Labeled ${runs.length} run(s)\n`);
      },
    );
  });
}
