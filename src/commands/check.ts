// `grun check` (Guild's `check`): what grun runs with, for a bug report or a new machine: its
// version and install, the Guild home, Node, the Python runs use, the platform, the GPUs'
// driver and Slurm where there are; `--space`: what the home's runs, trash and caches take on
// disk; `-r REMOTE`: the same from the remote's grun.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { onPath, pythonExe, pythonFacts, resolveExecutable } from '../engine/interpreter.js';
import { resolveGuildHome } from '../store/home.js';
import { version } from '../version.js';
import { printLines } from './format.js';
import { homeOf, onRemote, REMOTE_OPTION } from './run-args.js';

/** A program's answer, first line; `not installed` without it, `unknown` when it fails. */
function programSays(exe: string, args: string[]): string {
  if (!onPath(exe)) return 'not installed';
  try {
    return execFileSync(exe, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n')[0] || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Bytes under `path` (links not followed); missing: 0. */
function diskUsage(path: string): number {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of readdirSync(path)) n += diskUsage(join(path, name));
  return n;
}

/** Bytes as Guild's `format_bytes`: 1.2 MB, 340.0 KB. */
function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  for (; n >= 1000 && i < units.length - 1; i++) n /= 1000;
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

const lines = (rows: [string, string][]): string[] => {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`);
};

export function register(program: Command): void {
  program
    .command('check')
    .description('Show what grun runs with: its version, the Guild home, Node, Python, the platform, GPUs and Slurm')
    .option('--space', "show what the home's runs, deleted runs and caches take on disk")
    .option(...REMOTE_OPTION)
    .action(async (o: { space?: boolean; remote?: string }, cmd: Command) => {
      if (await onRemote(o, cmd)) return;
      const home = homeOf(cmd);
      if (o.space) {
        printLines(
          lines([
            ['runs', formatBytes(diskUsage(join(home, 'runs')))],
            ['deleted runs', formatBytes(diskUsage(join(home, 'trash')))],
            ['cache', formatBytes(diskUsage(join(home, 'cache')))],
          ]),
        );
        return;
      }
      const python = resolveExecutable(pythonExe());
      let pythonVersion = 'not installed';
      if (onPath(python) || python.includes('/')) {
        try {
          pythonVersion = (await pythonFacts(python, { home, pipFreeze: false })).version ?? 'unknown';
        } catch {
          pythonVersion = 'unknown';
        }
      }
      printLines(
        lines([
          ['grun_version', version],
          ['grun_install_location', resolve(import.meta.dirname, '..', '..')],
          ['guild_home', resolveGuildHome({ home })],
          ['guild_resource_cache', join(home, 'cache', 'resources')],
          ['node_version', process.version],
          ['python_version', pythonVersion.replace(/\s+/g, ' ')],
          ['python_exe', python],
          ['platform', `${os.type()} ${os.release()} ${os.machine()}`],
          ['nvidia_smi_version', programSays('nvidia-smi', ['--query-gpu=driver_version', '--format=csv,noheader'])],
          ['slurm_version', programSays('sbatch', ['--version'])],
        ]),
      );
    });
}
