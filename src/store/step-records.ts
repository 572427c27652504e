// `.guild/grun-steps`: grun's step driver's record of a pipeline's steps, for what Guild's
// links cannot say (steps still waiting, cancelled ones, memo hits). Untrusted: a bad entry is
// skipped. Read into every summary as the pipeline's progress (`3/5 steps`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import type { RunStatus } from './types.js';

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

/** A pipeline's steps in a summary: done (completed or cached) of all, and the records themselves. */
export interface StepProgress {
  done: number;
  total: number;
  records: StepRecord[];
}

/** The step records and progress of a run, or null for a run with no record. */
export function stepProgress(runDir: string): StepProgress | null {
  const records = readStepRecords(runDir);
  if (!records || records.length === 0) return null;
  return { done: records.filter((r) => r.state === 'completed' || r.state === 'cached').length, total: records.length, records };
}

/**
 * A step's state now: its record's, except that a step whose run exists follows that run's
 * status (the record lags while the step runs, or says running after its driver died); a memo
 * hit stays cached and a cancelled step cancelled whatever its (memo) run says.
 */
export function liveStepState(recorded: StepState, runStatus: RunStatus | null): StepState {
  if (runStatus === null || recorded === 'cached' || recorded === 'cancelled') return recorded;
  return FROM_STATUS[runStatus] ?? recorded;
}

const FROM_STATUS: Partial<Record<RunStatus, StepState>> = {
  completed: 'completed',
  running: 'running',
  error: 'failed',
  terminated: 'stopped',
  staged: 'waiting',
  pending: 'waiting',
};
