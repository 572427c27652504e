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
export const safeModuleName = (name: string): string => name.replace(/\.py$/i, '').replace(/-/g, '_');

/** guild.yml operations (`model:op` for named models), then `*.py`, `*.sh`, `*.js`, `*.mjs`. */
export function listOperations(projectDir: string): OperationDef[] {
  const ops: OperationDef[] = [];
  const gf = loadGuildfile(projectDir);
  if (gf) {
    for (const m of gf.models) {
      for (const [name, config] of Object.entries(m.operations)) {
        const src = configFlagsSource(config['flags-dest']);
        ops.push({
          name: m.name ? `${m.name}:${name}` : name,
          kind: 'guildfile',
          description: typeof config.description === 'string' ? config.description : '',
          model: m.name,
          source: gf.path,
          // no main, exec or steps: Guild runs the module named after the operation
          ...(typeof config.main === 'string'
            ? { main: config.main }
            : config.main === undefined && config.exec === undefined && config.steps === undefined
              ? { main: safeModuleName(name) }
              : {}),
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
