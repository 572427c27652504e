// `grun ls [RUN] [-a] [-p PATH] [-L] [-f] [-n]`: a run's files (Guild's ls_impl). `.guild` is left
// out unless `-a`; output is `<run_dir>:` then one indented run-relative path per line, dirs
// with a trailing `/`, sorted.
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { GrunError } from '../store/errors.js';
import { addRunFilterOptions } from '../store/run-filters.js';
import { printLines } from './format.js';
import { sourceRuns } from './runs.js';
import { oneRun } from './run-args.js';

interface LsOptions {
  all?: boolean;
  path?: string;
  followLinks?: boolean;
  fullPath?: boolean;
  noFormat?: boolean;
}

/** Run-relative paths under `rel` (a file gives itself), depth first, sorted per directory. */
function listPaths(runDir: string, rel: string, opts: LsOptions): string[] {
  const out: string[] = [];
  const walk = (relDir: string): void => {
    let names: string[];
    try {
      names = readdirSync(join(runDir, relDir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (relDir === '' && name === '.guild' && !opts.all) continue;
      const r = relDir ? `${relDir}/${name}` : name;
      const p = join(runDir, r);
      let isDir = false;
      try {
        const st = lstatSync(p);
        isDir = st.isDirectory() || (st.isSymbolicLink() && Boolean(opts.followLinks) && statSync(p).isDirectory());
      } catch {
        // a dangling link lists as a file
      }
      out.push(isDir ? `${r}/` : r);
      if (isDir) walk(r);
    }
  };
  if (rel === '') walk('');
  else {
    let st;
    try {
      st = statSync(join(runDir, rel));
    } catch {
      throw new GrunError(`${rel} does not exist in run ${runDir}`);
    }
    if (st.isDirectory()) walk(rel.replace(/\/+$/, ''));
    else out.push(rel);
  }
  return out;
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('ls')
      .description('List run files')
      .argument('[RUN]', 'run index, range or id prefix (default: 1, the latest)')
      .option('-p, --path <path>', 'list only this path of the run')
      .option('-a, --all', 'include the .guild directory')
      .option('-L, --follow-links', 'list the contents of linked directories')
      .option('-f, --full-path', 'show full paths')
      .option('-n, --no-format', 'plain paths, no header or indent')
      .option('-d, --deleted', 'select from deleted runs')
      .option('-A, --archive <path>', 'select from an export directory or .zip'),
  ).action(async (spec: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
    const run = oneRun(await sourceRuns(cmd, opts), spec);
    const o: LsOptions = {
      all: Boolean(opts.all),
      path: opts.path as string | undefined,
      followLinks: Boolean(opts.followLinks),
      fullPath: Boolean(opts.fullPath),
      noFormat: opts.format === false,
    };
    const paths = listPaths(run.dir, o.path ?? '', o);
    const lines: string[] = [];
    if (!o.fullPath && !o.noFormat) lines.push(`${o.path ? join(run.dir, o.path) : run.dir}:`);
    for (const p of paths) {
      const shown = o.fullPath ? join(run.dir, p) + (p.endsWith('/') ? '/' : '') : p;
      lines.push(o.noFormat || o.fullPath ? shown : `  ${shown}`);
    }
    printLines(lines);
  });
}
