// `grun tag [RUN...] -a/--add TAG | -d/--delete TAG | -c/--clear [-s/--sync-labels] | --list-all`
// rewrites `attrs/tags` as a sorted list (Guild's tag command); `--sync-labels` also edits the
// tag words at the front of the label.
import type { Command } from 'commander';
import { editRuns } from '../engine/edits.js';
import { GrunError } from '../store/errors.js';
import { listRuns } from '../store/index.js';
import { addRunFilterOptions } from './filter-options.js';
import { printRunText } from './format.js';
import { CHILD_EDIT_HELP, collect, homeOf, onRemote, REMOTE_OPTION, runsOp, selectFrom } from './run-args.js';
import { filterRuns } from './run-filter.js';

interface TagOptions {
  add?: string[];
  delete?: string[];
  clear?: boolean;
  syncLabels?: boolean;
  listAll?: boolean;
  yes?: boolean;
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('tag')
      .description('Add or remove run tags')
      .argument('[RUN...]', 'runs to tag (default: 1, the latest)')
      .option('-a, --add <tag>', 'add a tag (repeatable)', collect)
      .option('-d, --delete <tag>', 'delete a tag (repeatable)', collect)
      .option('-c, --clear', 'remove all tags first')
      .option('-s, --sync-labels', 'also add/remove the tags in the labels')
      .option('--list-all', 'list every tag in use')
      .option('-y, --yes', 'do not ask for confirmation')
      .option(...REMOTE_OPTION)
      .addHelpText('after', CHILD_EDIT_HELP),
  ).action(async (specs: string[], opts: TagOptions & Record<string, unknown>, c: Command) => {
    if (await onRemote(opts, c)) return;
    const filtered = filterRuns(listRuns(homeOf(c)), opts);
    if (opts.listAll) {
      printRunText([...new Set(filtered.flatMap((r) => r.tags))].sort());
      return;
    }
    if (!opts.add && !opts.delete && !opts.clear) throw new GrunError('specify --add, --delete or --clear (or --list-all)');
    const selected = selectFrom(filtered, specs, ['1']);
    await runsOp(
      selected,
      { yes: opts.yes, preview: 'You are about to modify tags for the following runs:', prompt: 'Continue?', noRuns: 'No runs to modify.', defaultYes: true },
      (runs) => {
        const { add, delete: del, clear, syncLabels } = opts;
        editRuns(runs.map((r) => r.dir), { kind: 'tags', add, delete: del, clear, syncLabels });
        process.stderr.write(`Modified tags for ${runs.length} run(s)\n`);
      },
    );
  });
}
