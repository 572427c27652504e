// A resolved run definition → the runs to create, deterministically: params in definition
// order with the first one outermost, each value in its given order, repeats adjacent. One
// resulting run is a single run; otherwise a parent with one child per run, named from the
// params that vary and seeded from java.util.Random(parentSeed) in child order (Accio's rule).
import type { YamlValue } from '../../store/types.js';
import { formatFlagValue } from '../../store/flagfmt.js';
import { markFloat } from '../../store/yaml11.js';
import { isFloatFlag } from './params.js';
import type { DefinitionSearch, RunDefinition } from './rundef.js';
import { childSeeds, newSeed } from './seeds.js';

export interface PlannedRun {
  /** Every flag: the operation's defaults overlaid with this combination, keys sorted. */
  flags: Record<string, YamlValue>;
  /** The flags the definition sets (Guild's `user_flags`), keys sorted. */
  userFlags: Record<string, YamlValue>;
  /** A child's name from its varying params (null when only repeats vary); a single run's own name. */
  name: string | null;
  seed: string;
}

export interface Expansion {
  kind: 'single' | 'sweep';
  workflow: string;
  /** Metadata of the single run, or of the parent (children have none of their own). */
  name: string | null;
  notes: string | null;
  tags: string[];
  /** The single run's seed, or the parent's, from which the children's are drawn. */
  seed: string;
  repeat: number;
  /** Params with more than one value, in definition order. */
  varying: string[];
  runs: PlannedRun[];
  /** The definition's `search`, with each varying param's values: searched instead of all run. */
  search?: { request: DefinitionSearch; choices: Record<string, YamlValue[]> };
}

/**
 * One value in a child name: as Guild formats flags in labels (floats as Python writes them,
 * `1e-05`, `1.0`; booleans yes/no), except that a path shows only its last part, as Accio
 * names children (`/data/geolife` → `geolife`).
 */
export function formatNameValue(v: YamlValue, float: boolean): string {
  const parts = typeof v === 'string' && v.includes('/') ? v.split('/').filter(Boolean) : [];
  return formatFlagValue(parts.length ? parts[parts.length - 1]! : v, { float });
}

const byKey = ([a]: [string, YamlValue], [b]: [string, YamlValue]): number => (a < b ? -1 : a > b ? 1 : 0);

/** Entries (sorted by key) as a record; integral floats marked, so attrs say `1.0`. */
function flagRecord(entries: [string, YamlValue][], floats: Set<string>): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = {};
  for (const [k, v] of entries) {
    out[k] = v;
    if (typeof v === 'number' && Number.isInteger(v) && floats.has(k)) markFloat(out, k);
  }
  return out;
}

export function expandRuns(def: RunDefinition): Expansion {
  // defaults of float flags, and params whose values are floats (a float range on a number flag)
  const floats = new Set(def.flagDefs.filter(isFloatFlag).map((f) => f.name));
  for (const p of def.params) if (p.floats) floats.add(p.name);
  const varying = def.params.filter((p) => p.values.length > 1).map((p) => p.name);
  // Cartesian product, the first param outermost (as itertools.product)
  let combos: [string, YamlValue][][] = [[]];
  for (const p of def.params) {
    combos = combos.flatMap((c) => p.values.map((v): [string, YamlValue][] => [...c, [p.name, v]]));
  }
  const seed = def.seed ?? newSeed();
  const single = combos.length * def.repeat === 1;
  const seeds = single ? [seed] : childSeeds(seed, combos.length * def.repeat);
  const defaults: [string, YamlValue][] = def.flagDefs.map((f) => [f.name, f.default ?? null]);
  const runs: PlannedRun[] = [];
  for (const combo of combos) {
    const given = new Map(combo);
    const name = single
      ? def.name
      : varying.map((n) => `${n}=${formatNameValue(given.get(n)!, floats.has(n))}`).join(' ') || null;
    const flagEntries = [...new Map([...defaults, ...combo])].sort(byKey);
    const userEntries = [...combo].sort(byKey);
    for (let r = 0; r < def.repeat; r++) {
      runs.push({
        flags: flagRecord(flagEntries, floats),
        userFlags: flagRecord(userEntries, floats),
        name,
        seed: seeds[runs.length]!,
      });
    }
  }
  return {
    kind: single ? 'single' : 'sweep',
    workflow: def.workflow,
    name: def.name,
    notes: def.notes,
    tags: def.tags,
    seed,
    repeat: def.repeat,
    varying,
    runs,
    ...(def.search ? { search: { request: def.search, choices: Object.fromEntries(def.params.filter((p) => p.values.length > 1).map((p) => [p.name, p.values])) } } : {}),
  };
}
