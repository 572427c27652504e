// What can be run in a project: guild.yml operations, then runnable scripts at its top level.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { configFlagsSource, configKind, unsupportedConfig } from './config-flags.js';
import { loadGuildfile } from './guildfile.js';
import type { OperationDef } from './plan-types.js';

/** Script kinds grun runs directly, by file extension. */
export const SCRIPT_EXTENSIONS: Record<string, 'python' | 'shell' | 'node'> = {
  '.py': 'python',
  '.sh': 'shell',
  '.js': 'node',
  '.mjs': 'node',
};

export function scriptKind(path: string): 'python' | 'shell' | 'node' | null {
  const dot = path.lastIndexOf('.');
  return dot >= 0 ? (SCRIPT_EXTENSIONS[path.slice(dot)] ?? null) : null;
}

/** Guild's `python_util.safe_module_name`: an operation name as a module name. */
const safeModuleName = (name: string): string => name.replace(/\.py$/i, '').replace(/-/g, '_');

/**
 * The Python main a guild.yml operation runs (its args included): `main:` as written, or, with
 * no main, exec or steps, the module named after the operation (Guild's rule); undefined for an
 * `exec:` or steps operation.
 */
export function operationMain(name: string, config: Record<string, unknown>): string | undefined {
  if (typeof config.exec === 'string') return undefined;
  if (typeof config.main === 'string') return config.main;
  return config.main === undefined && config.steps === undefined ? safeModuleName(name) : undefined;
}

/** guild.yml operations (`model:op` for named models), then `*.py`, `*.sh`, `*.js`, `*.mjs`. */
export function listOperations(projectDir: string): OperationDef[] {
  const ops: OperationDef[] = [];
  const gf = loadGuildfile(projectDir);
  if (gf) {
    for (const m of gf.models) {
      for (const [name, config] of Object.entries(m.operations)) {
        const src = configFlagsSource(config['flags-dest']);
        const main = operationMain(name, config);
        ops.push({
          name: m.name ? `${m.name}:${name}` : name,
          kind: 'guildfile',
          description: typeof config.description === 'string' ? config.description : '',
          model: m.name,
          source: gf.path,
          ...(main !== undefined ? { main } : {}),
          ...(src !== null && !configKind(src) ? { warning: unsupportedConfig(src) } : {}),
        });
      }
    }
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(projectDir, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && scriptKind(e.name) !== null)
      .map((e) => e.name)
      .sort();
  } catch {
    // an unreadable project lists its guild.yml operations only
  }
  for (const name of entries) {
    ops.push({ name, kind: 'script', description: '', model: '', source: join(projectDir, name) });
  }
  return ops;
}
