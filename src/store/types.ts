// Shared data shapes of the Guild home. Pure types: no I/O here.
import type { StepProgress } from './step-records.js';

/** A value as PyYAML's safe_load returns it from an attr file. */
export type YamlValue =
  | null
  | boolean
  | number
  | string
  | bigint
  | YamlValue[]
  | { [key: string]: YamlValue };

export type RunStatus = 'running' | 'pending' | 'staged' | 'completed' | 'terminated' | 'error';

/** `.guild/opref`: `PKGTYPE:PKGNAME PKGVERSION MODEL OPNAME`. */
export interface Opref {
  pkgType: string;
  pkgName: string;
  pkgVersion: string;
  modelName: string;
  opName: string;
}

/** One per-tag summary, as Guild's scalar index keeps it (§7.2 of the format notes). */
export interface ScalarSummary {
  /** Directory of the event file relative to the run dir ('' for root, '.guild' for Guild's own). */
  prefix: string;
  tag: string;
  first: number;
  firstStep: number;
  last: number;
  lastStep: number;
  min: number;
  minStep: number;
  max: number;
  maxStep: number;
  avg: number;
  total: number;
  count: number;
}

/** One point of a scalar series (for sparklines and plots). */
export interface ScalarPoint {
  step: number;
  value: number;
  wallTime: number;
}

/** grun's own process record (`.guild/grun-proc`), written by the supervisor beside LOCK. */
/** grun's Slurm job record (`.guild/grun-slurm`), written by the Slurm executor. */
export interface SlurmRecord {
  version: 1;
  executor: 'slurm';
  /** `12`, or `12_3` for task 3 of array job 12. */
  jobId: string;
  cluster: string;
  /** The `type: slurm` remote it was submitted through, if any. */
  remote?: string;
  submitted: number; // ms
  /** Slurm's final state word, once grun has finalized a run whose supervisor never did. */
  finalState?: string;
  finalReason?: string;
}

export interface ProcessRecord {
  version: 1;
  executor: string; // 'local' now; remote executors later
  host: string;
  bootId: string;
  supervisor: { pid: number; start: number };
  child?: { pid: number; start: number };
}

/** A problem found while reading a run: the run still lists, marked as such. */
export interface ReadProblem {
  file: string; // path relative to the run dir, e.g. '.guild/attrs/flags'
  message: string;
}

/** The problem `file` of a run directory this user cannot read at all (another user's, 0700). */
export const UNREADABLE_DIR = '.';

/**
 * What listing, filtering, sorting and the dashboard need of one run. Built from the run
 * directory by `loadRunSummary` and cached; `status` is derived afresh on every read.
 */
export interface RunSummary {
  id: string;
  dir: string;
  deleted: boolean;
  opref: Opref | null;
  /** Display operation (`train.py`, `prepare`, `train.py+`, `train.py+skopt:random`). */
  operation: string;
  initialized: number | null; // µs
  started: number | null; // µs
  stopped: number | null; // µs
  exitStatus: number | null;
  label: string | null;
  tags: string[];
  marked: boolean;
  flags: { [name: string]: YamlValue };
  comments: Comment[];
  sourcecodeDigest: string | null;
  host: string | null;
  user: string | null;
  seed: string | null; // decimal string: 64-bit seeds never pass through a JS number
  /** Markers present in `.guild/`. */
  markers: { lockRemote: string | null; pending: boolean; staged: boolean };
  lockPid: number | null;
  proc: ProcessRecord | null;
  /** The Slurm job that runs it (`.guild/grun-slurm`), for runs sent to Slurm. */
  slurm: SlurmRecord | null;
  /** True for batch runs (`.guild/proto/.guild/opref` exists). */
  batch: boolean;
  /** Ids of runs this one links to as a batch (trial links) or pipeline steps. */
  children: string[];
  /** Parent batch id when known (grun records it; Guild trials do not). */
  parent: string | null;
  /** Why a search pruned this trial (`.guild/grun-pruned`), or null. */
  pruned: string | null;
  /** A search's batch run: what it optimizes and its best trial so far (attrs `grun-optimizer`, `grun-best`). */
  search: SearchSummary | null;
  problems: ReadProblem[];
  /** A pipeline grun drives: its steps done (completed or cached) of all, and their records (`.guild/grun-steps`). */
  steps?: StepProgress;
  /** The `cmd` attr as recorded (null when missing or unreadable), for `runs --json`. */
  cmd?: YamlValue;
  /** The `compare` attr (columns `compare` shows for the run where its guild.yml names none); null when missing. */
  compare?: YamlValue;
}

export interface SearchSummary {
  /** `gp`, `tpe`, `random`. */
  optimizer: string;
  /** `minimize loss`. */
  objective: string;
  best: { run: string; value: number } | null;
}

export interface Comment {
  body: string;
  host: string;
  time: number; // µs
  user: string;
}

export interface StatusInfo {
  status: RunStatus;
  /** `running (myremote)` style qualifier, or why a run shows error (supervisor gone, pid reused). */
  remote?: string;
  reason?: string;
  pid?: number;
  /** A Slurm run's job as Slurm last reported it (while it waits or runs). */
  job?: { state: string; reason?: string; node?: string };
}

/** A run as listings, filters, commands and the dashboard see it: summary plus derived status. */
export interface Run extends RunSummary {
  status: RunStatus;
  statusInfo: StatusInfo;
}
