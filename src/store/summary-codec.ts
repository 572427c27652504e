// The summary cache's on-disk form: fields at their default are left out (half the bytes, so
// half the parse time at 100k runs), and every summary is rebuilt with one fixed field order
// (one object shape, which keeps property reads fast when filters scan every run). A summary is
// kept in two parts: the head, what a listing's row and its status need (`HEAD_FIELDS`), and the
// tail, the rest; a listing of many runs decodes only their heads (`CachedRun`).
import type { RunSummary } from './types.js';
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

/** Compact fields that belong to the tail (all others, markers' parts included, are the head's). */
const TAIL = new Set(['tags', 'comments', 'sourcecodeDigest', 'host', 'user', 'seed', 'cmd', 'floats', 'flags']);

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
  };
}
