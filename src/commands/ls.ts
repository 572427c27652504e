// `grun ls [RUN] [-a] [-p PATH] [-L] [-f] [-n] [-s|-d|-g] [-h]`: a run's files (Guild's ls_impl,
// store/run-files.ts `listRunPaths`). Hidden names (`.guild`, `.foo`) are left out unless `-a`;
// output is `<run_dir>:` then one indented run-relative path per line, dirs with a trailing `/`,
// naturally sorted. `-h/--human-readable` changes nothing, as in Guild 0.9.1: its help says
// "when -x is used", an option Guild 0.9.1 does not have, and ls_impl lists no sizes (the flag only
// travels to a remote's ls); so `-h` is not help here, `--help` is.
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../store/errors.js';
import { addRunFilterOptions } from './filter-options.js';
import { listRunPaths } from '../store/run-files.js';
import { termSafe } from '../store/terminal-text.js';
import { formatDir, printLines } from './format.js';
import { sourcedRun } from './runs.js';
import { onRemote, REMOTE_OPTION } from './run-args.js';

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('ls')
      .description('List run files')
      .helpOption('--help', 'display help for command')
      .argument('[RUN]', 'run index, range or id prefix (default: 1, the latest)')
      .option('-p, --path <path>', 'list only this path of the run')
      .option('-a, --all', 'include the .guild directory')
      .option('-L, --follow-links', 'list the contents of linked directories')
      .option('-f, --full-path', 'show full paths')
      .option('-n, --no-format', 'plain paths, no header or indent')
      .option('-s, --sourcecode', 'list source code files')
      .option('-d, --dependencies', 'list dependencies')
      .option('-g, --generated', 'list generated files')
      .option('-h, --human-readable', "accepted as Guild's, which lists no sizes: the listing is the same")
      .option('--deleted', 'select from deleted runs')
      .option('-A, --archive <path>', 'select from an export directory or .zip')
      .option(...REMOTE_OPTION),
  ).action(async (spec: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
    if (await onRemote(opts, cmd)) return;
    const path = opts.path as string | undefined;
    if (path !== undefined && isAbsolute(path)) throw new UsageError('PATH must be relative');
    const run = await sourcedRun(cmd, opts, spec);
    const fullPath = Boolean(opts.fullPath);
    const noFormat = opts.format === false;
    const paths = listRunPaths(run.dir, {
      all: Boolean(opts.all),
      path,
      followLinks: Boolean(opts.followLinks),
      types: (['s', 'd', 'g'] as const).filter((t) => opts[{ s: 'sourcecode', d: 'dependencies', g: 'generated' }[t]]),
    });
    const lines: string[] = [];
    if (!fullPath && !noFormat) lines.push(`${formatDir(run.dir)}:`);
    for (const p of paths) {
      const shown = (fullPath ? join(run.dir, p.path) : p.path) + (p.dir ? '/' : '');
      lines.push(noFormat || fullPath ? shown : `  ${shown}`);
    }
    printLines(lines.map(termSafe));
  });
}
