// `.guild/attrs/<name>` files: one YAML document per attribute, as Guild's Run.write_attr.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { GrunError } from './errors.js';
import { readListedFile, readSmallFile } from './small-file.js';
import { announceRunChange } from './summary-cache.js';
import type { YamlValue } from './types.js';
import { encodeYaml, parseYaml11 } from './yaml11.js';

export type AttrRead = { kind: 'ok'; value: YamlValue } | { kind: 'missing' } | { kind: 'corrupt'; message: string };

// PyYAML rejects bytes that are not UTF-8; so do we, rather than reading U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function attrsDir(runDir: string): string {
  return join(runDir, '.guild', 'attrs');
}

function attrPath(runDir: string, name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new GrunError(`invalid attr name '${name}': expected a plain file name`);
  }
  return join(attrsDir(runDir), name);
}

/** Reads one attr; never throws for a missing, unreadable or unparsable file. */
export function readAttr(runDir: string, name: string): AttrRead {
  return readAttrFile(attrPath(runDir, name));
}

/**
 * Reads the attr file at `path` (`readAttr`'s reading, for a reader that lists `.guild/attrs`
 * first); `listed`: that listing showed a regular file (small-file.ts `readListedFile`).
 */
export function readAttrFile(path: string, listed = false): AttrRead {
  let bytes: Buffer;
  try {
    bytes = listed ? readListedFile(path) : readSmallFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'corrupt', message: `cannot read ${path}: ${e.message}` };
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { kind: 'corrupt', message: `${path}: not valid UTF-8` };
  }
  try {
    return { kind: 'ok', value: parseYaml11(text) };
  } catch (err) {
    return { kind: 'corrupt', message: `${path}: ${(err as Error).message}` };
  }
}

/**
 * Writes an attr atomically in Guild's encoding, creating `.guild/attrs` if needed but never
 * the run dir itself: a writer racing a delete to the trash must fail, not recreate a ghost
 * `runs/<id>` that would then block restoring the run.
 */
export function writeAttr(runDir: string, name: string, value: YamlValue): void {
  const path = attrPath(runDir, name);
  const gone = () => new GrunError(`cannot write attr '${name}': run ${runDir} was moved or deleted`);
  for (const dir of [join(runDir, '.guild'), attrsDir(runDir)]) {
    try {
      mkdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw gone();
      if (code !== 'EEXIST') throw e;
    }
  }
  try {
    writeFileAtomicSync(path, encodeYaml(value));
  } catch (e) {
    // The run went to the trash between the mkdir and the temp file or its rename.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw gone();
    throw e;
  }
  announceIfSettled(runDir, name);
}

/**
 * A listing trusts a finished run's cached summary until it shows it (index.ts `RunList`):
 * an attr grun writes to a finished run (an edit, a restart, the last attrs of its end) is
 * announced so that the next listing reads the run again.
 */
function announceIfSettled(runDir: string, name: string): void {
  if (name === 'exit_status' || existsSync(attrPath(runDir, 'exit_status'))) announceRunChange(runDir);
}

/** Removes an attr; a missing one is fine (Guild's del_attr). */
export function deleteAttr(runDir: string, name: string): void {
  rmSync(attrPath(runDir, name), { force: true });
  announceIfSettled(runDir, name);
}

/** Attr names, sorted as Guild's `attr_names` (our own in-flight temp files left out). */
export function listAttrNames(runDir: string): string[] {
  try {
    return readdirSync(attrsDir(runDir))
      .filter((n) => !n.startsWith('.'))
      .sort();
  } catch {
    return [];
  }
}
