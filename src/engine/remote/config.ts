// Remotes as Guild declares them: `remotes:` in the user config (`~/.guild/config.yml`, or
// `$GUILD_CONFIG`) and in the Guild home's `config.yml`; the home's entries win by name.
//   remotes:
//     gpu-box: {type: ssh, host: gpu1, user: alice, port: 2222, private-key: ~/.ssh/id_gpu,
//               guild-home: ~/.guild, grun-command: grun}
//     cluster: {type: slurm, partition: gpu, account: lab, time: '1:00:00', sbatch-options: [--qos=low]}
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GrunError } from '../../store/errors.js';
import type { YamlValue } from '../../store/types.js';
import { parseYaml11 } from '../../store/yaml11.js';

export interface SshRemote {
  type: 'ssh';
  name: string;
  /** Host name or a `~/.ssh/config` alias; ssh itself resolves ports, keys and jump hosts. */
  host: string;
  user?: string;
  port?: number;
  privateKey?: string;
  /** The Guild home there: absolute, `~/…`, or relative to the login directory (Guild: `.guild`). */
  guildHome: string;
  /** How to start grun there: a shell fragment (`grun`, `node /opt/grun/bin/grun`). */
  grunCommand: string;
  connectTimeout: number;
  description?: string;
  /** The config file that declared it (for messages). */
  source: string;
}

export interface SlurmRemote {
  type: 'slurm';
  name: string;
  partition?: string;
  account?: string;
  /** Default `--time` of a job (Slurm's syntax: `MM`, `H:MM:SS`, `D-HH`…). */
  time?: string;
  /** Extra `sbatch` options, each one argument. */
  sbatchOptions: string[];
  description?: string;
  source: string;
}

export type RemoteConfig = SshRemote | SlurmRemote;

const DEFAULT_REMOTE_HOME = '.guild';
const DEFAULT_CONNECT_TIMEOUT = 10;

function isMap(v: YamlValue | undefined): v is { [k: string]: YamlValue } {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function field(m: { [k: string]: YamlValue }, key: string, where: string): string | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new GrunError(`${where}: '${key}' must be a string, not ${JSON.stringify(v)}`);
}

function intField(m: { [k: string]: YamlValue }, key: string, where: string): number | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n > 0) return n;
  throw new GrunError(`${where}: '${key}' must be a positive integer, not ${JSON.stringify(v)}`);
}

function listField(m: { [k: string]: YamlValue }, key: string, where: string): string[] {
  const v = m[key];
  if (v === undefined || v === null) return [];
  // A string is one option per whitespace-separated word, as it would be typed.
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  throw new GrunError(`${where}: '${key}' must be a list of strings, not ${JSON.stringify(v)}`);
}

/** One `remotes:` entry, checked. */
export function parseRemote(name: string, value: YamlValue, source: string): RemoteConfig {
  const where = `${source}: remote '${name}'`;
  if (!isMap(value)) throw new GrunError(`${where}: expected a mapping with 'type', not ${JSON.stringify(value)}`);
  const type = field(value, 'type', where);
  const description = field(value, 'description', where);
  if (type === 'ssh') {
    const host = field(value, 'host', where);
    if (!host) throw new GrunError(`${where}: 'host' is required for type ssh`);
    return {
      type,
      name,
      host,
      user: field(value, 'user', where),
      port: intField(value, 'port', where),
      privateKey: field(value, 'private-key', where),
      guildHome: field(value, 'guild-home', where) ?? DEFAULT_REMOTE_HOME,
      grunCommand: field(value, 'grun-command', where) ?? 'grun',
      connectTimeout: intField(value, 'connect-timeout', where) ?? DEFAULT_CONNECT_TIMEOUT,
      description,
      source,
    };
  }
  if (type === 'slurm') {
    return {
      type,
      name,
      partition: field(value, 'partition', where),
      account: field(value, 'account', where),
      time: field(value, 'time', where),
      sbatchOptions: listField(value, 'sbatch-options', where),
      description,
      source,
    };
  }
  throw new GrunError(`${where}: unsupported type ${JSON.stringify(type ?? null)} (grun knows ssh and slurm)`);
}

/** The config files that may declare remotes, lowest precedence first. */
export function remoteConfigFiles(home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const user = env.GUILD_CONFIG || join(env.HOME || homedir(), '.guild', 'config.yml');
  const homeConfig = join(home, 'config.yml');
  return user === homeConfig ? [user] : [user, homeConfig];
}

function readRemotesFile(path: string): Map<string, RemoteConfig> {
  const out = new Map<string, RemoteConfig>();
  if (!existsSync(path)) return out;
  let doc: YamlValue;
  try {
    doc = parseYaml11(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new GrunError(`${path}: ${(e as Error).message}`);
  }
  if (doc === null) return out;
  if (!isMap(doc)) throw new GrunError(`${path}: expected a mapping at the top level`);
  const remotes = doc.remotes;
  if (remotes === undefined || remotes === null) return out;
  if (!isMap(remotes)) throw new GrunError(`${path}: 'remotes' must be a mapping of names to remotes`);
  for (const [name, v] of Object.entries(remotes)) out.set(name, parseRemote(name, v, path));
  return out;
}

/** Every declared remote by name (the Guild home's config overrides the user's). */
export function loadRemotes(home: string, env: NodeJS.ProcessEnv = process.env): Map<string, RemoteConfig> {
  const all = new Map<string, RemoteConfig>();
  for (const f of remoteConfigFiles(home, env)) for (const [k, v] of readRemotesFile(f)) all.set(k, v);
  return all;
}

/** The remote called `name`, or a GrunError naming the files looked in and the known names. */
export function getRemote(home: string, name: string, env: NodeJS.ProcessEnv = process.env): RemoteConfig {
  const all = loadRemotes(home, env);
  const r = all.get(name);
  if (r) return r;
  const known = [...all.keys()].sort();
  throw new GrunError(
    `no remote named '${name}' in ${remoteConfigFiles(home, env).join(' or ')}` +
      (known.length > 0 ? ` (remotes: ${known.join(', ')})` : ' (no remotes are declared)'),
  );
}

export function getSshRemote(home: string, name: string, env: NodeJS.ProcessEnv = process.env): SshRemote {
  const r = getRemote(home, name, env);
  if (r.type !== 'ssh') throw new GrunError(`remote '${name}' is of type ${r.type}; this needs an ssh remote`);
  return r;
}
