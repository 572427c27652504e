// `.guild/grun-steps`: grun's step driver's record of a pipeline's steps, for what Guild's
// links cannot say (steps still waiting, cancelled ones, memo hits). Untrusted: a bad entry is
// skipped. Read into every summary as the pipeline's progress (`3/5 steps`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';

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

/** `.guild/grun-steps`, or null when there is none or it is not a list of steps. */
export function readStepRecords(runDir: string): StepRecord[] | null {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(join(runDir, '.guild', STEPS_FILE), 'utf8'));
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
  writeFileAtomicSync(join(runDir, '.guild', STEPS_FILE), JSON.stringify(records));
}


/** Steps done (completed or cached) of all steps, or null for a run with no record. */
export function stepProgress(runDir: string): { done: number; total: number } | null {
  const records = readStepRecords(runDir);
  if (!records || records.length === 0) return null;
  return { done: records.filter((r) => r.state === 'completed' || r.state === 'cached').length, total: records.length };
}
