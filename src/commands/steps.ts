// `grun __steps`: the hidden command of a pipeline run, which its supervisor starts in the run's
// directory as it starts any run's command (see engine/pipeline/driver.ts).
import type { Command } from 'commander';
import { driveSteps } from '../engine/pipeline/driver.js';

export function register(program: Command): void {
  program.command('__steps', { hidden: true }).action(async () => {
    process.exitCode = await driveSteps(process.env.RUN_DIR ?? process.cwd(), { out: process.stdout, log: process.stderr });
  });
}
