// `grun cat [RUN] -p PATH | -O/--output [-n/--tail N]`: a run file or the run output, streamed so
// memory stays bounded however large the file is; `--tail` reads only the end of the output.
// The output goes to a pipe byte for byte; to a terminal it is made terminal-safe (a run's
// escape sequences could set the title or the clipboard) unless `--raw` is given.
import { createReadStream, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { GrunError } from '../store/errors.js';
import { tailOutputLines } from '../store/output.js';
import { termSafeLine, termSafeStream } from '../store/terminal-text.js';
import { addRunFilterOptions } from './filter-options.js';
import { oneSourcedRun, runSource } from './runs.js';
import { intOption } from './run-args.js';

/** A file that cannot be read (a directory in its place, no permission) is reported, not a crash. */
function unreadable(path: string, e: unknown): GrunError {
  return new GrunError(`cannot read ${path}: ${(e as Error).message}`);
}

/**
 * Copies a file to stdout (cleaned when `safe`); a reader that goes away (`| head`) ends it
 * quietly. Read in 1 MiB chunks: with the default 64 KiB, a 100 MB output costs 1,600 trips
 * through libuv's thread pool, which took longer than the copy.
 */
async function streamFile(path: string, safe = false): Promise<void> {
  const chunks = { highWaterMark: 1 << 20 };
  try {
    if (safe) await pipeline(createReadStream(path, chunks), termSafeStream(), process.stdout, { end: false });
    else await pipeline(createReadStream(path, chunks), process.stdout, { end: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw unreadable(path, e);
  }
}

function runFile(runDir: string, path: string): string {
  const full = resolve(runDir, path);
  const rel = relative(resolve(runDir), full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..') throw new GrunError(`path '${path}' is not inside the run directory`);
  let st;
  try {
    st = statSync(full);
  } catch {
    throw new GrunError(`${path} does not exist`);
  }
  if (st.isDirectory()) throw new GrunError(`${path} is a directory (use grun ls -p ${path})`);
  return full;
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('cat')
      .description('Show a run file or the run output')
      .argument('[RUN]', 'run index, range or id prefix (default: 1, the latest)')
      .option('-p, --path <path>', 'file to show, relative to the run directory')
      .option('-O, --output', 'show the run output')
      .option('-n, --tail <N>', 'with --output: only the last N lines', intOption('--tail'))
      .option('--raw', 'with --output: pass escape sequences to a terminal unchanged')
      .option('-d, --deleted', 'select from deleted runs')
      .option('-A, --archive <path>', 'select from an export directory or .zip'),
  ).action(async (spec: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
    const path = opts.path as string | undefined;
    if (!path && !opts.output) throw new GrunError('give a file with -p PATH, or --output');
    if (path && opts.output) throw new GrunError('-p/--path and -O/--output cannot both be used');
    if (opts.tail !== undefined && !opts.output) throw new GrunError('--tail needs --output');
    if (opts.raw && !opts.output) throw new GrunError('--raw needs --output');
    const safe = Boolean(process.stdout.isTTY) && !opts.raw;
    const run = await oneSourcedRun(await runSource(cmd, opts), spec);
    if (path) return streamFile(runFile(run.dir, path));
    const output = join(run.dir, '.guild', 'output');
    if (opts.tail !== undefined) {
      let lines;
      try {
        lines = tailOutputLines(run.dir, opts.tail as number);
      } catch (e) {
        throw unreadable(output, e);
      }
      if (lines.length > 0) process.stdout.write(lines.map((l) => (safe ? termSafeLine(l.text) : l.text)).join('\n') + '\n');
      return;
    }
    try {
      statSync(output);
    } catch {
      throw new GrunError(`run ${run.id} has no output`);
    }
    return streamFile(output, safe);
  });
}
