// `grun help`: Guild's project help, the operations of the guild.yml in the current directory
// with their descriptions and flags (each flag as `--help-op` shows it).
import type { Command } from 'commander';
import { listOperations } from '../engine/operations.js';
import { planOperation } from '../engine/plan.js';
import { GrunError } from '../store/errors.js';
import { printLines } from './format.js';
import { flagLines } from './op-help.js';
import { homeOf } from './run-args.js';

const OVERVIEW = [
  'OVERVIEW',
  '',
  '    The operations of the guild.yml in this directory, with their flags.',
  "    Run one with 'grun run OPERATION [FLAG=VALUE...]' (MODEL:OPERATION for a named model);",
  "    'grun run OPERATION --help-op' shows one operation, 'grun --help' the commands.",
];

async function operationLines(home: string, cwd: string, name: string, description: string): Promise<string[]> {
  const out = [`    ${name}`];
  if (description) out.push(...description.split('\n').map((l) => `      ${l}`.trimEnd()), '');
  let flags: string[] = [];
  try {
    const plan = await planOperation(home, cwd, name, { describeOnly: true });
    flags = plan ? flagLines(plan.flagDefs) : [];
  } catch (e) {
    if (!(e instanceof GrunError)) throw e;
    out.push(`      (cannot show its flags: ${e.message})`);
  }
  out.push(...flags.map((l) => `      ${l}`));
  return out;
}

export function register(program: Command): void {
  program
    .command('help')
    .description("Show the project's operations and their flags (Guild's project help)")
    .action(async (_o: unknown, cmd: Command) => {
      const cwd = process.cwd();
      const ops = listOperations(cwd)
        .filter((op) => op.kind === 'guildfile')
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (!ops.length) throw new GrunError(`no guild.yml operations in ${cwd}: expected a guild.yml that defines operations`);
      const home = homeOf(cmd);
      const base = ops.filter((op) => !op.name.includes(':'));
      const modeled = ops.filter((op) => op.name.includes(':'));
      const lines = [...OVERVIEW];
      for (const [title, group] of [['BASE OPERATIONS', base], ['MODEL OPERATIONS', modeled]] as const) {
        if (!group.length) continue;
        lines.push('', title);
        for (const op of group) lines.push('', ...(await operationLines(home, cwd, op.name, op.description)));
      }
      printLines(lines);
    });
}
