// `grun stop [RUN...]`: SIGTERM to each run's process group, a grace period, SIGKILL with --force.
import type { Command } from 'commander';
import { addRunFilterOptions } from './filter-options.js';
import { homeOf, intOption, onRemote, REMOTE_OPTION, runsOp, selectWithChildren } from './run-args.js';

interface StopCmdOptions {
  yes?: boolean;
  force?: boolean;
  timeout?: number;
  wait?: boolean;
  [filter: string]: unknown;
}

export function register(program: Command): void {
  addStopCommand(program);
}

/** `stop` under `parent`: the root's `grun stop`, and `grun runs stop` (Guild has both). */
export function addStopCommand(parent: Command): void {
  const cmd = parent
    .command('stop')
    .description('Stop running runs (default: all running runs)')
    .argument('[runs...]', 'runs to stop (index, range or id prefix)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'kill runs that are still running when the timeout passes')
    .option('--timeout <seconds>', 'seconds to wait for each run to stop', intOption('--timeout'), 30)
    .option('-n, --no-wait', 'signal the runs and return at once')
    .option(...REMOTE_OPTION);
  addRunFilterOptions(cmd);
  cmd.action(async (specs: string[], o: StopCmdOptions, self: Command) => {
    if (await onRemote(o as Record<string, unknown>, self)) return;
    // loaded here, as the stop engine below: `grun runs` registers this command
    const all = (await import('./run-filter.js')).filteredRuns(homeOf(self), o);
    const selected = specs.length ? selectWithChildren(all, specs, []) : all.filter((r) => r.status === 'running');
    await runsOp(
      selected,
      {
        yes: o.yes,
        preview: 'You are about to stop the following runs:',
        prompt: 'Stop {count} run(s)?',
        noRuns: 'Nothing to stop.',
        defaultYes: true,
      },
      async (runs) => {
        const { stopRuns } = await import('../engine/stop.js');
        const reports = await stopRuns(runs, { timeout: o.timeout, force: o.force, noWait: o.wait === false }, (run, target) =>
          process.stderr.write(`Stopping ${run.id} (${target})\n`),
        );
        const stuck: string[] = [];
        for (const { run, outcome } of reports) {
          if (outcome.kind === 'not-running') process.stderr.write(`${outcome.message}\n`);
          else if (outcome.kind === 'timed-out') stuck.push(outcome.pid ? `${outcome.pid} (run ${run.id})` : `run ${run.id}`);
        }
        if (stuck.length) {
          // Guild's words; how long was waited and what to do next added
          process.stderr.write(`The following processes did not stop as expected: ${stuck.join(', ')}\n`);
          process.stderr.write(`Still running after ${o.timeout} seconds: use --force to kill ${stuck.length === 1 ? 'it' : 'them'}\n`);
          process.exitCode = 1;
        }
      },
    );
  });
}
