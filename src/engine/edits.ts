// Every edit a user makes to a run's metadata (label, tags, comments, marked, Accio's name,
// notes and tags), for the CLI and the dashboard alike: each one re-reads the run under its
// lock (another grun may have edited it since it was listed) and stamps comments with Guild's
// user, host and µs time. Which run holds the metadata is decided here too.
import { deleteAttr, readAttr, writeAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { formatFlagValue } from '../store/flagfmt.js';
import { loadRun } from '../store/index.js';
import { withRunLock } from '../store/run-lock.js';
import type { Run, YamlValue } from '../store/types.js';
import { isSubmissionChild } from './batch.js';
import { metadataRunDir } from './run-family.js';
import { commentEntry } from './run-writer.js';

/** `grun label`: one of set/prepend/append (templates with `${flag}`, `${label}`), remove, clear. */
export interface LabelEdit {
  kind: 'label';
  set?: string;
  prepend?: string;
  append?: string;
  remove?: string[];
  clear?: boolean;
}

/** `grun tag`: tags kept sorted and unique; `syncLabels` also edits the tag words of the label. */
export interface TagsEdit {
  kind: 'tags';
  add?: string[];
  delete?: string[];
  clear?: boolean;
  syncLabels?: boolean;
}

export type CommentEdit =
  | { kind: 'comment'; add: string; user?: string; host?: string }
  | { kind: 'comment'; delete: number }
  | { kind: 'comment'; clear: true };

export interface MarkEdit {
  kind: 'mark';
  on: boolean;
}

/** `grun runs set-meta`: Accio's name (Guild's label), notes and tags; '' clears, tags replace. */
export interface MetaEdit {
  kind: 'meta';
  name?: string;
  notes?: string;
  tags?: string[];
}

export type RunEdit = LabelEdit | TagsEdit | CommentEdit | MarkEdit | MetaEdit;

/**
 * The run an edit goes to. A child of an Accio submission has no metadata of its own (Accio's
 * UpdateRunHandler edits the parent), and `set-meta` is Accio's command for any child; a Guild
 * batch trial keeps its own label, tags, comments and mark, as in Guild.
 */
export function editTarget(runDir: string, edit: RunEdit): string {
  if (edit.kind === 'mark') return runDir;
  if (edit.kind === 'meta') return metadataRunDir(runDir);
  return isSubmissionChild(runDir) ? metadataRunDir(runDir) : runDir;
}

/** Refuses an edit that could never apply (before a front end asks for confirmation). */
export function checkEdit(edit: RunEdit): void {
  if (edit.kind === 'comment' && 'add' in edit && edit.add.trim() === '') throw new GrunError('a comment cannot be empty');
}

/** Applies `edit` to a run under its lock; returns the dir it changed (a child's parent maybe). */
export function editRun(runDir: string, edit: RunEdit): string {
  return editRuns([runDir], edit)[0]!;
}

/** `editRun` on each run; a parent shared by several children is edited once. */
export function editRuns(runDirs: readonly string[], edit: RunEdit): string[] {
  checkEdit(edit);
  const done = new Set<string>();
  for (const dir of runDirs) {
    const target = editTarget(dir, edit);
    if (done.has(target)) continue;
    withRunLock(target, () => apply(target, edit));
    done.add(target);
  }
  return [...done];
}

function apply(dir: string, edit: RunEdit): void {
  switch (edit.kind) {
    case 'label': {
      if (edit.clear) return deleteAttr(dir, 'label');
      return writeAttr(dir, 'label', newLabel(loadRun(dir), edit));
    }
    case 'tags': {
      const run = loadRun(dir);
      const after = newTags(run.tags, edit);
      writeAttr(dir, 'tags', after);
      if (edit.syncLabels) writeAttr(dir, 'label', syncedLabel(run, run.tags, after));
      return;
    }
    case 'comment':
      return applyComment(dir, edit);
    case 'mark':
      return edit.on ? writeAttr(dir, 'marked', true) : deleteAttr(dir, 'marked');
    case 'meta':
      return applyMeta(dir, edit);
  }
}

/** `${name}` replaced by the run's flag value (or its current label); unknown names stay. */
export function renderLabel(template: string, run: Run): string {
  return template
    .replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name === 'label') return run.label ?? '';
      const v = run.flags[name];
      return v === undefined ? whole : formatFlagValue(v);
    })
    .trim();
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Removes whole-word occurrences of `part` from a label. */
export function removeLabelPart(label: string, part: string): string {
  return label
    .split(new RegExp(`(?:^|\\s)${escapeRe(part)}(?=$|\\s)`))
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
}

function newLabel(run: Run, e: LabelEdit): string {
  const current = run.label ?? '';
  if (e.set !== undefined) return renderLabel(e.set, run);
  if (e.prepend !== undefined) return `${renderLabel(e.prepend, run)} ${current}`.trim();
  if (e.append !== undefined) return `${current} ${renderLabel(e.append, run)}`.trim();
  return (e.remove ?? []).reduce(removeLabelPart, current);
}

export function newTags(current: string[], e: Omit<TagsEdit, 'kind'>): string[] {
  const tags = new Set(e.clear ? [] : current);
  for (const t of e.delete ?? []) tags.delete(t);
  for (const t of e.add ?? []) tags.add(t);
  return [...tags].sort();
}

/** Label with removed tags taken out and added ones put in front (Guild's `--sync-labels`). */
export function syncedLabel(run: Run, before: string[], after: string[]): string {
  let label = run.label ?? '';
  for (const t of before) if (!after.includes(t)) label = removeLabelPart(label, t);
  const words = label.split(/\s+/);
  const added = after.filter((t) => !before.includes(t) && !words.includes(t));
  return [...added, label].filter(Boolean).join(' ');
}

function applyComment(dir: string, e: CommentEdit): void {
  // Entries kept as they were read: another tool's fields survive our rewrite.
  const r = readAttr(dir, 'comments');
  const comments: YamlValue[] = r.kind === 'ok' && Array.isArray(r.value) ? r.value : [];
  if ('add' in e) {
    comments.push(commentEntry(e.add.trim(), e));
    return writeAttr(dir, 'comments', comments);
  }
  if ('delete' in e) {
    if (!Number.isInteger(e.delete) || e.delete < 1 || e.delete > comments.length) {
      throw new GrunError(`run ${loadRun(dir).id.slice(0, 8)} has no comment ${e.delete} (it has ${comments.length})`);
    }
    comments.splice(e.delete - 1, 1);
    return comments.length > 0 ? writeAttr(dir, 'comments', comments) : deleteAttr(dir, 'comments');
  }
  deleteAttr(dir, 'comments');
}

function applyMeta(dir: string, e: MetaEdit): void {
  if (e.name !== undefined) {
    if (e.name === '') deleteAttr(dir, 'label');
    else writeAttr(dir, 'label', e.name);
  }
  if (e.notes !== undefined) {
    if (e.notes === '') deleteAttr(dir, 'notes');
    else writeAttr(dir, 'notes', e.notes);
  }
  if (e.tags !== undefined) writeAttr(dir, 'tags', [...new Set(e.tags.map((t) => t.trim()).filter(Boolean))]);
}
