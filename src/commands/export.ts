// `grun export DEST [RUN...] [-m/--move] [-r/--copy-resources] [-y]`: copies (or moves) runs to
// a directory or a `.zip` (Guild's export), their links kept as links unless `-r`; ids already
// in DEST are skipped.
import type { Command } from 'commander';
import { join } from 'node:path';
import { exportRuns, isZipPath } from '../store/archive.js';
import { listRuns } from '../store/index.js';
import { addRunFilterOptions } from './filter-options.js';
import { copyResourcesConfirmed, homeOf, reportCopies, runsOp, selectWithChildren } from './run-args.js';
import { filterRuns } from './run-filter.js';

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('export')
      .description('Export runs to a directory or a .zip file')
      .argument('<dest>', 'directory, or a path ending in .zip')
      .argument('[RUN...]', 'runs to export (default: all)')
      .option('-m, --move', 'move the runs instead of copying them')
      .option('-r, --copy-resources', "copy the files each run's dependencies link to (by default links stay links)")
      .option('-y, --yes', 'do not ask for confirmation'),
  ).action(async (dest: string, specs: string[], opts: Record<string, unknown>, c: Command) => {
    const move = Boolean(opts.move);
    const selected = selectWithChildren(filterRuns(listRuns(homeOf(c)), opts), specs, [':']);
    await runsOp(
      selected,
      {
        yes: Boolean(opts.yes),
        preview: `You are about to ${move ? 'move' : 'copy'} the following runs to '${dest}':`,
        prompt: 'Continue?',
        noRuns: 'No runs to export.',
        defaultYes: true,
      },
      async (runs) => {
        const copyResources = Boolean(opts.copyResources);
        if (copyResources && !copyResourcesConfirmed(Boolean(opts.yes))) return;
        const { exported, skipped } = await exportRuns(dest, runs, { move, copyResources });
        // a run already in a directory is named by its path there, in a zip by its id (Guild's words)
        reportCopies(runs, skipped, move, (id) => (isZipPath(dest) ? id : join(dest, id)));
        process.stderr.write(`Exported ${exported.length} run(s) to ${dest}\n`);
      },
    );
  });
}
