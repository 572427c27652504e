// The CLI's commands, one module each (each exports `register(program)`). Modules load on
// demand: a command pays only for its own imports, and `grun runs` never loads the dashboard.
import type { Command } from 'commander';

/** Top-level command name (and alias) → its module, in the order `grun --help` lists them. */
const COMMANDS: Record<string, string> = {
  run: './run.js',
  __supervise: './supervise.js',
  __search: './search-worker.js',
  __batch: './batch-worker.js',
  __steps: './steps.js',
  runs: './runs.js',
  ls: './ls.js',
  cat: './cat.js',
  watch: './watch.js',
  stop: './stop.js',
  compare: './compare.js',
  diff: './diff.js',
  label: './label.js',
  tag: './tag.js',
  comment: './comment.js',
  mark: './mark.js',
  merge: './merge.js',
  open: './open.js',
  check: './check.js',
  select: './select.js',
  export: './export.js',
  import: './import.js',
  submit: './submit.js',
  queue: './queue.js',
  operations: './operations.js',
  ops: './operations.js',
  push: './push.js',
  pull: './pull.js',
  sync: './sync.js',
  remote: './remote.js',
  remotes: './remote.js',
  help: './project-help.js',
  ui: './dashboard.js',
  api: './api.js',
  completion: './completion.js',
  __complete: './completion.js',
};

/** Root options that take a value, so their value is not taken for the command name. */
const VALUE_OPTIONS = new Set(['-H', '--home', '-C']);

/** Where the first operand of the root command line is (the command name), -1 without one. */
export function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return i;
  }
  return -1;
}

/** The first operand of the root command line: the command name, if any. */
export const commandName = (argv: readonly string[]): string | undefined => argv[commandIndex(argv)];

/**
 * Registers the named command only, or every command when there is none to run (help, no
 * match); none for `--version` or the dashboard (no command: loading them all would delay it).
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const name = commandName(argv);
  if (name === undefined && (argv.includes('--version') || !argv.some((a) => a === '-h' || a === '--help'))) return;
  await register(program, name !== undefined && COMMANDS[name] ? [COMMANDS[name]] : Object.values(COMMANDS));
}

/** Every command, those registered already left as they are (shell completion walks them all). */
export const registerAllCommands = (program: Command): Promise<void> => register(program, Object.values(COMMANDS));

/** The modules registered on each program, so that none is registered twice. */
const registered = new WeakMap<Command, Set<string>>();

async function register(program: Command, modules: string[]): Promise<void> {
  const done = registered.get(program) ?? new Set<string>();
  registered.set(program, done);
  for (const m of new Set(modules)) {
    if (done.has(m)) continue;
    done.add(m);
    const mod = (await import(m)) as { register(program: Command): void };
    mod.register(program);
  }
}
