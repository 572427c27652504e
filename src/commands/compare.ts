// `grun compare [RUN...] --table | --csv [PATH|-] | --json` (Guild's compare_impl).
// Columns: the core ones (run, operation, started, time, status, label), then per run its op
// columns (every flag, logged attrs, a step column, every non-sys scalar's last value), merged
// across runs by header in order of first appearance; `-c` adds specs, `--strict-cols` (`-cc`)
// shows only those. A spec is `=flag`, `.attr`, or `[first|last|min|max|avg|total|count] scalar
// [step] [as NAME]`. `--json` prints Guild's `api compare` shape: a list of rows, the first one
// the header, values as JSON numbers, strings, booleans or null.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { addRunFilterOptions } from '../store/run-filters.js';
import { isMarkedFloat, pyFloatRepr } from '../store/yaml11.js';
import type { Run, ScalarSummary, YamlValue } from '../store/types.js';
import { termSafe } from '../store/terminal-text.js';
import { formatDuration, formatTable, formatTimestamp, printLines } from './format.js';
import { sourceRuns } from './runs.js';
import { aliasShortArgs, collect, flagsOf, intOption, loggedAttrsOf, scalarsOf, selectWithChildren } from './run-args.js';

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
  return { kind: 'scalar', key, qualifier, step, header: alias ?? s };
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
  const all = scalarsOf(run);
  return (
    all.find((s) => scalarKeyOf(s) === key) ??
    all.find((s) => `${s.prefix}#${s.tag}` === key) ??
    (key.includes('#') ? undefined : all.find((s) => s.tag === key))
  );
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

/** The value of one column for one run; undefined when the run has none. */
export function cellValue(run: Run, spec: ColSpec): Cell {
  if (spec.kind === 'flag') {
    const flags = flagsOf(run);
    const v = flags[spec.name];
    return typeof v === 'number' && isMarkedFloat(flags, spec.name) ? { scalar: v } : v;
  }
  if (spec.kind === 'attr') return runAttr(run, spec.name);
  const s = findScalar(run, spec.key);
  if (!s) return undefined;
  if (spec.step) return { scalar: s[STEP_OF[spec.qualifier]] as number, int: true };
  if (spec.qualifier === 'count') return { scalar: s.count, int: true };
  return { scalar: s[spec.qualifier] as number };
}

/** Number for sorting (`--min/--max`, `select --min`), or null. */
export function cellNumber(c: Cell): number | null {
  if (c && typeof c === 'object' && 'scalar' in c && typeof c.scalar === 'number') return Number.isNaN(c.scalar) ? null : c.scalar;
  if (typeof c === 'number') return c;
  if (typeof c === 'boolean') return c ? 1 : 0;
  return null;
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

function tableText(c: Cell): string {
  if (c === undefined || c === null) return '';
  if (isScalarCell(c)) return scalarText(c, 6);
  if (typeof c === 'string') return c;
  return formatFlagValue(c as YamlValue, { truncateFloats: 6 });
}

/** CSV as Python's csv module writes it: booleans True/False, full float precision. */
function csvText(c: Cell): string {
  if (c === undefined || c === null) return '';
  if (isScalarCell(c)) return scalarText(c);
  if (typeof c === 'boolean') return c ? 'True' : 'False';
  if (typeof c === 'number') return Number.isSafeInteger(c) ? String(c) : pyFloatRepr(c);
  if (typeof c === 'string') return c;
  return formatFlagValue(c as YamlValue);
}

function jsonValue(c: Cell): unknown {
  if (c === undefined) return null;
  if (isScalarCell(c)) return Number.isFinite(c.scalar) ? c.scalar : String(c.scalar);
  return c;
}

function csvQuote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function timeOf(run: Run): string {
  if (run.status === 'staged' || run.status === 'pending') return '';
  return formatDuration(run.started, run.status === 'running' ? null : run.stopped ?? null);
}

/** Natural sort (`x2` before `x10`), as Guild's natsort. */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
export function natCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** The default op columns of one run. */
function defaultOpCols(run: Run, allScalars: boolean): ColSpec[] {
  const cols: ColSpec[] = [];
  for (const name of Object.keys(flagsOf(run)).sort(natCompare)) cols.push({ kind: 'flag', name, header: name });
  for (const name of Object.keys(loggedAttrsOf(run)).sort(natCompare)) cols.push({ kind: 'attr', name, header: name });
  const keys = scalarsOf(run)
    .map(scalarKeyOf)
    .filter((k) => allScalars || !k.split('#').pop()!.startsWith('sys/'));
  const sorted = [...new Set(keys)].sort(natCompare);
  if (sorted.length > 0) {
    const stepKey = sorted.includes('loss') ? 'loss' : sorted[0]!;
    cols.push({ kind: 'scalar', key: stepKey, qualifier: 'last', step: true, header: 'step' });
  }
  for (const key of sorted) cols.push({ kind: 'scalar', key, qualifier: 'last', step: false, header: key });
  return cols;
}

/** The run's `compare` attr (Guild's fallback for guild.yml `compare:`), when it is a list. */
function compareAttrCols(run: Run): ColSpec[] | null {
  const r = readAttr(run.dir, 'compare');
  if (r.kind !== 'ok' || !Array.isArray(r.value)) return null;
  try {
    return r.value.filter((v): v is string => typeof v === 'string').map(parseColSpec);
  } catch {
    return null;
  }
}

interface CompareOptions {
  cols?: string[];
  strictCols?: string[];
  extraCols?: boolean;
  skipCore?: boolean;
  skipOpCols?: boolean;
  allScalars?: boolean;
  skipUnchanged?: boolean;
  includeBatch?: boolean;
  min?: string;
  max?: string;
  top?: number;
}

interface Column {
  spec: ColSpec;
  core: boolean;
}

const coreCols = (o: CompareOptions): Column[] =>
  (o.skipCore ? ['run'] : ['run', 'operation', 'started', 'time', 'status', 'label', ...(o.extraCols ? ['sourcecode'] : [])]).map(
    (name) => ({ spec: { kind: 'attr', name, header: name }, core: true }),
  );

/** The header and rows (cells) of a comparison. */
export function compareTable(runs: Run[], o: CompareOptions): { columns: Column[]; rows: Cell[][] } {
  const columns: Column[] = o.strictCols ? [] : coreCols(o);
  const headers = new Set(columns.map((c) => c.spec.header));
  const add = (spec: ColSpec): void => {
    if (headers.has(spec.header)) return; // same-named columns merge (a logged `status` into core)
    headers.add(spec.header);
    columns.push({ spec, core: false });
  };
  if (o.strictCols) o.strictCols.flatMap(parseColSpecs).forEach(add);
  else {
    if (!o.skipOpCols) for (const run of runs) (compareAttrCols(run) ?? defaultOpCols(run, Boolean(o.allScalars))).forEach(add);
    for (const c of o.cols ?? []) parseColSpecs(c).forEach(add);
  }
  let rows = runs.map((run) => columns.map((c) => cellValue(run, c.spec)));
  const sortBy = o.min ?? o.max;
  if (sortBy !== undefined) {
    const idx = columns.findIndex((c) => c.spec.header === sortBy);
    const spec = idx >= 0 ? null : parseColSpec(sortBy);
    const keyed = rows.map((row, i) => ({ row, v: cellNumber(idx >= 0 ? row[idx] : cellValue(runs[i]!, spec!)) }));
    const dir = o.min !== undefined ? 1 : -1;
    keyed.sort((a, b) => (a.v === null ? (b.v === null ? 0 : 1) : b.v === null ? -1 : dir * (a.v - b.v)));
    rows = keyed.map((k) => k.row);
  }
  if (o.top !== undefined) rows = rows.slice(0, o.top);
  if (o.skipUnchanged && rows.length > 1) {
    const keep = columns.map((c, i) => c.core || new Set(rows.map((r) => JSON.stringify(jsonValue(r[i])))).size > 1);
    return { columns: columns.filter((_, i) => keep[i]), rows: rows.map((r) => r.filter((_, i) => keep[i])) };
  }
  return { columns, rows };
}

function printScalars(runs: Run[], allScalars: boolean): void {
  const lines: string[] = [];
  for (const run of runs) {
    lines.push(`[${run.id.slice(0, 8)}] ${run.operation}`);
    const keys = [...new Set(scalarsOf(run).map(scalarKeyOf))]
      .filter((k) => allScalars || !k.split('#').pop()!.startsWith('sys/'))
      .sort(natCompare);
    for (const k of keys) lines.push(`  ${k}`);
  }
  printLines(lines);
}

export function register(program: Command): void {
  const cmd = addRunFilterOptions(
    program
      .command('compare')
      .description('Compare run flags, attributes and scalars')
      .argument('[RUN...]', 'runs to compare (default: all)')
      .option('-t, --table', 'print a text table (default)')
      .option('--csv [path]', "write CSV to PATH, or '-' for stdout")
      .option('--json', 'print rows as JSON, the first row the header')
      .option('-c, --cols <specs>', "extra columns: '=flag', '.attr', '[qualifier] scalar [step] [as NAME]', comma separated", collect)
      .option('--strict-cols <specs>', 'only these columns (also -cc)', collect)
      .option('-e, --extra-cols', 'add the sourcecode column')
      .option('-r, --skip-core', 'show only the run core column')
      .option('-p, --skip-op-cols', 'leave out the op columns')
      .option('-s, --all-scalars', 'include sys/* scalars')
      .option('-u, --skip-unchanged', 'leave out columns whose values are all the same')
      .option('--min <col>', 'sort by column, smallest first')
      .option('--max <col>', 'sort by column, largest first')
      .option('-n, --top <N>', 'show only the first N runs', intOption('--top'))
      .option('--include-batch', 'include batch runs')
      .option('--print-scalars', 'list the scalar keys of each run')
      .option('-d, --deleted', 'compare deleted runs')
      .option('-A, --archive <path>', 'compare runs in an export directory or .zip'),
  );
  aliasShortArgs(cmd, { '-cc': '--strict-cols' });
  cmd.action(async (specs: string[], opts: Record<string, unknown>, c: Command) => {
    const o = opts as CompareOptions & { csv?: string | true; json?: boolean; table?: boolean; printScalars?: boolean };
    if (o.min !== undefined && o.max !== undefined) throw new GrunError('--min and --max cannot both be used');
    if ([o.csv !== undefined, Boolean(o.json), Boolean(o.table)].filter(Boolean).length > 1) {
      throw new GrunError('--table, --csv and --json cannot be combined');
    }
    let runs = selectWithChildren(await sourceRuns(c, opts), specs, [':']);
    if (!o.includeBatch) runs = runs.filter((r) => !r.batch);
    if (o.printScalars) return printScalars(runs, Boolean(o.allScalars));
    const { columns, rows } = compareTable(runs, o);
    const header = columns.map((col) => col.spec.header);
    if (o.json) {
      process.stdout.write(JSON.stringify([header, ...rows.map((r) => r.map(jsonValue))]) + '\n');
    } else if (o.csv !== undefined) {
      const text = [header, ...rows.map((r) => r.map(csvText))].map((r) => r.map(csvQuote).join(',')).join('\n') + '\n';
      if (o.csv === true || o.csv === '-') process.stdout.write(text);
      else writeFileSync(o.csv, text);
    } else {
      printLines(formatTable([header.map(termSafe), ...rows.map((r) => r.map((c) => termSafe(tableText(c))))]));
    }
  });
}

