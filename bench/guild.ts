// Real Guild beside grun in the benchmarks, where one is on PATH (`command -v guild`); where none
// is, its figures are left out, never estimated.
import { spawnSync } from 'node:child_process';

/** The `guild` command's path, or '' when none is installed. */
export const guildBin: string = spawnSync('sh', ['-c', 'command -v guild'], { encoding: 'utf8' }).stdout.trim();
