// `grun label [RUN...] -s/--set | -p/--prepend | -a/--append | -r/-rm/--remove | -c/--clear`
// rewrites `attrs/label` (Guild's runs_impl.label). Templates may use `${flag}` and `${label}`.
import type { Command } from 'commander';
import { deleteAttr, writeAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { listRuns, loadRun } from '../store/index.js';
import { addRunFilterOptions } from '../store/run-filters.js';
import { withRunLock } from '../store/run-lock.js';
import type { Run } from '../store/types.js';
import { aliasShortArgs, collect, filterRuns, homeOf, runsOp, selectFrom } from './run-args.js';

interface LabelOptions {
  set?: string;
  prepend?: string;
  append?: string;
  remove?: string[];
  clear?: boolean;
  yes?: boolean;
}

/** `${name}` replaced by the run's flag value (or its current label); unknown names stay. */
export function renderLabel(template: string, run: Run): string {
  return template
    .replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name === 'label') return run.label ?? '';
      const v = run.flags[name];
      return v === undefined ? whole : formatFlagValue(v);
    })
    .trim();
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Removes whole-word occurrences of `part` from a label. */
export function removeLabelPart(label: string, part: string): string {
  return label
    .split(new RegExp(`(?:^|\\s)${escapeRe(part)}(?=$|\\s)`))
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
}

function newLabel(run: Run, o: LabelOptions): string {
  const current = run.label ?? '';
  if (o.set !== undefined) return renderLabel(o.set, run);
  if (o.prepend !== undefined) return `${renderLabel(o.prepend, run)} ${current}`.trim();
  if (o.append !== undefined) return `${current} ${renderLabel(o.append, run)}`.trim();
  return (o.remove ?? []).reduce(removeLabelPart, current);
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
      .option('-r, --remove <part>', 'remove a word from the label (repeatable; also -rm)', collect)
      .option('-c, --clear', 'remove the label')
      .option('-y, --yes', 'do not ask for confirmation'),
  );
  aliasShortArgs(cmd, { '-rm': '--remove' });
  cmd.action(async (specs: string[], opts: LabelOptions & Record<string, unknown>, c: Command) => {
    checkOptions(opts);
    const selected = selectFrom(filterRuns(listRuns(homeOf(c)), opts), specs, ['1']);
    await runsOp(
      selected,
      { yes: opts.yes, preview: preview(opts), prompt: 'Continue?', noRuns: 'No runs to modify.', defaultYes: true },
      (runs) => {
        for (const listed of runs) {
          // Under the run's lock, from the label as it is now (--append/--prepend/--remove
          // build on it; another grun may have changed it since the listing).
          withRunLock(listed.dir, () => {
            if (opts.clear) deleteAttr(listed.dir, 'label');
            else writeAttr(listed.dir, 'label', newLabel(loadRun(listed.dir, listed.deleted), opts));
          });
        }
        process.stdout.write(opts.clear ? `Cleared label for ${runs.length} run(s)\n` : `Labeled ${runs.length} run(s)\n`);
      },
    );
  });
}
