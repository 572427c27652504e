// `grun mark [RUN...] [-c/--clear]`: writes `marked: true`, or removes the attr (Guild's mark).
import type { Command } from 'commander';
import { editRuns } from '../engine/edits.js';
import { listRuns } from '../store/index.js';
import { addRunFilterOptions } from './filter-options.js';
import { homeOf, runsOp, selectFrom } from './run-args.js';
import { filterRuns } from './run-filter.js';

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('mark')
      .description('Mark runs (preferred when resolving operation dependencies)')
      .argument('[RUN...]', 'runs to mark (default: 1, the latest; with --clear, every marked run)')
      .option('-c, --clear', 'unmark the runs')
      .option('-y, --yes', 'do not ask for confirmation'),
  ).action(async (specs: string[], opts: Record<string, unknown>, c: Command) => {
    const clear = Boolean(opts.clear);
    // --clear with no RUN: every marked run, as Guild's `mark --clear`
    const listed = filterRuns(listRuns(homeOf(c)), opts);
    const selected = clear && specs.length === 0 ? listed.filter((r) => r.marked) : selectFrom(listed, specs, ['1']);
    await runsOp(
      selected,
      {
        yes: Boolean(opts.yes),
        preview: `You are about to ${clear ? 'unmark' : 'mark'} the following runs:`,
        prompt: 'Continue?',
        noRuns: `No runs to ${clear ? 'unmark' : 'mark'}.`,
        defaultYes: true,
      },
      (runs) => {
        editRuns(runs.map((r) => r.dir), { kind: 'mark', on: !clear });
        process.stderr.write(`${clear ? 'Unmarked' : 'Marked'} ${runs.length} run(s)\n`);
      },
    );
  });
}
