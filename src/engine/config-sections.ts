// One section (`notify:`, `dashboard:`) of the config files grun reads besides remotes: the
// user's config.yml, then the Guild home's (remote/config.ts names them; the home's wins, so
// callers apply the sections in the order given). A file that does not parse, or a section that
// is not a mapping, is a GrunError naming the file.
import { existsSync, readFileSync } from 'node:fs';
import { GrunError } from '../store/errors.js';
import { parseYaml11 } from '../store/yaml11.js';
import { remoteConfigFiles } from './remote/config.js';

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Each file's `key:` mapping with the file's path, lowest precedence first; absent sections are skipped. */
export function configSections(home: string, key: string, fields: string, env: NodeJS.ProcessEnv = process.env): { path: string; section: Record<string, unknown> }[] {
  const out: { path: string; section: Record<string, unknown> }[] = [];
  for (const path of remoteConfigFiles(home, env)) {
    if (!existsSync(path)) continue;
    let doc: unknown;
    try {
      doc = parseYaml11(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new GrunError(`${path}: ${(e as Error).message}`);
    }
    const section = isMap(doc) ? doc[key] : undefined;
    if (section === undefined || section === null) continue;
    if (!isMap(section)) throw new GrunError(`${path}: '${key}' must be a mapping (${fields})`);
    out.push({ path, section });
  }
  return out;
}

/** A yes/no field of a section, or undefined where it is not set. */
export function booleanField(section: Record<string, unknown>, key: string, name: string, path: string): boolean | undefined {
  const v = section[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new GrunError(`${path}: ${name}.${key} must be yes or no, not ${JSON.stringify(v)}`);
  return v;
}
