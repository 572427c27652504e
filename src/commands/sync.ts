// `grun sync [--remote NAME] [-w/--watch]` (Guild's `sync`): local mirrors of remote runs
// (`running (remote)`, marked LOCK.remote) are pulled again; a mirror whose remote run has ended
// loses its mark. An unreachable remote is reported and its mirrors stay as they were.
import type { Command } from 'commander';
import { syncRemoteRuns, watchRemoteRuns, type SyncReport } from '../engine/remote/runs.js';
import { intOption, homeOf } from './run-args.js';

function print(reports: SyncReport[]): void {
  for (const r of reports) {
    if (r.unreachable) process.stderr.write(`grun: ${r.unreachable}\n`);
    else {
      const open = r.ids.length - r.finished.length;
      process.stdout.write(`${r.remote}: synced ${r.ids.length} run(s), ${r.finished.length} finished, ${open} running\n`);
      for (const id of r.missing) process.stderr.write(`grun: run ${id} is no longer on remote '${r.remote}'\n`);
    }
  }
}

export function register(program: Command): void {
  program
    .command('sync')
    .description('Update the local copies of runs running on remotes')
    .option('-r, --remote <name>', 'only runs of this remote')
    .option('-w, --watch', 'keep syncing until every remote run has ended')
    .option('--interval <seconds>', 'seconds between passes with --watch (default 5)', intOption('--interval'))
    .action(async (o: { remote?: string; watch?: boolean; interval?: number }, cmd: Command) => {
      const home = homeOf(cmd);
      if (!o.watch) {
        const reports = await syncRemoteRuns(home, { remote: o.remote });
        if (reports.length === 0) process.stderr.write('No remote runs to sync.\n');
        print(reports);
        if (reports.some((r) => r.unreachable)) process.exitCode = 1;
        return;
      }
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      await watchRemoteRuns(home, print, { remote: o.remote, intervalMs: (o.interval ?? 5) * 1000, signal: ac.signal });
    });
}
