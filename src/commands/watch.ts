// `grun watch [RUN] [--pid PID|PIDFILE] [-n N] [--raw]`: follow a run's output; Ctrl-C stops
// watching, not the run. To a terminal it starts with what fits the screen (as `tail -f`) and is
// made terminal-safe unless `--raw` is given; piped, all of it, the output file's own bytes.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { endNotice, loadNotifyConfig, postNotice } from '../engine/notify.js';
import { watchRun } from '../engine/watch.js';
import { GrunError } from '../store/errors.js';
import { listRuns } from '../store/index.js';
import { cleansFor } from '../store/terminal-text.js';
import type { Run } from '../store/types.js';
import { addRunFilterOptions } from './filter-options.js';
import { filterRuns } from './run-filter.js';
import { homeOf, intOption, onRemote, oneRun, REMOTE_OPTION } from './run-args.js';

/** `--pid` takes a pid or a pidfile; it matches the run's command, or its supervisor (Guild: parent). */
/**
 * Lines of earlier output shown first: `--tail`, else a screenful on a terminal (less the rows
 * of `Watching run`, the final status line and the prompt, so a finished run fits), else all.
 */
function tailOf(tail: number | undefined): number | undefined {
  if (tail !== undefined) return tail;
  return process.stdout.isTTY ? Math.max(1, (process.stdout.rows || 24) - 3) : undefined;
}

function runForPid(runs: Run[], arg: string): Run {
  const text = /^\d+$/.test(arg) ? arg : existsSync(arg) ? readFileSync(arg, 'utf8').trim() : '';
  if (!/^\d+$/.test(text)) throw new GrunError(`--pid: '${arg}' is neither a pid nor a file holding one`);
  const pid = Number(text);
  const run = runs.find((r) => r.lockPid === pid || r.proc?.supervisor.pid === pid || r.proc?.child?.pid === pid);
  if (!run) throw new GrunError(`no run has process ${pid}`);
  return run;
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('watch')
      .description('Follow the output of a run (default: the latest running run; filters choose among the runs)')
      .argument('[run]', 'run to watch (index, range or id prefix)')
      .option('-p, --pid <pid>', 'watch the run of this pid or pidfile')
      .option('-n, --tail <N>', 'start with the last N lines of output (default: a screenful on a terminal, all when piped)', intOption('--tail'))
      .option('--raw', 'pass escape sequences to a terminal unchanged')
      .option('--notify', "when the run ends, post a notice to config.yml's notify: command and url")
      .option(...REMOTE_OPTION),
  ).action(async (spec: string | undefined, o: { pid?: string; tail?: number; raw?: boolean; notify?: boolean; remote?: string }, cmd: Command) => {
    if (await onRemote(o, cmd)) return;
    const home = homeOf(cmd);
    // a bad notify: section is refused before watching, not found out at the end
    const notify = o.notify ? loadNotifyConfig(home) : null;
    if (notify && !notify.command && !notify.url) throw new GrunError("--notify: config.yml has no notify: command or url");
    const runs = filterRuns(listRuns(home), o);
    let run: Run;
    if (o.pid) run = runForPid(runs, o.pid);
    else if (spec !== undefined) run = oneRun(runs, spec);
    else {
      const running = runs.find((r) => r.status === 'running');
      if (!running) throw new GrunError('nothing to watch: no run is running');
      run = running;
    }
    // as Guild: on stderr, so the output itself stays clean to pipe (NO_WATCHING_MSG=1 hides it)
    if (process.env.NO_WATCHING_MSG !== '1') process.stderr.write(`Watching run ${run.id}\n`);
    const stop = new AbortController();
    const onInt = (): void => stop.abort();
    process.on('SIGINT', onInt);
    try {
      const safe = cleansFor(process.stdout, o.raw);
      const r = await watchRun(run, { signal: stop.signal, tail: tailOf(o.tail), safe, exact: !process.stdout.isTTY, onWaiting: (why) => process.stderr.write(`Waiting: ${why}\n`) });
      if (r.stoppedWatching) process.stdout.write(`Stopped watching ${run.id} (still running)\n`);
      else {
        process.stdout.write(`Run ${run.id} stopped with a status of '${r.status}'\n`);
        if (notify) {
          const ended = listRuns(home).find((x) => x.id === run.id) ?? run;
          for (const f of await postNotice(notify, endNotice({ ...ended, status: r.status }))) process.stderr.write(`grun: ${f}\n`);
        }
      }
    } finally {
      process.off('SIGINT', onInt);
    }
  });
}
