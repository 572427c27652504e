// `grun run OP --help-op`: an operation's usage, description and flags, laid out as Guild's
// `help.print_op_help` (click's help formatter off a terminal: text filled to 78 columns, each
// line of a description a paragraph; definition lists with the names padded to the longest,
// two spaces, a flag's further paragraphs (its choices) under its text and a blank line after);
// `--help-model`: its model's operations and resources (`print_model_help`); `-e`: the flags to edit.
import { encodeScalar, formatFlagValue } from '../store/flagfmt.js';
import { shlexQuote } from '../store/opref.js';
import type { YamlValue } from '../store/types.js';
import { isMarkedFloat } from '../store/yaml11.js';
import type { FlagChoice, FlagDef, RunPlan } from '../engine/plan-types.js';
import { choiceName } from '../engine/flags.js';
import { isMap, type GuildModel } from '../engine/guildfile.js';
import { textCompare } from '../store/natsort.js';

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
  // Guild's `_format_flag_desc`: each line of the description a paragraph, the default after the
  // first; the choices a paragraph of their own, kept as laid out (click's `\b`)
  const lines = (d.description ?? '').split('\n');
  lines[0] = lines[0] ? `${lines[0]} ${suffix}` : suffix;
  if (d.choices?.length) lines.push(`\n\b\n${choiceLines(d.choices).join('\n')}\n`);
  return lines.join('\n\n');
}

/** The choices as the user gives them (an alias, else the value), as Guild's `_format_choice_list`. */
const choiceList = (choices: FlagChoice[]): string => choices.map((c) => formatFlagValue(choiceName(c))).join(', ');

const choicesText = (choices: FlagChoice[]): string => `Choices: ${choiceList(choices)}`;

/** Guild's `_format_flag_choices`: `Choices:` and the list, or, where a choice is described, a list of each and its description. */
function choiceLines(choices: FlagChoice[]): string[] {
  if (!choices.some((c) => c.description)) return definitionList([['Choices:', choiceList(choices)]], 0);
  const described = choices.map((c): [string, string] => [formatFlagValue(choiceName(c)), (c.description ?? '').trim().split('\n').join('\n\n')]);
  return ['Choices:', ...definitionList(described, 2)];
}

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

/** Click's help width off a terminal (80 columns less 2), which Guild's help is laid out to. */
const HELP_WIDTH = 78;

/** Words filled greedily to `width`, as Python's textwrap fills them (a longer word cut). */
function fill(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length <= width) {
      line += ` ${word}`;
      continue;
    }
    if (line) lines.push(line);
    while (word.length > width) {
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    line = word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Text as click's `wrap_text(preserve_paragraphs=True)` lays it out: paragraphs apart by a blank
 * line, each filled to `width` at its first line's indent; one led by a `\b` line kept as it is.
 */
function paragraphs(text: string, width: number): string[] {
  const out: string[][] = [];
  let buf: string[] = [];
  let indent = 0;
  const flush = (): void => {
    if (buf.length === 0) return;
    const pad = ' '.repeat(indent);
    out.push(buf[0]!.trim() === '\b' ? buf.slice(1).map((l) => pad + l) : fill(buf.join(' '), width - indent).map((l) => pad + l));
    buf = [];
  };
  for (const line of text.split('\n')) {
    if (line === '') {
      flush();
      continue;
    }
    if (buf.length === 0) indent = line.length - line.trimStart().length;
    buf.push(buf.length === 0 ? line.trimStart() : line);
  }
  flush();
  return out.flatMap((p, i) => (i === 0 ? p : ['', ...p]));
}

/**
 * A definition list as Guild's click formatter writes one at `indent`: the names padded to the
 * longest (at most 30), two spaces, the text in paragraphs under it; a blank line after an
 * entry of more than one line.
 */
function definitionList(items: [string, string][], indent = 2): string[] {
  const col = Math.min(Math.max(...items.map(([n]) => n.length)), 30) + 2;
  const pad = ' '.repeat(indent + col);
  return items.flatMap(([n, text]) => {
    const head = `${' '.repeat(indent)}${n}`;
    if (!text) return [head];
    const [first = '', ...rest] = paragraphs(text, Math.max(HELP_WIDTH - col - 2, 10));
    const lines = n.length <= col - 2 ? [`${head}${' '.repeat(col - n.length)}${first}`] : [head, pad + first];
    return [...lines, ...rest.map((l) => pad + l), ...(rest.length ? [''] : [])];
  });
}

/** A description as Guild's help writes it: each line a paragraph, filled. */
const descriptionLines = (text: string): string[] => paragraphs(text.replaceAll('\n', '\n\n'), HELP_WIDTH);

/** An operation's flags as Guild lists them: sorted by name, dependency flags (`operation:X`) last. */
export function listedFlagDefs(defs: FlagDef[]): FlagDef[] {
  const seen = new Set<string>();
  const isDep = (d: FlagDef): boolean => d.name.includes(':');
  return [...defs.filter((d) => !isDep(d)).sort((a, b) => textCompare(a.name, b.name)), ...defs.filter(isDep)].filter((d) => !seen.has(d.name) && seen.add(d.name));
}

/** The `Flags:` list of an operation. */
export function flagLines(defs: FlagDef[]): string[] {
  const flags = listedFlagDefs(defs);
  return flags.length ? ['Flags:', ...definitionList(flags.map((d) => [d.name, flagDesc(d)]))] : [];
}

export function opHelpLines(plan: Pick<RunPlan, 'operation' | 'flagDefs'>, description: string): string[] {
  const out = [`Usage: grun run [OPTIONS] ${plan.operation} [FLAG]...`, ''];
  if (description) out.push(...descriptionLines(description), '');
  out.push("Use 'grun run --help' for a list of options.");
  const flags = flagLines(plan.flagDefs);
  if (flags.length) out.push('', ...flags);
  return out;
}


/** `grun run [MODEL:]OP --help-model`: the model's description, its operations and resources (Guild's `print_model_help`). */
export function modelHelpLines(model: GuildModel): string[] {
  const out = [`Usage: grun run [OPTIONS] ${model.name}:OPERATION [FLAG]...`, ''];
  if (model.description) out.push(...descriptionLines(model.description), '');
  out.push(...descriptionLines(`Use 'grun run ${model.name}:OPERATION --help-op' for help on a particular operation.`));
  const firstLine = (v: YamlValue | undefined): string => (typeof v === 'string' ? v.split('\n')[0]! : '');
  // by name, as Guild reads a model's operations and resources
  const byName = ([a]: [string, unknown], [b]: [string, unknown]): number => textCompare(a, b);
  const ops = Object.entries(model.operations).sort(byName).map(([name, op]): [string, string] => [name, firstLine(op.description)]);
  if (ops.length) out.push('', 'Operations:', ...definitionList(ops));
  const resources = Object.entries(model.resources ?? {}).sort(byName).map(([name, r]): [string, string] => [name, isMap(r) ? firstLine(r.description) : '']);
  if (resources.length) out.push('', 'Resources:', ...definitionList(resources));
  return out;
}

/** `grun run OPTIMIZER --help-op`: a built-in optimizer's flags, set with `--opt-flag NAME=VALUE`. */
export function optimizerHelpLines(operation: string, flags: FlagDef[]): string[] {
  const out = [`Usage: grun run [OPTIONS] ${operation} [FLAG]...`, ''];
  out.push(`Built-in optimizer: use it with -o ${operation}, its flags with -Fo NAME=VALUE.`, '');
  out.push("Use 'grun run --help' for a list of options.");
  const lines = flagLines(flags);
  out.push('', ...(lines.length ? lines : ['This optimizer has no flags.']));
  return out;
}
