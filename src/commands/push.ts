// `grun push REMOTE [RUN...]` (Guild's `push`): copies whole local run directories to an ssh
// remote's Guild home with rsync; a batch brings its trials. `-d/--delete` mirrors deletions.
import type { Command } from 'commander';
import { pushRuns } from '../engine/remote/runs.js';
import { addRunFilterOptions } from './filter-options.js';
import { aliasShortArgs, homeOf, runsOp, selectFrom } from './run-args.js';
import { filteredRuns } from './run-filter.js';

export function register(program: Command): void {
  const push = addRunFilterOptions(
    program
      .command('push')
      .description('Copy runs to a remote (rsync over ssh; a batch brings its trials)')
      .argument('<remote>', 'remote name (config.yml remotes)')
      .argument('[runs...]', 'runs to copy (default: all)')
      .option('-d, --delete', "delete remote files that are missing locally (Guild's -n)")
      .option('-y, --yes', 'do not ask for confirmation'),
  );
  aliasShortArgs(push, { '-n': '--delete' });
  push.action(async (remote: string, specs: string[], o: Record<string, unknown>, cmd: Command) => {
    const home = homeOf(cmd);
    const selected = selectFrom(filteredRuns(home, o), specs, [':']);
    await runsOp(
      selected,
      {
        yes: Boolean(o.yes),
        preview: `You are about to copy (push) the following runs to ${remote}:`,
        prompt: 'Continue?',
        noRuns: 'Nothing to copy.',
        defaultYes: true,
      },
      async (runs) => {
        const { ids } = await pushRuns(home, remote, runs, { delete: Boolean(o.delete) });
        for (const id of ids) process.stdout.write(`Copied ${id} to ${remote}\n`);
      },
    );
  });
}
