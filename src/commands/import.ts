// `grun import ARCHIVE [RUN...] [-m/--move] [--copy-resources] [-y]`: copies runs from an export
// (a directory or a `.zip`) into the home (Guild's import); ids already there are skipped, and
// links and entries that would land outside the runs directory are refused. Moving out of a zip
// is not allowed.
import type { Command } from 'commander';
import { importRuns, isZipPath, listArchiveRuns } from '../store/archive.js';
import { GrunError } from '../store/errors.js';
import { addRunFilterOptions } from './filter-options.js';
import { copyResourcesConfirmed, homeOf, reportCopies, runsOp, selectFrom } from './run-args.js';
import { filterRuns } from './run-filter.js';

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('import')
      .description('Import runs from an export directory or .zip file')
      .argument('<archive>', 'export directory or .zip file')
      .argument('[RUN...]', 'runs to import (default: all)')
      .option('-m, --move', 'move the runs instead of copying them (directories only)')
      .option('--copy-resources', "copy the files each run's dependencies link to, where they are in the archive")
      .option('-y, --yes', 'do not ask for confirmation'),
  ).action(async (archive: string, specs: string[], opts: Record<string, unknown>, c: Command) => {
    const move = Boolean(opts.move);
    if (move && isZipPath(archive)) throw new GrunError('cannot move runs out of a zip archive: import without --move');
    const home = homeOf(c);
    const selected = selectFrom(filterRuns(await listArchiveRuns(archive), opts), specs, [':']);
    await runsOp(
      selected,
      {
        yes: Boolean(opts.yes),
        preview: `You are about to import (${move ? 'move' : 'copy'}) the following runs from '${archive}':`,
        prompt: 'Continue?',
        noRuns: 'No runs to import.',
        defaultYes: true,
      },
      async (runs) => {
        const copyResources = Boolean(opts.copyResources);
        if (copyResources && !copyResourcesConfirmed(Boolean(opts.yes))) return;
        const { imported, skipped } = await importRuns(home, archive, runs.map((r) => r.id), { move, copyResources });
        reportCopies(runs, skipped, move, (id) => id);
        process.stderr.write(`Imported ${imported.length} run(s) from ${archive}\n`);
      },
    );
  });
}
