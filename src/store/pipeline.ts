// A pipeline run's steps on disk. Guild's layout: one relative link per step in the parent's
// directory, named after the step (`prepare -> ../9d33df1f…`). grun adds `.guild/grun-steps`,
// written by its step driver, for what links cannot say: steps still waiting, cancelled ones,
// and memo hits. Both are untrusted: a bad entry is skipped, never a crash.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { guildPath } from './run.js';

export const STEPS_FILE = 'grun-steps';

export type StepState = 'waiting' | 'running' | 'completed' | 'cached' | 'failed' | 'stopped' | 'cancelled';
const STATES: readonly StepState[] = ['waiting', 'running', 'completed', 'cached', 'failed', 'stopped', 'cancelled'];

export interface StepRecord {
  name: string;
  needs: string[];
  state: StepState;
  /** The step's run, once it has one. */
  run?: string;
  /** A memo hit: the run whose outputs the step's run holds. */
  memoOf?: string;
}

const RUN_ID = /^[A-Za-z0-9_.-]+$/;

/** The step links of a run dir: `name → run id`, in directory order (Guild's pipelines have no other record). */
export function stepLinks(runDir: string): { name: string; run: string }[] {
  let names: string[];
  try {
    names = readdirSync(runDir);
  } catch {
    return [];
  }
  const out: { name: string; run: string }[] = [];
  for (const name of names) {
    try {
      if (!lstatSync(join(runDir, name)).isSymbolicLink()) continue;
      const target = readlinkSync(join(runDir, name));
      const m = /^\.\.\/([^/]+)\/?$/.exec(target);
      if (m && RUN_ID.test(m[1]!)) out.push({ name, run: m[1]! });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** `.guild/grun-steps`, or null when there is none or it is not a list of steps. */
export function readStepRecords(runDir: string): StepRecord[] | null {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(guildPath(runDir, STEPS_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(data)) return null;
  const out: StepRecord[] = [];
  for (const d of data as Record<string, unknown>[]) {
    if (!d || typeof d !== 'object' || typeof d.name !== 'string' || !STATES.includes(d.state as StepState)) continue;
    const needs = Array.isArray(d.needs) ? d.needs.filter((n): n is string => typeof n === 'string') : [];
    out.push({
      name: d.name,
      needs,
      state: d.state as StepState,
      ...(typeof d.run === 'string' && RUN_ID.test(d.run) ? { run: d.run } : {}),
      ...(typeof d.memoOf === 'string' && RUN_ID.test(d.memoOf) ? { memoOf: d.memoOf } : {}),
    });
  }
  return out;
}

export function writeStepRecords(runDir: string, records: StepRecord[]): void {
  writeFileAtomicSync(guildPath(runDir, STEPS_FILE), JSON.stringify(records));
}

/** The run ids a pipeline's links name (the runs a step's `requires: operation:` may use). */
export function linkedRunIds(runDir: string): Set<string> {
  return new Set(stepLinks(runDir).map((l) => basename(l.run)));
}
