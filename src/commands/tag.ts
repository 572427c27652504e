// `grun tag [RUN...] -a/--add TAG | -d/--delete TAG | -c/--clear [-s/--sync-labels] | --list-all`
// rewrites `attrs/tags` as a sorted list (Guild's tag command); `--sync-labels` also edits the
// tag words at the front of the label.
import type { Command } from 'commander';
import { writeAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { listRuns, loadRun } from '../store/index.js';
import { addRunFilterOptions } from '../store/run-filters.js';
import { withRunLock } from '../store/run-lock.js';
import type { Run } from '../store/types.js';
import { printLines } from './format.js';
import { removeLabelPart } from './label.js';
import { collect, filterRuns, homeOf, runsOp, selectFrom } from './run-args.js';

interface TagOptions {
  add?: string[];
  delete?: string[];
  clear?: boolean;
  syncLabels?: boolean;
  listAll?: boolean;
  yes?: boolean;
}

export function newTags(current: string[], o: TagOptions): string[] {
  const tags = new Set(o.clear ? [] : current);
  for (const t of o.delete ?? []) tags.delete(t);
  for (const t of o.add ?? []) tags.add(t);
  return [...tags].sort();
}

/** Label with removed tags taken out and added ones put in front (Guild's `--sync-labels`). */
export function syncedLabel(run: Run, before: string[], after: string[]): string {
  let label = run.label ?? '';
  for (const t of before) if (!after.includes(t)) label = removeLabelPart(label, t);
  const words = label.split(/\s+/);
  const added = after.filter((t) => !before.includes(t) && !words.includes(t));
  return [...added, label].filter(Boolean).join(' ');
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
      .option('-y, --yes', 'do not ask for confirmation'),
  ).action(async (specs: string[], opts: TagOptions & Record<string, unknown>, c: Command) => {
    const filtered = filterRuns(listRuns(homeOf(c)), opts);
    if (opts.listAll) {
      printLines([...new Set(filtered.flatMap((r) => r.tags))].sort());
      return;
    }
    if (!opts.add && !opts.delete && !opts.clear) throw new GrunError('specify --add, --delete or --clear (or --list-all)');
    const selected = selectFrom(filtered, specs, ['1']);
    await runsOp(
      selected,
      { yes: opts.yes, preview: 'You are about to modify tags for the following runs:', prompt: 'Continue?', noRuns: 'No runs to modify.', defaultYes: true },
      (runs) => {
        for (const listed of runs) {
          // Read again under the run's lock: tags listed a moment ago may have changed since,
          // and another grun tagging the same run at once must not lose its tag.
          withRunLock(listed.dir, () => {
            const run = loadRun(listed.dir, listed.deleted);
            const after = newTags(run.tags, opts);
            writeAttr(run.dir, 'tags', after);
            if (opts.syncLabels) writeAttr(run.dir, 'label', syncedLabel(run, run.tags, after));
          });
        }
        process.stdout.write(`Modified tags for ${runs.length} run(s)\n`);
      },
    );
  });
}
