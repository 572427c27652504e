// The one compare model (Guild's compare_impl), for `grun compare`, `grun select --min` and
// the dashboard's compare screen and CSV export. Columns: the core ones (run, operation,
// started, time, status, label), then per run its op columns (every flag, logged attrs, a step
// column, every non-sys scalar's last value), then the user's `-c` specs, merged by header.
// A spec is `=flag`, `.attr`, or `[first|last|min|max|avg|total|count] scalar [step] [as NAME]`.
import { readAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { loggedAttrsOf, scalarsOf } from '../store/run-values.js';
import { formatDuration, formatTimestamp } from '../store/timefmt.js';
import type { Run, ScalarSummary, YamlValue } from '../store/types.js';
import { natsortCompare, textCompare } from '../store/natsort.js';
import { isMarkedFloat, pyFloatRepr } from '../store/yaml11.js';
import { loadGuildfile, type Guildfile } from './guildfile.js';
import { dirname } from 'node:path';

export type Qualifier = 'first' | 'last' | 'min' | 'max' | 'avg' | 'total' | 'count';
const QUALIFIERS = new Set<string>(['first', 'last', 'min', 'max', 'avg', 'total', 'count']);

export type ColSpec =
  | { kind: 'flag'; name: string; header: string }
  | { kind: 'attr'; name: string; header: string }
  | { kind: 'scalar'; key: string; qualifier: Qualifier; step: boolean; header: string };

/** A scalar value: kept apart from flags so floats print as floats (`2.0`, not `2`). */
export type Cell = YamlValue | { scalar: number; int?: boolean } | undefined;

/** One column spec (`=lr`, `.label`, `min loss step as best_step`, `flag:lr`, `scalar:loss`). */
export function parseColSpec(text: string): ColSpec {
  let s = text.trim().replace(/\s+/g, ' ');
  if (s === '') throw new GrunError('empty column spec');
  let alias: string | undefined;
  const as = / as (\S.*)$/.exec(s);
  if (as) {
    alias = as[1]!;
    s = s.slice(0, as.index).trim();
  }
  if (s.startsWith('=') || s.startsWith('flag:')) {
    const name = s.slice(s.startsWith('=') ? 1 : 5);
    if (!name || name.includes(' ')) throw new GrunError(`invalid column spec '${text}': expected =FLAG`);
    return { kind: 'flag', name, header: alias ?? name };
  }
  if (s.startsWith('.') || s.startsWith('attr:')) {
    const name = s.slice(s.startsWith('.') ? 1 : 5);
    if (!name || name.includes(' ')) throw new GrunError(`invalid column spec '${text}': expected .ATTR`);
    return { kind: 'attr', name, header: alias ?? name };
  }
  const words = s.split(' ');
  let qualifier: Qualifier = 'last';
  if (words.length > 1 && QUALIFIERS.has(words[0]!)) qualifier = words.shift() as Qualifier;
  let step = false;
  if (words.length > 1 && words[words.length - 1] === 'step') {
    words.pop();
    step = true;
  }
  if (words.length !== 1) {
    throw new GrunError(`invalid column spec '${text}': expected [first|last|min|max|avg|total|count] SCALAR [step] [as NAME]`);
  }
  const key = words[0]!.startsWith('scalar:') ? words[0]!.slice(7) : words[0]!;
  // Guild's header: the key (`#` read as a space) and `step`, never the qualifier
  return { kind: 'scalar', key, qualifier, step, header: alias ?? `${key.replaceAll('#', ' ').trim()}${step ? ' step' : ''}` };
}

/** Comma-separated specs, as `-c` takes them (`'=lr,loss step as step'`). */
export function parseColSpecs(text: string): ColSpec[] {
  return text.split(',').filter((p) => p.trim() !== '').map(parseColSpec);
}

export const scalarKeyOf = (s: ScalarSummary): string =>
  s.prefix === '' || s.prefix === '.guild' ? s.tag : `${s.prefix}#${s.tag}`;

/**
 * The scalar a column names: an exact key (`loss`, `train#loss`), else, for a key without a
 * prefix, that tag under any prefix (as `loss` matches a util run's `target/.guild#loss` in
 * Guild's filters).
 */
function findScalar(run: Run, key: string): ScalarSummary | undefined {
  const k = scalarKeysOf(scalarsOf(run));
  return k.byKey.get(key) ?? k.byFull.get(key) ?? (key.includes('#') ? undefined : k.byTag.get(key));
}

interface ScalarKeys {
  byKey: Map<string, ScalarSummary>;
  byFull: Map<string, ScalarSummary>;
  byTag: Map<string, ScalarSummary>;
}
/** A run's scalars by each name a column may give them (the first one of each name), built once a run. */
const scalarKeys = new WeakMap<readonly ScalarSummary[], ScalarKeys>();
function scalarKeysOf(all: readonly ScalarSummary[]): ScalarKeys {
  let k = scalarKeys.get(all);
  if (!k) {
    k = { byKey: new Map(), byFull: new Map(), byTag: new Map() };
    for (const s of all) {
      const key = scalarKeyOf(s);
      const full = `${s.prefix}#${s.tag}`;
      if (!k.byKey.has(key)) k.byKey.set(key, s);
      if (!k.byFull.has(full)) k.byFull.set(full, s);
      if (!k.byTag.has(s.tag)) k.byTag.set(s.tag, s);
    }
    scalarKeys.set(all, k);
  }
  return k;
}

const STEP_OF: Record<Qualifier, keyof ScalarSummary> = {
  first: 'firstStep', last: 'lastStep', min: 'minStep', max: 'maxStep', avg: 'lastStep', total: 'lastStep', count: 'lastStep',
};

function runAttr(run: Run, name: string): Cell {
  switch (name) {
    case 'id': return run.id;
    case 'run': return run.id.slice(0, 8);
    case 'operation': case 'op': return run.operation;
    case 'status': return run.status;
    case 'label': return run.label ?? undefined;
    case 'started': return formatTimestamp(run.started) || undefined;
    case 'stopped': return formatTimestamp(run.stopped) || undefined;
    case 'time': return timeOf(run) || undefined;
    case 'sourcecode': return run.sourcecodeDigest?.slice(0, 8);
  }
  if (/^[^/\\]+$/.test(name) && name !== '.' && name !== '..') {
    const r = readAttr(run.dir, name);
    if (r.kind === 'ok') return r.value;
  }
  return loggedAttrsOf(run)[name];
}

/** A flag's cell: a float flag is kept a float (`2.0`, not `2`). */
export function flagCell(flags: { [name: string]: YamlValue }, name: string): Cell {
  const v = flags[name];
  return typeof v === 'number' && isMarkedFloat(flags, name) ? { scalar: v } : v;
}

/** The value of one column for one run; undefined when the run has none. */
export function cellValue(run: Run, spec: ColSpec): Cell {
  if (spec.kind === 'flag') return flagCell(run.flags, spec.name);
  if (spec.kind === 'attr') return runAttr(run, spec.name);
  const s = findScalar(run, spec.key);
  if (!s) return undefined;
  if (spec.step) return { scalar: s[STEP_OF[spec.qualifier]] as number, int: true };
  if (spec.qualifier === 'count') return { scalar: s.count, int: true };
  return { scalar: s[spec.qualifier] as number };
}

/**
 * A cell as Guild's compare sorts it (`compare_impl._SortKey`, `select --min/--max`): a number
 * (scalars, numeric flags, booleans as 1/0), else its text; null when the run has no value
 * (nan and ±inf count as none), which sorts last in either direction.
 */
export function sortValue(c: Cell): number | string | null {
  if (c === undefined || c === null) return null;
  if (isScalarCell(c)) return Number.isFinite(c.scalar) ? c.scalar : null;
  if (typeof c === 'number') return Number.isFinite(c) ? c : null;
  if (typeof c === 'bigint') return Number(c);
  if (typeof c === 'boolean') return c ? 1 : 0;
  return typeof c === 'string' ? c : formatFlagValue(c as YamlValue);
}

/**
 * Two sort values that are not null: numbers by value, a number and a text (or two texts) as
 * text: by code unit, as compare's `_key_lt`, or `natural`ly, as `select`'s `util.natsorted`.
 */
export function compareSortValues(a: number | string, b: number | string, natural = false): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return (natural ? natsortCompare : textCompare)(String(a), String(b));
}

/**
 * Runs in the order `--min` (dir 1) or `--max` (dir -1) of a column puts them; stable, runs
 * without a value last; texts by code unit, or `natural`ly (`compareSortValues`).
 */
export function sortByValue<T>(items: readonly T[], valueOf: (item: T) => Cell, dir: 1 | -1, natural = false): T[] {
  const keyed = items.map((item) => ({ item, v: sortValue(valueOf(item)) }));
  keyed.sort((a, b) => (a.v === null ? (b.v === null ? 0 : 1) : b.v === null ? -1 : dir * compareSortValues(a.v, b.v, natural)));
  return keyed.map((k) => k.item);
}

const isScalarCell = (c: Cell): c is { scalar: number; int?: boolean } =>
  Boolean(c) && typeof c === 'object' && !Array.isArray(c) && 'scalar' in (c as object);

/** Guild's `truncate_floats`: the repr cut to `digits` decimals (`0.44999998…` → `0.449999`). */
function truncateRepr(repr: string, digits: number): string {
  const m = /^(-?\d+)\.(\d+)(e[-+]\d+)?$/.exec(repr);
  if (!m || m[3]) return repr;
  return `${m[1]}.${m[2]!.slice(0, digits)}`;
}

function scalarText(c: { scalar: number; int?: boolean }, truncate?: number): string {
  if (c.int) return String(Math.trunc(c.scalar));
  const repr = pyFloatRepr(c.scalar);
  return truncate === undefined ? repr : truncateRepr(repr, truncate);
}

export function tableText(c: Cell): string {
  if (c === undefined || c === null) return '';
  if (isScalarCell(c)) return scalarText(c, 6);
  if (typeof c === 'string') return c;
  return formatFlagValue(c as YamlValue, { truncateFloats: 6 });
}

/** CSV as Python's csv module writes it: booleans True/False, full float precision. */
export function csvText(c: Cell): string {
  if (c === undefined || c === null) return '';
  if (isScalarCell(c)) return scalarText(c);
  if (typeof c === 'boolean') return c ? 'True' : 'False';
  if (typeof c === 'number') return Number.isSafeInteger(c) ? String(c) : pyFloatRepr(c);
  if (typeof c === 'string') return c;
  return formatFlagValue(c as YamlValue);
}

export function jsonValue(c: Cell): unknown {
  if (c === undefined) return null;
  if (isScalarCell(c)) return Number.isFinite(c.scalar) ? c.scalar : pyFloatRepr(c.scalar);
  return c;
}

/**
 * A cell as JSON the way Python's json writes Guild's values: a float keeps its point (`2.0`,
 * so a reader in Python gets a float back); nan and ±inf, which JSON lacks, as text.
 */
export function jsonText(c: Cell): string {
  const isFloat = isScalarCell(c) ? !c.int : false;
  const v = jsonValue(c);
  if (typeof v === 'number' && isFloat) return pyFloatRepr(v);
  return JSON.stringify(typeof v === 'bigint' ? Number(v) : v);
}

/** A comparison as JSON rows, the header first (`grun compare --json`, `grun api compare`); `indent`: two spaces a level, as `json.dumps(indent=2)`. */
export function compareJson(header: readonly string[], rows: readonly Cell[][], indent = false): string {
  const lists = [header.map((h) => JSON.stringify(h)), ...rows.map((r) => r.map(jsonText))];
  if (!indent) return `[${lists.map((l) => `[${l.join(', ')}]`).join(', ')}]`;
  return `[\n${lists.map((l) => `  [\n${l.map((x) => `    ${x}`).join(',\n')}\n  ]`).join(',\n')}\n]`;
}

export function timeOf(run: Run): string {
  if (run.status === 'staged' || run.status === 'pending') return '';
  return formatDuration(run.started, run.status === 'running' ? null : run.stopped ?? null);
}

/** The default op columns of one run. */
function defaultOpCols(run: Run, allScalars: boolean): ColSpec[] {
  const cols: ColSpec[] = [];
  for (const name of Object.keys(run.flags).sort(natsortCompare)) cols.push({ kind: 'flag', name, header: name });
  for (const name of Object.keys(loggedAttrsOf(run)).sort(natsortCompare)) cols.push({ kind: 'attr', name, header: name });
  // Guild names a run's scalar columns by tag alone (`_scalar_cols`): a util run's
  // `target/.guild#loss` is its `loss`, found under any prefix (findScalar)
  const keys = scalarsOf(run)
    .map((s) => s.tag)
    .filter((k) => allScalars || !k.startsWith('sys/'));
  const sorted = [...new Set(keys)].sort(natsortCompare);
  if (sorted.length > 0) {
    const stepKey = sorted.includes('loss') ? 'loss' : sorted[0]!;
    cols.push({ kind: 'scalar', key: stepKey, qualifier: 'last', step: true, header: 'step' });
  }
  for (const key of sorted) cols.push({ kind: 'scalar', key, qualifier: 'last', step: false, header: key });
  return cols;
}

/** Guild files read once per process: a comparison of many runs of one project reads its guild.yml once. */
const guildfiles = new Map<string, Guildfile | null>();

function guildfileOf(projectDir: string): Guildfile | null {
  if (!guildfiles.has(projectDir)) {
    let gf: Guildfile | null = null;
    try {
      gf = loadGuildfile(projectDir);
    } catch {
      // a guild.yml that no longer reads: the run's own record stands (Guild's GuildfileError)
    }
    guildfiles.set(projectDir, gf);
  }
  return guildfiles.get(projectDir)!;
}

/**
 * The op columns an operation declares (Guild's `latest_compare`): its guild.yml `compare:` as
 * the file reads now, else the run's `compare` attr; null when neither is a list. A spec that
 * does not parse is left out, as Guild warns and goes on.
 */
function declaredOpCols(run: Run): ColSpec[] | null {
  let specs: YamlValue | undefined;
  const o = run.opref;
  if (o?.pkgType === 'guildfile') {
    specs = guildfileOf(dirname(o.pkgName))?.models.find((m) => m.name === o.modelName)?.operations[o.opName]?.compare;
  }
  if (!Array.isArray(specs)) specs = run.compare ?? undefined;
  if (!Array.isArray(specs)) return null;
  return specs.flatMap((v) => {
    if (typeof v !== 'string') return [];
    try {
      return parseColSpecs(v);
    } catch {
      return [];
    }
  });
}

export interface CompareOptions {
  cols?: string[];
  strictCols?: string[];
  extraCols?: boolean;
  skipCore?: boolean;
  skipOpCols?: boolean;
  allScalars?: boolean;
  skipUnchanged?: boolean;
  /** The cells are shown as the text table shows them (`skipUnchanged` compares them so). */
  asText?: boolean;
  includeBatch?: boolean;
  min?: string;
  max?: string;
  top?: number;
}

export interface Column {
  spec: ColSpec;
  core: boolean;
}

const CORE = ['run', 'operation', 'started', 'time', 'status', 'label'];

/** Guild's core columns: all six, or only `run` (`--skip-core`, `--strict-cols`); `-e` adds sourcecode. */
const coreSpecs = (minimal: boolean, extra: boolean): ColSpec[] =>
  [...(minimal ? ['run'] : CORE), ...(extra ? ['sourcecode'] : [])].map((name) => ({ kind: 'attr', name, header: name }));

/**
 * The header and rows (cells) of a comparison, as Guild's compare_impl builds them: each run
 * has three sections of columns (core, its op columns, the user's `-c`); the header lists
 * every name once, section by section; a cell takes the last section's value that is not
 * empty (`-c "min loss"`, headed `loss`, replaces the op column `loss`), within a section the
 * first one.
 */
export function compareTable(runs: readonly Run[], o: CompareOptions): { columns: Column[]; rows: Cell[][] } {
  const strict = o.strictCols !== undefined;
  if (strict && o.cols?.length) throw new GrunError('--cols cannot be used with --strict-cols');
  const core = coreSpecs(strict || Boolean(o.skipCore), Boolean(o.extraCols));
  const user = (strict ? o.strictCols! : o.cols ?? []).flatMap(parseColSpecs);
  const sections = runs.map((run) => [
    core,
    strict || o.skipOpCols ? [] : declaredOpCols(run) ?? defaultOpCols(run, Boolean(o.allScalars)),
    user,
  ]);
  const columns: Column[] = [];
  const seen = new Set<string>();
  for (let s = 0; s < 3; s++) {
    for (const secs of sections) {
      for (const spec of secs[s]!) {
        if (seen.has(spec.header)) continue;
        seen.add(spec.header);
        columns.push({ spec, core: s === 0 });
      }
    }
  }
  // A run shows only the columns of its own sections (Guild's `_row_val`): another
  // operation's `=a as A` is not this run's `a`. Each spec of a run is read once.
  const row = (run: Run, secs: ColSpec[][]): Cell[] => {
    const vals = new Map<string, Cell>();
    for (const sec of secs) {
      const found = new Set<string>();
      for (const spec of sec) {
        if (found.has(spec.header)) continue;
        const v = cellValue(run, spec);
        if (v === undefined || v === null) continue;
        vals.set(spec.header, v);
        found.add(spec.header);
      }
    }
    return columns.map((c) => vals.get(c.spec.header));
  };
  let rows = runs.map((run, i) => row(run, sections[i]!));
  const sortBy = o.min ?? o.max;
  if (sortBy !== undefined) {
    const idx = columns.findIndex((c) => c.spec.header === sortBy);
    const spec = idx >= 0 ? null : parseColSpec(sortBy);
    const keyed = sortByValue(rows.map((row, i) => ({ row, i })), ({ row, i }) => (idx >= 0 ? row[idx] : cellValue(runs[i]!, spec!)), o.min !== undefined ? 1 : -1);
    rows = keyed.map((k) => k.row);
  }
  if (o.top !== undefined) rows = rows.slice(0, o.top);
  if (o.skipUnchanged && rows.length > 1) {
    // Guild drops every column whose cells are all equal, the core ones too, comparing the cells
    // as they print: the text table's (floats cut to 6 decimals), else the values.
    const shown = o.asText ? tableText : (c: Cell) => JSON.stringify(jsonValue(c));
    const keep = columns.map((_, i) => new Set(rows.map((r) => shown(r[i]))).size > 1);
    return { columns: columns.filter((_, i) => keep[i]), rows: rows.map((r) => r.filter((_, i) => keep[i])) };
  }
  return { columns, rows };
}

/** Python's csv module: a field with a quote, comma or line break quoted, quotes doubled. */
export const csvQuote = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The CSV of a comparison: what `grun compare --csv` writes and the dashboard exports. */
export function compareCsv(runs: readonly Run[], o: CompareOptions = {}): string {
  const { columns, rows } = compareTable(runs, o);
  const header = columns.map((c) => c.spec.header);
  return [header, ...rows.map((r) => r.map(csvText))].map((r) => r.map(csvQuote).join(',')).join('\n') + '\n';
}
