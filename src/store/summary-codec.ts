// The summary cache's on-disk form: fields at their default are left out (half the bytes, so
// half the parse time at 100k runs), and every summary is rebuilt with one fixed field order
// (one object shape, which keeps property reads fast when filters scan every run).
import type { RunSummary } from './types.js';
import { isMarkedFloat, markFloat } from './yaml11.js';

export type CompactSummary = Partial<Omit<RunSummary, 'id' | 'dir' | 'deleted' | 'markers'>> & {
  lockRemote?: string;
  pending?: true;
  staged?: true;
  /** Flags whose integral values are floats (`0.0`): JSON drops the YAML reader's marks. */
  floats?: string[];
};

const isEmpty = (v: unknown): boolean =>
  v === null || v === false || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

export function compactSummary(s: RunSummary): CompactSummary {
  const { id: _id, dir: _dir, deleted: _deleted, markers, ...rest } = s;
  const c: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (!isEmpty(v)) c[k] = v;
  if (markers.lockRemote !== null) c.lockRemote = markers.lockRemote;
  if (markers.pending) c.pending = true;
  if (markers.staged) c.staged = true;
  const floats = Object.keys(s.flags).filter((f) => isMarkedFloat(s.flags, f));
  if (floats.length) c.floats = floats;
  return c as CompactSummary;
}

export function expandSummary(c: CompactSummary, id: string, dir: string, deleted: boolean): RunSummary {
  const flags = c.flags ?? {};
  for (const f of c.floats ?? []) markFloat(flags, f);
  return {
    id,
    dir,
    deleted,
    opref: c.opref ?? null,
    operation: c.operation ?? '',
    initialized: c.initialized ?? null,
    started: c.started ?? null,
    stopped: c.stopped ?? null,
    exitStatus: c.exitStatus ?? null,
    label: c.label ?? null,
    tags: c.tags ?? [],
    marked: c.marked ?? false,
    flags,
    comments: c.comments ?? [],
    sourcecodeDigest: c.sourcecodeDigest ?? null,
    host: c.host ?? null,
    user: c.user ?? null,
    seed: c.seed ?? null,
    markers: { lockRemote: c.lockRemote ?? null, pending: c.pending ?? false, staged: c.staged ?? false },
    lockPid: c.lockPid ?? null,
    proc: c.proc ?? null,
    slurm: c.slurm ?? null,
    batch: c.batch ?? false,
    children: c.children ?? [],
    parent: c.parent ?? null,
    pruned: c.pruned ?? null,
    search: c.search ?? null,
    problems: c.problems ?? [],
    ...(c.steps ? { steps: c.steps } : {}),
    cmd: c.cmd ?? null,
  };
}
