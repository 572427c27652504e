// A settled run as its summary cache line holds it. Filters run over every run as these: the
// status, flags and scalar values come from their own columns, the fields a listing's row shows
// from the head of its record (`SummaryHead`), and the whole summary is decoded only when a
// field of the tail is asked for (`-F 'loss < 0.5'` decodes none; `runs -a` only heads).
// A listing shows runs past its checked rows as these too (`RunList`): `toJSON` and
// `runWithStatus` give the plain run for whatever copies one.
import { sep } from 'node:path';
import type { CacheEntry } from './summary-cache.js';
import { summaryOf } from './summary-cache.js';
import { HEAD_FIELDS, headField, TAIL_FIELDS, type CompactSummary, type SummaryHead } from './summary-codec.js';
import type { Run, RunStatus, RunSummary, StatusInfo, YamlValue } from './types.js';


/** One status info per status, shared by the runs that have it alone (frozen: runs are read, never changed). */
const infos = new Map<RunStatus, StatusInfo>();
function statusInfoOf(status: RunStatus): StatusInfo {
  let info = infos.get(status);
  if (!info) infos.set(status, (info = Object.freeze({ status })));
  return info;
}

export interface CachedRun extends SummaryHead, Pick<RunSummary, (typeof TAIL_FIELDS)[number]> {}

export class CachedRun implements Run {
  private indexFlags: Record<string, YamlValue> | undefined;
  private decodedHead: CompactSummary | undefined;
  private info: StatusInfo | undefined;
  private shortId: string | undefined;

  /**
   * The run of an entry of the runs directory `base`, whose names there start `prefix` characters
   * into the entry's name (`runs/`, `trash/runs/`).
   */
  constructor(
    readonly entry: CacheEntry,
    private readonly base: string,
    private readonly prefix: number,
    readonly deleted: boolean,
  ) {}

  get id(): string {
    return (this.shortId ??= this.entry.name.slice(this.prefix));
  }

  /** The base is a normal path and an id one name: joined without path.join's normalizing, 100k times. */
  get dir(): string {
    return `${this.base}${sep}${this.id}`;
  }

  get statusInfo(): StatusInfo {
    if (this.info) return this.info;
    const status = this.entry.status as RunStatus;
    // A settled run's status follows from its markers and exit status (`deriveStatus`): one
    // locked by a remote shows running there.
    const remote = status === 'running' ? this.headField('markers').lockRemote : null;
    return (this.info = remote ? { status, remote } : statusInfoOf(status));
  }

  get status(): RunStatus {
    return this.statusInfo.status;
  }

  /** A flag's value for a filter (null when it has none), parsed from the line only when it may be there. */
  flag(name: string): YamlValue {
    if (this.entry.summary) return Object.hasOwn(this.entry.summary.flags, name) ? (this.entry.summary.flags[name] ?? null) : null;
    if (!this.entry.mayHaveFlag(name)) return null;
    const flags = (this.indexFlags ??= this.entry.flags());
    return Object.hasOwn(flags, name) ? (flags[name] ?? null) : null;
  }

  /** The line's scalar values when they can be used without checking their stamp. */
  get trustsScalars(): boolean {
    return !this.entry.checkScalars;
  }

  /** A head field: from its record's head decoded alone, or the summary's once that is decoded (the record torn: read afresh). */
  headField<K extends keyof SummaryHead>(k: K): SummaryHead[K] {
    const s = this.entry.summary;
    if (s) return s[k];
    const c = (this.decodedHead ??= this.entry.compactHead() ?? undefined);
    return c ? headField(c, k) : this.summary()[k];
  }

  summary(): RunSummary {
    return summaryOf(this.entry, this.id, this.dir, this.deleted);
  }

  /** The plain run (what `JSON.stringify` and copies get: the getters are not own properties). */
  plain(): Run {
    return { ...this.summary(), status: this.status, statusInfo: this.statusInfo };
  }

  toJSON(): Run {
    return this.plain();
  }
}

for (const k of HEAD_FIELDS) {
  if (k === 'parent') continue;
  Object.defineProperty(CachedRun.prototype, k, {
    get(this: CachedRun) {
      return this.headField(k);
    },
  });
}
// The parent is in the line itself: sweep families are found without decoding heads.
Object.defineProperty(CachedRun.prototype, 'parent', {
  get(this: CachedRun) {
    return this.entry.summary ? this.entry.summary.parent : this.entry.parent || null;
  },
});
for (const k of TAIL_FIELDS) {
  Object.defineProperty(CachedRun.prototype, k, {
    get(this: CachedRun) {
      return this.summary()[k];
    },
  });
}
