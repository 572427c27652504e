// `grun runs set-meta RUN --name/--notes/--tags`: a run's metadata (Accio's name, notes, tags;
// Guild's `label` and `tags` attrs, and a `notes` attr). A child has none of its own: editing
// it edits its parent, as Accio's UpdateRunHandler does. Tags are replaced when given.
import type { Command } from 'commander';
import { metadataRunDir } from '../engine/batch.js';
import { deleteAttr, writeAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { listRuns, loadRun } from '../store/index.js';
import { homeOf, oneRun } from './run-args.js';
import { withRunLock } from '../store/run-lock.js';

interface SetMetaOptions {
  name?: string;
  notes?: string;
  tags?: string;
}

/** Writes the given fields on the run that holds `runDir`'s metadata; returns that run's dir. */
export function setRunMeta(runDir: string, o: SetMetaOptions): string {
  const target = metadataRunDir(runDir);
  // Under the run's lock, as label/tag/comment: a concurrent edit is never lost.
  withRunLock(target, () => writeMeta(target, o));
  return target;
}

function writeMeta(target: string, o: SetMetaOptions): void {
  if (o.name !== undefined) {
    if (o.name === '') deleteAttr(target, 'label');
    else writeAttr(target, 'label', o.name);
  }
  if (o.notes !== undefined) {
    if (o.notes === '') deleteAttr(target, 'notes');
    else writeAttr(target, 'notes', o.notes);
  }
  if (o.tags !== undefined) {
    const tags = [...new Set(o.tags.split(',').map((t) => t.trim()).filter(Boolean))];
    writeAttr(target, 'tags', tags);
  }
}

export function registerSetMeta(runs: Command): void {
  runs
    .command('set-meta')
    .description("Set a run's name (label), notes or tags; a child's are its parent's")
    .argument('<RUN>', 'the run (a child edits its parent)')
    .option('--name <name>', "the name (Guild's label); '' clears it")
    .option('--notes <text>', "notes; '' clears them")
    .option('--tags <a,b>', 'tags, comma separated (replace the current ones)')
    .action((spec: string, o: SetMetaOptions, cmd: Command) => {
      if (o.name === undefined && o.notes === undefined && o.tags === undefined) {
        throw new GrunError('nothing to set: give --name, --notes or --tags');
      }
      const run = oneRun(listRuns(homeOf(cmd)), spec);
      const target = loadRun(setRunMeta(run.dir, o));
      const via = target.id === run.id ? '' : ` (parent of ${run.id})`;
      process.stdout.write(`Updated ${target.id}${via}\n`);
    });
}
