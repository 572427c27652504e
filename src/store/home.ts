// Guild home resolution, in Guild 0.9's order (guild/config.py: guild_home).
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

export interface HomeOptions {
  home?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A `.guild` directory that is itself a run's metadata dir is never a home. */
function isHomeCandidate(p: string): boolean {
  return isDir(p) && !existsSync(join(p, 'opref'));
}

function findUp(start: string, stop: string): string | null {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, '.guild');
    if (isHomeCandidate(candidate)) return candidate;
    if (dir === stop) return null;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function resolveGuildHome(opts: HomeOptions = {}): string {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.home) return resolve(cwd, opts.home);
  if (env.GUILD_HOME) return resolve(cwd, env.GUILD_HOME);
  const user = env.HOME || homedir();
  const userHome = join(user, '.guild');
  const envHomes = [env.CONDA_PREFIX, env.VIRTUAL_ENV]
    .filter((p): p is string => !!p)
    .map((p) => join(p, '.guild'));
  if (env.GUILD_HOME_SCHEME === 'pre-0.9') {
    // Legacy scheme: the environment's .guild whether or not it exists yet.
    return envHomes[0] ?? userHome;
  }
  for (const h of envHomes) if (isDir(h)) return h;
  return findUp(cwd, user) ?? userHome;
}

export const runsDir = (home: string): string => join(home, 'runs');
export const trashRunsDir = (home: string): string => join(home, 'trash', 'runs');

/** The home a run dir lives in (`<home>/runs/<id>` or `<home>/trash/runs/<id>`), else null. */
export function homeOfRunDir(dir: string): string | null {
  const parent = dirname(dir);
  if (basename(parent) !== 'runs') return null;
  const up = dirname(parent);
  return basename(up) === 'trash' ? dirname(up) : up;
}
