// `grun run OP --help-op`: an operation's usage, description and flags, laid out as Guild's
// `help.print_op_help` (click's definition list: names padded to the longest, two spaces).
import { encodeScalar, formatFlagValue } from '../store/flagfmt.js';
import { shlexQuote } from '../store/opref.js';
import type { YamlValue } from '../store/types.js';
import { isMarkedFloat } from '../store/yaml11.js';
import type { FlagDef, RunPlan } from '../engine/plan-types.js';

/** A default as Guild shows it: a splittable list (`arg-split`) as the one text it is given as. */
function shownDefault(d: FlagDef): YamlValue {
  if (!Array.isArray(d.default) || !d.argSplit) return d.default;
  const sep = d.argSplit === true || d.argSplit === 'shlex' ? null : d.argSplit;
  const items = d.default.map((x, i) => encodeScalar(x, isMarkedFloat(d.default as YamlValue[], i)));
  return sep === null ? items.map(shlexQuote).join(' ') : items.join(sep);
}

function flagDesc(d: FlagDef): string {
  const suffix =
    d.default !== null && d.default !== undefined
      ? `(default is ${formatFlagValue(shownDefault(d), { float: !!d.defaultIsFloat })})`
      : d.required
        ? '(required)'
        : d.nullLabel
          ? `(default is ${d.nullLabel})`
          : '';
  const first = (d.description ?? '').split('\n')[0]!;
  const text = first ? `${first} ${suffix}` : suffix;
  return d.choices?.length ? `${text}\n${' '.repeat(4)}Choices: ${d.choices.map((c) => formatFlagValue(c)).join(', ')}` : text;
}

/** The `Flags:` list of an operation: sorted by name, dependency flags (`operation:X`) last. */
export function flagLines(defs: FlagDef[]): string[] {
  const seen = new Set<string>();
  const isDep = (d: FlagDef): boolean => d.name.includes(':');
  const byName = (a: FlagDef, b: FlagDef): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const flags = [...defs.filter((d) => !isDep(d)).sort(byName), ...defs.filter(isDep)].filter((d) => !seen.has(d.name) && seen.add(d.name));
  if (!flags.length) return [];
  const width = Math.max(...flags.map((d) => d.name.length));
  const out = ['Flags:'];
  for (const d of flags) {
    const [first = '', ...rest] = flagDesc(d).split('\n');
    out.push(`  ${d.name.padEnd(width)}  ${first}`.trimEnd());
    for (const l of rest) out.push(`  ${' '.repeat(width)}  ${l}`);
  }
  return out;
}

export function opHelpLines(plan: RunPlan, description: string): string[] {
  const out = [`Usage: grun run [OPTIONS] ${plan.operation} [FLAG]...`, ''];
  if (description) out.push(...description.split('\n').map((l) => `  ${l}`.trimEnd()), '');
  out.push("  Use 'grun run --help' for a list of options.");
  const flags = flagLines(plan.flagDefs);
  if (flags.length) out.push('', ...flags);
  return out;
}

/** `grun run OPTIMIZER --help-op`: a built-in optimizer's flags, set with `--opt-flag NAME=VALUE`. */
export function optimizerHelpLines(operation: string, flags: FlagDef[]): string[] {
  const out = [`Usage: grun run [OPTIONS] ${operation} [FLAG]...`, ''];
  out.push(`  Built-in optimizer: use it with -o ${operation}, its flags with -Fo NAME=VALUE.`, '');
  out.push("  Use 'grun run --help' for a list of options.");
  const lines = flagLines(flags);
  out.push('', ...(lines.length ? lines : ['This optimizer has no flags.']));
  return out;
}
