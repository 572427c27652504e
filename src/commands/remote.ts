// `grun remote status REMOTE`: whether the remote answers, whether grun is installed there and
// which version (`--json`: {remote, host, reachable, installed, version?, message}).
import type { Command } from 'commander';
import { remoteStatus } from '../engine/remote/runs.js';
import { GrunError } from '../store/errors.js';
import { homeOf } from './run-args.js';

export function register(program: Command): void {
  const remote = program.command('remote').description('Remotes declared in config.yml');
  remote
    .command('status')
    .description('Say whether a remote answers and which grun it has')
    .argument('<remote>', 'remote name')
    .option('--json', 'print as JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const s = await remoteStatus(homeOf(cmd), name);
      if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
      else if (s.reachable) process.stdout.write(`${name} (${s.host}): ${s.message}\n`);
      if (!s.reachable && !o.json) throw new GrunError(s.message);
      if (!s.installed) process.exitCode = 1;
    });
}
