// `grun pull REMOTE [RUN...]` (Guild's `pull`): copies whole run directories from an ssh remote's
// Guild home (RUN specs select from the remote's listing); a batch brings its trials, runs still
// running there are marked `LOCK.remote`. `-d/--delete` mirrors deletions; Guild's run filters
// choose among the remote's runs.
import type { Command } from 'commander';
import { connect, listRemoteRuns, pullRuns, selectRemoteRuns } from '../engine/remote/runs.js';
import { formatTable, formatTimestamp } from './format.js';
import { confirm, homeOf } from './run-args.js';
import { addRunFilterOptions, filterArgs, runFilterOptionsFrom } from './filter-options.js';
import { termSafe } from '../store/terminal-text.js';

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('pull')
      .description('Copy runs from a remote (rsync over ssh; a batch brings its trials)')
      .argument('<remote>', 'remote name (config.yml remotes)')
      .argument('[runs...]', "runs to copy, as the remote's listing numbers them (default: all; filters: those they keep there)")
      .option('-d, --delete', 'delete local files that are missing on the remote')
      .option('-y, --yes', 'do not ask for confirmation'),
  ).action(async (remote: string, specs: string[], o: Record<string, unknown> & { delete?: boolean; yes?: boolean }, cmd: Command) => {
    const home = homeOf(cmd);
    const conn = connect(home, remote);
    const listing = await listRemoteRuns(conn);
    // the remote's grun filters its own runs (their flags and scalars are there); a batch
    // kept brings its trials all the same
    const filters = filterArgs(runFilterOptionsFrom(o));
    const selected = selectRemoteRuns(filters.length ? await listRemoteRuns(conn, filters) : listing, specs);
    if (selected.length === 0) {
      process.stderr.write('Nothing to copy.\n');
      return;
    }
    if (!o.yes) {
      const rows = selected.map((r) => [`[${r.id.slice(0, 8)}]`, r.operation, formatTimestamp(r.started), r.status, r.label ?? ''].map(termSafe));
      process.stdout.write(`You are about to copy (pull) the following runs from ${remote}:\n${formatTable(rows, 2).join('\n')}\n`);
      if (!confirm('Continue?', true)) return;
    }
    const { ids } = await pullRuns(home, remote, selected.map((r) => r.id), { delete: Boolean(o.delete), listing });
    for (const id of ids) process.stdout.write(`Copied ${id} from ${remote}\n`);
  });
}
