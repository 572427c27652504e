// What most commands share: the home from `-H`, runs filtered then selected the Guild way
// (filters first, then RUN specs against the filtered, newest-first list), and confirmations.
// The filters themselves are run-filter.ts: a listing without one never loads them.
import { readSync } from 'node:fs';
import type { Command } from 'commander';
import { GrunError } from '../store/errors.js';
import { resolveGuildHome } from '../store/home.js';
import { selectRuns } from '../store/select.js';
import type { Run } from '../store/types.js';
import { termSafe } from '../store/terminal-text.js';
import { dim, formatTable, formatTimestamp, opDesc, statusWithRemote } from './format.js';
import { withChildren } from '../engine/run-family.js';
import { shortAliases } from './guild-options.js';
import { commandIndex } from './index.js';
import type { LaunchPreview } from '../engine/launch/service.js';

export function homeOf(cmd: Command): string {
  return resolveGuildHome({ home: cmd.optsWithGlobals().home as string | undefined });
}

/** RUN specs (duplicates dropped) against the filtered list; `defaults` when none are given. */
export function selectFrom(runs: Run[], specs: string[], defaults: string[]): Run[] {
  const wanted = [...new Set(specs.length > 0 ? specs : defaults)];
  return selectRuns(runs, wanted);
}

/**
 * Like `selectFrom`, for commands that act on a parent's children too (stop, delete, restore,
 * purge, export, compare): each selected sweep parent or batch brings its children.
 */
export function selectWithChildren(runs: Run[], specs: string[], defaults: string[]): Run[] {
  return withChildren(selectFrom(runs, specs, defaults), runs);
}

/** Exactly one run: `runs info`, `cat`, `ls`, `select` (default: the latest). */
export function oneRun(runs: Run[], spec: string | undefined): Run {
  if (runs.length === 0) throw new GrunError('no matching runs');
  const selected = selectRuns(runs, [spec ?? '1']);
  if (selected.length !== 1) {
    throw new GrunError(`'${spec}' matches ${selected.length} runs; give one run`);
  }
  return selected[0]!;
}

/** Guild's preview table before a confirmation: `[short_id]  op  started  status  label`. */
export function previewLines(runs: Run[]): string[] {
  return formatTable(
    runs.map((r) => [`[${r.id.slice(0, 8)}]`, opDesc(r), formatTimestamp(r.started ?? r.initialized), statusWithRemote(r), termSafe(r.label ?? '')]),
    2,
  );
}

/** One line from stdin, synchronously; null at end of input. */
function readLine(): string | null {
  const buf = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      return line === '' ? null : line;
    }
    if (n === 0) return line === '' ? null : line;
    const ch = buf.toString('utf8');
    if (ch === '\n') return line;
    line += ch;
  }
}

/** click.confirm: `Prompt? [Y/n] `; empty answer takes the default, end of input aborts. */
export function confirm(prompt: string, defaultYes: boolean): boolean {
  for (;;) {
    process.stdout.write(`${prompt} ${defaultYes ? '[Y/n]' : '[y/N]'}: `);
    const answer = readLine();
    if (answer === null) {
      process.stdout.write('\n');
      throw new GrunError('Aborted!');
    }
    const a = answer.trim().toLowerCase();
    if (a === '') return defaultYes;
    if (a === 'y' || a === 'yes') return true;
    if (a === 'n' || a === 'no') return false;
    process.stdout.write('Error: invalid input\n');
  }
}

/**
 * The confirmation of a launch: its preview, then Enter (or y) goes and n cancels; with -y
 * nothing is asked, and without a terminal there is nobody to ask.
 */
export function confirmLaunch(what: string, yes: boolean | undefined): (p: LaunchPreview) => boolean {
  return (p) => {
    if (yes) return true;
    if (!process.stdin.isTTY) {
      throw new GrunError(`${what} needs a confirmation and stdin is not a terminal: add -y/--yes to go ahead`);
    }
    const lines = [p.headline, ...p.lines.map((l) => (l.note ? `${l.text}  ${dim(l.note)}` : l.text)), ...previewLines(p.runs)];
    process.stdout.write(lines.join('\n') + '\n');
    return confirm('Continue?', true);
  };
}

/**
 * Guild's `runs_op`: preview and confirm unless `-y`, then act. Nothing selected prints
 * `noRuns` to stderr and exits 0, as Guild does.
 */
export async function runsOp(
  selected: Run[],
  o: { yes?: boolean; preview: string; prompt: string; noRuns: string; defaultYes: boolean },
  act: (runs: Run[]) => void | Promise<void>,
): Promise<void> {
  if (selected.length === 0) {
    process.stderr.write(`${o.noRuns}\n`);
    return;
  }
  if (!o.yes) {
    process.stdout.write(`${o.preview}\n${previewLines(selected).join('\n')}\n`);
    if (!confirm(o.prompt.replace('{count}', String(selected.length)), o.defaultYes)) return;
  }
  await act(selected); // a file system refusal reaches the user as `grun: <message>` (main.ts)
}

/** Guild's second question of `export -r` and `import --copy-resources` (not asked with -y). */
export function copyResourcesConfirmed(yes: boolean): boolean {
  if (yes) return true;
  process.stdout.write('WARNING: You specified --copy-resources, which will copy resources used by each run.\n');
  return confirm('Really copy resources exported runs?', false);
}

/**
 * What `export` and `import` say of each run, in order, as Guild logs it on stderr: `Copying ID`
 * (`Moving ID`), or `WARNING: WHERE exists, skipping` for one already there (`where(id)`).
 */
export function reportCopies(runs: readonly Run[], skipped: readonly string[], move: boolean, where: (id: string) => string): void {
  const skip = new Set(skipped);
  for (const run of runs) {
    process.stderr.write(termSafe(skip.has(run.id) ? `WARNING: ${where(run.id)} exists, skipping` : `${move ? 'Moving' : 'Copying'} ${run.id}`) + '\n');
  }
}

/** `--help` of label, tag and comment: where an edit of a sweep's child goes. */
export const CHILD_EDIT_HELP = `
A child of a 'grun submit' sweep (an Accio run definition) has no metadata of
its own: editing it edits its parent, as 'grun runs set-meta' does. A trial of
a Guild batch ('grun run OP x=[1,2]', or made by Guild) keeps its own.
`;

/** Commander collector for repeatable options. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Commander parser for a non-negative integer option. */
export function intOption(name: string): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new GrunError(`invalid value '${v}' for ${name}: expected a whole number`);
    return Number(v);
  };
}

/** Like `intOption`, for counts that must be at least 1 (parallelism, trials). */
export function positiveIntOption(name: string): (v: string) => number {
  const parse = intOption(name);
  return (v: string) => {
    const n = parse(v);
    if (n < 1) throw new GrunError(`invalid value '${v}' for ${name}: expected at least 1`);
    return n;
  };
}

/** Commander parser for a positive number of minutes (Guild's `--stop-after N`). */
export function minutesOption(name: string): (v: string) => number {
  return (v: string) => {
    const n = /^\d*\.?\d+(?:[eE][-+]?\d+)?$/.test(v) ? Number(v) : NaN;
    if (!(n > 0)) throw new GrunError(`invalid value '${v}' for ${name}: expected a number of minutes above 0`);
    return n;
  };
}

/** Guild's `-r/--remote NAME` of the commands that act on runs (`onRemote`). */
export const REMOTE_OPTION = ['-r, --remote <name>', "do it on a remote from config.yml (the remote's grun, over ssh)"] as const;

/**
 * With `-r/--remote NAME`: the command as typed run by the remote's grun, its output here and
 * its prompts answered here, its exit code ours; true then (nothing is done here).
 */
export async function onRemote(opts: Record<string, unknown>, cmd: Command): Promise<boolean> {
  if (!opts.remote) return false;
  const { remoteCommand, remoteCommandArgs } = await import('../engine/remote/runs.js');
  const argv = process.argv.slice(2);
  const args = remoteCommandArgs(argv, commandIndex(argv));
  process.exitCode = await remoteCommand(homeOf(cmd), opts.remote as string, args);
  return true;
}

/**
 * Guild's options commander cannot declare: two-letter shorts (`-cc`, `-rm`), a second short or
 * long name (`push -n`, `compare --limit`). They are rewritten to the option's own long form
 * (`--limit=5` too) before the command parses its arguments; what follows `--` is left alone.
 */
export function aliasShortArgs(cmd: Command, aliases: Record<string, string>): void {
  shortAliases.set(cmd, { ...(shortAliases.get(cmd) ?? {}), ...aliases });
  const parse = cmd.parseOptions.bind(cmd);
  const rewrite = (a: string): string => {
    const eq = a.indexOf('=');
    const to = aliases[eq < 0 ? a : a.slice(0, eq)];
    return to === undefined ? a : eq < 0 ? to : to + a.slice(eq);
  };
  cmd.parseOptions = (argv: string[]) => {
    const end = argv.indexOf('--');
    return parse(end < 0 ? argv.map(rewrite) : [...argv.slice(0, end).map(rewrite), ...argv.slice(end)]);
  };
}
