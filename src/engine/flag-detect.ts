// Flags of a Python script, found by grun's `helpers/flags.py` (Python's `ast`, never running
// the script), cached like Guild in `$GUILD_HOME/cache/import-flags/<md5>`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GrunError } from '../store/errors.js';
import type { YamlValue } from '../store/types.js';
import { flagDefFromMap } from './flags.js';
import { interpreterFor, pythonExe } from './interpreter.js';
import type { FlagDef, FlagsDest } from './plan-types.js';

/** `helpers/` beside `src/` and `dist/` (both two levels above this module). */
export const HELPERS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../helpers');

/** Bumped when the helper's output changes, so old cache entries are not reused. */
const DETECT_VERSION = '5';

export interface DetectedFlags {
  dest: FlagsDest;
  defs: FlagDef[];
  /** Guild's `--test-flags` sentence, e.g. `train.py does not import argparse - assuming globals`. */
  reason: string;
}

/** What detection reads besides the script: the operation's own args and whether it is click. */
export interface DetectOptions {
  /** `main: script a b`: the args naming a sub-command, whose own flags are the flags. */
  baseArgs?: string[];
  /** `flags-dest: args:click`: the options of a click command. */
  click?: boolean;
  /** `flags-dest: global:NAME` (`dict:`, `namespace:`): the items of that module-level dict. */
  dict?: string;
}

function helperArgs(scriptPath: string, o: DetectOptions): string[] {
  return [...(o.click ? ['--click'] : []), ...(o.dict !== undefined ? ['--dict', o.dict] : []), scriptPath, ...(o.baseArgs ?? [])];
}

function cacheKey(scriptPath: string, content: Buffer, o: DetectOptions): string {
  const h = createHash('md5');
  h.update(`grun-flags-v${DETECT_VERSION}\0${JSON.stringify(helperArgs(scriptPath, o))}\0`);
  h.update(content);
  return h.digest('hex');
}

async function runHelper(home: string, scriptPath: string, o: DetectOptions): Promise<string> {
  const python = await interpreterFor(pythonExe(), { home, cwd: process.cwd(), env: process.env });
  return new Promise((ok, fail) => {
    execFile(
      python.exe,
      [join(HELPERS_DIR, 'flags.py'), ...helperArgs(scriptPath, o)],
      { encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, ...python.env } },
      (err, stdout, stderr) => {
        if (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            fail(new GrunError(`cannot read flags of ${scriptPath}: ${pythonExe()} not found (set GRUN_PYTHON to a Python 3 interpreter)`));
            return;
          }
          const why = stderr.trim() || err.message;
          fail(new GrunError(`cannot read flags of ${scriptPath}: ${why}`));
        } else ok(stdout);
      },
    );
  });
}

/** Parse the helper's JSON (Guild's import-flags shape) into definitions. */
export function parseImportedFlags(json: string, scriptName: string): DetectedFlags {
  const data = JSON.parse(json) as Record<string, YamlValue>;
  const dest: FlagsDest = data.$dest === 'args' || data.$dest === 'args:click' ? data.$dest : 'globals';
  const defs: FlagDef[] = [];
  for (const [name, spec] of Object.entries(data)) {
    if (name.startsWith('$') || spec === null || typeof spec !== 'object' || Array.isArray(spec)) continue;
    defs.push(flagDefFromMap(name, spec, scriptName));
  }
  defs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const reason =
    dest !== 'globals'
      ? `${scriptName} imports argparse - assuming args`
      : `${scriptName} does not import argparse - assuming globals`;
  return { dest, defs, reason };
}

/** Detect a script's flags, through the cache under `home`. */
export async function detectPythonFlags(home: string, scriptPath: string, o: DetectOptions = {}): Promise<DetectedFlags> {
  let content: Buffer;
  try {
    content = readFileSync(scriptPath);
  } catch {
    throw new GrunError(`cannot read script ${scriptPath}`);
  }
  const name = scriptPath.split('/').pop() ?? scriptPath;
  const cachePath = join(home, 'cache', 'import-flags', cacheKey(resolve(scriptPath), content, o));
  try {
    return parseImportedFlags(readFileSync(cachePath, 'utf8'), name);
  } catch {
    // missing or unreadable cache entry: detect again
  }
  const json = await runHelper(home, scriptPath, o);
  const detected = parseImportedFlags(json, name);
  try {
    mkdirSync(dirname(cachePath), { recursive: true });
    const tmp = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(tmp, json);
    renameSync(tmp, cachePath);
  } catch {
    // a read-only home only loses the cache
  }
  return detected;
}
