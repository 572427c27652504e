// Argument parsing: no arguments opens the dashboard, anything else is a scriptable command.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { GrunError } from './store/errors.js';
import { version } from './version.js';

function program(): Command {
  const p = new Command('grun')
    .description('Terminal-first run manager for machine-learning experiments (Guild home format)')
    .version(version, '--version')
    .option('-H, --home <path>', 'Guild home (default: GUILD_HOME, a .guild up from here, ~/.guild)')
    .showSuggestionAfterError()
    .exitOverride();
  registerCommands(p);
  return p;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander already printed the message
    if (e instanceof GrunError) {
      process.stderr.write(`grun: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
