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
import type { FlagDef, FlagsDest } from './plan-types.js';

/** `helpers/` beside `src/` and `dist/` (both two levels above this module). */
export const HELPERS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../helpers');

/** Bumped when the helper's output changes, so old cache entries are not reused. */
const DETECT_VERSION = '2';

export interface DetectedFlags {
  dest: FlagsDest;
  defs: FlagDef[];
  /** Guild's `--test-flags` sentence, e.g. `train.py does not import argparse - assuming globals`. */
  reason: string;
}

export function pythonExe(env: NodeJS.ProcessEnv = process.env): string {
  return env.GRUN_PYTHON || 'python3';
}

function cacheKey(scriptPath: string, content: Buffer): string {
  const h = createHash('md5');
  h.update(`grun-flags-v${DETECT_VERSION}\0${scriptPath}\0`);
  h.update(content);
  return h.digest('hex');
}

function runHelper(scriptPath: string): Promise<string> {
  return new Promise((ok, fail) => {
    execFile(
      pythonExe(),
      [join(HELPERS_DIR, 'flags.py'), scriptPath],
      { encoding: 'utf8', maxBuffer: 16 << 20 },
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
  const dest: FlagsDest = data.$dest === 'args' ? 'args' : 'globals';
  const defs: FlagDef[] = [];
  for (const [name, spec] of Object.entries(data)) {
    if (name.startsWith('$') || spec === null || typeof spec !== 'object' || Array.isArray(spec)) continue;
    defs.push(flagDefFromMap(name, spec, scriptName));
  }
  defs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const reason =
    dest === 'args'
      ? `${scriptName} imports argparse - assuming args`
      : `${scriptName} does not import argparse - assuming globals`;
  return { dest, defs, reason };
}

/** Detect a script's flags, through the cache under `home`. */
export async function detectPythonFlags(home: string, scriptPath: string): Promise<DetectedFlags> {
  let content: Buffer;
  try {
    content = readFileSync(scriptPath);
  } catch {
    throw new GrunError(`cannot read script ${scriptPath}`);
  }
  const name = scriptPath.split('/').pop() ?? scriptPath;
  const cachePath = join(home, 'cache', 'import-flags', cacheKey(resolve(scriptPath), content));
  try {
    return parseImportedFlags(readFileSync(cachePath, 'utf8'), name);
  } catch {
    // missing or unreadable cache entry: detect again
  }
  const json = await runHelper(scriptPath);
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
