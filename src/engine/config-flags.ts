// Flags kept in a config file (`flags-dest: config:FILE`, Guild's config_flags plugin and its
// config resolver): the file's values are the operation's flags (nested keys joined by dots),
// and each run gets its own copy of the file with the run's flag values in place. YAML, JSON and
// INI/CFG files are read and written; a `.in` suffix is looked through (`flags.json.in`).
import { readFileSync } from 'node:fs';
import { basename, join, posix, resolve } from 'node:path';
import { GrunError } from '../store/errors.js';
import { decodeFlagValue, encodeScalar, pyFloat, pyInt, pyJson, pyRepr } from '../store/flagfmt.js';
import { shlexQuote, shlexSplit } from '../store/opref.js';
import { SafePattern } from '../store/safe-regex.js';
import type { YamlValue } from '../store/types.js';
import { encodeYaml, isMarkedFloat, markFloat, parseYaml11 } from '../store/yaml11.js';
import { isMap, type YamlMap } from './guildfile.js';
import type { FlagDef, ResolvedConfig } from './plan-types.js';

export type ConfigKind = 'yaml' | 'json' | 'cfg';

/** The config format a path names (`.yml`/`.yaml`, `.json`, `.ini`/`.cfg`, each maybe `.in`). */
export function configKind(path: string): ConfigKind | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.in')) return configKind(path.slice(0, -3));
  const ext = /\.[^./]*$/.exec(lower)?.[0] ?? '';
  if (ext === '.yml' || ext === '.yaml') return 'yaml';
  if (ext === '.json') return 'json';
  if (ext === '.ini' || ext === '.cfg') return 'cfg';
  return null;
}

/** The file a `flags-dest` value names, or null when the flags go elsewhere. */
export function configFlagsSource(dest: YamlValue | undefined): string | null {
  return typeof dest === 'string' && dest.startsWith('config:') ? dest.slice('config:'.length) : null;
}

/** Guild's message for a config file of a kind it cannot read (a warning at load time). */
export const unsupportedConfig = (src: string): string => `config type for ${src} not supported`;

/** Python's `configparser` with `default_section=None` (DEFAULT is a section like any other). */
function parseIni(text: string, where: string): YamlMap {
  const data: YamlMap = {};
  let section: YamlMap | null = null;
  let last: { map: YamlMap; key: string } | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') last = null;
      return;
    }
    if (/^\s/.test(line) && last) {
      // an indented line continues the option above
      last.map[last.key] = `${String(last.map[last.key])}\n${trimmed}`;
      return;
    }
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      section = (data[header[1]!] as YamlMap | undefined) ?? {};
      data[header[1]!] = section;
      last = null;
      return;
    }
    const delim = /[=:]/.exec(trimmed);
    if (!section || !delim || delim.index === 0) {
      throw new GrunError(`${where}: line ${i + 1} ${JSON.stringify(line)}: expected [SECTION] or NAME = VALUE`);
    }
    const key = trimmed.slice(0, delim.index).trim().toLowerCase();
    section[key] = trimmed.slice(delim.index + 1).trim();
    last = { map: section, key };
  });
  for (const sec of Object.values(data) as YamlMap[]) {
    for (const [k, v] of Object.entries(sec)) {
      const [value, isFloat] = decodeCfgValue(String(v));
      sec[k] = value;
      if (isFloat) markFloat(sec, k);
    }
  }
  return data;
}

const CFG_BOOLEANS: Record<string, boolean> = { '1': true, yes: true, true: true, on: true, '0': false, no: false, false: false, off: false };

/**
 * Guild's `util.decode_cfg_val`: int, else float, else a configparser boolean, else the text;
 * with whether the value is an integral Python float (`1.0`).
 */
function decodeCfgValue(s: string): [YamlValue, boolean] {
  const i = pyInt(s);
  if (i !== undefined) return [typeof i === 'bigint' ? s : i, false];
  const f = pyFloat(s);
  if (f !== undefined) return [f, Number.isInteger(f)];
  return [CFG_BOOLEANS[s.toLowerCase()] ?? s, false];
}

/** The file's data, nested as written (INI: one map per section). */
export function readConfigData(path: string, src: string): YamlMap {
  const kind = configKind(path);
  if (!kind) throw new GrunError(unsupportedConfig(src));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GrunError(`cannot read config ${src}: ${(e as Error).message}`);
  }
  let data: YamlValue;
  try {
    data = kind === 'yaml' ? parseYaml11(text) : kind === 'json' ? (JSON.parse(text) as YamlValue) : parseIni(text, src);
  } catch (e) {
    if (e instanceof GrunError) throw e;
    throw new GrunError(`error loading config from ${src}: ${(e as Error).message}`);
  }
  return isMap(data) ? data : {};
}

/** Guild's `_iter_keyvals`: nested maps flattened to dotted names (an empty map gives none). */
function flatten(data: YamlMap, prefix = ''): [string, YamlValue, boolean][] {
  const out: [string, YamlValue, boolean][] = [];
  for (const [k, v] of Object.entries(data)) {
    if (isMap(v)) out.push(...flatten(v, `${prefix}${k}.`));
    else out.push([`${prefix}${k}`, v, isMarkedFloat(data, k)]);
  }
  return out;
}

/**
 * The flags a config file defines (`flags_import_util.flag_data_for_val`): strings, booleans
 * and numbers typed as such, lists as one splittable value (`'1 1.2 blue true'`), nulls
 * untyped; anything else is not a flag.
 */
export function importConfigFlags(path: string, src: string): FlagDef[] {
  const defs: FlagDef[] = [];
  for (const [name, v, isFloat] of flatten(readConfigData(path, src))) {
    if (Array.isArray(v)) {
      defs.push({ name, default: v.map((x, i) => shlexQuote(encodeScalar(x, isMarkedFloat(v, i)))).join(' '), argSplit: true });
    } else if (v === null) defs.push({ name, default: null });
    else if (typeof v === 'string') defs.push({ name, default: v, type: 'string' });
    else if (typeof v === 'boolean') defs.push({ name, default: v, type: 'boolean' });
    else if (typeof v === 'number') defs.push({ name, default: v, type: 'number', ...(isFloat ? { defaultIsFloat: true } : {}) });
  }
  return defs;
}

/** One `config:` dependency of an operation: the file and where the run's copy goes. */
export interface ConfigDepSpec {
  /** `config:flags.yml`: the resource name Guild prints. */
  name: string;
  /** The source, relative to the guild.yml directory. */
  source: string;
  /** Directory in the run dir (`target-path`), '' for the root. */
  targetPath: string;
  rename: { pattern: string; repl: string }[];
  /** Guild's `always-resolve`: a restart writes the file again. */
  alwaysResolve: boolean;
  /** Guild's `replace-existing`: a file already at the target gives way. */
  replaceExisting: boolean;
}

function renameSpecs(v: YamlValue | undefined, where: string): ConfigDepSpec['rename'] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((r) => {
    if (typeof r === 'string') {
      const parts = shlexSplit(r);
      if (parts.length === 2) return { pattern: parts[0]!, repl: parts[1]! };
      if (parts.length === 1) return { pattern: '.*', repl: parts[0]! };
    } else if (isMap(r)) return { pattern: String(r.pattern ?? ''), repl: String(r.repl ?? '') };
    throw new GrunError(`${where}: invalid rename spec ${JSON.stringify(r)}: expected 'PATTERN REPL' or 'NAME'`);
  });
}

/**
 * The operation's config dependencies: each `requires: - config: FILE` entry, and the
 * `flags-dest` file (added when no entry names it, installed under the file's own directory).
 * Guild re-resolves them on restart unless an entry says `always-resolve: no`.
 */
export function configDepSpecs(requires: YamlValue | undefined, flagsDest: YamlValue | undefined, where: string): ConfigDepSpec[] {
  const entries = requires === undefined || requires === null ? [] : Array.isArray(requires) ? requires : [requires];
  const specs: ConfigDepSpec[] = [];
  for (const r of entries) {
    if (!isMap(r) || typeof r.config !== 'string') continue;
    specs.push({
      name: `config:${r.config}`,
      source: r.config,
      targetPath: typeof r['target-path'] === 'string' ? r['target-path'] : '',
      rename: renameSpecs(r.rename, where),
      alwaysResolve: r['always-resolve'] !== false,
      replaceExisting: r['replace-existing'] !== false,
    });
  }
  const src = configFlagsSource(flagsDest);
  if (src !== null && !specs.some((s) => s.source === src)) {
    specs.push({ name: `config:${src}`, source: src, targetPath: posix.dirname(src) === '.' ? '' : posix.dirname(src), rename: [], alwaysResolve: true, replaceExisting: true });
  }
  return specs;
}

/** Guild's `util.apply_nested_config`: a dotted name finds a dotted key first, else nests. */
function applyNested(name: string, value: YamlValue, isFloat: boolean, config: YamlMap, prefix = ''): void {
  for (let trial = name; ; ) {
    if (Object.hasOwn(config, trial)) {
      const rest = name.slice(trial.length + 1);
      if (!rest) {
        config[trial] = value;
        if (isFloat) markFloat(config, trial);
        return;
      }
      const inner = config[trial]!;
      if (!isMap(inner)) {
        throw new GrunError(`'${prefix}${name}' cannot be nested: conflicts with {'${prefix}${trial}': ${pyRepr(inner, isMarkedFloat(config, trial))}}`);
      }
      applyNested(rest, value, isFloat, inner, `${trial}.`);
      return;
    }
    const dot = trial.lastIndexOf('.');
    if (dot < 0) break;
    trial = trial.slice(0, dot);
  }
  const parts = name.split('.');
  let at = config;
  for (const p of parts.slice(0, -1)) {
    if (!isMap(at[p])) at[p] = {};
    at = at[p] as YamlMap;
  }
  at[parts[parts.length - 1]!] = value;
  if (isFloat) markFloat(at, parts[parts.length - 1]!);
}

/** Python's `str()` of an INI value (`True`, `777.0`). */
const cfgValue = (v: YamlValue, isFloat: boolean): string => (typeof v === 'string' ? v : pyRepr(v, isFloat));

/** `configparser.write` of the sections, sorted (top-level values go to `[DEFAULT]`). */
function writeIni(data: YamlMap): string {
  const sections = new Map<string, [string, string][]>();
  const add = (sec: string, k: string, v: string): void => {
    if (!sections.has(sec)) sections.set(sec, []);
    sections.get(sec)!.push([k, v]);
  };
  for (const key of Object.keys(data).sort()) {
    const v = data[key]!;
    if (isMap(v)) {
      if (!sections.has(key)) sections.set(key, []);
      for (const k of Object.keys(v).sort()) add(key, k, cfgValue(v[k]!, isMarkedFloat(v, k)));
    } else add('DEFAULT', key, cfgValue(v, isMarkedFloat(data, key)));
  }
  let out = '';
  for (const [sec, items] of sections) {
    out += `[${sec}]\n${items.map(([k, v]) => `${k} = ${v.replace(/\n/g, '\n\t')}\n`).join('')}\n`;
  }
  return out;
}

function encodeConfig(kind: ConfigKind, data: YamlMap): string {
  if (kind === 'yaml') return encodeYaml(data);
  if (kind === 'json') return pyJson(data);
  return writeIni(data);
}

/** A splittable value (`'1 1.2 blue true'`) as the list it stands for. */
function splitValue(v: YamlValue, split: boolean | string): YamlValue {
  if (typeof v !== 'string') return v;
  const parts = split === true || split === 'shlex' ? shlexSplit(v) : v.split(String(split)).filter((p) => p !== '');
  return parts.map((p) => decodeFlagValue(p));
}

/** The run-dir path of a config dependency's file (`target-path`, then `rename`). */
function targetOf(spec: ConfigDepSpec): string {
  let name = basename(spec.source);
  for (const r of spec.rename) {
    name = SafePattern.compile(r.pattern, { what: `${spec.name}: rename` }).replaceFirst(name, r.repl);
  }
  return spec.targetPath && spec.targetPath !== '.' ? posix.join(spec.targetPath, name) : name;
}

/** A config file the flags cannot be applied to: the failed dependency, in Guild's words. */
export class ConfigFailure extends GrunError {
  constructor(
    readonly dep: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigFailure';
  }
}

/**
 * The run's copy of each config file: the source's data with every non-null flag applied at its
 * (arg-)name, nested by dots. A flag that cannot be nested there fails as Guild's resolver does.
 */
export function resolveConfigs(
  projectDir: string,
  specs: ConfigDepSpec[],
  flags: Record<string, YamlValue>,
  defs: FlagDef[],
): ResolvedConfig[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  return specs.map((spec) => {
    const kind = configKind(spec.source);
    if (!kind) throw new GrunError(`run failed because a dependency was not met: unsupported file type for '${spec.source}'`);
    const data = readConfigData(resolve(projectDir, spec.source), spec.source);
    for (const [name, v] of Object.entries(flags)) {
      if (v === null) continue;
      const def = byName.get(name);
      const value = def?.argSplit ? splitValue(v, def.argSplit) : v;
      try {
        applyNested(def?.argName ?? name, value, isMarkedFloat(flags, name), data);
      } catch (e) {
        throw new ConfigFailure(
          spec.name,
          `run failed because a dependency was not met: unexpected error resolving '${spec.name}' in ${spec.name} resource: ValueError("${(e as Error).message}")`,
        );
      }
    }
    return {
      name: spec.name,
      target: targetOf(spec),
      text: encodeConfig(kind, data),
      alwaysResolve: spec.alwaysResolve,
      replaceExisting: spec.replaceExisting,
    };
  });
}

/** Where a resolved config's file is kept in the run dir (the target links to it, as Guild). */
export const generatedConfigPath = (runDir: string, dirName: string, target: string): string =>
  join(runDir, '.guild', 'generated', dirName, basename(target));
