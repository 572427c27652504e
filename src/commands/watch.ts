// `grun watch [RUN] [--pid PID|PIDFILE] [--raw]`: follow a run's output; Ctrl-C stops watching, not
// the run. To a terminal the output is made terminal-safe unless `--raw` is given.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { watchRun } from '../engine/watch.js';
import { GrunError } from '../store/errors.js';
import { listRuns } from '../store/index.js';
import type { Run } from '../store/types.js';
import { homeOf, oneRun } from './run-args.js';

/** `--pid` takes a pid or a pidfile; it matches the run's command, or its supervisor (Guild: parent). */
function runForPid(runs: Run[], arg: string): Run {
  const text = /^\d+$/.test(arg) ? arg : existsSync(arg) ? readFileSync(arg, 'utf8').trim() : '';
  if (!/^\d+$/.test(text)) throw new GrunError(`--pid: '${arg}' is neither a pid nor a file holding one`);
  const pid = Number(text);
  const run = runs.find((r) => r.lockPid === pid || r.proc?.supervisor.pid === pid || r.proc?.child?.pid === pid);
  if (!run) throw new GrunError(`no run has process ${pid}`);
  return run;
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('Follow the output of a run (default: the latest running run)')
    .argument('[run]', 'run to watch (index, range or id prefix)')
    .option('-p, --pid <pid>', 'watch the run of this pid or pidfile')
    .option('--raw', 'pass escape sequences to a terminal unchanged')
    .action(async (spec: string | undefined, o: { pid?: string; raw?: boolean }, cmd: Command) => {
      const runs = listRuns(homeOf(cmd));
      let run: Run;
      if (o.pid) run = runForPid(runs, o.pid);
      else if (spec !== undefined) run = oneRun(runs, spec);
      else {
        const running = runs.find((r) => r.status === 'running');
        if (!running) throw new GrunError('nothing to watch: no run is running');
        run = running;
      }
      const stop = new AbortController();
      const onInt = (): void => stop.abort();
      process.on('SIGINT', onInt);
      try {
        const safe = Boolean(process.stdout.isTTY) && !o.raw;
        const r = await watchRun(run, { signal: stop.signal, safe, onWaiting: (why) => process.stderr.write(`Waiting: ${why}\n`) });
        if (r.stoppedWatching) process.stdout.write(`Stopped watching ${run.id} (still running)\n`);
        else process.stdout.write(`Run ${run.id} stopped with a status of '${r.status}'\n`);
      } finally {
        process.off('SIGINT', onInt);
      }
    });
}
