// `grun cat [RUN] -p PATH [-s] | -O/--output [-n/--tail N] [-pa]`: a run file or the run output, streamed so
// memory stays bounded however large the file is; `--tail` reads only the end of the output;
// `-pa` hands the file to the pager; `-s` finds PATH where the run's source code is.
// Both go to a pipe byte for byte; to a terminal they are made terminal-safe (a run's escape
// sequences could set the title or the clipboard) unless `--raw` is given (`cleansFor`).
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { GrunError } from '../store/errors.js';
import { tailOutputLines } from '../store/output.js';
import { cleansFor, termSafeLine, termSafeStream } from '../store/terminal-text.js';
import { addRunFilterOptions } from './filter-options.js';
import { sourcedRun } from './runs.js';
import { aliasShortArgs, intOption, onRemote, REMOTE_OPTION } from './run-args.js';
import { pagerCommand, runInTerminal } from '../engine/external.js';

/** A file that cannot be read (a directory in its place, no permission) is reported, not a crash. */
function unreadable(path: string, e: unknown): GrunError {
  return new GrunError(`cannot read ${path}: ${(e as Error).message}`);
}

/** Read in 1 MiB chunks: with 64 KiB, a 100 MB output cost 1,600 trips through libuv. */
const CHUNK = 1 << 20;

/**
 * A file to stdout unchanged, as `cat` copies it: read and written synchronously, with no trip
 * through libuv's thread pool and no stream per chunk. A stdout that would block (a pipe left
 * non-blocking: EAGAIN) takes the rest as a stream, in order.
 */
async function copyRaw(path: string): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n === 0) return;
      let off = 0;
      try {
        while (off < n) off += writeSync(1, buf, off, n - off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        await pipeline(createReadStream(path, { start: pos + off, highWaterMark: CHUNK }), process.stdout, { end: false });
        return;
      }
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies a file to stdout, cleaned line by line when `clean` (a terminal; memory bounded by
 * `termSafeStream`); a reader that goes away (`| head`) ends it quietly.
 */
async function streamFile(path: string, clean: boolean): Promise<void> {
  try {
    if (clean) await pipeline(createReadStream(path, { highWaterMark: CHUNK }), termSafeStream(), process.stdout, { end: false });
    else await copyRaw(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw unreadable(path, e);
  }
}

/** `--page`: the file in the user's pager, which has the terminal until it exits. */
function page(file: string): void {
  const failed = runInTerminal([...pagerCommand(process.env), file], process.cwd());
  if (failed) throw new GrunError(failed);
}

/** `path` under `root` (the run dir, or where its source code is), which must be inside the run dir. */
function runFile(runDir: string, path: string, root = runDir): string {
  const full = resolve(root, path);
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
  const cat = addRunFilterOptions(
    program
      .command('cat')
      .description('Show a run file or the run output')
      .argument('[RUN]', 'run index, range or id prefix (default: 1, the latest)')
      .option('-p, --path <path>', 'file to show, relative to the run directory')
      .option('-O, --output', 'show the run output')
      .option('-n, --tail <N>', 'with --output: only the last N lines', intOption('--tail'))
      .option('--raw', 'pass escape sequences to a terminal unchanged')
      .option('-d, --deleted', 'select from deleted runs')
      .option('-A, --archive <path>', 'select from an export directory or .zip')
      .option('-s, --sourcecode', "PATH is in the run's source code (where its operation put it)")
      .option('--page', 'show the file in the pager ($PAGER, else less; -pa)')
      .option(...REMOTE_OPTION),
  );
  aliasShortArgs(cat, { '-pa': '--page' });
  cat.action(async (spec: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
    if (await onRemote(opts, cmd)) return;
    const path = opts.path as string | undefined;
    if (!path && !opts.output) throw new GrunError('give a file with -p PATH, or --output');
    if (path && opts.output) throw new GrunError('-p/--path and -O/--output cannot both be used');
    if (opts.sourcecode && !path) throw new GrunError('--sourcecode needs -p PATH');
    if (opts.tail !== undefined && !opts.output) throw new GrunError('--tail needs --output');
    if (opts.tail !== undefined && opts.page) throw new GrunError('--tail and --page cannot both be used');
    const safe = cleansFor(process.stdout, Boolean(opts.raw));
    const run = await sourcedRun(cmd, opts, spec);
    const root = opts.sourcecode ? (await import('../engine/sourcecode.js')).runSourceDir(run) : run.dir;
    const file = path ? runFile(run.dir, path, root) : join(run.dir, '.guild', 'output');
    if (opts.tail !== undefined) {
      let lines;
      try {
        lines = tailOutputLines(run.dir, opts.tail as number);
      } catch (e) {
        throw unreadable(file, e);
      }
      if (lines.length > 0) process.stdout.write(lines.map((l) => (safe ? termSafeLine(l.text) : l.text)).join('\n') + '\n');
      return;
    }
    if (!path && !existsSync(file)) throw new GrunError(`run ${run.id} has no output`);
    return opts.page ? page(file) : streamFile(file, safe);
  });
}
