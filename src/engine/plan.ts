// `planRun`: from "what the user asked for" to a complete, validated RunPlan, with no side
// effect beyond the import-flags cache. Nothing here creates a run directory, so a bad flag
// leaves nothing behind.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { GrunError } from '../store/errors.js';
import { listRuns } from '../store/index.js';
import { runsDir } from '../store/home.js';
import { linkedRunIds } from '../store/pipeline.js';
import { checkOutputPatterns, type OutputScalarsConfig } from '../store/output-scalars.js';
import type { Opref, Run, YamlValue } from '../store/types.js';
import { isMarkedFloat } from '../store/yaml11.js';
import { shlexSplit } from '../store/opref.js';
import { encodeScalar } from '../store/flagfmt.js';
import { Refusal } from './refusal.js';
import { buildCommand, flagEnv, globalDest } from './cmd-args.js';
import { ConfigFailure, configDepSpecs, configFlagsSource, configKind, importConfigFlags, resolveConfigs, type ConfigDepSpec } from './config-flags.js';
import { DEP_RUN_STATUSES, DepFailure, chooseDepRun, depOpref, depsAttr, fileDepSource, givenDepSpec, noRunWarning, opAttrDep, parseRequires, resolveDep, resolveFileDep, resourceOf } from './deps.js';
import { detectPythonFlags } from './flag-detect.js';
import { pythonExe, resolveExecutable } from './interpreter.js';
import { pipFreezeWanted } from './python-attrs.js';
import { applyChoices, checkValue, flagDefsFromConfig, resolveFlags, sortKeys, withFloatMarks } from './flags.js';
import {
  expandFlagIncludes,
  findOperation,
  isMap,
  loadGuildfile,
  type FoundOperation,
  type Guildfile,
  type YamlMap,
} from './guildfile.js';
import { labelTemplateOf, makeLabel } from './label.js';
import { listOperations, operationMain, scriptKind } from './operations.js';
import type { CmdTarget, DepFailureInfo, FlagDef, FlagsDest, PlanInputs, ResolvedConfig, ResolvedDep, RunPlan, RunRequest } from './plan-types.js';
import { combineSourceCodeConfig, decideSourceCode, selectSourceFiles, type SourceCodeContext, type SourceCodeDecision, type SourceCodeSpec, type SourceSelection } from './sourcecode.js';
import { PYTHON_API_DIR } from './python-api.js';
import { debugEnabled } from '../store/debug-log.js';
import { optimizerDefs, type OptimizerDef } from './optimize/optimizer.js';
import { parseSteps, stepFlagArgs, type PipelineStep } from './pipeline/steps.js';

/** The operation as resolved from guild.yml or the script, before any flag value. */
interface OpBase {
  opref: Opref;
  operation: string;
  projectDir: string;
  target: CmdTarget;
  isPython: boolean;
  namesFlagsDest: boolean;
  flagDefs: FlagDef[];
  flagsDest: FlagsDest;
  allowOtherFlags: boolean;
  guildOp: string;
  labelTemplate: string | null;
  opTags: string[];
  sourceSpec: SourceCodeSpec | null;
  outputScalars: OutputScalarsConfig;
  /** guild.yml `output-attrs` (null: Guild's default patterns). */
  outputAttrs: OutputScalarsConfig;
  opEnv: Record<string, string>;
  depSpecs: ReturnType<typeof parseRequires>;
  configSpecs: ConfigDepSpec[];
  resources?: Record<string, YamlValue>;
  optimizers?: OptimizerDef[];
  defaultMaxTrials?: number;
  unstable: boolean;
  /** guild.yml `delete-on-success: yes`: a completed run goes to the trash. */
  deleteOnSuccess: boolean;
  /** guild.yml `run-attrs:`, as written. */
  runAttrs?: YamlMap;
  /** guild.yml `pip-freeze:`, as written. */
  pipFreeze?: YamlValue;
  /** A pipeline's steps, checked, and its `steps:` as written. */
  pipeline?: { steps: PipelineStep[]; data: YamlValue };
}

/** guild.yml `default-max-trials`: a positive integer, or none. */
function defaultMaxTrials(v: YamlValue | undefined, where: string): { defaultMaxTrials?: number } {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new GrunError(`${where}: default-max-trials: expected a positive integer, got ${String(v)}`);
  return { defaultMaxTrials: v };
}

/** Names an operation's `run-attrs:` may not take (Guild's `run.CORE_RUN_ATTRS`; `runs info` hides a longer list). */
const RESERVED_RUN_ATTRS = new Set([
  'cmd', 'deps', 'env', 'exit_status', 'flags', 'host', 'id', 'initialized', 'label', 'op', 'opdef_attrs', 'platform',
  'plugins', 'random_seed', 'run_params', 'sourcecode_digest', 'started', 'stopped', 'user', 'user_flags', 'vcs_commit',
  'pip_freeze', 'r_sys_info', 'r_packages_loaded',
]);

/** guild.yml `run-attrs:` → the `opdef_attrs` attr, a core attr's name left out with Guild's warning. */
function opdefAttrs(runAttrs: YamlMap | undefined): { attrs: YamlMap | null; warnings: string[] } {
  const attrs: YamlMap = {};
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(runAttrs ?? {})) {
    if (RESERVED_RUN_ATTRS.has(name)) warnings.push(`Invalid run attribute '${name}' (reserved attribute) - ignoring`);
    else attrs[name] = value;
  }
  return { attrs: Object.keys(attrs).length ? attrs : null, warnings };
}

/** Guild's tags for python scripts (`python_script._tags_for_python_script`). */
function scriptTags(name: string): string[] {
  const base = name.split('/').pop() ?? name;
  if (base.includes('train')) return ['model'];
  if (base.includes('prepare')) return ['dataset'];
  return [];
}

function noSuchOperation(opspec: string, cwd: string): Refusal {
  const ops = listOperations(cwd).map((o) => o.name);
  return new Refusal(
    'no-operation',
    `cannot find operation '${opspec}' in ${cwd}: expected ${ops.length ? `one of ${ops.join(', ')}` : 'a guild.yml operation or a script (*.py, *.sh, *.js, *.mjs)'}`,
    opspec,
  );
}

async function scriptBase(req: RunRequest, scriptPath: string): Promise<OpBase> {
  // A script outside the cwd is its own project (its directory is the opref's package).
  const inCwd = !relative(resolve(req.cwd), scriptPath).startsWith('..');
  const projectDir = inCwd ? resolve(req.cwd) : dirname(scriptPath);
  const rel = relative(projectDir, scriptPath).split('\\').join('/');
  const kind = scriptKind(scriptPath)!;
  const opref: Opref = { pkgType: 'script', pkgName: projectDir, pkgVersion: '', modelName: '', opName: rel };
  const base: OpBase = {
    opref,
    operation: rel,
    projectDir,
    target: { kind: 'python-script', script: rel },
    isPython: kind === 'python',
    namesFlagsDest: kind === 'python',
    flagDefs: [],
    flagsDest: 'args',
    allowOtherFlags: kind !== 'python',
    guildOp: scriptPath,
    labelTemplate: null,
    opTags: kind === 'python' ? scriptTags(rel) : [],
    sourceSpec: { rules: [] },
    outputScalars: null,
    outputAttrs: null,
    opEnv: {},
    depSpecs: [],
    configSpecs: [],
    unstable: false,
    deleteOnSuccess: false,
  };
  if (kind === 'python') {
    const detected = await detectPythonFlags(req.home, scriptPath);
    base.flagDefs = detected.defs;
    base.flagsDest = detected.dest;
  } else {
    base.target = { kind, script: rel };
  }
  return base;
}

/** guild.yml `output-scalars` or `output-attrs` (same shape), its patterns checked. */
function outputScalarsConfig(v: YamlValue | undefined, where: string, field: 'output-scalars' | 'output-attrs'): OutputScalarsConfig {
  const config = outputScalarsShape(v, where, field);
  checkOutputPatterns(config, where, field);
  return config;
}

function outputScalarsShape(v: YamlValue | undefined, where: string, field: string): OutputScalarsConfig {
  if (v === undefined || v === null) return null;
  if (v === false) return false;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    return v.map((x) => {
      if (typeof x === 'string') return x;
      if (isMap(x) && Object.values(x).every((p) => typeof p === 'string')) return x as Record<string, string>;
      throw new GrunError(`${where}: ${field} entry ${JSON.stringify(x)}: expected a pattern or {key: pattern}`);
    });
  }
  if (isMap(v) && Object.values(v).every((p) => typeof p === 'string')) {
    return Object.entries(v).map(([k, p]) => ({ [k]: p as string }));
  }
  throw new GrunError(`${where}: ${field}: expected no, a list of patterns or a mapping`);
}

function stringMap(v: YamlValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(v)) return out;
  for (const [k, x] of Object.entries(v)) out[k] = x === null ? '' : typeof x === 'string' ? x : String(x);
  return out;
}

async function guildfileBase(req: RunRequest, gf: Guildfile, found: FoundOperation): Promise<OpBase> {
  const { model, name, config } = found;
  const where = `${gf.path}: operation '${model.name ? `${model.name}:` : ''}${name}'`;
  if (config.steps !== undefined && config.exec === undefined) return pipelineBase(gf, found, where);
  let defs = flagDefsFromConfig(expandFlagIncludes(gf, config.flags), where);
  const declaredDest = config['flags-dest'];
  const configSrc = configFlagsSource(declaredDest);
  const dictDest = typeof declaredDest === 'string' ? globalDest(declaredDest) : null;
  if (!['args', 'args:click', 'globals', undefined].includes(declaredDest as string) && configSrc === null && dictDest === null) {
    throw new GrunError(`${where}: flags-dest '${String(declaredDest)}': expected args, args:click, globals, global:NAME, dict:NAME, namespace:NAME or config:FILE`);
  }
  let dest: FlagsDest = (declaredDest as FlagsDest | undefined) ?? 'args';
  const importHow = config['flags-import'];
  const importSkip = config['flags-import-skip'];
  if (configSrc !== null) {
    // Guild's config_flags plugin: the file's values are the flags (a file it cannot read gives none)
    if (configKind(configSrc)) defs = mergeImported(defs, importConfigFlags(resolve(gf.dir, configSrc), configSrc), importHow, importSkip);
  }
  const sourceSpec = combineSourceCodeConfig(model.sourcecode, config.sourcecode, where);
  let target: CmdTarget;
  let isPython = false;
  const main = operationMain(name, config);
  if (typeof config.exec === 'string') {
    target = { kind: 'exec', template: config.exec };
  } else if (main !== undefined) {
    const [module = '', ...args] = main.trim().split(/\s+/);
    if (!module) throw new GrunError(`${where}: main is empty: expected a Python module name`);
    const sourceRoot = sourceSpec?.root ?? '.';
    const moduleFile = `${module.replace(/\./g, '/')}.py`;
    target = { kind: 'python-module', module, args };
    isPython = true;
    const absModule = resolve(gf.dir, sourceRoot, moduleFile);
    // Guild's no-op module takes its flags as globals unless told otherwise (it prints its args)
    if (module === 'guild.pass' && declaredDest === undefined) dest = 'globals';
    if (configSrc === null && existsSync(absModule)) {
      const detected = await detectPythonFlags(req.home, absModule, {
        baseArgs: args,
        click: declaredDest === 'args:click',
        ...(dictDest ? { dict: dictDest.name } : {}),
      });
      if (declaredDest === undefined) dest = detected.dest;
      defs = mergeImported(defs, detected.defs, importHow, importSkip);
    }
  } else {
    throw new GrunError(`${where}: expected main or exec`);
  }
  const opTags = Array.isArray(config.tags) ? config.tags.map(String) : [];
  const depSpecs = parseRequires(config.requires, where, model.resources);
  const opName = model.name ? `${model.name}:${name}` : name;
  return {
    opref: { pkgType: 'guildfile', pkgName: gf.path, pkgVersion: gf.hash, modelName: model.name, opName: name },
    operation: opName,
    projectDir: gf.dir,
    target,
    isPython,
    namesFlagsDest: isPython || declaredDest !== undefined,
    flagDefs: defs,
    flagsDest: dest,
    allowOtherFlags: false,
    guildOp: opName,
    labelTemplate: typeof config.label === 'string' ? config.label : null,
    opTags,
    sourceSpec,
    outputScalars: outputScalarsConfig(config['output-scalars'], where, 'output-scalars'),
    outputAttrs: outputScalarsConfig(config['output-attrs'], where, 'output-attrs'),
    opEnv: stringMap(config.env),
    depSpecs,
    configSpecs: configDepSpecs(config.requires, declaredDest, where),
    ...(model.resources ? { resources: model.resources } : {}),
    optimizers: optimizerDefs(config.optimizers, config.optimizer),
    ...defaultMaxTrials(config['default-max-trials'], where),
    unstable: config.unstable === true,
    deleteOnSuccess: config['delete-on-success'] === true,
    ...(isMap(config['run-attrs']) ? { runAttrs: config['run-attrs'] } : {}),
    ...(config['pip-freeze'] !== undefined ? { pipFreeze: config['pip-freeze'] } : {}),
  };
}

/** A pipeline: its steps checked (shape, names, graph); no source code, Guild's `steps_main` command. */
function pipelineBase(gf: Guildfile, found: FoundOperation, where: string): OpBase {
  const { model, name, config } = found;
  const steps = parseSteps(config.steps, model.name);
  const opName = model.name ? `${model.name}:${name}` : name;
  return {
    opref: { pkgType: 'guildfile', pkgName: gf.path, pkgVersion: gf.hash, modelName: model.name, opName: name },
    operation: opName,
    projectDir: gf.dir,
    target: { kind: 'steps' },
    isPython: false,
    namesFlagsDest: false,
    flagDefs: flagDefsFromConfig(expandFlagIncludes(gf, config.flags), where),
    flagsDest: 'args',
    allowOtherFlags: false,
    guildOp: opName,
    labelTemplate: typeof config.label === 'string' ? config.label : null,
    opTags: Array.isArray(config.tags) ? config.tags.map(String) : [],
    sourceSpec: null,
    outputScalars: null,
    outputAttrs: null,
    opEnv: stringMap(config.env),
    depSpecs: [],
    configSpecs: [],
    unstable: false,
    deleteOnSuccess: config['delete-on-success'] === true,
    pipeline: { steps, data: config.steps! },
  };
}

/**
 * Each step planned as it would run (its dependencies unresolved: they are this pipeline's
 * runs), so that an unknown operation or a bad flag is refused, with the step's path, before
 * anything is written. A swept pipeline flag is checked with its first value.
 */
async function checkSteps(req: RunRequest, base: OpBase, flags: Record<string, YamlValue>, sweeps: RunPlan['sweeps']): Promise<void> {
  const within = [...(req.within ?? []), `${base.opref.pkgName} ${base.operation}`];
  const values: Record<string, YamlValue> = { ...flags };
  for (const [name, s] of Object.entries(sweeps)) values[name] = s.kind === 'list' ? (s.values[0] ?? null) : null;
  for (const step of base.pipeline!.steps) {
    const flagArgs = stepFlagArgs(step, values);
    try {
      const plan = await planRun({ home: req.home, cwd: base.projectDir, opspec: step.opspec, flagArgs, describeOnly: true, within });
      if (plan.steps !== undefined && within.includes(`${plan.opref.pkgName} ${plan.operation}`)) {
        throw new GrunError(`pipeline '${plan.operation}' runs itself`);
      }
    } catch (e) {
      if (!(e instanceof GrunError) || (e instanceof Refusal && e.code === 'bad-pipeline' && e.message.startsWith('steps.'))) throw e;
      throw new Refusal('bad-pipeline', `steps.${step.name}: ${e.message}`, step.name);
    }
  }
}

/**
 * Imported flags (a script's, a config file's) merged into the declared ones as Guild's
 * `flags-import` says: `all`/`yes` every one, a list those named, none given only those the
 * operation declares (a declared flag takes an imported one of its name or its `arg-name`,
 * filling what it does not say itself); `flags-import-skip` leaves some out. Sorted by name.
 */
function mergeImported(declared: FlagDef[], imported: FlagDef[], how: YamlValue | undefined, skip: YamlValue | undefined): FlagDef[] {
  if (how === false || how === 'no' || (Array.isArray(how) && how.length === 0)) return declared;
  const wanted =
    how === true || how === 'all' || how === 'yes'
      ? null
      : new Set(how === undefined || how === null ? declared.map((d) => d.name) : Array.isArray(how) ? how.map(String) : [String(how)]);
  const skipped = new Set(Array.isArray(skip) ? skip.map(String) : skip !== undefined && skip !== null ? [String(skip)] : []);
  const out = [...declared];
  for (const d of imported) {
    if (skipped.has(d.name) || (wanted && !wanted.has(d.name))) continue;
    const own = declared.find((x) => x.name === d.name) ?? declared.find((x) => x.argName === d.name);
    if (own) Object.assign(own, { ...d, ...own, default: own.default ?? d.default });
    else out.push(d);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The operation `req` names, with the paths `-D` adds as dependencies after its own. */
async function opBase(req: RunRequest): Promise<OpBase> {
  const base = await operationBase(req);
  if (!req.givenDeps?.length) return base;
  return { ...base, depSpecs: [...base.depSpecs, ...req.givenDeps.map((p) => givenDepSpec(p, resolve(req.cwd)))] };
}

async function operationBase(req: RunRequest): Promise<OpBase> {
  const cwd = resolve(req.cwd);
  const gf = loadGuildfile(cwd);
  if (gf) {
    const found = findOperation(gf, req.opspec);
    if (found) return guildfileBase(req, gf, found);
  }
  const scriptPath = isAbsolute(req.opspec) ? req.opspec : resolve(cwd, req.opspec);
  if (scriptKind(scriptPath) && existsSync(scriptPath) && statSync(scriptPath).isFile()) {
    return scriptBase({ ...req, cwd }, scriptPath);
  }
  throw noSuchOperation(req.opspec, cwd);
}

/**
 * The dependencies in order: `operation:X` flags (the chosen upstream run's id, settable as
 * `operation:X=ID` or `X=ID`) and project files. As Guild, the runs of operation dependencies
 * are chosen first, with the flags (each without one warned of), then every dependency is
 * resolved in order: the first that cannot be is the plan's `depFailure` (the launch service
 * records the failed run) and the ones after it are left unresolved; with `--force-deps` it is
 * an `unmet` dependency, warned of, and the others are resolved.
 */
function resolveDeps(
  req: RunRequest,
  base: OpBase,
  /** Whether the run will have a path of its own (its source code) where a dependency would link. */
  exists: (target: string) => boolean,
): { deps: ResolvedDep[]; defs: FlagDef[]; aliases: Record<string, string>; flagArgs: string[]; failure?: DepFailureInfo; noRun?: string[] } {
  if (base.depSpecs.length === 0) return { deps: [], defs: [], aliases: {}, flagArgs: req.flagArgs };
  const opSpecs = base.depSpecs.filter((s) => s.kind === 'operation');
  const unresolvedFlag = (name: string): FlagDef => ({ name, default: null, type: 'string', argSkip: true });
  if (req.describeOnly || req.deferDeps) {
    // Shown, not run (or resolved later, in a Slurm job): each operation dependency is a flag with no run chosen.
    return { deps: [], defs: opSpecs.map((spec) => unresolvedFlag(spec.name)), aliases: {}, flagArgs: req.flagArgs };
  }
  // a pipeline's step (isolate-runs) chooses among the runs of its own pipeline
  const linked = req.runsParent !== undefined ? linkedRunIds(join(req.home, 'runs', req.runsParent)) : null;
  const runs = (opSpecs.length ? listRuns(req.home) : []).filter((r) => !linked || linked.has(r.id));
  const defs: FlagDef[] = [];
  const aliases: Record<string, string> = {};
  const flagArgs = [...req.flagArgs];
  // Guild accepts a staged upstream run when the new run is staged too.
  const staging = req.runParams?.stage === true;
  const statuses = staging ? [...DEP_RUN_STATUSES, 'staged' as const] : DEP_RUN_STATUSES;
  const chosen = new Map<string, { run: Run | null; failure?: DepFailure }>();
  for (const spec of opSpecs) {
    // `X=ID` names the dependency unless the operation has a flag of its own called X
    const aliased = !base.flagDefs.some((d) => d.name === spec.operation);
    const names = aliased ? [spec.name, spec.operation] : [spec.name];
    if (aliased) aliases[spec.operation] = spec.name;
    let idPrefix: string | undefined;
    let argIndex = -1;
    flagArgs.forEach((a, i) => {
      const eq = a.indexOf('=');
      if (eq > 0 && names.includes(a.slice(0, eq))) {
        idPrefix = a.slice(eq + 1);
        argIndex = i;
      }
    });
    try {
      const run = chooseDepRun(runs, spec, depOpref(spec, base.opref), { ...(idPrefix !== undefined ? { idPrefix } : {}), statuses });
      if (argIndex >= 0) flagArgs[argIndex] = `${spec.name}=${run.id}`;
      chosen.set(spec.name, { run });
      defs.push({ name: spec.name, default: run.id, type: 'string', argSkip: true });
    } catch (e) {
      if (!(e instanceof DepFailure)) throw e;
      chosen.set(spec.name, { run: null, failure: e });
      defs.push(unresolvedFlag(spec.name));
    }
  }
  const noRun = opSpecs.filter((s) => !chosen.get(s.name)!.run).map((s) => s.name);
  const deps: ResolvedDep[] = [];
  let failure: DepFailureInfo | undefined;
  // where the run will be: a file dependency's `deps` path is relative to it
  const runDir = runLocation(req).runDir ?? join(runsDir(req.home), 'new');
  for (const spec of base.depSpecs) {
    const c = chosen.get(spec.name);
    try {
      const taken = (t: string): boolean => exists(t) || deps.some((d) => linksTo(d, t));
      if (spec.kind === 'file') deps.push(resolveFileDep(spec, base.projectDir, runDir, req.home, taken));
      // staged: the flag names the run chosen now; its files are linked when the run starts (Guild)
      else if (staging) deps.push({ kind: 'deferred', name: spec.name, resource: spec.resource, operation: spec.operation, runId: c!.run?.id ?? null, manifestLines: [] });
      else if (c!.run) deps.push(resolveDep(spec, c!.run, taken));
      else throw c!.failure!;
    } catch (e) {
      if (!(e instanceof DepFailure)) throw e;
      if (!req.forceDeps) {
        failure = { dep: spec.resource, message: e.message, warnings: staging ? [] : noRun.map(noRunWarning) };
        break;
      }
      deps.push({ kind: 'unmet', name: spec.name, resource: spec.resource, unmet: e.unmet, noRun: spec.kind === 'operation' && !c!.run, manifestLines: [] });
    }
  }
  return { deps, defs, aliases, flagArgs, ...(failure ? { failure } : {}), ...(noRun.length ? { noRun } : {}) };
}

function opAttr(
  base: OpBase,
  plan: {
    flagDefs: FlagDef[];
    deps: ResolvedDep[];
    userLabel: string | null;
    tags: string[];
    cmdEnv: Record<string, string>;
    opCmdArgs: string[];
    sourceDest: string;
    keepRun: boolean;
  },
): YamlValue {
  const cmdFlags: YamlMap = {};
  for (const d of [...plan.flagDefs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const f: YamlMap = {};
    if (d.argName !== undefined) f['arg-name'] = d.argName;
    if (d.argSkip) f['arg-skip'] = true;
    if (d.argSplit !== undefined) f['arg-split'] = d.argSplit;
    if (d.argSwitch !== undefined) f['arg-switch'] = d.argSwitch;
    if (d.envName !== undefined) f['env-name'] = d.envName;
    cmdFlags[d.name] = f;
  }
  const flagsExtra: YamlMap = {};
  // an operation dependency is a flag of Guild's opdef (its run's id); a file one is none
  for (const d of plan.deps) if (d.kind !== 'file') flagsExtra[d.name] = { name: d.name };
  return {
    // read back when the run ends (launch/carry.ts): a staged run keeps its operation's word
    'delete-on-success': base.deleteOnSuccess && !plan.keepRun,
    // a named resource is one entry, whatever its sources
    deps: plan.deps
      .filter((d, i) => i === 0 || resourceOf(plan.deps[i - 1]!) !== resourceOf(d))
      .map((d) => opAttrDep(base.depSpecs.find((s) => s.name === d.name)!, d, base.projectDir)),
    'flag-null-labels': {},
    'flags-extra': flagsExtra,
    'label-template': labelTemplateOf({ userLabel: plan.userLabel, tags: plan.tags, template: base.labelTemplate }),
    'op-cmd': {
      'cmd-args': plan.opCmdArgs,
      'cmd-env': plan.cmdEnv,
      // Guild's pipeline passes no flag to a command; none is no entry
      ...(base.pipeline || Object.keys(cmdFlags).length === 0 ? {} : { 'cmd-flags': cmdFlags }),
      'flags-dest': base.flagsDest,
    },
    'output-attrs': base.outputAttrs,
    'output-scalars': base.outputScalars,
    'python-requires': null,
    sourcecode: { dest: plan.sourceDest },
  };
}

/** Guild's `run_params` attr: every `guild run` option, with what grun knows filled in. */
export function defaultRunParams(req: RunRequest): Record<string, YamlValue> {
  return {
    additional_deps: [...(req.givenDeps ?? [])],
    background: false,
    batch_comment: null,
    batch_label: null,
    batch_tags: [],
    break_: [],
    break_on_error: false,
    comment: req.comment ?? null,
    debug_sourcecode: null,
    edit_batch_comment: false,
    edit_comment: false,
    edit_flags: false,
    fail_on_trial_error: false,
    flags: [...req.flagArgs],
    force_deps: false,
    force_flags: false,
    force_sourcecode: false,
    gpus: null,
    help_model: false,
    help_op: false,
    keep_batch: false,
    keep_run: false,
    label: req.label ?? null,
    max_trials: null,
    maximize: null,
    minimize: null,
    needed: false,
    no_gpus: false,
    no_wait: false,
    opspec: req.opspec,
    opt_flags: [],
    optimize: false,
    optimizer: null,
    pidfile: null,
    print_cmd: false,
    print_env: false,
    print_trials: false,
    proto: null,
    quiet: false,
    random_seed: null,
    remote: null,
    restart: null,
    run_dir: null,
    run_id: null,
    save_trials: null,
    stage: false,
    stage_trials: false,
    stop_after: null,
    tags: [...(req.tags ?? [])],
    test_flags: false,
    test_output_attrs: null,
    test_output_scalars: null,
    test_sourcecode: false,
    yes: false,
    ...(req.runParams ?? {}),
  };
}

/** guild.yml `env:` values with `${flag}` references replaced by the flag's value (YAML text). */
function opEnvWithFlags(opEnv: Record<string, string>, flags: Record<string, YamlValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opEnv)) {
    out[k] = v.replace(/\$\{([^}]+)\}/g, (ref, name: string) => {
      if (!(name in flags)) return ref;
      const x = flags[name]!;
      return typeof x === 'string' ? x : encodeScalar(x, isMarkedFloat(flags, name));
    });
  }
  return out;
}

/** The parts of a plan that depend on flag values: cmd, env, label. */
function applyFlags(
  inputs: PlanInputs,
  plan: Pick<RunPlan, 'projectDir' | 'flagsDest' | 'sourcecode' | 'flagDefs' | 'flags'>,
): Pick<RunPlan, 'cmd' | 'cmdAttr' | 'env' | 'label' | 'configs'> & { opCmdArgs: string[]; cmdEnv: Record<string, string>; configFailure?: DepFailureInfo } {
  const { projectDir, flagsDest, sourcecode, flagDefs: defs, flags } = plan;
  const python = resolveExecutable(pythonExe());
  const copied = new Set(sourcecode?.files ?? []);
  // A script the source rules did not copy runs from the project itself.
  let target = inputs.target;
  if ((target.kind === 'python-script' || target.kind === 'shell' || target.kind === 'node') && !copied.has(target.script)) {
    target = { ...target, script: resolve(projectDir, target.script) };
  }
  const built = buildCommand(target, flags, defs, flagsDest, python);
  if (target.kind === 'shell' || target.kind === 'node') built.cmd[0] = resolveExecutable(built.cmd[0]!);
  // Guild's `cmd-env` besides the operation's `env:`: GUILD_PLUGINS (grun runs no Guild
  // plugin), PROJECT_DIR, FLAGS_DEST where the operation has one, and Python's source path
  const own: Record<string, string> = { GUILD_PLUGINS: '', PROJECT_DIR: projectDir };
  if (inputs.namesFlagsDest) own.FLAGS_DEST = flagsDest;
  if (inputs.isPython) own.PYTHONPATH = sourcecode ? (sourcecode.dest ?? '.') : projectDir;
  const opEnv = opEnvWithFlags(inputs.opEnv, flags);
  // Guild's order: the operation's own PYTHONPATH, the run's source code, Guild's Python API
  // (grun's compatibility package, which defers to a real Guild), then the user's.
  const runPaths = own.PYTHONPATH ? [own.PYTHONPATH, PYTHON_API_DIR, process.env.PYTHONPATH] : [];
  const pythonPath = [opEnv.PYTHONPATH, ...runPaths].filter(Boolean).join(':');
  const env: Record<string, string> = {
    ...opEnv,
    ...flagEnv(flags, defs),
    ...own,
    ...(pythonPath ? { PYTHONPATH: pythonPath } : {}),
    GUILD_OP: inputs.guildOp,
    CMD_DIR: inputs.cwd,
    GUILD_SOURCECODE: sourcecode?.dest ?? '.',
    LOG_LEVEL: debugEnabled() ? '10' : '20',
  };
  const label = makeLabel({
    ...(inputs.userLabel !== null ? { userLabel: inputs.userLabel } : {}),
    template: inputs.labelTemplate,
    flags,
    tags: inputs.requestTags,
  });
  // a config file the flags cannot be applied to is a failed dependency, as in Guild (the run is recorded)
  let configs: ResolvedConfig[] = [];
  let configFailure: DepFailureInfo | undefined;
  try {
    configs = resolveConfigs(projectDir, inputs.configSpecs, flags, defs);
  } catch (e) {
    if (!(e instanceof ConfigFailure)) throw e;
    configFailure = { dep: e.dep, message: e.message, warnings: [] };
  }
  // the `op` attr's `cmd-env`: the operation's `env:` as written, then Guild's names
  const cmdEnv = sortKeys({ ...inputs.opEnv, ...own });
  return { cmd: built.cmd, cmdAttr: [...built.cmd], env: sortKeys(env), label, configs, opCmdArgs: built.opCmdArgs, cmdEnv, ...(configFailure ? { configFailure } : {}) };
}

/**
 * What besides its rules decides an operation's source code: its file dependencies (never
 * source code), Guild's Python rules for a Python operation (a script, `main`, an `exec` of
 * `${python_exe}` or of a python executable), grun's `node_modules` rule for a Node script.
 */
function sourceContext(base: OpBase, req: RunRequest): SourceCodeContext {
  const t = base.target;
  return {
    home: req.home,
    ignore: base.depSpecs.flatMap((d) => (d.kind === 'file' ? [relative(base.projectDir, fileDepSource(d, base.projectDir))] : [])),
    python: base.isPython || (t.kind === 'exec' && execUsesPython(t.template)),
    node: t.kind === 'node',
  };
}

/** Guild's `python_script._uses_python`: the command is `${python_exe}` or an executable file named python…. */
function execUsesPython(template: string): boolean {
  const exe = shlexSplit(template)[0] ?? '';
  if (exe === '${python_exe}' || exe === '${guild_python_exe}') return true;
  if (!basename(exe).toLowerCase().startsWith('python')) return false;
  try {
    accessSync(exe, constants.X_OK);
    return statSync(exe).isFile();
  } catch {
    return false;
  }
}

/** The source code decision for `req`'s operation without making a run (`grun run --test-sourcecode`). */
export async function describeSourceCode(req: RunRequest): Promise<SourceCodeDecision> {
  const base = await opBase(req);
  return decideSourceCode(base.projectDir, base.sourceSpec, sourceContext(base, req));
}

/** Whether a dependency resolved before puts something at `target` of the run. */
function linksTo(d: ResolvedDep, target: string): boolean {
  if (d.kind === 'file') return d.files.some((f) => f.target === target && !f.exists);
  return d.kind === 'operation' && d.links.some((l) => l.target === target && !l.exists);
}

/** Where a run's source code files go in it, with the directories that hold them. */
function sourceTargets(sel: SourceSelection | null): Set<string> {
  const out = new Set<string>();
  for (const f of sel?.files ?? []) {
    for (let p = posix.join(sel!.dest ?? '.', f); p !== '.' && !out.has(p); p = posix.dirname(p)) out.add(p);
  }
  return out;
}

/** An operation's own flags, then its dependencies' (an operation dependency's `operation:X`). */
const withDepDefs = (own: FlagDef[], deps: FlagDef[]): FlagDef[] => [...own.filter((d) => !deps.some((x) => x.name === d.name)), ...deps];

/**
 * The flags `req`'s operation defines, as `grun run --help-op` lists them: no flag value checked
 * and no dependency resolved, so that help shows whatever the flags given (Guild's help for an
 * operation whose required flag is missing).
 */
export async function describeOperationFlags(req: RunRequest): Promise<Pick<RunPlan, 'operation' | 'projectDir' | 'flagDefs'>> {
  const base = await opBase(req);
  const dep = resolveDeps({ ...req, describeOnly: true }, base, () => false);
  return { operation: base.operation, projectDir: base.projectDir, flagDefs: withDepDefs(base.flagDefs, dep.defs) };
}

/** Plan one run of `req.opspec` in `req.cwd`. Throws GrunError for anything the user must fix. */
export async function planRun(req: RunRequest): Promise<RunPlan> {
  const base = await opBase(req);
  // the source code, chosen once: an operation dependency does not link over the run's own files
  let selected: { files: SourceSelection | null; targets: Set<string> } | undefined;
  const sourceCode = () => {
    if (!selected) {
      const files = selectSourceFiles(base.projectDir, base.sourceSpec, sourceContext(base, req));
      selected = { files, targets: sourceTargets(files) };
    }
    return selected;
  };
  const dep = resolveDeps(req, base, (target) => sourceCode().targets.has(target));
  const defs = withDepDefs(base.flagDefs, dep.defs);
  const flagArgs = dep.flagArgs;
  if (base.allowOtherFlags || req.forceFlags) {
    // Shell and Node scripts declare nothing (and --force-flags waives the check): every
    // flag the user names is theirs.
    const names = flagArgs.map((a) => a.slice(0, Math.max(a.indexOf('='), 0)));
    for (const name of names) {
      // an alias names its flag, unless the flag's own name is given too (then it is one more flag)
      const aliased = defs.some((d) => d.alias === name && !names.includes(d.name));
      if (name && !aliased && !defs.some((d) => d.name === name)) defs.push({ name, default: null });
    }
  }
  const { flags, userFlags, sweeps, floatFlags } = resolveFlags(defs, flagArgs, {
    operation: base.operation,
    aliases: dep.aliases,
    cwd: resolve(req.cwd),
    ...(req.forceFlags ? { force: true } : {}),
  });
  // Guild sets an operation dependency's flag only to a run it found: one without is no flag
  for (const name of dep.noRun ?? []) if (flags[name] === null) delete flags[name];
  if (base.pipeline && !(req.within ?? []).includes(`${base.opref.pkgName} ${base.operation}`)) await checkSteps(req, base, flags, sweeps);
  const sourcecode = sourceCode().files;
  const attrs = opdefAttrs(base.runAttrs);
  const inputs: PlanInputs = {
    target: base.target,
    isPython: base.isPython,
    namesFlagsDest: base.namesFlagsDest,
    guildOp: base.guildOp,
    labelTemplate: base.labelTemplate,
    userLabel: req.label ?? null,
    requestTags: [...(req.tags ?? [])],
    opEnv: base.opEnv,
    cwd: resolve(req.cwd),
    configSpecs: base.configSpecs,
  };
  const { opCmdArgs, cmdEnv, configFailure, ...applied } = applyFlags(inputs, {
    projectDir: base.projectDir,
    flagsDest: base.flagsDest,
    sourcecode,
    flagDefs: defs,
    flags,
  });
  return {
    opref: base.opref,
    operation: base.operation,
    projectDir: base.projectDir,
    ...applied,
    flags,
    userFlags,
    floatFlags,
    flagDefs: defs,
    flagsDest: base.flagsDest,
    tags: [...new Set([...(req.tags ?? []), ...base.opTags])],
    ...(req.comment !== undefined ? { comment: req.comment } : {}),
    sourcecode,
    outputScalars: base.outputScalars,
    outputAttrs: base.outputAttrs,
    opAttr: opAttr(base, {
      flagDefs: defs,
      deps: dep.deps,
      userLabel: req.label ?? null,
      tags: req.tags ?? [],
      cmdEnv,
      opCmdArgs,
      sourceDest: sourcecode?.dest ?? '.',
      keepRun: !!req.keepRun,
    }),
    runParams: defaultRunParams(req),
    deps: dep.deps,
    depsAttr: depsAttr(dep.deps),
    ...(dep.failure || configFailure ? { depFailure: dep.failure ?? configFailure } : {}),
    ...(attrs.attrs ? { opdefAttrs: attrs.attrs } : {}),
    ...(attrs.warnings.length ? { warnings: attrs.warnings } : {}),
    sweeps,
    ...(base.resources ? { resources: base.resources } : {}),
    ...(base.optimizers?.length ? { optimizers: base.optimizers } : {}),
    ...(base.defaultMaxTrials !== undefined ? { defaultMaxTrials: base.defaultMaxTrials } : {}),
    unstable: base.unstable,
    ...(base.pipeline ? { steps: base.pipeline.data } : {}),
    ...(pipFreezeWanted(base.isPython, base.pipFreeze) ? { pipFreeze: true as const } : {}),
    inputs,
    ...runLocation(req),
    ...(req.gpus !== undefined ? { env: { ...applied.env, CUDA_VISIBLE_DEVICES: req.gpus ?? '' } } : {}),
    ...(req.stopAfter !== undefined ? { stopAfter: req.stopAfter } : {}),
  };
}

/** `--run-id` and `--run-dir`, checked: an id is one path segment, a run dir absolute. */
function runLocation(req: RunRequest): { runId?: string; runDir?: string } {
  const out: { runId?: string; runDir?: string } = {};
  if (req.runId !== undefined) {
    if (!/^[A-Za-z0-9_.-]+$/.test(req.runId) || req.runId === '.' || req.runId === '..') {
      throw new GrunError(`invalid run ID '${req.runId}': use letters, digits, '_', '-' and '.'`);
    }
    out.runId = req.runId;
  }
  if (req.runDir !== undefined) out.runDir = resolve(req.cwd, req.runDir);
  return out;
}

/**
 * The operation's plan with its flag definitions, whatever its required flags (the prototype
 * of a submission, whose flags are set per run by planTrial): planRun insists on a value for
 * each, so each one it finds missing gets a placeholder (a flag function, which planRun takes
 * without typing). Null when there is no such operation. `describeOnly`: to show, not run (no
 * dependency resolved).
 */
export async function planOperation(home: string, cwd: string, opspec: string, o: { describeOnly?: boolean } = {}): Promise<RunPlan | null> {
  const flagArgs: string[] = [];
  for (;;) {
    try {
      return await planRun({ home, cwd, opspec, flagArgs: [...flagArgs], ...(o.describeOnly ? { describeOnly: true } : {}) });
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      if (e.code === 'no-operation') return null;
      if (e.code !== 'missing-flag' || flagArgs.length > 1000) throw e;
      flagArgs.push(`${e.subject}=uniform[0:1]`);
    }
  }
}

/**
 * A trial of a batch: the proto plan with `values` (swept flags, or any flag) in place of
 * its own. Values are checked against choices/min/max; the trial has no sweeps. Its
 * `userFlags` is `{}`, as Guild records for trials it started (fixture runs b473328a,
 * ecaf1222). An integral value is a float when its flag is typed `float` or `values`
 * carries a yaml11 float mark for it. Works on a plan that went through JSON.
 */
export function planTrial(proto: RunPlan, values: Record<string, YamlValue>): RunPlan {
  const byName = new Map(proto.flagDefs.map((d) => [d.name, d]));
  const flags = { ...proto.flags };
  const floats = new Set(proto.floatFlags);
  for (const [name, v] of Object.entries(values)) {
    const def = byName.get(name);
    if (!def) throw new GrunError(`unknown flag '${name}' for ${proto.operation}`);
    checkValue(def, v, typeof v === 'string' ? v : JSON.stringify(v));
    flags[name] = v;
    if (Number.isInteger(v) && (def.type === 'float' || isMarkedFloat(values, name))) floats.add(name);
    else floats.delete(name);
  }
  applyChoices(proto.flagDefs, flags, { ...proto.userFlags, ...values }, floats);
  const floatFlags = [...floats].filter((n) => typeof flags[n] === 'number').sort();
  const trial: RunPlan = {
    ...proto,
    flags: withFloatMarks(sortKeys(flags), floatFlags),
    userFlags: {},
    floatFlags,
    sweeps: {},
  };
  const { opCmdArgs: _a, cmdEnv: _e, configFailure, ...applied } = applyFlags(proto.inputs, trial);
  if (configFailure) throw new GrunError(configFailure.message);
  return { ...trial, ...applied };
}
