// `grun ls [RUN] [-a] [-p PATH] [-L] [-f] [-n] [-s|-d|-g]`: a run's files (Guild's ls_impl). `.guild` is left
// out unless `-a`; output is `<run_dir>:` then one indented run-relative path per line, dirs
// with a trailing `/`, in natural order.
import { statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { GrunError } from '../store/errors.js';
import { addRunFilterOptions } from './filter-options.js';
import { filterByManifest, walkRunFiles, type ManifestType } from '../store/run-files.js';
import { termSafe } from '../store/terminal-text.js';
import { printLines } from './format.js';
import { sourceRuns } from './runs.js';
import { oneRun } from './run-args.js';

interface LsOptions {
  all?: boolean;
  path?: string;
  followLinks?: boolean;
  fullPath?: boolean;
  noFormat?: boolean;
  /** `-s/-d/-g`: only source code, dependencies or generated files. */
  types?: ManifestType[];
}

/** Run-relative paths under `rel` (a file gives itself), dirs with a trailing `/`. */
function listPaths(runDir: string, rel: string, opts: LsOptions): string[] {
  if (opts.types?.length) {
    // Guild matches the manifest over every file, `.guild` included, then `-p` as a prefix.
    const all = filterByManifest(runDir, walkRunFiles(runDir, '', { ...opts, all: true }), opts.types);
    const prefix = rel.replace(/\/+$/, '');
    return all.map((e) => e.path).filter((p) => !prefix || p === prefix || p.startsWith(`${prefix}/`));
  }
  if (rel === '') return walkRunFiles(runDir, '', opts).map((e) => (e.dir ? `${e.path}/` : e.path));
  // `-p ../..` or `-p /etc` would list what is outside the run (the whole home, or more).
  const inside = relative(resolve(runDir), resolve(runDir, rel));
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new GrunError(`path '${rel}' is not inside the run directory`);
  }
  let st;
  try {
    st = statSync(join(runDir, rel));
  } catch {
    throw new GrunError(`${rel} does not exist in run ${runDir}`);
  }
  if (!st.isDirectory()) return [rel];
  return walkRunFiles(runDir, rel, { ...opts, all: true }).map((e) => (e.dir ? `${e.path}/` : e.path));
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
      .option('-s, --sourcecode', 'list source code files')
      .option('-d, --dependencies', 'list dependencies')
      .option('-g, --generated', 'list generated files')
      .option('--deleted', 'select from deleted runs')
      .option('-A, --archive <path>', 'select from an export directory or .zip'),
  ).action(async (spec: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
    const run = oneRun(await sourceRuns(cmd, opts), spec);
    const o: LsOptions = {
      all: Boolean(opts.all),
      path: opts.path as string | undefined,
      followLinks: Boolean(opts.followLinks),
      fullPath: Boolean(opts.fullPath),
      noFormat: opts.format === false,
      types: (['s', 'd', 'g'] as const).filter((t) => opts[{ s: 'sourcecode', d: 'dependencies', g: 'generated' }[t]]),
    };
    const paths = listPaths(run.dir, o.path ?? '', o);
    const lines: string[] = [];
    if (!o.fullPath && !o.noFormat) lines.push(`${o.path ? join(run.dir, o.path) : run.dir}:`);
    for (const p of paths) {
      const shown = o.fullPath ? join(run.dir, p) + (p.endsWith('/') ? '/' : '') : p;
      lines.push(o.noFormat || o.fullPath ? shown : `  ${shown}`);
    }
    printLines(lines.map(termSafe));
  });
}
