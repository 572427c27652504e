// `grun merge [RUN]` (Guild's `merge`): copies a run's files into its project directory (or
// `--target-dir`), after a preview and a confirmation; the engine decides what goes where
// (engine/merge.ts). Guild's messages, on stderr.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { applyMerge, planMerge, replaceCheck, runProjectDir, SKIP_REASONS, type RunMerge } from '../engine/merge.js';
import { GrunError, UsageError } from '../store/errors.js';
import { termSafe } from '../store/terminal-text.js';
import type { Run } from '../store/types.js';
import { addRunFilterOptions } from './filter-options.js';
import { dim, formatTable } from './format.js';
import { collect, confirm, previewLines } from './run-args.js';
import { sourcedRun } from './runs.js';

interface MergeCmdOptions {
  targetDir?: string;
  sourcecode?: boolean;
  all?: boolean;
  skipSourcecode?: boolean;
  skipDeps?: boolean;
  exclude?: string[];
  preview?: boolean;
  yes?: boolean;
  /** `--replace` true, `--no-replace` false. */
  replace?: boolean;
}

const say = (line: string): void => void process.stderr.write(`${termSafe(line)}\n`);
const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};
/** Guild's `cwd_desc`: the current directory, or the path quoted as it was typed. */
const dirDesc = (typed: string): string => (real(typed) === real(process.cwd()) ? 'the current directory' : `'${typed}'`);

/** Guild's guard: with no `--target-dir`, the run must come from the project in this directory. */
function checkedCwd(run: Run): string {
  const help = "try 'grun merge --help' for more information";
  const project = runProjectDir(run);
  if (project === null) throw new GrunError(`run ${run.id} does not originate from a project - cannot merge to the current directory by default`, 1, `Use --target-dir to skip this check or ${help}.`);
  if (real(project) !== real(process.cwd())) {
    throw new GrunError(`run ${run.id} was created from a different project (${project}) - cannot merge to the current directory by default`, 1, `Use '--target-dir .' to override this check or ${help}.`);
  }
  return process.cwd();
}

/** False (having said why, as Guild) when the merge would replace files it may not. */
function mayReplace(m: RunMerge, shown: string, replace: boolean | undefined): boolean {
  if (replace === true) return true;
  const check = replaceCheck(m, { vcs: replace === undefined });
  if (check.kind === 'ok') return true;
  say(`grun: files in ${dirDesc(shown)} ${check.kind === 'unstaged' ? 'have unstaged changes' : 'would be replaced'}:`);
  for (const p of [...check.paths].sort()) say(`  ${p}`);
  say(check.kind === 'unstaged' ? 'Stage or stash these changes or use --replace to skip this check.' : 'Use --replace to skip this check.');
  return false;
}

function preview(m: RunMerge, shown: string, only: boolean): void {
  say(only ? `Merge will copy files from the following run to ${dirDesc(shown)}:` : `You are about to copy files from the following run to ${dirDesc(shown)}:`);
  say(previewLines([m.run])[0]!);
  say('Files:');
  if (m.copy.length === 0) say('  nothing to copy');
  for (const c of m.copy) say(`  ${c.targetPath}`);
  if (m.skip.length === 0) return;
  if (!only) {
    say(dim(`${m.skip.length === 1 ? '1 file' : `${m.skip.length} files`} will not be copied (use --preview to show the full list)`));
    return;
  }
  say(dim('Skipped:'));
  const skipped = [...m.skip].map((s) => [s.targetPath ?? s.runPath, SKIP_REASONS[s.reason]]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  for (const line of formatTable(skipped, 2)) say(dim(line));
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('merge')
      .description("Copy a run's files into its project directory (source code, project files it used, with --all what it made)")
      .argument('[RUN]', 'run index or id prefix (default: 1, the latest)')
      .option('-t, --target-dir <dir>', 'copy into DIR (needed when the run is not from the project in this directory)')
      .option('-s, --sourcecode', 'copy only source code (no dependencies)')
      .option('-a, --all', 'copy every run file, what the run made too')
      .option('--skip-sourcecode', 'do not copy source code')
      .option('-D, --skip-deps', 'do not copy project files the run depended on')
      .option('-x, --exclude <pattern>', 'leave out files matching PATTERN (repeatable)', collect)
      // Guild 0.9.1 declares these and never reads them: its merge writes no run summary
      .option('--no-summary', 'accepted as Guild 0.9.1 accepts it: no run summary is written either way')
      .option('--summary-name <name>', 'accepted as Guild 0.9.1 accepts it (its name for a run summary it never writes)')
      .option('-p, --preview', 'show what would be copied and skipped, and exit')
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--replace', 'replace files in the target directory')
      .option('--no-replace', 'refuse to replace any file, even one Git could give back'),
  ).action(async (spec: string | undefined, o: MergeCmdOptions & Record<string, unknown>, cmd: Command) => {
    if (o.sourcecode && o.skipSourcecode) throw new UsageError('--sourcecode and --skip-sourcecode cannot both be used');
    const run = await sourcedRun(cmd, o, spec);
    const shown = o.targetDir ?? checkedCwd(run); // as typed, as Guild names it
    const m = planMerge(run, resolve(shown), { all: o.all, skipSourcecode: o.skipSourcecode, skipDeps: o.skipDeps || o.sourcecode, exclude: o.exclude });
    if (!mayReplace(m, shown, o.replace)) {
      process.exitCode = 1;
      return;
    }
    if (m.copy.length === 0 && !o.preview) {
      say('Nothing to copy for the following run:');
      say(previewLines([run])[0]!);
      say("Try 'grun merge --preview' for a list of skipped files.");
      return;
    }
    if (o.preview || !o.yes) {
      preview(m, shown, !!o.preview);
      if (o.preview) return;
      if (!confirm('Continue?', false)) {
        process.exitCode = 4; // Guild's ABORTED
        return;
      }
    }
    applyMerge(m, (c) => say(`Copying ${c.targetPath}`));
  });
}
