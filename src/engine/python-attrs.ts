// What Guild records of the Python a Python run uses, taken by the supervisor while the command
// runs (never delaying its start) and written before the run's end: `python_version` in the
// `platform` attr (Guild's `sys.version`), and the `pip_freeze` attr (`python -m pip freeze`)
// unless guild.yml says `pip-freeze: no` or NO_PIP_FREEZE=1 (Guild's python_script plugin). Both
// are asked of the interpreter through the home's cache (interpreter.ts `pythonFacts`).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readAttr, writeAttr } from '../store/attrs.js';
import { parseOpref } from '../store/opref.js';
import type { YamlValue } from '../store/types.js';
import { findOperation, isMap, parseGuildfile } from './guildfile.js';
import { pythonFacts } from './interpreter.js';

/** Whether a run of a Python operation gets `pip_freeze`: guild.yml's `pip-freeze` as given. */
export function pipFreezeWanted(isPython: boolean, optionValue: YamlValue | undefined): boolean {
  return isPython && optionValue !== false && process.env.NO_PIP_FREEZE !== '1';
}

/**
 * A staged run starting (a sweep's trial, `run --start`): its Python, when its `op` attr says it
 * is a Python operation (Guild's `${python_exe}` command), and whether it gets `pip_freeze`, its
 * guild.yml operation read again for `pip-freeze` as Guild reads the opdef when it starts one.
 */
export function stagedPython(runDir: string, cmd: string[]): { exe: string; pipFreeze: boolean } | null {
  const op = readAttr(runDir, 'op');
  const opCmd = op.kind === 'ok' && isMap(op.value) ? op.value['op-cmd'] : undefined;
  const args = isMap(opCmd) ? opCmd['cmd-args'] : undefined;
  if (!Array.isArray(args) || args[0] !== '${python_exe}' || !cmd[0]) return null;
  let option: YamlValue | undefined;
  try {
    const opref = parseOpref(readFileSync(join(runDir, '.guild', 'opref'), 'utf8'));
    if (opref.pkgType === 'guildfile') {
      const gf = parseGuildfile(readFileSync(opref.pkgName), opref.pkgName, dirname(opref.pkgName));
      option = findOperation(gf, opref.modelName ? `${opref.modelName}:${opref.opName}` : opref.opName)?.config['pip-freeze'];
    }
  } catch {
    // the guild.yml is gone or unreadable: Guild's default
  }
  return { exe: cmd[0], pipFreeze: pipFreezeWanted(true, option) };
}

/** Ignores a write that fails: the run dir moved away, or a full disk (the run's end matters more). */
function tryWrite(f: () => void): void {
  try {
    f();
  } catch {
    // see above
  }
}

/** Takes and records the run's Python attrs; the promise never rejects. */
export async function recordPythonAttrs(runDir: string, exe: string, o: { home: string; pipFreeze: boolean }): Promise<void> {
  const { version, freeze } = await pythonFacts(exe, o);
  const platform = readAttr(runDir, 'platform');
  if (version !== null && platform.kind === 'ok' && platform.value && typeof platform.value === 'object' && !Array.isArray(platform.value)) {
    const value = { ...platform.value, python_version: version };
    tryWrite(() => writeAttr(runDir, 'platform', value));
  }
  // Guild records null where pip failed
  if (freeze !== undefined) tryWrite(() => writeAttr(runDir, 'pip_freeze', freeze));
}
