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
      throw new GrunError(`optimizer ${name}: unknown setting '${key}'${FIELDS[opt].length ? ` (expected ${FIELDS[opt].join(', ')})` : ''}`);
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
  /** The algorithm: `gp`, `tpe`, `random` or an alias. */
  algorithm: string;
  flags: Record<string, YamlValue>;
}

function isMap(v: YamlValue | undefined): v is Record<string, YamlValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * guild.yml `optimizers:` as Guild reads them: `NAME: {algorithm: gp, default: yes, flags: {…}}`
 * (without `algorithm`, NAME is the algorithm; without `flags`, the other keys are the settings).
 * `-o NAME` picks a section, or else names an algorithm; `--optimize` picks the `default: yes`
 * one. The command line's settings override the section's.
 */
export function chooseOptimizer(
  o: { name?: string; optimize?: boolean },
  sections: YamlValue | undefined,
  cliFlags: Record<string, YamlValue>,
): ChosenOptimizer | undefined {
  if (sections !== undefined && !isMap(sections)) throw new GrunError(`optimizers: expected a mapping of names to optimizer settings`);
  const defs = sections ?? {};
  let name = o.name;
  if (name === undefined && o.optimize) {
    const dflt = Object.keys(defs).filter((k) => isMap(defs[k]) && [true, 'yes'].includes(defs[k].default as never));
    if (dflt.length !== 1) throw new GrunError(dflt.length ? `optimizers: more than one is default (${dflt.join(', ')})` : '--optimize: the operation has no default optimizer (optimizers: NAME: {default: yes})');
    name = dflt[0]!;
  }
  if (name === undefined) return Object.keys(cliFlags).length ? { algorithm: 'random', flags: cliFlags } : undefined;
  const section = defs[name];
  if (section === undefined) return { algorithm: name, flags: cliFlags };
  if (section !== null && !isMap(section)) throw new GrunError(`optimizers.${name}: expected a mapping`);
  const { algorithm, default: _default, flags, ...rest } = section ?? {};
  if (flags !== undefined && !isMap(flags)) throw new GrunError(`optimizers.${name}.flags: expected a mapping`);
  const algo = algorithm === undefined ? name : String(algorithm);
  optimizerName(algo);
  return { algorithm: algo, flags: { ...(flags ?? rest), ...cliFlags } };
}
