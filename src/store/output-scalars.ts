// Output scalars and attrs: Guild's `summary.OutputScalars` / `OutputAttrs` / `CombinedOutputs`
// line matching and step rules (format notes §7.1), without the writing.
import { PatternError, SafePattern, type PatternMatch } from './safe-regex.js';

/** guild.yml `output-scalars` / `output-attrs`: regex strings or `{key: regex}` maps; `no` disables. */
export type OutputScalarsConfig = null | false | Array<string | Record<string, string>>;

const KEY = String.raw`[_a-zA-Z]\S*`;
const NUM = String.raw`(?:[-+]?[0-9]*\.?(?:[0-9]+)?(?:[eE][-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF])`;
const TERM = String.raw`\S+`;
const STEP = '[0-9]+';

export const DEFAULT_OUTPUT_SCALARS: string[] = [
  String.raw`^\key:\s+\value\s+\((?:step\s+)?(?P<step>\step)\)$`,
  String.raw`^(\key):\s+(\value)(?:\s+\(.*\))?$`,
];
// anchored at the line's start, as Guild 0.9.1 (a key after other text is not one)
export const DEFAULT_OUTPUT_ATTRS: string[] = [String.raw`^(\key):\s+(\value)$`];

function replaceAliases(pattern: string, aliases: [string, string][]): string {
  for (const [alias, repl] of aliases) pattern = pattern.split(alias).join(repl);
  return pattern;
}

/** Guild's own default patterns (trusted, fixed) run natively; `(?P<n>` is Python's named group. */
function nativePattern(pattern: string): Pick<SafePattern, 'groupCount' | 'groupNames' | 'matchAll'> {
  const re = new RegExp(pattern.replace(/\(\?P</g, '(?<'), 'g');
  return {
    groupCount: new RegExp(`${re.source}|`).exec('')!.length - 1,
    groupNames: [...re.source.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]!),
    *matchAll(text: string) {
      for (const m of text.matchAll(re)) {
        yield { groups: [...m].map((g) => g ?? null), named: Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, v ?? null])) };
      }
    },
  };
}

/** Python's `float(s)`: decimal, exponent, underscores between digits, nan/inf; else undefined. */
function pyFloat(s: string): number | undefined {
  const t = s.trim();
  if (/^[-+]?(?:nan|inf|infinity)$/i.test(t)) {
    if (/nan/i.test(t)) return NaN;
    return t.startsWith('-') ? -Infinity : Infinity;
  }
  const digits = String.raw`[0-9](?:_?[0-9])*`;
  const re = new RegExp(String.raw`^[-+]?(?:${digits}(?:\.(?:${digits})?)?|\.${digits})(?:[eE][-+]?${digits})?$`);
  return re.test(t) ? Number(t.replace(/_/g, '')) : undefined;
}

interface Pattern {
  key: string | null;
  /** The pattern with its aliases expanded, as Guild shows it. */
  source: string;
  re: Pick<SafePattern, 'groupCount' | 'groupNames' | 'matchAll'>;
  named: boolean; // else exactly 1 (value for `key`) or 2 (key, value) unnamed groups
  /**
   * One of Guild's defaults: they try `\key` at every start, quadratic on a long line without
   * spaces (a progress bar, base64), and none can match a line without a colon then whitespace.
   */
  builtin: boolean;
}

/** Every pattern of a user's config, each with its key (null for a plain pattern). */
function configPatterns(config: Array<string | Record<string, string>>, warnings: string[]): [string | null, unknown][] {
  const out: [string | null, unknown][] = [];
  for (const item of config) {
    if (typeof item === 'string') out.push([null, item]);
    else if (item && typeof item === 'object' && !Array.isArray(item)) {
      for (const k of Object.keys(item).sort()) out.push([k, item[k]]);
    } else warnings.push(`invalid item config: ${JSON.stringify(item)}`);
  }
  return out;
}

/**
 * User patterns run on RE2 (linear time: a catastrophic pattern cannot stall the supervisor);
 * Guild's defaults, which are ours, natively.
 */
function compile(config: Array<string | Record<string, string>>, aliases: [string, string][], warnings: string[], builtin: boolean): Pattern[] {
  const out: Pattern[] = [];
  for (const [key, src] of configPatterns(config, warnings)) {
    if (typeof src !== 'string') {
      warnings.push(`invalid output scalar pattern: ${JSON.stringify(src)}`);
      continue;
    }
    const expanded = replaceAliases(src, aliases);
    try {
      const re = builtin ? nativePattern(expanded) : SafePattern.compile(expanded, { what: 'output-scalars pattern' });
      const groups = re.groupCount;
      const named = re.groupNames.length > 0;
      // Guild warns on every match of such a pattern and logs nothing for it; warn once here.
      if (!named && groups !== 1 && groups !== 2) {
        warnings.push(`bad unnamed group count ${groups} for '${expanded}' (expected 1 or 2) skipping`);
        continue;
      }
      out.push({ key, source: expanded, re, named, builtin });
    } catch (e) {
      warnings.push(`error compiling pattern ${expanded}: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * Refuses, before a run starts, a guild.yml pattern that RE2 cannot run (a backreference, a
 * lookahead): `PatternError` names the feature. A pattern that is merely invalid is skipped at
 * run time with a warning, as Guild does.
 */
export function checkOutputPatterns(config: OutputScalarsConfig, where: string, field = 'output-scalars'): void {
  if (!config) return;
  for (const [, src] of configPatterns(config, [])) {
    if (typeof src !== 'string') continue;
    try {
      SafePattern.compile(src, { what: `${where}: ${field} pattern` });
    } catch (e) {
      if (e instanceof PatternError && e.feature) throw e;
    }
  }
}

/**
 * Guild's `_try_apply_match`: what one match assigns, each key (null: a plain pattern's one
 * group, which has none) with its text (undefined: a group that took no part).
 */
function applyMatch(p: Pattern, m: PatternMatch, put: (key: string | null, s: string | undefined) => void): void {
  const g = m.named;
  if (p.named) {
    if ('_key' in g && '_val' in g) put(g._key ?? null, g._val ?? undefined);
    else for (const [k, s] of Object.entries(g)) put(k, s ?? undefined);
  } else if (m.groups.length === 2) {
    put(p.key, m.groups[1] ?? undefined);
  } else {
    put(m.groups[1] ?? null, m.groups[2] ?? undefined);
  }
}

/** Guild's `_match_line`: every pattern, every match; later matches overwrite earlier keys. */
function matchLine<T>(line: string, patterns: Pattern[], conv: (s: string) => T | undefined, colon: boolean): Map<string, T> {
  const vals = new Map<string, T>();
  const put = (key: string | null, s: string | undefined): void => {
    if (key === null || s === undefined) return;
    const v = conv(s);
    if (v !== undefined) vals.set(key, v);
  };
  const text = line.trimEnd();
  for (const p of patterns) {
    if (p.builtin && !colon) continue;
    for (const m of p.re.matchAll(text)) applyMatch(p, m, put);
  }
  return vals;
}

/** A map's entries by key (a plain pattern's keyless value, `--test-output-scalars` only, first). */
function sortedEntries<K extends string | null, T>(m: Map<K, T>): [K, T][] {
  return [...m.entries()].sort(([a], [b]) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
}

const SCALAR_ALIASES: [string, string][] = [['\\key', KEY], ['\\value', NUM], ['\\step', STEP]];
const ATTR_ALIASES: [string, string][] = [['\\key', KEY], ['\\value', TERM]];

/** One pattern tried on a line: its text, the groups of each match, and what they assign (by key, sorted). */
export interface PatternTry {
  pattern: string;
  matches: (string | null)[][];
  vals: [string | null, number | string][];
}

/**
 * Guild's `summary.test_output` (`grun run OP --test-output-scalars`/`--test-output-attrs`): an
 * operation's patterns (the defaults when `config` is null) tried on one line at a time, each
 * with its matches and what they would log. A plain pattern's one group shows with no key, as
 * Guild shows it (`None=0.5`); a run logs nothing for it.
 */
export function outputTester(config: OutputScalarsConfig, kind: 'scalars' | 'attrs'): { warnings: string[]; tryLine(line: string): PatternTry[] } {
  const warnings: string[] = [];
  const patterns = config === false ? [] : compile(config ?? (kind === 'scalars' ? DEFAULT_OUTPUT_SCALARS : DEFAULT_OUTPUT_ATTRS), kind === 'scalars' ? SCALAR_ALIASES : ATTR_ALIASES, warnings, config === null);
  const conv = kind === 'scalars' ? pyFloat : (s: string) => s;
  return {
    warnings,
    tryLine(line) {
      const text = line.trimEnd();
      return patterns.map((p) => {
        const matches: (string | null)[][] = [];
        const vals = new Map<string | null, number | string>();
        for (const m of p.re.matchAll(text)) {
          matches.push(m.groups.slice(1));
          applyMatch(p, m, (key, s) => {
            const v = s === undefined ? undefined : conv(s);
            if (v !== undefined) vals.set(key, v);
          });
        }
        return { pattern: p.source, matches, vals: sortedEntries(vals) };
      });
    },
  };
}

export interface OutputScalarsMatch {
  scalars: { key: string; value: number; step: number }[];
  attrs: { key: string; value: string }[];
}

/**
 * Parses output lines into scalars and logged attrs as Guild does for one run. Config
 * `undefined`/`null` means the default patterns, and then `ignoreKeys` (the run's flag names)
 * are not logged; `false` or an empty list disables. `opts.attrs` configures attrs the same
 * way. Patterns that do not compile are skipped and described in `warnings`.
 */
export class OutputScalarParser {
  readonly warnings: string[] = [];
  private readonly scalarPatterns: Pattern[];
  private readonly attrPatterns: Pattern[];
  private readonly scalarIgnore: Set<string>;
  private readonly attrIgnore: Set<string>;
  private step: number | null = null;
  private impliedStep: number | null = null;
  private impliedKeys = new Set<string>();

  constructor(config: OutputScalarsConfig | undefined, opts: { ignoreKeys?: string[]; attrs?: OutputScalarsConfig } = {}) {
    const ignore = opts.ignoreKeys ?? [];
    const scalars = config ?? DEFAULT_OUTPUT_SCALARS;
    const attrs = opts.attrs ?? DEFAULT_OUTPUT_ATTRS;
    this.scalarPatterns = scalars ? compile(scalars, SCALAR_ALIASES, this.warnings, config == null) : [];
    this.attrPatterns = attrs ? compile(attrs, ATTR_ALIASES, this.warnings, opts.attrs == null) : [];
    this.scalarIgnore = new Set(config == null ? ignore : []);
    this.attrIgnore = new Set(opts.attrs == null ? ignore : []);
  }

  parse(line: string): OutputScalarsMatch {
    const colon = /:\s/.test(line);
    const vals = matchLine(line, this.scalarPatterns, pyFloat, colon);
    let step: number | undefined = vals.get('step');
    vals.delete('step');
    if (step !== undefined) this.step = step;
    const scalars: OutputScalarsMatch['scalars'] = [];
    if (vals.size) {
      step = this.stepForLineKeys([...vals.keys()]);
      for (const [key, value] of sortedEntries(vals)) {
        if (!this.scalarIgnore.has(key)) scalars.push({ key, value, step });
      }
    }
    // CombinedOutputs: keys captured as scalars (and `step`) are not attrs.
    const captured = new Set(vals.keys());
    if (step !== undefined) captured.add('step');
    const attrs: OutputScalarsMatch['attrs'] = [];
    for (const [key, value] of sortedEntries(matchLine(line, this.attrPatterns, (s) => s, colon))) {
      if (!captured.has(key) && !this.attrIgnore.has(key)) attrs.push({ key, value });
    }
    return { scalars, attrs };
  }

  /** Explicit steps are sticky; otherwise a key seen again since the last bump bumps the step. */
  private stepForLineKeys(keys: string[]): number {
    if (this.step !== null) return this.step;
    if (keys.some((k) => this.impliedKeys.has(k))) {
      this.impliedStep = (this.impliedStep ?? 0) + 1;
      this.impliedKeys = new Set(keys);
    } else {
      this.impliedStep ??= 0;
      for (const k of keys) this.impliedKeys.add(k);
    }
    return this.impliedStep;
  }
}
