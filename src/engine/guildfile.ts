// guild.yml loading (`guild/guildfile.py`, the parts grun runs): the operation-only form
// (top-level keys are operations of the anonymous model) and the full form (a list of
// `- model:` entries with `operations:`), with `- config:` mixins through `extends:` and
// `$include` in `flags:`.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GrunError } from '../store/errors.js';
import type { YamlValue } from '../store/types.js';
import { isMarkedFloat, markFloat, parseYaml11 } from '../store/yaml11.js';

export type YamlMap = { [key: string]: YamlValue };

export interface GuildModel {
  /** '' for the anonymous model of the operation-only form. */
  name: string;
  description: string;
  /** Operation configs by name, with `extends:` already merged in. */
  operations: Record<string, YamlMap>;
  resources?: Record<string, YamlValue>;
  /** Model-level `sourcecode:` (the default for its operations). */
  sourcecode?: YamlValue;
  /** `default: yes`: the model `grun run` with no operation looks in. */
  default?: boolean;
}

export interface Guildfile {
  path: string;
  dir: string;
  /** md5 of the file bytes: the opref's pkg version (`model.file_hash`). */
  hash: string;
  models: GuildModel[];
  /** `- config:` entries by name (mixins). */
  configs: Record<string, YamlMap>;
}

export const GUILDFILE_NAMES = ['guild.yml', 'guild.yaml'];

export function isMap(v: YamlValue | undefined): v is YamlMap {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** Load `<projectDir>/guild.yml` (or `guild.yaml`); null when there is none. */
export function loadGuildfile(projectDir: string): Guildfile | null {
  for (const name of GUILDFILE_NAMES) {
    const path = join(projectDir, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      continue;
    }
    return parseGuildfile(bytes, path, projectDir);
  }
  return null;
}

function parseYamlFile(bytes: Buffer, path: string): YamlValue {
  let text: string;
  try {
    // PyYAML refuses bytes that are not UTF-8; decoding them leniently would show U+FFFD.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new GrunError(`${path}: not valid UTF-8`);
  }
  try {
    return parseYaml11(text);
  } catch (e) {
    throw new GrunError(`${path}: ${(e as Error).message}`);
  }
}

/**
 * The top-level entries of a guild.yml, Guild's way: a mapping is the anonymous model's
 * operations, an entry with `operations:` and neither `model:` nor `config:` is the anonymous
 * model, and `- include: FILE` (or a list of files, relative to the including file) is
 * replaced by the entries of that file.
 */
function guildfileItems(data: YamlValue, path: string, included: string[]): YamlMap[] {
  if (data === null) return [];
  let items: YamlValue[];
  if (Array.isArray(data)) items = data;
  else if (isMap(data)) items = 'model' in data ? [data] : [{ model: '', operations: data }];
  else throw new GrunError(`${path}: expected a mapping of operations or a list of models`);
  const out: YamlMap[] = [];
  for (const item of items) {
    if (!isMap(item)) throw new GrunError(`${path}: entry ${JSON.stringify(item)}: expected a mapping`);
    if ('include' in item) {
      const files = Array.isArray(item.include) ? item.include : [item.include];
      for (const f of files) {
        if (typeof f !== 'string') throw new GrunError(`${path}: include: expected a file name, got ${JSON.stringify(f)}`);
        const incPath = resolve(dirname(path), f);
        if (incPath === path || included.includes(incPath)) {
          throw new GrunError(`${path}: cycle in 'includes': ${[...included, path, incPath].join(' -> ')}`);
        }
        let bytes: Buffer;
        try {
          bytes = readFileSync(incPath);
        } catch {
          throw new GrunError(`${path}: include '${f}': no such file ${incPath}`);
        }
        out.push(...guildfileItems(parseYamlFile(bytes, incPath), incPath, [...included, path]));
      }
      continue;
    }
    out.push('operations' in item && !('model' in item) && !('config' in item) ? { ...item, model: '' } : item);
  }
  return out;
}

export function parseGuildfile(bytes: Buffer, path: string, dir: string): Guildfile {
  const hash = createHash('md5').update(bytes).digest('hex');
  const items = guildfileItems(parseYamlFile(bytes, path), path, []);
  const gf: Guildfile = { path, dir, hash, models: [], configs: {} };
  for (const item of items) {
    if (typeof item.config === 'string') gf.configs[item.config] = item;
  }
  for (const item of items) {
    if (!('model' in item)) continue; // config and package entries are not models
    gf.models.push(buildModel(item, gf));
  }
  return gf;
}

/**
 * `operations:` with `$include: NAME` expanded: the operations of that `- config:` (or
 * model) entry come first, the entry's own win (Guild's `_resolve_includes`).
 */
function includedOperations(ops: YamlMap, gf: Guildfile, seen: string[]): YamlMap {
  const inc = ops.$include;
  if (inc === undefined) return ops;
  const out: YamlMap = {};
  for (const ref of Array.isArray(inc) ? inc : [inc]) {
    if (typeof ref !== 'string' || seen.includes(ref)) continue;
    const src = gf.configs[ref] ?? undefined;
    if (!src || !isMap(src.operations)) {
      throw new GrunError(`${gf.path}: invalid include reference '${ref}': cannot find target`);
    }
    Object.assign(out, includedOperations(src.operations, gf, [...seen, ref]));
  }
  for (const [k, v] of Object.entries(ops)) if (k !== '$include') out[k] = v;
  return out;
}

/** A model entry merged with the configs it `extends:` (the entry's own values win). */
function buildModel(item: YamlMap, gf: Guildfile): GuildModel {
  const name = item.model === null || item.model === undefined ? '' : String(item.model);
  const merged = withExtends(item, gf, [name]);
  const opsRaw = merged.operations ?? {};
  if (!isMap(opsRaw)) throw new GrunError(`${gf.path}: model '${name}': operations: expected a mapping`);
  // `operation-defaults:` are every operation's defaults (Guild's op default config).
  const defaults = isMap(merged['operation-defaults']) ? merged['operation-defaults'] : {};
  const operations: Record<string, YamlMap> = {};
  for (const [opName, op] of Object.entries(includedOperations(opsRaw, gf, [name]))) {
    if (opName.startsWith('$')) continue;
    if (op === null) operations[opName] = { ...defaults };
    else if (typeof op === 'string') operations[opName] = { ...defaults, main: op };
    else if (isMap(op)) operations[opName] = { ...defaults, ...op };
    else throw new GrunError(`${gf.path}: operation '${opName}': expected a mapping`);
  }
  const model: GuildModel = {
    name,
    description: typeof merged.description === 'string' ? merged.description : '',
    operations,
  };
  if (isMap(merged.resources)) model.resources = merged.resources;
  if (merged.default === true) model.default = true;
  if (merged.sourcecode !== undefined) model.sourcecode = merged.sourcecode;
  return model;
}

function withExtends(item: YamlMap, gf: Guildfile, seen: string[]): YamlMap {
  const ext = item.extends;
  const parents = typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext : [];
  let base: YamlMap = {};
  for (const p of parents) {
    if (typeof p !== 'string') continue;
    if (seen.includes(p)) throw new GrunError(`${gf.path}: cycle in extends: ${[...seen, p].join(' -> ')}`);
    const cfg = gf.configs[p];
    if (!cfg) throw new GrunError(`${gf.path}: extends '${p}': expected the name of a '- config:' entry`);
    base = mergeModel(base, withExtends(cfg, gf, [...seen, p]));
  }
  return mergeModel(base, item);
}

function mergeModel(base: YamlMap, over: YamlMap): YamlMap {
  const out: YamlMap = { ...base, ...over };
  if (isMap(base.operations) || isMap(over.operations)) {
    const ops: YamlMap = { ...(isMap(base.operations) ? base.operations : {}) };
    for (const [k, v] of Object.entries(isMap(over.operations) ? over.operations : {})) {
      const b = ops[k];
      ops[k] = isMap(b) && isMap(v) ? { ...b, ...v, flags: mergeFlags(b.flags, v.flags) } : v;
    }
    out.operations = ops;
  }
  return out;
}

/** `{...a, ...b}` keeping yaml11 float marks (`lr: 1.0` must stay a float). */
function mergeFlags(a: YamlValue | undefined, b: YamlValue | undefined): YamlValue {
  const out: YamlMap = {};
  for (const m of [a, b]) {
    if (!isMap(m)) continue;
    for (const [k, v] of Object.entries(m)) {
      out[k] = v;
      if (isMarkedFloat(m, k)) markFloat(out, k);
    }
  }
  return out;
}

/**
 * An operation's `flags:` with `$include` expanded: each name is a config entry (its
 * `flags:`) or an operation (`op` or `model:op`) whose flags are included; own flags win.
 */
export function expandFlagIncludes(gf: Guildfile, flags: YamlValue | undefined, seen: string[] = []): YamlMap {
  if (flags === undefined || flags === null) return {};
  if (!isMap(flags)) throw new GrunError(`${gf.path}: 'flags' must be a mapping of flag names, not ${JSON.stringify(flags)}`);
  const inc = flags.$include;
  const names = typeof inc === 'string' ? [inc] : Array.isArray(inc) ? inc : [];
  const out: YamlMap = {};
  for (const n of names) {
    if (typeof n !== 'string' || seen.includes(n)) continue;
    const cfg = gf.configs[n];
    let src: YamlValue | undefined;
    if (cfg) src = cfg.flags;
    else {
      const found = findOperation(gf, n);
      if (!found) throw new GrunError(`${gf.path}: $include '${n}': expected a config or operation name`);
      src = found.config.flags;
    }
    const included = expandFlagIncludes(gf, src, [...seen, n]);
    for (const [k, v] of Object.entries(included)) {
      out[k] = v;
      if (isMarkedFloat(included, k)) markFloat(out, k);
    }
  }
  for (const [k, v] of Object.entries(flags)) {
    if (k === '$include') continue;
    out[k] = v;
    if (isMarkedFloat(flags, k)) markFloat(out, k);
  }
  return out;
}

export interface FoundOperation {
  model: GuildModel;
  name: string;
  config: YamlMap;
}

/** `train` or `model:train`; the anonymous model is searched first, then models in order. */
export function findOperation(gf: Guildfile, opspec: string): FoundOperation | null {
  const colon = opspec.indexOf(':');
  const modelName = colon >= 0 ? opspec.slice(0, colon) : null;
  const opName = colon >= 0 ? opspec.slice(colon + 1) : opspec;
  const models =
    modelName !== null
      ? gf.models.filter((m) => m.name === modelName)
      : [...gf.models.filter((m) => m.name === ''), ...gf.models.filter((m) => m.name !== '')];
  for (const m of models) {
    const config = m.operations[opName];
    if (config) return { model: m, name: opName, config };
  }
  return null;
}

/**
 * Guild's default operation (`guild run` with no operation): in the only model, or the one
 * marked `default: yes`, the operation marked `default: yes`, else its only public one.
 */
export function defaultOperation(gf: Guildfile): string | null {
  const model = gf.models.length === 1 ? gf.models[0] : gf.models.find((m) => m.default);
  if (!model) return null;
  const names = Object.keys(model.operations);
  const chosen = names.find((n) => model.operations[n]!.default === true) ?? (() => {
    const pub = names.filter((n) => !n.startsWith('_'));
    return pub.length === 1 ? pub[0] : undefined;
  })();
  if (chosen === undefined) return null;
  return model.name ? `${model.name}:${chosen}` : chosen;
}
