// A settled run as its summary cache line holds it, for a filter's first pass over every run:
// the status, flags and scalar values come from their own columns, and the rest of the summary
// is decoded only when a filter asks for it (`-F 'loss < 0.5'` decodes no summary at all).
import type { CacheEntry, ScalarValues } from './summary-cache.js';
import { summaryOf } from './summary-cache.js';
import type { Run, RunStatus, RunSummary, StatusInfo, YamlValue } from './types.js';

/** The fields read from the decoded summary (all but those the class holds). */
const DECODED = [
  'opref', 'operation', 'initialized', 'started', 'stopped', 'exitStatus', 'label', 'tags', 'marked',
  'comments', 'sourcecodeDigest', 'host', 'user', 'seed', 'markers', 'lockPid', 'proc', 'slurm', 'batch',
  'children', 'parent', 'pruned', 'search', 'problems', 'steps',
] as const satisfies readonly (keyof RunSummary)[];

export interface CachedRun extends Pick<RunSummary, (typeof DECODED)[number]> {}

export class CachedRun implements Run {
  readonly status: RunStatus;
  readonly statusInfo: StatusInfo;
  private flagValues: Record<string, YamlValue> | undefined;

  constructor(
    readonly entry: CacheEntry,
    readonly id: string,
    readonly dir: string,
    readonly deleted: boolean,
  ) {
    this.status = entry.status as RunStatus;
    this.statusInfo = { status: this.status };
  }

  get flags(): Record<string, YamlValue> {
    return (this.flagValues ??= this.entry.summary?.flags ?? this.entry.flags());
  }

  /** The line's scalar values when they can be used without checking their stamp, else null. */
  trustedScalars(): ScalarValues['values'] | null {
    return this.entry.checkScalars ? null : this.entry.scalarValues();
  }

  summary(): RunSummary {
    return summaryOf(this.entry, this.id, this.dir, this.deleted);
  }
}

for (const k of DECODED) {
  Object.defineProperty(CachedRun.prototype, k, {
    get(this: CachedRun) {
      return this.summary()[k];
    },
  });
}
