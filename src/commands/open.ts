// `grun open [RUN]` (Guild's `open`): a run's directory, one of its files (`-p`), its source code
// (`-s`) or its output (`-O`) opened with a program (`-c CMD`, else the desktop's opener), or a
// shell started there (`--shell`); the program has the terminal until it exits.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { runInTerminal } from '../engine/external.js';
import { GrunError, UsageError } from '../store/errors.js';
import { shlexSplit } from '../store/opref.js';
import type { Run } from '../store/types.js';
import { addRunFilterOptions } from './filter-options.js';
import { sourcedRun } from './runs.js';

interface OpenOptions {
  path?: string;
  sourcecode?: boolean;
  output?: boolean;
  cmd?: string;
  shell?: boolean;
  shellCmd?: string;
}

/** What to open: the output, or PATH under the run dir (or its source code dir), which must stay inside the run. */
async function target(run: Run, o: OpenOptions): Promise<string> {
  if (o.output) return join(run.dir, '.guild', 'output');
  const root = o.sourcecode ? (await import('../engine/sourcecode.js')).runSourceDir(run) : run.dir;
  const full = resolve(root, o.path ?? '');
  const rel = relative(resolve(run.dir), full);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new GrunError(`path '${o.path}' is not inside the run directory`);
  return full;
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('open')
      .description("Open a run's directory or one of its files with a program, or start a shell there")
      .argument('[RUN]', 'run index or id prefix (default: 1, the latest)')
      .option('-p, --path <path>', 'a path under the run directory')
      .option('-s, --sourcecode', "the run's source code directory (PATH under it)")
      .option('-O, --output', "the run's output")
      .option('-c, --cmd <cmd>', 'the program to open it with (default: xdg-open, open on macOS)')
      .option('--shell', 'start a shell ($SHELL) in the run directory, or where PATH is')
      .option('--shell-cmd <cmd>', 'the shell to start there'),
  ).action(async (spec: string | undefined, o: OpenOptions & Record<string, unknown>, cmd: Command) => {
    if (o.path !== undefined && isAbsolute(o.path)) throw new UsageError('PATH must be relative');
    const shell = o.shell || o.shellCmd !== undefined;
    if (shell && o.cmd !== undefined) throw new UsageError(`--cmd and --${o.shell ? 'shell' : 'shell-cmd'} cannot both be used`);
    if (o.output && (o.path !== undefined || o.sourcecode)) process.stderr.write('--output cannot be used with other options - ignoring other options\n');
    const run = await sourcedRun(cmd, o, spec);
    const path = await target(run, o);
    if (!existsSync(path)) throw new GrunError(`${path} does not exist`);
    let failed: string | null;
    if (shell) {
      const dir = statSync(path).isDirectory() ? path : dirname(path);
      process.stderr.write(`Running a new shell in ${dir}\nTo exit the shell, type 'exit' and press Enter.\n`);
      failed = runInTerminal(shlexSplit(o.shellCmd ?? process.env.SHELL ?? 'bash'), dir);
    } else {
      const opener = o.cmd ?? (process.platform === 'darwin' ? 'open' : 'xdg-open');
      failed = runInTerminal([...shlexSplit(opener), path], process.cwd());
    }
    if (failed) throw new GrunError(o.cmd === undefined && !shell ? `${failed} (give a program with -c CMD, or --shell)` : failed);
  });
}
