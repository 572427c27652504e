// `grun run OP --help-op`: an operation's usage, description and flags, laid out as Guild's
// `help.print_op_help` (click's definition list: names padded to the longest, two spaces);
// `--help-model`: its model's operations and resources (`print_model_help`); `-e`: the flags to edit.
import { encodeScalar, formatFlagValue } from '../store/flagfmt.js';
import { shlexQuote } from '../store/opref.js';
import type { YamlValue } from '../store/types.js';
import { isMarkedFloat } from '../store/yaml11.js';
import type { FlagDef, RunPlan } from '../engine/plan-types.js';
import { isMap, type GuildModel } from '../engine/guildfile.js';

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
  return d.choices?.length ? `${text}\n${' '.repeat(4)}${choicesText(d.choices)}` : text;
}

const choicesText = (choices: YamlValue[]): string => `Choices: ${choices.map((c) => formatFlagValue(c)).join(', ')}`;

/**
 * `run -e/--edit-flags`: the run's flags as YAML for the editor (Guild's
 * `_encode_flags_with_help`): each under a blank line, its description's first line and
 * choices as comments under it.
 */
export function flagsEditText(plan: Pick<RunPlan, 'operation' | 'flags' | 'flagDefs'>): string {
  const lines = [`# Editing flags for ${plan.operation}`];
  let spaced = true;
  for (const name of Object.keys(plan.flags).sort()) {
    const def = plan.flagDefs.find((d) => d.name === name);
    const help = [...(def?.description ? [def.description.split('\n')[0]!] : []), ...(def?.choices?.length ? [choicesText(def.choices)] : [])];
    if (spaced || help.length) lines.push('');
    lines.push(`${name}: ${formatFlagValue(plan.flags[name]!, { float: isMarkedFloat(plan.flags, name) })}`, ...help.map((h) => `  # ${h}`));
    spaced = help.length > 0;
  }
  return lines.join('\n');
}

/** A definition list as click writes one: the names padded to the longest, two spaces, the text (its lines under the first aligned). */
function definitionList(items: [string, string][]): string[] {
  const width = Math.max(...items.map(([n]) => n.length));
  return items.flatMap(([n, text]) => {
    const [first = '', ...rest] = text.split('\n');
    return [`  ${n.padEnd(width)}  ${first}`.trimEnd(), ...rest.map((l) => `  ${' '.repeat(width)}  ${l}`)];
  });
}

/** An operation's flags as Guild lists them: sorted by name, dependency flags (`operation:X`) last. */
export function listedFlagDefs(defs: FlagDef[]): FlagDef[] {
  const seen = new Set<string>();
  const isDep = (d: FlagDef): boolean => d.name.includes(':');
  const byName = (a: FlagDef, b: FlagDef): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  return [...defs.filter((d) => !isDep(d)).sort(byName), ...defs.filter(isDep)].filter((d) => !seen.has(d.name) && seen.add(d.name));
}

/** The `Flags:` list of an operation. */
export function flagLines(defs: FlagDef[]): string[] {
  const flags = listedFlagDefs(defs);
  return flags.length ? ['Flags:', ...definitionList(flags.map((d) => [d.name, flagDesc(d)]))] : [];
}

export function opHelpLines(plan: RunPlan, description: string): string[] {
  const out = [`Usage: grun run [OPTIONS] ${plan.operation} [FLAG]...`, ''];
  if (description) out.push(...description.split('\n').map((l) => `  ${l}`.trimEnd()), '');
  out.push("  Use 'grun run --help' for a list of options.");
  const flags = flagLines(plan.flagDefs);
  if (flags.length) out.push('', ...flags);
  return out;
}


/** `grun run [MODEL:]OP --help-model`: the model's description, its operations and resources (Guild's `print_model_help`). */
export function modelHelpLines(model: GuildModel): string[] {
  const out = [`Usage: grun run [OPTIONS] ${model.name}:OPERATION [FLAG]...`, ''];
  if (model.description) out.push(...model.description.split('\n').map((l) => `  ${l}`.trimEnd()), '');
  out.push(`  Use 'grun run ${model.name}:OPERATION --help-op' for help on a particular operation.`);
  const firstLine = (v: YamlValue | undefined): string => (typeof v === 'string' ? v.split('\n')[0]! : '');
  const ops = Object.entries(model.operations).map(([name, op]): [string, string] => [name, firstLine(op.description)]);
  if (ops.length) out.push('', 'Operations:', ...definitionList(ops));
  const resources = Object.entries(model.resources ?? {}).map(([name, r]): [string, string] => [name, isMap(r) ? firstLine(r.description) : '']);
  if (resources.length) out.push('', 'Resources:', ...definitionList(resources));
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
