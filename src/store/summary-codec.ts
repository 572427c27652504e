// The summary cache's on-disk forms: a summary's, and a run's scalar values (`encodeValues`).
// A summary's fields at their default are left out (half the bytes, so
// half the parse time at 100k runs), and every summary is rebuilt with one fixed field order
// (one object shape, which keeps property reads fast when filters scan every run). A summary is
// kept in two parts: the head, what a listing's row and its status need (`HEAD_FIELDS`), and the
// tail, the rest; a listing of many runs decodes only their heads (`CachedRun`).
import { jsonReplacer, jsonReviver } from './cache-file.js';
import { scalarKeyParts } from './filter/scalar-key.js';
import type { Opref, RunSummary } from './types.js';
import { isMarkedFloat, markFloat } from './yaml11.js';

export type CompactSummary = Partial<Omit<RunSummary, 'id' | 'dir' | 'deleted' | 'markers'>> & {
  lockRemote?: string;
  pending?: true;
  staged?: true;
  /** Flags whose integral values are floats (`0.0`): JSON drops the YAML reader's marks. */
  floats?: string[];
};

/** The summary fields a runs row, its order and its status read, decoded without the tail. */
export const HEAD_FIELDS = [
  'opref', 'operation', 'initialized', 'started', 'stopped', 'exitStatus', 'label', 'marked', 'markers',
  'lockPid', 'proc', 'slurm', 'batch', 'children', 'parent', 'pruned', 'search', 'problems', 'steps',
] as const satisfies readonly (keyof RunSummary)[];

export type SummaryHead = Pick<RunSummary, (typeof HEAD_FIELDS)[number]>;

/** The summary fields kept in the tail, decoded only with the whole summary (`CachedRun`). */
export const TAIL_FIELDS = ['tags', 'comments', 'sourcecodeDigest', 'host', 'user', 'seed', 'cmd', 'compare', 'flags'] as const satisfies readonly (keyof RunSummary)[];

/** Compact fields that belong to the tail (all others, markers' parts included, are the head's). */
const TAIL = new Set<string>([...TAIL_FIELDS, 'floats']);

const isEmpty = (v: unknown): boolean =>
  v === null || v === false || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/** A summary's compact head and tail (flags in the tail: the index keeps them apart). */
export function compactSummary(s: RunSummary): { head: CompactSummary; tail: CompactSummary } {
  const { id: _id, dir: _dir, deleted: _deleted, markers, ...rest } = s;
  const head: Record<string, unknown> = {};
  const tail: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (!isEmpty(v)) (TAIL.has(k) ? tail : head)[k] = v;
  if (markers.lockRemote !== null) head.lockRemote = markers.lockRemote;
  if (markers.pending) head.pending = true;
  if (markers.staged) head.staged = true;
  const floats = Object.keys(s.flags).filter((f) => isMarkedFloat(s.flags, f));
  if (floats.length) tail.floats = floats;
  return { head, tail };
}

/**
 * JSON with every character past ASCII escaped (`\\uXXXX`): the data and values files are then
 * ASCII, a record decoded byte for byte (latin1) and the values file read as one-byte text whose
 * character offsets are its byte offsets.
 */
export const asciiJson = (v: unknown): string =>
  JSON.stringify(v, jsonReplacer).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export const parseJson = (json: string): unknown => JSON.parse(json, json.includes('"$') ? jsonReviver : undefined);

// A head as text: the fields every row reads, apart by US, then the rest of the head as JSON
// (most heads have none):
//   pkgType US pkgName US pkgVersion US modelName US opName US operation US initialized US
//   started US stopped US exitStatus US label US rest
// A listing decodes a head for each row it prints: split, it decodes 2-3× faster than as JSON.
// A field is empty for null (the five opref fields are empty without an opref), a string is as
// it is when it is printable ASCII that does not start with `"`, else its `asciiJson`; a time or
// exit status is its decimal integer (any other number goes in the rest, as JSON).
const US = '\x1f';
const PLAIN = /^[\x20\x21\x23-\x7e][\x20-\x7e]*$/;
const OPREF_KEYS = ['pkgType', 'pkgName', 'pkgVersion', 'modelName', 'opName'] as const;
const INT_KEYS = ['initialized', 'started', 'stopped', 'exitStatus'] as const;
const HEAD_TEXT_FIELDS = OPREF_KEYS.length + 2 + INT_KEYS.length + 1;

const strField = (v: string): string => (PLAIN.test(v) ? v : asciiJson(v));

export function encodeHead(head: CompactSummary): string {
  const { opref, operation, label, ...rest } = head;
  const fields = opref ? OPREF_KEYS.map((k) => strField(opref[k])) : OPREF_KEYS.map(() => '');
  fields.push(operation === undefined ? '' : strField(operation));
  for (const k of INT_KEYS) {
    const v = rest[k];
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      fields.push(String(v));
      delete rest[k];
    } else fields.push('');
  }
  fields.push(label === undefined || label === null ? '' : strField(label));
  fields.push(Object.keys(rest).length ? asciiJson(rest) : '');
  return fields.join(US);
}

const torn = (): never => {
  throw new Error('torn head');
};

/** Oprefs decoded, by their text: a home has few, and 100k rows then share them. */
const oprefs = new Map<string, Opref>();

/** The head being decoded, and where each of its fields ends (its US, or the head's end): decoding is synchronous. */
const EMPTY = Buffer.alloc(0);
let text: Buffer = EMPTY;
let from = 0;
const ends = new Int32Array(HEAD_TEXT_FIELDS);

const fieldStart = (i: number): number => (i === 0 ? from : ends[i - 1]! + 1);

function str(i: number): string | undefined {
  const a = fieldStart(i);
  const b = ends[i]!;
  if (a === b) return undefined;
  const s = text.toString('latin1', a, b);
  return text[a] === 34 ? (JSON.parse(s) as string) : s;
}

function int(i: number): number | undefined {
  let a = fieldStart(i);
  const b = ends[i]!;
  if (a === b) return undefined;
  const negative = text[a] === 45; // '-'
  if (negative) a++;
  if (a === b || b - a > 16) torn(); // 2^53 has 16 digits
  let n = 0;
  for (; a < b; a++) {
    const d = text[a]! - 48;
    if (d < 0 || d > 9) torn();
    n = n * 10 + d;
  }
  if (!Number.isSafeInteger(n)) torn();
  return negative ? -n : n;
}

const part = (i: number): string => str(i) ?? torn(); // an opref's empty strings are `""`

/**
 * The compact head `encodeHead` wrote, decoded from the bytes `start`..`to` of `buf` (each field
 * taken out alone: no copy of the record is made or kept); null when they are torn.
 */
export function decodeHead(buf: Buffer, start: number, to: number): CompactSummary | null {
  let p = start - 1;
  for (let i = 0; i < HEAD_TEXT_FIELDS - 1; i++) {
    p = buf.indexOf(0x1f, p + 1);
    if (p < 0 || p >= to) return null;
    ends[i] = p;
  }
  const extra = buf.indexOf(0x1f, p + 1);
  if (extra >= 0 && extra < to) return null;
  ends[HEAD_TEXT_FIELDS - 1] = to;
  text = buf;
  from = start;
  try {
    let opref: Opref | undefined;
    if (ends[0] !== start) {
      const key = buf.toString('latin1', start, ends[OPREF_KEYS.length - 1]);
      opref = oprefs.get(key);
      if (!opref) {
        opref = Object.freeze({ pkgType: part(0), pkgName: part(1), pkgVersion: part(2), modelName: part(3), opName: part(4) });
        if (oprefs.size < 10_000) oprefs.set(key, opref);
      }
    }
    const head: CompactSummary = {
      opref,
      operation: str(5),
      initialized: int(6),
      started: int(7),
      stopped: int(8),
      exitStatus: int(9),
      label: str(10),
    };
    const last = ends[HEAD_TEXT_FIELDS - 2]! + 1;
    return last === to ? head : Object.assign(head, parseJson(buf.toString('latin1', last, to)) as CompactSummary);
  } catch {
    return null;
  } finally {
    text = EMPTY; // the file read whole is not kept alive by this module
  }
}

/** One scalar as the values file keeps it. */
export type ScalarValueRow = [prefix: string, tag: string, last: number, min: number, max: number];

// Scalar values as text (the values file, summary-cache.ts): per scalar `JSON(prefix) US
// JSON(tag) US last US min US max`, the scalars apart by RS, JSON in ASCII (`asciiJson`: the
// values file is read as one-byte text). JSON strings hold no raw control characters, so a field that is exactly `JSON(tag)` between
// two US is that scalar's tag (a prefix follows RS or the start): a filter finds its scalar by
// one search, without decoding the others.
const RS = '\x1e';

export const encodeValues = (values: ScalarValueRow[]): string =>
  values.map(([prefix, tag, last, min, max]) => `${asciiJson(prefix)}${US}${asciiJson(tag)}${US}${last}${US}${min}${US}${max}`).join(RS);

/** The values `encodeValues` wrote, null when the text is torn. */
export function decodeValues(text: string): ScalarValueRow[] | null {
  if (text === '') return [];
  const out: ScalarValueRow[] = [];
  try {
    for (const rec of text.split(RS)) {
      const f = rec.split(US);
      if (f.length !== 5) return null;
      out.push([JSON.parse(f[0]!) as string, JSON.parse(f[1]!) as string, Number(f[2]), Number(f[3]), Number(f[4])]);
    }
  } catch {
    return null;
  }
  return out;
}

/** What `lastValueIn` searches for a key (the last key's, kept: a filter asks for one key of every run). */
let lastNeedle = { key: '', needle: '', wanted: '' };

function needleOf(key: string): typeof lastNeedle {
  if (lastNeedle.key === key && key !== '') return lastNeedle;
  const [prefix, tag] = scalarKeyParts(key);
  return (lastNeedle = { key, needle: `${US}${asciiJson(tag)}${US}`, wanted: prefix === '' ? '' : asciiJson(prefix) });
}

/**
 * The last value of a scalar key in `encodeValues` text, by filters' rule (`scalarKeyParts`):
 * the first scalar with the key's tag, and its prefix when the key names one.
 */
export function lastValueIn(text: string, key: string): number | undefined {
  const { needle, wanted } = needleOf(key);
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    if (wanted !== '' && text.slice(text.lastIndexOf(RS, i) + 1, i) !== wanted) continue;
    const v = i + needle.length;
    return Number(text.slice(v, text.indexOf(US, v)));
  }
  return undefined;
}

/** The empty list a field without one gets: shared, frozen (summaries are read, never changed). */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** What a head field is where a compact head leaves it out (its markers are made of three fields). */
const HEAD_DEFAULTS = {
  opref: null,
  operation: '',
  initialized: null,
  started: null,
  stopped: null,
  exitStatus: null,
  label: null,
  marked: false,
  lockPid: null,
  proc: null,
  slurm: null,
  batch: false,
  children: NONE,
  parent: null,
  pruned: null,
  search: null,
  problems: NONE,
  steps: undefined,
} as const satisfies Omit<SummaryHead, 'markers'>;

const markersOf = (c: CompactSummary): RunSummary['markers'] => ({ lockRemote: c.lockRemote ?? null, pending: c.pending ?? false, staged: c.staged ?? false });

/** One head field of a compact head, read without expanding the others (`CachedRun`). */
export function headField<K extends keyof SummaryHead>(c: CompactSummary, k: K): SummaryHead[K] {
  if (k === 'markers') return markersOf(c) as SummaryHead[K];
  return (c[k as Exclude<K, 'markers'>] ?? HEAD_DEFAULTS[k as Exclude<K, 'markers'>]) as SummaryHead[K];
}

/** The head's fields with their defaults, from a compact head (or a whole compact summary). */
function expandHead(c: CompactSummary): SummaryHead {
  const head: Record<string, unknown> = {};
  for (const k of HEAD_FIELDS) {
    const v = headField(c, k);
    if (v !== undefined) head[k] = v; // `steps` only where there are steps
  }
  return head as unknown as SummaryHead;
}

/** A whole summary from its compact head and tail merged. */
export function expandSummary(c: CompactSummary, id: string, dir: string, deleted: boolean): RunSummary {
  const flags = c.flags ?? {};
  for (const f of c.floats ?? []) markFloat(flags, f);
  return {
    id,
    dir,
    deleted,
    ...expandHead(c),
    tags: c.tags ?? [],
    flags,
    comments: c.comments ?? [],
    sourcecodeDigest: c.sourcecodeDigest ?? null,
    host: c.host ?? null,
    user: c.user ?? null,
    seed: c.seed ?? null,
    cmd: c.cmd ?? null,
    compare: c.compare ?? null,
  };
}
