// `grun runs set-meta RUN --name/--notes/--tags`: a run's metadata (Accio's name, notes, tags;
// Guild's `label` and `tags` attrs, and a `notes` attr). A child has none of its own: editing
// it edits its parent, as Accio's UpdateRunHandler does. Tags are replaced when given.
import type { Command } from 'commander';
import { GrunError } from '../store/errors.js';
import { listRuns, loadRun } from '../store/index.js';
import { homeOf, oneRun } from './run-args.js';

interface SetMetaOptions {
  name?: string;
  notes?: string;
  tags?: string;
}

export function registerSetMeta(runs: Command): void {
  runs
    .command('set-meta')
    .description("Set a run's name (label), notes or tags; a child's are its parent's")
    .argument('<RUN>', 'the run (a child edits its parent)')
    .option('--name <name>', "the name (Guild's label); '' clears it")
    .option('--notes <text>', "notes; '' clears them")
    .option('--tags <a,b>', 'tags, comma separated (replace the current ones)')
    .action(async (spec: string, o: SetMetaOptions, cmd: Command) => {
      if (o.name === undefined && o.notes === undefined && o.tags === undefined) {
        throw new GrunError('nothing to set: give --name, --notes or --tags');
      }
      const run = oneRun(listRuns(homeOf(cmd)), spec);
      const { name, notes } = o;
      const tags = o.tags === undefined ? undefined : o.tags.split(',');
      const { editRun } = await import('../engine/edits.js'); // `grun runs` lists without the editors
      const target = loadRun(editRun(run.dir, { kind: 'meta', name, notes, tags }));
      const via = target.id === run.id ? '' : ` (parent of ${run.id})`;
      process.stdout.write(`Updated ${target.id}${via}\n`);
    });
}
