// The runs table's extra columns in Guild's column syntax (`guild compare -c`): `=flag`, `.attr`,
// and a scalar with an optional aggregate (`loss`, `min val_loss`); their titles, sort keys and
// cell texts; and the label made of the flags that differ among the listed runs. Pure.
import { defaultLabel, labelFlagValue } from '../../store/flagfmt.js';
import type { Run } from '../../store/types.js';

export type ScalarAgg = 'last' | 'min' | 'max' | 'first' | 'avg';

export interface ScalarColumn {
  agg: ScalarAgg;
  key: string;
}

/** Run attributes a column can show (`.host`). */
export const ATTRS = ['label', 'tags', 'host', 'user', 'exit_status', 'comments'] as const;
export type AttrName = (typeof ATTRS)[number];

export type ColumnSpec = ({ kind: 'scalar' } & ScalarColumn) | { kind: 'flag'; name: string } | { kind: 'attr'; name: AttrName };

export function columnLabel(c: ScalarColumn): string {
  return c.agg === 'last' ? c.key : `${c.agg} ${c.key}`;
}

/** `loss`, `min val_loss`, `max acc` → a column; null when the text is not one. */
export function parseScalarColumn(text: string): ScalarColumn | null {
  const m = /^\s*(?:(last|min|max|first|avg)\s+)?(\S+)\s*$/.exec(text);
  return m ? { agg: (m[1] as ScalarAgg | undefined) ?? 'last', key: m[2]! } : null;
}

/** `=lr` (a flag), `.host` (an attribute), `min loss` (a scalar); null when the text is none of them. */
export function parseColumnSpec(text: string): ColumnSpec | null {
  const t = text.trim();
  if (t.startsWith('=')) return /^=\S+$/.test(t) ? { kind: 'flag', name: t.slice(1) } : null;
  if (t.startsWith('.')) {
    const name = t.slice(1) as AttrName;
    return ATTRS.includes(name) ? { kind: 'attr', name } : null;
  }
  const s = parseScalarColumn(t);
  return s ? { kind: 'scalar', ...s } : null;
}

/** The spec as typed in `:cols`: `=lr`, `.host`, `min loss`. */
export function specText(c: ColumnSpec): string {
  return c.kind === 'flag' ? `=${c.name}` : c.kind === 'attr' ? `.${c.name}` : columnLabel(c);
}

/** A column's header: the flag's or attribute's name, the scalar as `min loss`. */
export const specTitle = (c: ColumnSpec): string => (c.kind === 'scalar' ? columnLabel(c) : c.name);

/** The sort key of a column: `flag:lr`, `attr:host`, `scalar:min loss`. */
export const specSortKey = (c: ColumnSpec): string => `${c.kind}:${specTitle(c)}`;

export const sameSpec = (a: ColumnSpec, b: ColumnSpec): boolean => specText(a) === specText(b);

/** A flag's value as Guild shows it in a label (`0.001`, `yes`, `'a b'`); '' when the run has none. */
export function flagText(run: Run, name: string): string {
  return run.flags[name] === undefined ? '' : labelFlagValue(run.flags, name);
}

/** An attribute's value as one line. */
export function attrText(run: Run, name: AttrName): string {
  switch (name) {
    case 'label': return run.label ?? '';
    case 'tags': return run.tags.join(' ');
    case 'host': return run.host ?? '';
    case 'user': return run.user ?? '';
    case 'exit_status': return run.exitStatus === null ? '' : String(run.exitStatus);
    case 'comments': return run.comments.length ? String(run.comments.length) : '';
  }
}

/** Names of the flags whose values (as Guild formats them) are not the same in every run. */
export function differingFlags(runs: readonly Run[]): string[] {
  const seen = new Map<string, Set<string>>();
  for (const r of runs) for (const name of Object.keys(r.flags)) if (!seen.has(name)) seen.set(name, new Set());
  for (const [name, values] of seen) for (const r of runs) values.add(r.flags[name] === undefined ? '\0' : flagText(r, name));
  return [...seen.entries()].filter(([, v]) => v.size > 1).map(([k]) => k).sort();
}

/**
 * What the label column shows: a label the user gave as is; otherwise (no label, or Guild's
 * default one of every flag) the flags that differ among the listed runs, as `name=value`.
 */
export function labelText(run: Run, differing: readonly string[]): string {
  if (run.label && run.label !== defaultLabel(run.flags)) return run.label;
  if (differing.length === 0) return run.label ?? '';
  return defaultLabel(run.flags, differing);
}
