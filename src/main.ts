// Argument parsing: no arguments opens the dashboard, anything else is a scriptable command.
import { Command, CommanderError } from 'commander';
import { commandName, registerCommands } from './commands/index.js';
import { GrunError, UsageError, systemReason } from './store/errors.js';
import { resolveGuildHome } from './store/home.js';
import { setDebug } from './store/debug-log.js';
import { noteStartDir } from './commands/start-dir.js';
import { termSafe } from './store/terminal-text.js';
import { normalizeGuildArgs } from './commands/argv.js';
import { version } from './version.js';
import { addGuildOptionsHelp, refuseUnsupportedGuildOptions } from './commands/guild-options.js';

async function program(argv: string[]): Promise<Command> {
  const p = new Command('grun')
    .description('Terminal-first run manager for machine-learning experiments (Guild home format)')
    .version(version, '--version')
    .option('-H, --home <path>', 'Guild home (default: GUILD_HOME, a .guild up from here, ~/.guild)')
    .option('-C <path>', 'run the command as if started in PATH')
    .option('--debug', "log debug messages (a started run's command; its environment, secrets left out, with DEBUG_ENV=1)")
    .option('--readonly', 'dashboard: hide and disable every action that changes anything')
    .usage('[options] [command]')
    .argument('[command]')
    .showSuggestionAfterError()
    // commander's parse errors are printed by main() as grun's other usage errors are
    .configureOutput({ outputError: () => {} })
    .exitOverride()
    .action(async (command: string | undefined, opts: { home?: string; readonly?: boolean }) => {
      if (command !== undefined) throw new GrunError(`unknown command '${command}' (see 'grun --help')`);
      // Imported lazily: loading Ink and React costs half a second the CLI commands do not pay.
      const { openDashboard } = await import('./commands/dashboard.js');
      await openDashboard({ home: resolveGuildHome({ home: opts.home }), readonly: !!opts.readonly });
    });
  await registerCommands(p, argv);
  addGuildOptionsHelp(p);
  // Guild's `-C PATH`: the command runs as if started there.
  p.hook('preAction', () => {
    setDebug(p.opts().debug === true);
    const dir = p.opts().C as string | undefined;
    if (dir === undefined) return;
    noteStartDir();
    try {
      process.chdir(dir);
    } catch {
      throw new GrunError(`-C ${dir}: no such directory`);
    }
  });
  return p;
}

/** What commander throws having printed what was asked for, not an error. */
const HELP_OR_VERSION = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

function tryHelp(argv: string[]): void {
  const name = commandName(argv);
  process.stderr.write(`Try 'grun${name ? ` ${name}` : ''} --help' for more information.\n`);
}

async function main(argv: string[]): Promise<number> {
  try {
    const args = normalizeGuildArgs(argv);
    const p = await program(args);
    refuseUnsupportedGuildOptions(p, args);
    await p.parseAsync(args, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (!e.code.startsWith('commander.') || HELP_OR_VERSION.has(e.code)) return e.exitCode; // commander printed what was asked
      // A parse error (unknown option, missing argument, …): as Guild's click prints one, exit 2.
      process.stderr.write(`grun: ${e.message.replace(/^error: /, '').split('\n').map(termSafe).join('\n')}\n`);
      tryHelp(argv);
      return 2;
    }
    if (e instanceof GrunError) {
      process.stderr.write(`grun: ${termSafe(e.message)}\n`);
      if (e.hint !== undefined) process.stderr.write(e.hint.split('\n').map((l) => `${termSafe(l)}\n`).join(''));
      if (e instanceof UsageError) tryHelp(argv);
      return e.exitCode;
    }
    // A file system refusal that no command turned into a GrunError (permissions, a full
    // disk, a path that vanished) is still the user's to read, not a stack trace.
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const reason = systemReason(e);
      process.stderr.write(`grun: ${reason ? `${reason}: ` : ''}${termSafe((e as Error).message)}\n`);
      return 1;
    }
    throw e;
  }
}

// A reader that stops early (`grun runs | head`) ends the command quietly, as `cat` would be
// ended, with nothing on stderr; the work done so far stands (a run started goes on).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
}

process.exitCode = await main(process.argv.slice(2));
