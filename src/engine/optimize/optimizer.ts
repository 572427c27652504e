// The optimizers by name, as `-o NAME` and guild.yml `optimizers:` give them: Guild's names and
// aliases (`gp`, `bayesian`, `gaussian`; `random`), grun's `tpe`, and their settings under Guild's
// flag names (`random-starts`, `acq-func`, `xi`, `kappa`, `noise`), parsed and checked here once (`--opt-flag NAME=VALUE` on the command line).
import { GrunError } from '../../store/errors.js';
import type { YamlValue } from '../../store/types.js';
import { type AcqFunc, GP_DEFAULTS, type GpSettings, proposeGp } from './gp.js';
import type { Rng } from './rng.js';
import type { Point, Space } from './space.js';
import { TPE_DEFAULTS, type TpeSettings, proposeTpe } from './tpe.js';
import { type Trial, freshRandomPoint } from './trials.js';

export type OptimizerName = 'random' | 'gp' | 'tpe';

const ALIASES: Record<string, OptimizerName> = {
  random: 'random',
  gp: 'gp',
  bayesian: 'gp',
  gaussian: 'gp',
  'skopt:gp': 'gp',
  'skopt:random': 'random',
  tpe: 'tpe',
};

const WORKING = 'gp (bayesian, gaussian), tpe or random';

/** The operation name of each optimizer, as `--help-op` takes it (Guild's for its own). */
const OPTIMIZER_OPS: Record<OptimizerName, string> = { random: 'skopt:random', gp: 'skopt:gp', tpe: 'tpe' };

const SETTING_HELP: Record<string, string> = {
  'random-starts': 'Trials with random flag values before the model proposes',
  'acq-func': 'Acquisition function: EI, PI, LCB or gp_hedge',
  xi: 'Improvement over the best so far that EI and PI look for',
  kappa: 'Exploration weight of LCB',
  noise: "Noise level of the objective ('gaussian' to fit it)",
  candidates: 'Points sampled per proposal',
  'prior-weight': 'Weight of the prior in each density',
};

/** An optimizer's flags as `grun run NAME --help-op` lists them (their defaults); null if NAME is none. */
export function optimizerFlagDefs(name: string): { operation: string; flags: { name: string; default: YamlValue; description: string }[] } | null {
  const opt = ALIASES[name];
  if (!opt) return null;
  const defaults: Record<string, YamlValue> =
    opt === 'gp'
      ? { 'random-starts': GP_DEFAULTS.randomStarts, 'acq-func': GP_DEFAULTS.acqFunc, xi: GP_DEFAULTS.xi, kappa: GP_DEFAULTS.kappa, noise: GP_DEFAULTS.noise }
      : opt === 'tpe'
        ? { 'random-starts': TPE_DEFAULTS.randomStarts, candidates: TPE_DEFAULTS.candidates, 'prior-weight': TPE_DEFAULTS.priorWeight }
        : {};
  return { operation: OPTIMIZER_OPS[opt], flags: FIELDS[opt].map((k) => ({ name: k, default: defaults[k] ?? null, description: SETTING_HELP[k] ?? '' })) };
}

/** Settings an optimizer takes, the others dropped (`--force-flags`: Guild skips the check). */
export function knownOptimizerFlags(name: string, flags: Record<string, YamlValue>): Record<string, YamlValue> {
  const opt = ALIASES[name];
  return opt ? Object.fromEntries(Object.entries(flags).filter(([k]) => FIELDS[opt].includes(k))) : flags;
}

/** Guild's model-based optimizers that grun does not have. */
const REFUSED = new Set(['forest', 'gbrt', 'skopt:forest', 'skopt:gbrt']);

/** The optimizer a name or alias stands for; null for a model-free one (grid, random handled as a sweep). */
export function optimizerName(name: string): OptimizerName {
  const known = ALIASES[name];
  if (known) return known;
  if (REFUSED.has(name)) throw new GrunError(`optimizer '${name}' is not available in grun: use ${WORKING}`);
  throw new GrunError(`unsupported optimizer '${name}': expected ${WORKING}`);
}

export type OptimizerSettings = { name: 'random' } | { name: 'gp'; gp: GpSettings } | { name: 'tpe'; tpe: TpeSettings };

const FIELDS: Record<OptimizerName, string[]> = {
  random: [],
  gp: ['random-starts', 'acq-func', 'xi', 'kappa', 'noise'],
  tpe: ['random-starts', 'candidates', 'prior-weight'],
};

function num(name: string, key: string, v: YamlValue, min: number, int = false): number {
  const x = typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min || (int && !Number.isInteger(x))) {
    throw new GrunError(`optimizer ${name}: ${key}=${String(v)}: expected ${int ? 'an integer' : 'a number'} >= ${min}`);
  }
  return x;
}

/** Settings from Guild's flag names (`--opt-flag random-starts=5`, guild.yml `optimizers: … flags:`), defaults for the rest. */
export function optimizerSettings(name: string, flags: Record<string, YamlValue>): OptimizerSettings {
  const opt = optimizerName(name);
  for (const key of Object.keys(flags)) {
    if (!FIELDS[opt].includes(key)) {
      throw new GrunError(
        `unsupported flag '${key}'`,
        1,
        `Try 'grun run ${OPTIMIZER_OPS[opt]} --help-op' for a list of flags or\nuse --force-flags to skip this check.`,
      );
    }
  }
  const has = (k: string) => flags[k] !== undefined && flags[k] !== null;
  if (opt === 'random') return { name: 'random' };
  if (opt === 'tpe') {
    const t = { ...TPE_DEFAULTS };
    if (has('random-starts')) t.randomStarts = num(name, 'random-starts', flags['random-starts']!, 0, true);
    if (has('candidates')) t.candidates = num(name, 'candidates', flags.candidates!, 1, true);
    if (has('prior-weight')) t.priorWeight = num(name, 'prior-weight', flags['prior-weight']!, 0);
    return { name: 'tpe', tpe: t };
  }
  const g = { ...GP_DEFAULTS };
  if (has('random-starts')) g.randomStarts = num(name, 'random-starts', flags['random-starts']!, 0, true);
  if (has('xi')) g.xi = num(name, 'xi', flags.xi!, 0);
  if (has('kappa')) g.kappa = num(name, 'kappa', flags.kappa!, 0);
  if (has('acq-func')) {
    const a = String(flags['acq-func']);
    // skopt's default, gp_hedge, picks among EI, PI and LCB by their gains; grun takes EI for it
    const acq = a === 'gp_hedge' ? 'EI' : a;
    if (!['EI', 'PI', 'LCB'].includes(acq)) throw new GrunError(`optimizer ${name}: acq-func=${a}: expected EI, PI, LCB or gp_hedge`);
    g.acqFunc = acq as AcqFunc;
  }
  if (has('noise')) {
    const n = flags.noise!;
    g.noise = n === 'gaussian' ? 'gaussian' : num(name, 'noise', n, 0);
  }
  return { name: 'gp', gp: g };
}

/** The settings as recorded on the batch run (Guild's names). */
export function settingsAttr(s: OptimizerSettings): Record<string, YamlValue> {
  if (s.name === 'gp') {
    const g = s.gp;
    return { 'random-starts': g.randomStarts, 'acq-func': g.acqFunc, xi: g.xi, kappa: g.kappa, noise: g.noise };
  }
  if (s.name === 'tpe') return { 'random-starts': s.tpe.randomStarts, candidates: s.tpe.candidates, 'prior-weight': s.tpe.priorWeight };
  return {};
}

export type Propose = (space: Space, trials: Trial[], rng: Rng) => Point;

export function proposerFor(s: OptimizerSettings): Propose {
  switch (s.name) {
    case 'random':
      return (space, trials, rng) => freshRandomPoint(space, trials, rng);
    case 'gp':
      return (space, trials, rng) => proposeGp(space, trials, s.gp, rng);
    case 'tpe':
      return (space, trials, rng) => proposeTpe(space, trials, s.tpe, rng);
  }
}

export function proposer(name: string, flags: Record<string, YamlValue>): Propose {
  return proposerFor(optimizerSettings(name, flags));
}

/** An optimizer chosen by name or alias, or by a guild.yml `optimizers:` section, with its settings. */
export interface ChosenOptimizer {
  /** The algorithm: `gp`, `tpe`, `random` or an alias; any other name is an operation of the project. */
  algorithm: string;
  flags: Record<string, YamlValue>;
}

/** One optimizer of an operation in guild.yml: its name, the algorithm it runs, its settings. */
export interface OptimizerDef {
  name: string;
  algorithm: string;
  default: boolean;
  flags: Record<string, YamlValue>;
}

function isMap(v: YamlValue | undefined): v is Record<string, YamlValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

const isYes = (v: YamlValue | undefined): boolean => v === true || v === 'yes';

/** One section: `NAME: ALGORITHM`, `NAME:` (NAME is the algorithm) or `NAME: {algorithm, default, flags | settings…}`. */
function sectionDef(where: string, name: string, v: YamlValue | undefined): OptimizerDef {
  if (v === null || v === undefined) return { name, algorithm: name, default: false, flags: {} };
  if (typeof v === 'string') return { name, algorithm: v, default: false, flags: {} };
  if (!isMap(v)) throw new GrunError(`${where}: expected a mapping or an optimizer's name`);
  const { algorithm, default: dflt, flags, ...rest } = v;
  if (flags !== undefined && !isMap(flags)) throw new GrunError(`${where}.flags: expected a mapping`);
  return { name, algorithm: algorithm === undefined || algorithm === null ? name : String(algorithm), default: isYes(dflt), flags: flags ?? rest };
}

/**
 * guild.yml's optimizers of an operation as Guild reads them: `optimizers:` as a mapping of
 * names to sections or as a list of names, and `optimizer:` (one optimizer, the default).
 */
export function optimizerDefs(optimizers: YamlValue | undefined, optimizer: YamlValue | undefined): OptimizerDef[] {
  const defs: OptimizerDef[] = [];
  if (Array.isArray(optimizers)) {
    optimizers.forEach((item, i) => {
      const name = typeof item === 'string' ? item : isMap(item) && typeof item.algorithm === 'string' ? item.algorithm : null;
      if (name === null) throw new GrunError(`optimizers[${i}]: expected an optimizer's name or a mapping with algorithm`);
      defs.push(sectionDef(`optimizers[${i}]`, name, item));
    });
  } else if (isMap(optimizers)) {
    for (const [name, v] of Object.entries(optimizers)) defs.push(sectionDef(`optimizers.${name}`, name, v));
  } else if (optimizers !== undefined && optimizers !== null) {
    throw new GrunError('optimizers: expected a mapping of names to optimizer settings, or a list of names');
  }
  if (optimizer !== undefined && optimizer !== null) {
    const name = typeof optimizer === 'string' ? optimizer : isMap(optimizer) && optimizer.algorithm != null ? String(optimizer.algorithm) : null;
    if (name === null) throw new GrunError("optimizer: expected an optimizer's name or a mapping with algorithm");
    defs.push({ ...sectionDef('optimizer', name, optimizer), default: true });
  }
  return defs;
}

/** Whether grun runs `name` itself (a search, or a sweep); any other optimizer name is an operation of the project. */
export function isBuiltinOptimizer(name: string): boolean {
  return name in ALIASES || REFUSED.has(name) || name === '+';
}

/**
 * The optimizer a run asks for, as Guild picks it: `-o NAME` takes the operation's optimizer of
 * that name, else NAME itself (an algorithm, or an operation); `--optimize` takes the default one
 * (the only one, or the one marked `default: yes`). The command line's settings win.
 */
export function chooseOptimizer(
  o: { name?: string; optimize?: boolean },
  defs: OptimizerDef[],
  cliFlags: Record<string, YamlValue>,
  operation = 'the operation',
): ChosenOptimizer | undefined {
  let def: OptimizerDef | undefined;
  if (o.name !== undefined) def = defs.find((d) => d.name === o.name);
  else if (o.optimize) {
    const marked = defs.length === 1 ? defs : defs.filter((d) => d.default);
    if (marked.length > 1) throw new GrunError(`optimizers: more than one is default (${marked.map((d) => d.name).join(', ')})`);
    if (!marked.length) {
      const names = defs.map((d) => d.name).sort();
      const hint = names.length ? `Specify one of the following with '--optimizer': ${names.join(', ')}` : undefined;
      throw new GrunError(`no default optimizer defined for ${operation}`, 1, hint);
    }
    def = marked[0];
  } else return Object.keys(cliFlags).length ? { algorithm: 'random', flags: cliFlags } : undefined;
  const chosen = def ? { algorithm: def.algorithm, flags: { ...def.flags, ...cliFlags } } : { algorithm: o.name!, flags: cliFlags };
  if (REFUSED.has(chosen.algorithm)) optimizerName(chosen.algorithm);
  return chosen;
}
