// Accio run definitions (`grun submit run.json [name=value ...] [--name …]`, or
// `grun submit OP name=value …`): the JSON fields, command-line overrides, and validation
// against the operation's flags. Everything is checked before any run exists, and every
// problem is reported at once with its path (`params.epsilon: step must not be 0`).
import { GrunError } from '../../store/errors.js';
import { decodeFlagValue } from '../../store/flagfmt.js';
import type { YamlValue } from '../../store/types.js';
import type { FlagDef } from '../plan-types.js';
import { JsonTextError, parseJsonText, type JsonValue } from './json-text.js';
import { coerceValue, describeValue, expandParam, type LogFlag, type ParamSpec } from './params.js';
import { parseSeed } from './seeds.js';

export interface DefinitionError {
  /** `params.epsilon`, `repeat`, `workflow`; '' for the text as a whole. */
  path: string;
  message: string;
}

export const formatDefinitionError = (e: DefinitionError): string => (e.path ? `${e.path}: ${e.message}` : e.message);

/** Every problem of a definition; the message lists them one per line. */
export class RunDefinitionError extends GrunError {
  constructor(readonly errors: DefinitionError[]) {
    super(`invalid run definition:\n${errors.map((e) => `  ${formatDefinitionError(e)}`).join('\n')}`, 2);
    this.name = 'RunDefinitionError';
  }
}

/** The operation a definition names, as far as typing its params needs. */
export interface OperationFlags {
  flags: FlagDef[];
}

/** Resolves a `workflow` (a guild.yml operation or a script); null when there is no such one. */
export type LookupOperation = (name: string) => OperationFlags | null;

/** What `grun submit` was given first: a definition's JSON text, or an operation name. */
export type SubmitSource = { kind: 'json'; text: string } | { kind: 'operation'; name: string };

/** Command-line values; each wins over the file's (tags are added to the file's, as Accio does). */
export interface RunOverrides {
  name?: string;
  notes?: string;
  tags?: string[];
  repeat?: string | number;
  seed?: string;
  /** `name=value` arguments; a repeated name: the last wins. */
  params?: string[];
}

export interface ResolvedParam {
  name: string;
  spec: ParamSpec;
  /** Typed, de-duplicated, in order. */
  values: YamlValue[];
  /** The numbers are Python floats (integral ones written `1.0`). */
  floats: boolean;
}

/**
 * A definition's `search`: its params' values are searched by an optimizer (as `grun run -o`)
 * instead of all run, trials stopped early by a pruner. Keys are Guild's option names.
 */
export interface DefinitionSearch {
  optimizer?: string;
  minimize?: string;
  maximize?: string;
  maxTrials?: number;
  prune?: string;
  optFlags?: Record<string, YamlValue>;
  pruneFlags?: Record<string, YamlValue>;
}

const SEARCH_FIELDS = ['optimizer', 'minimize', 'maximize', 'max-trials', 'prune', 'opt-flags', 'prune-flags'] as const;

/** The `search` field, checked for shape (the optimizer, pruner and objective are checked when the launch is decided). */
function readSearch(raw: JsonValue, errors: DefinitionError[]): DefinitionSearch | null {
  if (!isObject(raw)) {
    errors.push({ path: 'search', message: `expected an object, got ${describeValue(raw)}` });
    return null;
  }
  const out: DefinitionSearch = {};
  for (const [k, v] of Object.entries(raw)) {
    const path = `search.${k}`;
    const str = (): string | null => {
      if (typeof v === 'string' && v.trim()) return v.trim();
      errors.push({ path, message: `expected a string, got ${describeValue(v)}` });
      return null;
    };
    const map = (): Record<string, YamlValue> | null => {
      if (isObject(v)) return v as Record<string, YamlValue>;
      errors.push({ path, message: `expected an object of settings, got ${describeValue(v)}` });
      return null;
    };
    switch (k as (typeof SEARCH_FIELDS)[number]) {
      case 'optimizer':
      case 'minimize':
      case 'maximize':
      case 'prune': {
        const x = str();
        if (x !== null) out[k as 'optimizer' | 'minimize' | 'maximize' | 'prune'] = x;
        break;
      }
      case 'max-trials':
        if (typeof v === 'number' && Number.isInteger(v) && v >= 1) out.maxTrials = v;
        else errors.push({ path, message: `must be an integer >= 1, got ${describeValue(v)}` });
        break;
      case 'opt-flags':
      case 'prune-flags': {
        const m = map();
        if (m) out[k === 'opt-flags' ? 'optFlags' : 'pruneFlags'] = m;
        break;
      }
      default:
        errors.push({ path, message: `unknown field (expected one of ${SEARCH_FIELDS.join(', ')})` });
    }
  }
  return out;
}

export interface RunDefinition {
  workflow: string;
  name: string | null;
  notes: string | null;
  tags: string[];
  /** Canonical decimal 64-bit seed, or null for a random one. */
  seed: string | null;
  repeat: number;
  /** In definition order: the file's, then those only given on the command line. */
  params: ResolvedParam[];
  flagDefs: FlagDef[];
  search: DefinitionSearch | null;
}

/** Most runs one definition may expand to. */
export const MAX_RUNS = 1_000_000;

const TOP_LEVEL_FIELDS = ['workflow', 'name', 'notes', 'tags', 'seed', 'repeat', 'params', 'search'] as const;
const RANGE_FIELDS = new Set(['from', 'to', 'step', 'log', 'log10', 'log2']);
const LOG_FLAGS: LogFlag[] = ['log', 'log10', 'log2'];

type JsonObject = { [key: string]: JsonValue };
const isObject = (v: JsonValue | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One param object or bare value → its form, structural errors added with their paths. */
function paramSpec(raw: JsonValue, path: string, errors: DefinitionError[]): ParamSpec | null {
  if (!isObject(raw)) return { kind: 'value', value: raw };
  const unknown = (allowed: Set<string>): void => {
    for (const k of Object.keys(raw)) {
      if (!allowed.has(k)) errors.push({ path: `${path}.${k}`, message: 'unknown field' });
    }
  };
  // Accio picks the form by the first of these keys present
  if ('value' in raw) {
    unknown(new Set(['value']));
    return { kind: 'value', value: raw.value! };
  }
  if ('values' in raw) {
    unknown(new Set(['values']));
    if (!Array.isArray(raw.values)) {
      errors.push({ path: `${path}.values`, message: `expected a list, got ${describeValue(raw.values)}` });
      return null;
    }
    return { kind: 'values', values: raw.values };
  }
  if ('from' in raw || 'to' in raw) {
    unknown(RANGE_FIELDS);
    let ok = true;
    for (const k of ['from', 'to'] as const) {
      if (!(k in raw)) {
        errors.push({ path: `${path}.${k}`, message: 'required for a range' });
        ok = false;
      }
    }
    const logs: LogFlag[] = [];
    for (const k of LOG_FLAGS) {
      const v = raw[k];
      if (v === undefined || v === false) continue;
      if (v === true) logs.push(k);
      else {
        errors.push({ path: `${path}.${k}`, message: `expected true or false, got ${describeValue(v)}` });
        ok = false;
      }
    }
    if (logs.length > 1) {
      errors.push({ path, message: `only one of log, log10, log2 may be set, got ${logs.join(', ')}` });
      ok = false;
    }
    if (!ok) return null;
    const spec: ParamSpec = { kind: 'range', from: raw.from!, to: raw.to!, log: logs[0] ?? null };
    if (raw.step !== undefined) spec.step = raw.step;
    return spec;
  }
  errors.push({ path, message: 'expected a value, or an object with "value", "values" or "from"/"to"' });
  return null;
}

interface RawDefinition {
  workflow: string | null;
  name: string | null;
  notes: string | null;
  tags: string[];
  seed: string | null;
  repeat: number;
  params: Map<string, ParamSpec | null>;
  search: DefinitionSearch | null;
}

function readOptionalString(obj: JsonObject, key: 'name' | 'notes', errors: DefinitionError[]): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  errors.push({ path: key, message: `expected a string, got ${describeValue(v)}` });
  return null;
}

/** The fields of a definition's JSON text, checked for shape; params are not typed yet. */
function readDefinitionText(text: string, errors: DefinitionError[]): RawDefinition | null {
  let json: JsonValue;
  try {
    json = parseJsonText(text);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    errors.push({ path: '', message: `invalid JSON at line ${e.line}, column ${e.column}: ${e.detail}` });
    return null;
  }
  if (!isObject(json)) {
    errors.push({ path: '', message: `expected a JSON object, got ${describeValue(json)}` });
    return null;
  }
  const err = (path: string, message: string): number => errors.push({ path, message });
  const known = new Set<string>(TOP_LEVEL_FIELDS);
  for (const k of Object.keys(json)) {
    if (!known.has(k)) err(k, `unknown field (expected one of ${TOP_LEVEL_FIELDS.join(', ')})`);
  }
  const def: RawDefinition = {
    workflow: null,
    name: readOptionalString(json, 'name', errors),
    notes: readOptionalString(json, 'notes', errors),
    tags: [],
    seed: null,
    repeat: 1,
    params: new Map(),
    search: json.search === undefined || json.search === null ? null : readSearch(json.search, errors),
  };
  const { workflow, tags, seed, repeat, params } = json;
  if (typeof workflow === 'string' && workflow.trim()) def.workflow = workflow.trim();
  else err('workflow', workflow === undefined ? 'required' : `expected an operation name, got ${describeValue(workflow)}`);
  if (Array.isArray(tags) && tags.every((t) => typeof t === 'string')) def.tags = [...new Set(tags as string[])];
  else if (tags !== undefined && tags !== null) err('tags', `expected a list of strings, got ${describeValue(tags)}`);
  if (seed !== undefined && seed !== null) {
    const given = typeof seed === 'number' || typeof seed === 'bigint' || typeof seed === 'string';
    def.seed = given ? parseSeed(seed) : null;
    if (def.seed === null) err('seed', `expected a 64-bit integer, got ${describeValue(seed)}`);
  }
  if (repeat !== undefined && repeat !== null) {
    if (typeof repeat === 'number' && Number.isInteger(repeat) && repeat >= 1) def.repeat = repeat;
    else err('repeat', `must be an integer >= 1, got ${describeValue(repeat)}`);
  }
  if (isObject(params)) {
    for (const [name, raw] of Object.entries(params)) def.params.set(name, paramSpec(raw, `params.${name}`, errors));
  } else if (params !== undefined && params !== null) {
    err('params', `expected an object of flag names, got ${describeValue(params)}`);
  }
  return def;
}

/** Command-line `name=value` params, decoded to their flags' types, replacing the file's. */
function applyCliParams(
  args: string[],
  def: RawDefinition,
  flagsByName: Map<string, FlagDef> | null,
  errors: DefinitionError[],
): void {
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      errors.push({ path: '', message: `invalid argument '${arg}': expected NAME=VALUE` });
      continue;
    }
    const name = arg.slice(0, eq);
    const raw = arg.slice(eq + 1);
    const flag = flagsByName?.get(name);
    // Map.set keeps an existing key's place: a CLI value replaces the file's where it was
    if (flagsByName && !flag) {
      def.params.set(name, null);
      continue; // reported as unknown with the file's params
    }
    const type = flag?.type;
    if (type === undefined || type === 'auto') {
      def.params.set(name, { kind: 'value', value: decodeFlagValue(raw) });
      continue;
    }
    const c = coerceValue(raw, type);
    if (c.ok) def.params.set(name, { kind: 'value', value: c.value });
    else {
      errors.push({ path: `params.${name}`, message: `${c.message} (from ${arg})` });
      def.params.set(name, null);
    }
  }
}

function applyOverrides(def: RawDefinition, o: RunOverrides, errors: DefinitionError[]): void {
  const err = (path: string, message: string): number => errors.push({ path, message });
  if (o.name !== undefined) def.name = o.name;
  if (o.notes !== undefined) def.notes = o.notes;
  if (o.tags) def.tags = [...new Set([...def.tags, ...o.tags.map((t) => t.trim()).filter(Boolean)])];
  if (o.repeat !== undefined) {
    const n = typeof o.repeat === 'number' ? o.repeat : /^\s*\d+\s*$/.test(o.repeat) ? Number(o.repeat) : NaN;
    if (Number.isInteger(n) && n >= 1) def.repeat = n;
    else err('repeat', `must be an integer >= 1, got ${JSON.stringify(String(o.repeat))} (from --repeat)`);
  }
  if (o.seed !== undefined) {
    const seed = parseSeed(o.seed);
    if (seed === null) err('seed', `expected a 64-bit integer, got ${JSON.stringify(o.seed)} (from --seed)`);
    else def.seed = seed;
  }
}

/**
 * A definition resolved against its operation: fields and overrides merged (command line
 * wins; the operation itself is fixed by the file), every param typed and expanded. Throws a
 * RunDefinitionError listing every problem, so that nothing is created from a bad definition.
 */
export function resolveRunDefinition(
  source: SubmitSource,
  overrides: RunOverrides,
  lookup: LookupOperation,
): RunDefinition {
  const errors: DefinitionError[] = [];
  const def: RawDefinition | null =
    source.kind === 'json'
      ? readDefinitionText(source.text, errors)
      : { workflow: source.name, name: null, notes: null, tags: [], seed: null, repeat: 1, params: new Map(), search: null };
  if (!def) throw new RunDefinitionError(errors);
  applyOverrides(def, overrides, errors);
  const op = def.workflow === null ? null : lookup(def.workflow);
  if (def.workflow !== null && !op) errors.push({ path: 'workflow', message: `unknown operation '${def.workflow}'` });
  const flagsByName = op ? new Map(op.flags.map((f) => [f.name, f])) : null;
  applyCliParams(overrides.params ?? [], def, flagsByName, errors);

  const params: ResolvedParam[] = [];
  if (flagsByName) {
    for (const [name, spec] of def.params) {
      const flag = flagsByName.get(name);
      if (!flag) {
        const known = [...flagsByName.keys()].sort().join(', ') || 'no flags';
        errors.push({ path: `params.${name}`, message: `unknown flag of ${def.workflow} (expected one of ${known})` });
        continue;
      }
      if (!spec) continue; // its shape was already reported
      const r = expandParam(spec, flag);
      if (r.errors) for (const e of r.errors) errors.push({ path: `params.${name}${e.at}`, message: e.message });
      else params.push({ name, spec, values: r.values, floats: r.floats });
    }
    for (const flag of op!.flags) {
      if (flag.required && (flag.default === null || flag.default === undefined) && !def.params.has(flag.name)) {
        errors.push({ path: `params.${flag.name}`, message: 'required flag is missing' });
      }
    }
  }
  const runs = params.reduce((n, p) => n * p.values.length, def.repeat);
  if (runs > MAX_RUNS) errors.push({ path: 'params', message: `the sweep gives ${runs} runs, more than ${MAX_RUNS}` });
  if (def.search && def.repeat > 1) errors.push({ path: 'search', message: 'a search runs each point once: drop repeat' });
  if (def.search && !params.some((p) => p.values.length > 1)) errors.push({ path: 'search', message: 'no param has more than one value to search' });
  if (errors.length) throw new RunDefinitionError(errors);
  return {
    workflow: def.workflow!,
    name: def.name,
    notes: def.notes,
    tags: def.tags,
    seed: def.seed,
    repeat: def.repeat,
    params,
    flagDefs: op!.flags,
    search: def.search,
  };
}
