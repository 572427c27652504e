// A run's family as it reads: a sweep parent's children, a child's parent, and the metadata a
// child shows (its parent's). Apart from batch.ts, which writes sweeps, so that listing and
// `runs info` read families without loading the sweep writers and their planner.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readAttr } from '../store/attrs.js';
import { loadRun } from '../store/index.js';
import { guildPath, PARENT_FILE } from '../store/run.js';
import type { Run } from '../store/types.js';

/** The children of `parent` among `runs`: its trial links, and runs naming it as parent. */
export function childrenOf(parent: Run, runs: readonly Run[]): Run[] {
  const linked = new Set(parent.children);
  return runs.filter((r) => r.id !== parent.id && (r.parent === parent.id || (parent.batch && linked.has(r.id))));
}

/**
 * Selected runs with every parent followed by its children (commands that act on runs act on
 * a parent's children too: stop, delete, restore, export, compare). Order kept, no duplicates.
 */
export function withChildren(selected: Run[], all: Run[]): Run[] {
  const out = new Map<string, Run>();
  // Only parents are searched for children: a selection of every run costs n, not n².
  const named = new Set(all.map((r) => r.parent));
  for (const r of selected) {
    out.set(r.id, r);
    if (!named.has(r.id) && !(r.batch && r.children.length > 0)) continue;
    for (const c of childrenOf(r, all)) out.set(c.id, c);
  }
  return [...out.values()];
}

/**
 * The runs a comparison shows for a selection: each sweep parent or batch brings its trials,
 * and batch runs themselves are left out unless `includeBatch`.
 */
export function compareRuns(selected: readonly Run[], all: readonly Run[], includeBatch = false): Run[] {
  const runs = withChildren([...selected], [...all]);
  return includeBatch ? runs : runs.filter((r) => !r.batch);
}

/** The parent dir a child records, or null (a single run, a Guild trial, a missing parent). */
export function parentDirOf(runDir: string): string | null {
  let id: string;
  try {
    id = readFileSync(guildPath(runDir, PARENT_FILE), 'utf8').trim();
  } catch {
    return null;
  }
  if (!/^[\w-]+$/.test(id)) return null;
  const dir = join(dirname(runDir), id);
  return existsSync(guildPath(dir, 'opref')) ? dir : null;
}

/** The run whose metadata (name, notes, tags) a run shows and edits: a child's is its parent's. */
export function metadataRunDir(runDir: string): string {
  return parentDirOf(runDir) ?? runDir;
}

/** What a run shows as its metadata; a child shows its parent's (Accio's rule). */
export interface RunMetadata {
  /** The run that holds it: the run itself, or a child's parent. */
  from: string;
  name: string | null;
  notes: string | null;
  tags: string[];
  owner: string | null;
  /** µs (Guild's `initialized`). */
  created: number | null;
}

export function runMetadata(runDir: string): RunMetadata {
  const dir = metadataRunDir(runDir);
  const run = loadRun(dir);
  const notes = readAttr(dir, 'notes');
  return {
    from: run.id,
    name: run.label,
    notes: notes.kind === 'ok' && typeof notes.value === 'string' ? notes.value : null,
    tags: run.tags,
    owner: run.user,
    created: run.initialized,
  };
}
