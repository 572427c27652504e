// `grun remotes` / `grun remote list` (Guild's `remotes`): the remotes config.yml declares.
// `grun remote status REMOTE`: for an ssh remote, whether it answers, whether grun is installed
// there and which version (`--json`: {remote, host, reachable, installed, version?, message});
// for a slurm remote, Slurm's version and the state of its partition (`--json`: {remote,
// reachable, version?, partitions, message}).
import type { Command } from 'commander';
import { getRemote, loadRemotes } from '../engine/remote/config.js';
import { remoteStatus } from '../engine/remote/runs.js';
import { clusterStatus } from '../engine/slurm/cli.js';
import { GrunError } from '../store/errors.js';
import { termSafe } from '../store/terminal-text.js';
import { formatTable, printLines } from './format.js';
import { homeOf } from './run-args.js';

/** Guild's `remotes`: each remote's name, type and description, sorted by name (`--json`: the configs). */
function listRemotes(home: string, json: boolean): void {
  const remotes = [...loadRemotes(home).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (json) return void process.stdout.write(JSON.stringify(remotes) + '\n');
  printLines(formatTable(remotes.map((r) => [r.name, r.type, r.description ?? '']).map((row) => row.map(termSafe))));
}

export function register(program: Command): void {
  program
    .command('remotes')
    .description('Show the remotes declared in config.yml (also: grun remote list)')
    .option('--json', 'print as JSON')
    .action((o: { json?: boolean }, cmd: Command) => listRemotes(homeOf(cmd), !!o.json));
  const remote = program.command('remote').description('Remotes declared in config.yml');
  remote
    .command('list')
    .description('Show the remotes declared in config.yml: name, type, description')
    .option('--json', 'print as JSON')
    .action((o: { json?: boolean }, cmd: Command) => listRemotes(homeOf(cmd), !!o.json));
  remote
    .command('status')
    .description('Say whether a remote answers and which grun (or Slurm) it has')
    .argument('<remote>', 'remote name')
    .option('--json', 'print as JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const home = homeOf(cmd);
      const config = getRemote(home, name);
      if (config.type === 'slurm') {
        const s = await clusterStatus(config.partition);
        if (o.json) process.stdout.write(JSON.stringify({ remote: name, ...s }) + '\n');
        else if (s.reachable) process.stdout.write(`${name} (slurm): ${s.message}\n`);
        if (!s.reachable && !o.json) throw new GrunError(`remote '${name}': ${s.message}`);
        if (!s.reachable || s.partitions.length === 0) process.exitCode = 1;
        return;
      }
      const s = await remoteStatus(home, name);
      if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
      else if (s.reachable) process.stdout.write(`${name} (${s.host}): ${s.message}\n`);
      if (!s.reachable && !o.json) throw new GrunError(s.message);
      if (!s.installed) process.exitCode = 1;
    });
}
