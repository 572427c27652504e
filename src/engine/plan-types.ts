// What a launch needs, fully resolved before any run directory exists: `planRun` builds a
// RunPlan from a RunRequest, and the run writer/supervisor only copies it to disk.
import type { OptimizerDef } from './optimize/optimizer.js';
import type { OutputScalarsConfig } from '../store/output-scalars.js';
import type { ConfigDepSpec } from './config-flags.js';
import type { Opref, YamlValue } from '../store/types.js';

/** "What the user asked for": `grun run OPSPEC [flag=value ...] [--label] [-t] [-c]`. */
export interface RunRequest {
  home: string;
  cwd: string;
  /** `train.py`, `train`, `model:train`. */
  opspec: string;
  /** Raw `name=value` arguments as typed. */
  flagArgs: string[];
  label?: string;
  tags?: string[];
  comment?: string;
  /** Other `guild run` options for the `run_params` attr (`yes`, `background`, `stage`, …). */
  runParams?: Record<string, YamlValue>;
  /** Guild's `--run-id`: the id to give the run instead of a new one. */
  runId?: string;
  /** Guild's `--run-dir`: a directory outside the home to run in (the run is not listed). */
  runDir?: string;
  /** A plan to show (`--help-op`), never run: dependencies are not resolved to runs. */
  describeOnly?: boolean;
  /** Guild's `--force-flags`: flags the operation does not define are accepted and passed. */
  forceFlags?: boolean;
  /** Guild's `--force-deps`: a dependency that cannot be resolved is warned of and the run goes on without it. */
  forceDeps?: boolean;
  /** `-D PATH`: paths (relative to `cwd`) linked into the run as dependencies of their own. */
  givenDeps?: string[];
  /** Guild's `--force-sourcecode`: a restart copies the project's source code again. */
  forceSourcecode?: boolean;
  /** Guild's `--gpus` (ids for CUDA_VISIBLE_DEVICES); null: `--no-gpus` (none visible). */
  gpus?: string | null;
  /**
   * A step of a pipeline on Slurm, planned at submission: its operation dependencies are left
   * unresolved (their upstream runs do not exist yet) for its supervisor to resolve in the job.
   */
  deferDeps?: boolean;
  /** Guild's `--keep-run`: a `delete-on-success` operation's run is kept. */
  keepRun?: boolean;
  /** Guild's `--stop-after N`: the run is stopped once it has run N minutes. */
  stopAfter?: number;
  /** A pipeline step's parent (Guild's isolate-runs): `requires: operation:` resolves among the runs it links. */
  runsParent?: string;
  /** The pipelines being checked around this plan (a pipeline that runs itself is refused). */
  within?: string[];
}

/** How the operation's process is made. Paths are as the child sees them from the run dir. */
export type CmdTarget =
  | { kind: 'python-script'; script: string }
  | { kind: 'python-module'; module: string; args: string[] }
  | { kind: 'shell'; script: string }
  | { kind: 'node'; script: string }
  | { kind: 'exec'; template: string }
  /** A pipeline (guild.yml `steps:`): grun's step driver (`grun __steps`), Guild's `guild.steps_main`. */
  | { kind: 'steps' };

/** What `planTrial` needs to redo the flag-dependent parts (cmd, env, label) of a plan. */
export interface PlanInputs {
  target: CmdTarget;
  isPython: boolean;
  /** Guild's `opdef.flags_dest` is set (its `FLAGS_DEST`): a Python operation, or guild.yml `flags-dest:`. */
  namesFlagsDest: boolean;
  /** `GUILD_OP`: the script path, or the guild.yml operation name. */
  guildOp: string;
  /** guild.yml `label:`. */
  labelTemplate: string | null;
  /** `--label` as given (a template too). */
  userLabel: string | null;
  /** `-t` tags as given (they prefix a label the user did not type). */
  requestTags: string[];
  /** guild.yml `env:`. */
  opEnv: Record<string, string>;
  cwd: string;
  /** The operation's config dependencies, resolved again with each set of flag values. */
  configSpecs: ConfigDepSpec[];
}

/** Guild's flag types (guild.yml `type:`); argparse `type=int` etc. map onto these. */
export type FlagType =
  | 'int'
  | 'float'
  | 'number'
  | 'string'
  | 'boolean'
  | 'path'
  | 'existing-path'
  | 'auto';

/**
 * Where flag values go in the child: CLI arguments (`args:click`: a click command's options),
 * module globals, the items of a module-level dict (`global:NAME`, Guild's `dict:NAME` alias)
 * or SimpleNamespace (`namespace:NAME`), nested by the dots of their names, or a config file
 * the run gets its own copy of (`config:FILE`; the command then has only the operation's own args).
 */
export type FlagsDest = 'args' | 'args:click' | 'globals' | `global:${string}` | `dict:${string}` | `namespace:${string}` | `config:${string}`;

/**
 * One of a flag's choices (guild.yml `choices:`, a value or a map): a value the user may also
 * give by its `alias`, and `flags` it sets where the user set none of them (Guild's
 * `FlagChoice`).
 */
export interface FlagChoice {
  value: YamlValue;
  /** The value is an integral Python float (`1.0`). */
  valueIsFloat?: boolean;
  alias?: string;
  description?: string;
  flags?: Record<string, YamlValue>;
}

/** One flag definition, from guild.yml `flags:` or detected from a script. */
export interface FlagDef {
  name: string;
  /** `null` when the flag has no default (Guild then leaves it out of the command). */
  default: YamlValue;
  /** The default is an integral Python float (`0.0`), which a JS number cannot tell from `0`. */
  defaultIsFloat?: boolean;
  type?: FlagType;
  description?: string;
  choices?: FlagChoice[];
  required?: boolean;
  min?: number;
  max?: number;
  /** Argument name when it differs from the flag name (`arg-name`). */
  argName?: string;
  /** Not passed as an argument at all (`arg-skip`), e.g. `operation:prepare`. */
  argSkip?: boolean;
  /** `--name` alone when the value equals this (argparse `store_true` → `true`). */
  argSwitch?: YamlValue;
  /** argparse `nargs`: list values are passed as separate arguments (`arg-split`). */
  argSplit?: boolean | string;
  /** Another name the user may give the flag by (`alias`); the run records the flag's own. */
  alias?: string;
  /** Environment variable name instead of `FLAG_<NAME>` (`env-name`). */
  envName?: string;
  nullLabel?: string;
}

/**
 * A flag value that asks for several runs: a list (`[0.1,0.2]`, grid) or a flag function
 * (`range[1:5]`, `uniform[0:1]`, `loguniform[1e-4:1e-1]`, …). Kept as parsed here;
 * expansion belongs to the sweeps engine.
 */
export type SweepSpec =
  | { kind: 'list'; values: YamlValue[] }
  | { kind: 'function'; name: string; args: YamlValue[]; text: string };

/** One file an operation dependency brings into the run, as a relative symlink. */
export interface DepLink {
  /** Path inside the new run dir (e.g. `data.txt`). */
  target: string;
  /** Link text, relative to the run dir (e.g. `../5fe4ccc3…/data.txt`). */
  linkTarget: string;
  /** Absolute path of the upstream file, for the manifest's sha1. */
  source: string;
  /** The new run already has its target (its own source code, an earlier link): not linked, as Guild skips it with a warning. */
  exists?: true;
}

/** A dependency that could not be resolved: its name, Guild's message and warnings. */
export interface DepFailureInfo {
  /** The resource being resolved (Guild's `Resolving NAME`): a named resource's, else the entry's name. */
  dep: string;
  message: string;
  /** Said before the resolution log (`cannot find a suitable run for required resource …`). */
  warnings: string[];
}

/** A `requires:` dependency, resolved: an upstream run's files, or a project file. */
export type ResolvedDep = ResolvedOperationDep | ResolvedFileDep | DeferredDep | UnmetDep;

/** What every resolved dependency has: `resource`, the guild.yml resource it is a source of (absent: its own `name`). */
interface ResolvedSource {
  resource?: string;
}

/**
 * An operation dependency of a staged run: Guild resolves it when the run starts, to a run
 * that is then completed, running or terminated (`runId`: the flag's choice, a staged run
 * possibly; null when there was none).
 */
export interface DeferredDep extends ResolvedSource {
  kind: 'deferred';
  name: string;
  operation: string;
  runId: string | null;
  manifestLines: [];
}

/**
 * A dependency that could not be resolved, gone past with `--force-deps`: Guild warns of it where
 * it would have resolved it, and marks it `{}` in the `deps` attr.
 */
export interface UnmetDep extends ResolvedSource {
  kind: 'unmet';
  name: string;
  /** Guild's words: `a dependency was not met: could not resolve …`. */
  unmet: string;
  /** An operation dependency without a run to choose (warned of before any is resolved). */
  noRun: boolean;
  manifestLines: [];
}

/** A `requires: - file: PATH` dependency: copied (or linked) into the run, an archive's members each. */
export interface ResolvedFileDep extends ResolvedSource {
  kind: 'file';
  /** `file:data.txt`: the `deps` attr key. */
  name: string;
  /** Absolute source (the project file or directory, a member in the resource cache) → path inside the new run dir. */
  files: { source: string; target: string; exists?: true }[];
  targetType: 'copy' | 'link';
  /** `replace-existing: yes`: what the run has at a target gives way. */
  replaceExisting?: true;
  /** The `deps` attr's paths: the sources relative to the run dir. */
  paths: string[];
  manifestLines: string[];
  /** The archive unpacked while planning (Guild's `Unpacking PATH` line). */
  unpacked?: string;
}

/** A `requires: - operation: X` dependency, resolved to one upstream run. */
export interface ResolvedOperationDep extends ResolvedSource {
  kind: 'operation';
  /** `operation:prepare`: also the flag name and the `deps` attr key. */
  name: string;
  operation: string;
  runId: string;
  runDir: string;
  links: DepLink[];
  /** Manifest lines to append: `d <target> <sha1> operation:prepare`. */
  manifestLines: string[];
}

/** A `config:` dependency resolved for one run: the config file with the run's flag values. */
export interface ResolvedConfig {
  /** `config:flags.yml`. */
  name: string;
  /** Path in the run dir. */
  target: string;
  /** The file's text. */
  text: string;
  /** Guild's `always-resolve`: a restart writes it again (else it says it skips it). */
  alwaysResolve: boolean;
  /** Guild's `replace-existing`: a file already at the target gives way. */
  replaceExisting: boolean;
}

/** Everything the run writer needs, fully resolved. */
export interface RunPlan {
  opref: Opref;
  /** Display operation: `train.py`, `train`, `model:train`. */
  operation: string;
  projectDir: string;
  /** Child argv (no shell). cmd[0] is the executable. */
  cmd: string[];
  /** The `cmd` attr to record. */
  cmdAttr: string[];
  /** grun/Guild additions to the environment only (FLAG_*, FLAGS_DEST, GUILD_OP, …). */
  env: Record<string, string>;
  /** All flag values (`flags` attr), incl. `operation:X` dependency flags. */
  flags: Record<string, YamlValue>;
  /** Only the flags the user typed (`user_flags` attr). */
  userFlags: Record<string, YamlValue>;
  /**
   * Flags whose value is an integral float (`sleep: 0.0`). `flags`/`userFlags` carry
   * yaml11 float marks for them, which JSON drops: `restoreFloatMarks(plan)` puts them back.
   */
  floatFlags: string[];
  flagDefs: FlagDef[];
  flagsDest: FlagsDest;
  label: string | null;
  /** The `tags` attr: `-t` tags, then the operation's own (e.g. `model` for train scripts). */
  tags: string[];
  comment?: string;
  /**
   * Files to copy, relative to `root`, into the run dir at `dest` (absent: the run-dir root,
   * Guild 0.9's default); null for `sourcecode: no`.
   */
  sourcecode: { root: string; files: string[]; dest?: string } | null;
  outputScalars: OutputScalarsConfig;
  /** Minutes after which the supervisor stops the run (`--stop-after`). */
  stopAfter?: number;
  /** guild.yml `output-attrs` (null: Guild's default patterns). */
  outputAttrs: OutputScalarsConfig;
  /** Guild's `op` attr (spec §3.3). */
  opAttr: YamlValue;
  /** Guild's `run_params` attr. */
  runParams: YamlValue;
  deps: ResolvedDep[];
  /** Config files written for the run (`flags-dest: config:FILE`, `requires: - config:`). */
  configs: ResolvedConfig[];
  /** guild.yml `run-attrs:` but Guild's own attr names: the `opdef_attrs` attr. */
  opdefAttrs?: Record<string, YamlValue>;
  /** Said before the run starts (Guild's `WARNING:` lines: a reserved `run-attrs:` name). */
  warnings?: string[];
  /**
   * The first dependency that could not be resolved (Guild stops there): the launch service
   * records a failed run rather than start one; every other user of a plan refuses it.
   */
  depFailure?: DepFailureInfo;
  /** The `deps` attr value (spec §3.9); `{}` when none. */
  depsAttr: YamlValue;
  /** Flags whose values were lists or functions; empty for a single run. */
  sweeps: Record<string, SweepSpec>;
  /** guild.yml `resources:` of the model, if present. */
  resources?: Record<string, YamlValue>;
  /** guild.yml `optimizers:`/`optimizer:` of the operation (optimize/optimizer.ts reads them). */
  optimizers?: OptimizerDef[];
  /** guild.yml `default-max-trials` of an operation that is an optimizer. */
  defaultMaxTrials?: number;
  /**
   * This run is the batch run of an optimizer that is an operation of the project (`-o OP`,
   * guild.yml `optimizers:`): the prototype it was given (`.guild/proto`) and `max_trials`.
   */
  batch?: { proto: RunPlan; maxTrials?: number };
  /** guild.yml `unstable: yes`. */
  unstable: boolean;
  /** A pipeline's `steps` attr: its guild.yml `steps:` as written (the driver reads them back). */
  steps?: YamlValue;
  inputs: PlanInputs;
  /** The run gets Guild's `pip_freeze` attr (Guild's rule: engine/python-attrs.ts). */
  pipFreeze?: true;
  /** The run's id when the request named one (`--run-id`). */
  runId?: string;
  /** The run's directory when the request named one (`--run-dir`): absolute. */
  runDir?: string;
}

/** One runnable operation, as `grun operations` and the launch form list them. */
export interface OperationDef {
  /** Name to pass as opspec: `train`, `model:train`, `train.py`. */
  name: string;
  kind: 'guildfile' | 'script';
  description: string;
  model: string;
  /** guild.yml path, or the script path. */
  source: string;
  /** guild.yml `main:` as written, or the module named after the operation (a script, or an `exec:` operation, has none). */
  main?: string;
  /** What Guild warns of when it loads the operation (a config file of a kind it cannot read). */
  warning?: string;
}
