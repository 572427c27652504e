// What a front end asks of the launch service (a LaunchRequest: built from `grun run`,
// `grun submit`, `grun run --start` or the dashboard's launch form), and what the service
// decides to do with it (a LaunchPlan: see decide.ts).
import type { Run, YamlValue } from '../../store/types.js';
import type { BatchMeta, GuildSweepOptions } from '../batch.js';
import type { SearchOptions } from '../search.js';
import type { RunPlan, RunRequest } from '../plan-types.js';
import type { PipelineStep } from '../pipeline/steps.js';
import type { SlurmRemote } from '../remote/config.js';
import type { RemoteRunRequest } from '../remote/remote-run.js';
import type { Expansion } from '../sweep/expand.js';
import type { RunOverrides, SubmitSource } from '../sweep/rundef.js';

/** Foreground: attached to the end (a sweep's trials scheduled here); background: started, then back; stage: written to start later. */
export type LaunchMode = 'foreground' | 'background' | 'stage';

/** What to launch. */
export type LaunchWork =
  /** An operation with `name=value` arguments, as typed: one run, or a sweep when a value asks for one. */
  | { kind: 'operation'; run: RunRequest }
  /** An Accio run definition (`grun submit`): a JSON text or an operation, with the command line's overrides. */
  | { kind: 'submission'; cwd: string; source: SubmitSource; overrides: RunOverrides }
  /** A run written staged before (`grun run --start`); `forceDeps`: Guild's `--force-deps` given to the start. */
  | { kind: 'staged'; run: Run; forceDeps?: boolean }
  /** Trials of a sweep restaged to run again (`grun run --restart PARENT`). */
  | { kind: 'trials'; parent: Run; runs: Run[] };

/** Options of a Guild-syntax sweep (`-m`, `-o`, `--random-seed`, `--keep-batch`, `--stage-trials`). */
export interface SweepRequest {
  maxTrials?: number;
  optimizer?: string;
  /** As typed: checked to be a signed 64-bit integer. */
  randomSeed?: string;
  keepBatch?: boolean;
  stageTrials?: boolean;
  /** `--optimize`: the operation's default optimizer (guild.yml `optimizers:`). */
  optimize?: boolean;
  /** `--minimize COL` / `--maximize COL` (Guild's column syntax). */
  minimize?: string;
  maximize?: string;
  /** `--opt-flag NAME=VALUE`: the optimizer's settings (`random-starts`, `acq-func`, `xi`, `kappa`, `noise`). */
  optFlags?: Record<string, YamlValue>;
  /** `--prune median|asha` and its `--prune-flag NAME=VALUE` settings. */
  prune?: string;
  pruneFlags?: Record<string, YamlValue>;
  /** `--batch-label`, `--batch-tag`, `--batch-comment`: the batch run's own (an operation that is not a batch ignores them). */
  batch?: BatchMeta;
}

export interface LaunchRequest {
  home: string;
  work: LaunchWork;
  /** `--executor` as typed: local (the default) or slurm. */
  executor?: string;
  /** A remote of config.yml by name: ssh (the run executes there) or slurm. */
  remote?: string;
  mode: LaunchMode;
  /** Reuse a completed run with the same inputs instead of running again. */
  memo: boolean;
  /** `--no-memo`: a pipeline's steps run even when a completed run has their inputs (on by default). */
  noMemo?: boolean;
  /** `--needed`: skip when a completed run of the operation has the same flags. */
  needed?: boolean;
  /** Runs of a sweep or submission at once (default 1; on Slurm, the job array's throttle). */
  maxParallel?: number;
  /** GPU ids the scheduler hands out (CUDA_VISIBLE_DEVICES). */
  gpus?: string[];
  /** Receives the supervisor's pid (a Slurm run's job id). */
  pidfile?: string;
  /** Attached without printing the run's output. */
  quiet?: boolean;
  /** `-n/--no-wait`: a run on an ssh remote is started and left, not followed to its end. */
  noWait?: boolean;
  sweep?: SweepRequest;
}

/** Where a launch goes, decided from `--executor` and `--remote` (or the dashboard's pick). */
export type Destination = { kind: 'local' } | { kind: 'slurm'; remote?: SlurmRemote } | { kind: 'ssh'; remote: string };

/** How the runs a sweep or submission wrote get going. */
export type SweepStart =
  /** One job array per 1,000 runs, `maxParallel` its throttle. */
  | { kind: 'slurm'; remote?: SlurmRemote; maxParallel?: number }
  /** A detached `grun queue` for these runs. */
  | { kind: 'scheduler'; maxParallel: number; gpus?: string[] }
  /** The batch run's own process (Guild's background batch), its trials pending until it starts them. */
  | { kind: 'batch'; maxParallel: number; gpus?: string[] }
  /** Scheduled here, in the foreground, their output printed. */
  | { kind: 'foreground'; maxParallel: number; gpus?: string[] }
  /** They stay staged (for `grun queue` or `grun run --start`). */
  | { kind: 'none' };

/**
 * Memoization of what a launch writes: `reuse` a completed run with the same inputs, only
 * `record` the inputs' key (so that later launches can reuse this run), or neither.
 */
export type MemoUse = 'reuse' | 'record' | 'off';

/** What the service will do: every decision taken, nothing left to branch on but this. */
export type LaunchPlan =
  /** The remote grun plans and supervises the run; here a mirror follows it. */
  | { kind: 'ssh'; remote: string; request: RemoteRunRequest; follow: boolean }
  /** One planned run, started here (foreground, background or staged). */
  | { kind: 'local'; plan: RunPlan; mode: LaunchMode; memo: MemoUse; needed: boolean; pidfile?: string; quiet: boolean; warnings?: string[] }
  /** One planned run whose dependency could not be resolved: recorded failed, as Guild does. */
  | { kind: 'unresolved'; plan: RunPlan }
  /** One planned run, submitted to Slurm as a batch job. */
  | { kind: 'slurm'; plan: RunPlan; remote?: SlurmRemote; memo: MemoUse; needed: boolean; pidfile?: string; warnings?: string[] }
  /** A staged run started in its own directory. */
  | { kind: 'staged'; run: Run; mode: Exclude<LaunchMode, 'stage'>; pidfile?: string; quiet: boolean; forceDeps?: boolean }
  /** A Guild-syntax sweep: a batch run and one child per trial. */
  | { kind: 'sweep'; plan: RunPlan; options: Omit<GuildSweepOptions, 'home' | 'write'>; memo: MemoUse; start: SweepStart; quiet: boolean; pidfile?: string; stage?: boolean }
  /** `--start` of a batch staged by `--stage`: its trials written, then started as a sweep's. */
  | { kind: 'staged-batch'; run: Run; start: SweepStart; quiet: boolean; pidfile?: string }
  /** An Accio submission: one run, or a parent with its children. */
  | { kind: 'submission'; proto: RunPlan; expansion: Expansion; memo: MemoUse; start: SweepStart }
  /**
   * A pipeline: its run started here (foreground, background or staged), whose command is the
   * step driver (engine/pipeline/driver.ts); `plan.env` carries the step options. With `slurm`,
   * each step is submitted as a job after the jobs it needs, the pipeline's run as a job after
   * them all (engine/pipeline/slurm.ts).
   */
  | { kind: 'pipeline'; plan: RunPlan; steps: PipelineStep[]; mode: LaunchMode; pidfile?: string; quiet: boolean; slurm?: { remote?: SlurmRemote; memo: boolean } }
  /** A sweep's restaged trials, started as a sweep's are. */
  | { kind: 'trials'; parent: Run; runs: Run[]; start: SweepStart; quiet: boolean }
  /** A model-based search or a pruned one (engine/search.ts), driven here or (background) by a detached `grun __search`. */
  | { kind: 'search'; plan: RunPlan; options: Omit<SearchOptions, 'home' | 'say'>; background: boolean };
