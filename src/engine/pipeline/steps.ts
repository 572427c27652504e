// A pipeline's steps (guild.yml `steps:`), read and checked: pure. Each step is Guild's
// (`op flag=val` strings, or mappings with run/flags/name/needed/isolate-runs), plus grun's
// `needs:` (the steps it waits for), which makes the list a graph. Every error names its path
// (`steps.evaluate.needs: unknown step 'trian'`) and is raised before any run is created.
import { shlexSplit } from '../../store/opref.js';
import { formatFlagValue } from '../../store/flagfmt.js';
import type { YamlValue } from '../../store/types.js';
import { Refusal } from '../refusal.js';

export interface PipelineStep {
  /** The link name in the parent run: `name:`, else the operation (`_2`, `_3` for repeats, as Guild). */
  name: string;
  /** The operation, with the pipeline's model when the step names none (Guild's default model). */
  opspec: string;
  /** `NAME=VALUE` as written (the run string's, then `flags:`), before `${flag}` references resolve. */
  flagArgs: string[];
  /** The steps this one waits for: `needs:`, else the step before it (Guild's order). */
  needs: string[];
  /** Guild's `isolate-runs` (default yes): `requires: operation:` resolves among this pipeline's runs. */
  isolateRuns: boolean;
  /** Guild's `needed`: skip when a completed run has the same flags. */
  needed: boolean;
  label?: string;
  tags: string[];
}

/** A pipeline run's environment, set by the launch service and read by its step driver. */
export const STEP_MEMO_ENV = 'GRUN_STEP_MEMO';
export const MAX_PARALLEL_ENV = 'GRUN_MAX_PARALLEL';
/** Set on a pipeline sent to Slurm: its steps are jobs already, its driver records how they ended. */
export const STEPS_SUBMITTED_ENV = 'GRUN_STEPS_SUBMITTED';

/** A step run's label and tags: the step's own, else the pipeline's (its `run_params`). */
export function stepLabelTags(s: PipelineStep, params: Record<string, YamlValue>): { label?: string; tags?: string[] } {
  return {
    ...(s.label !== undefined ? { label: s.label } : typeof params.label === 'string' ? { label: params.label } : {}),
    ...(s.tags.length ? { tags: s.tags } : Array.isArray(params.tags) && params.tags.length ? { tags: params.tags.map(String) } : {}),
  };
}

const KEYS = ['run', 'flags', 'name', 'needs', 'needed', 'isolate-runs', 'label', 'tags', 'expect'];
/** Guild step keys (run options) grun does not pass to a step yet: refused by name, never ignored. */
const GUILD_ONLY = [
  'additional-deps', 'batch-label', 'batch-tags', 'break', 'break-on-error', 'fail-on-trial-error', 'force-flags',
  'force-sourcecode', 'gpus', 'max-trials', 'maximize', 'minimize', 'no-gpus', 'opt-flags', 'optimize', 'optimizer',
  'random-seed', 'remote', 'stop-after',
];

const bad = (path: string, message: string): Refusal => new Refusal('bad-pipeline', `${path}: ${message}`, path);

function isMap(v: YamlValue | undefined): v is Record<string, YamlValue> {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

const ASSIGN = /^[^=\s]+=/;

/** `flags:` as `NAME=VALUE` assigns: a mapping (Guild's flag_assigns) or a list of assigns. */
function flagAssigns(v: YamlValue, path: string): string[] {
  if (isMap(v)) return Object.entries(v).map(([k, x]) => `${k}=${formatFlagValue(x)}`);
  if (Array.isArray(v)) {
    return v.map((a, i) => {
      if (typeof a !== 'string' || !ASSIGN.test(a)) throw bad(`${path}[${i}]`, `${JSON.stringify(a)}: expected NAME=VALUE`);
      return a;
    });
  }
  throw bad(path, 'expected a mapping of flags or a list of NAME=VALUE');
}

interface Draft {
  index: number;
  explicitName: boolean;
  step: PipelineStep;
  needs: string[] | null;
}

function readStep(data: YamlValue, index: number, model: string): Draft {
  const at = `steps[${index}]`;
  const map: Record<string, YamlValue> = typeof data === 'string' ? { run: data } : isMap(data) ? data : {};
  if (!isMap(data) && typeof data !== 'string') throw bad(at, 'expected a string (op flag=value) or a mapping with run:');
  if (typeof map.run !== 'string' || !map.run.trim()) throw bad(`${at}.run`, 'missing operation: expected the operation to run');
  const named = typeof map.name === 'string' && map.name.trim() !== '';
  if (map.name !== undefined && !named) throw bad(`${at}.name`, 'expected a non-empty string');
  let tokens: string[];
  try {
    tokens = shlexSplit(map.run);
  } catch (e) {
    throw bad(`${at}.run`, (e as Error).message);
  }
  const [op = '', ...rest] = tokens;
  const name = named ? (map.name as string).trim() : op;
  const path = `steps.${name}`;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/.test(name) || name === '.guild') {
    throw bad(named ? `${path}.name` : `${path}.run`, `invalid step name '${name}': use letters, digits, '_', '-', '.' and ':'`);
  }
  for (const key of Object.keys(map)) {
    if (GUILD_ONLY.includes(key)) throw bad(`${path}.${key}`, 'not supported in a step by grun yet');
    if (!KEYS.includes(key)) throw bad(`${path}.${key}`, `unknown key: expected one of ${KEYS.join(', ')}`);
  }
  if (op.startsWith('-')) throw bad(`${path}.run`, `'${op}': expected the operation first`);
  const flagArgs: string[] = [];
  for (const t of rest) {
    if (!ASSIGN.test(t)) throw bad(`${path}.run`, `'${t}': expected NAME=VALUE (run options are not supported in a step)`);
    flagArgs.push(t);
  }
  if (map.flags !== undefined && map.flags !== null) flagArgs.push(...flagAssigns(map.flags, `${path}.flags`));
  let needs: string[] | null = null;
  if (map.needs !== undefined) {
    const v = map.needs === null ? [] : typeof map.needs === 'string' ? [map.needs] : map.needs;
    if (!Array.isArray(v) || !v.every((n) => typeof n === 'string')) throw bad(`${path}.needs`, 'expected a step name or a list of step names');
    needs = v as string[];
  }
  for (const key of ['needed', 'isolate-runs'] as const) {
    if (map[key] !== undefined && typeof map[key] !== 'boolean') throw bad(`${path}.${key}`, 'expected yes or no');
  }
  if (map.label !== undefined && typeof map.label !== 'string') throw bad(`${path}.label`, 'expected a string');
  const tags = map.tags === undefined ? [] : map.tags;
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw bad(`${path}.tags`, 'expected a list of strings');
  const opspec = op.includes(':') || !model ? op : `${model}:${op}`;
  return {
    index,
    explicitName: named,
    needs,
    step: {
      name,
      opspec,
      flagArgs,
      needs: [],
      isolateRuns: map['isolate-runs'] !== false,
      needed: map.needed === true,
      ...(typeof map.label === 'string' ? { label: map.label } : {}),
      tags: tags as string[],
    },
  };
}

/** The first cycle among the steps, as `a -> b -> a`, or null. */
function findCycle(steps: PipelineStep[]): string[] | null {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const n of byName.get(name)!.needs) {
      const c = visit(n);
      if (c) return c;
    }
    stack.pop();
    state.set(name, 'done');
    return null;
  };
  for (const s of steps) {
    const c = visit(s.name);
    if (c) return c;
  }
  return null;
}

/**
 * The steps of a pipeline, checked. `model` is the pipeline's model (a step without one runs
 * in it). A step without `needs:` waits for the step before it, so a Guild pipeline is a chain;
 * `needs: []` makes a step a root.
 */
export function parseSteps(data: YamlValue | undefined, model = ''): PipelineStep[] {
  if (!Array.isArray(data) || data.length === 0) throw bad('steps', 'expected a list of steps');
  const drafts = data.map((d, i) => readStep(d, i, model));
  // Guild's names for repeats of one operation: prepare, prepare_2, …; a name given twice is an error.
  const seen = new Map<string, number>();
  const taken = new Set<string>();
  for (const d of drafts) {
    if (d.explicitName && taken.has(d.step.name)) throw bad(`steps.${d.step.name}.name`, `duplicate step name '${d.step.name}'`);
    if (!d.explicitName) {
      const n = (seen.get(d.step.name) ?? 0) + 1;
      seen.set(d.step.name, n);
      if (n > 1) d.step.name = `${d.step.name}_${n}`;
      if (taken.has(d.step.name)) throw bad(`steps.${d.step.name}`, `duplicate step name '${d.step.name}': give the step a name:`);
    }
    taken.add(d.step.name);
  }
  drafts.forEach((d, i) => {
    const path = `steps.${d.step.name}.needs`;
    if (d.needs === null) {
      d.step.needs = i > 0 ? [drafts[i - 1]!.step.name] : [];
      return;
    }
    for (const n of d.needs) {
      if (n === d.step.name) throw bad(path, `step '${n}' cannot need itself`);
      if (!taken.has(n)) throw bad(path, `unknown step '${n}'`);
    }
    if (new Set(d.needs).size !== d.needs.length) throw bad(path, 'a step is named twice');
    d.step.needs = [...d.needs];
  });
  const steps = drafts.map((d) => d.step);
  const cycle = findCycle(steps);
  if (cycle) throw bad(`steps.${cycle[0]}.needs`, `cycle detected: ${cycle.join(' -> ')}`);
  return steps;
}

const REF = /\$\{([^}]+)\}/g;

/**
 * A step's flag arguments once the pipeline's flags apply (Guild's steps_main): `${flag}`
 * references take the pipeline's values, the pipeline's `step:flag` and `op:flag` values are
 * given to that step, and a flag whose value is null is left out. An unknown reference is
 * refused with its path.
 */
export function stepFlagArgs(step: PipelineStep, parentFlags: Record<string, YamlValue>): string[] {
  const vals = new Map<string, string | null>();
  for (const a of step.flagArgs) {
    const eq = a.indexOf('=');
    const name = a.slice(0, eq);
    const text = a.slice(eq + 1);
    let whole: YamlValue | undefined;
    const resolved = text.replace(REF, (_m, ref: string) => {
      if (!(ref in parentFlags)) throw bad(`steps.${step.name}.flags.${name}`, `'\${${ref}}': the pipeline has no flag '${ref}'`);
      if (text === `\${${ref}}`) whole = parentFlags[ref];
      return formatFlagValue(parentFlags[ref]!);
    });
    vals.set(name, whole === null ? null : resolved);
  }
  // prefixed pipeline flags win, the operation's prefix first (Guild's order)
  const op = step.opspec.includes(':') ? step.opspec.slice(step.opspec.lastIndexOf(':') + 1) : step.opspec;
  const prefixed = new Map<string, YamlValue>();
  for (const prefix of [`${step.opspec}:`, `${op}:`, `${step.name}:`]) {
    for (const [k, v] of Object.entries(parentFlags)) if (k.startsWith(prefix) && !prefixed.has(k.slice(prefix.length))) prefixed.set(k.slice(prefix.length), v);
  }
  for (const [k, v] of prefixed) vals.set(k, v === null ? null : formatFlagValue(v));
  return [...vals].filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`);
}

/** The steps that cannot run once `failed` has not completed: every step downstream of it. */
export function downstreamOf(steps: PipelineStep[], failed: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of steps) {
      if (!out.has(s.name) && s.needs.some((n) => n === failed || out.has(n))) {
        out.add(s.name);
        grew = true;
      }
    }
  }
  return out;
}
