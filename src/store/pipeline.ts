// A pipeline run's steps on disk. Guild's layout: one relative link per step in the parent's
// directory, named after the step (`prepare -> ../9d33df1f…`). grun adds `.guild/grun-steps`,
// written by its step driver, for what links cannot say: steps still waiting, cancelled ones,
// and memo hits. Both are untrusted: a bad entry is skipped, never a crash.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { loadRun } from './index.js';
import { guildPath, runLinks } from './run.js';
import type { Run, RunStatus } from './types.js';

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

/** The step links of a run dir: `name → run id` (Guild's pipelines have no other record). */
export const stepLinks = runLinks;

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
  return new Set(runLinks(runDir).map((l) => l.run));
}

/** One step of a pipeline as listings show it. */
export interface PipelineStepView {
  name: string;
  state: StepState;
  run: string | null;
  memoOf: string | null;
}

const FROM_STATUS: Partial<Record<RunStatus, StepState>> = {
  completed: 'completed',
  running: 'running',
  error: 'failed',
  terminated: 'stopped',
  staged: 'waiting',
  pending: 'waiting',
};

/**
 * The steps of a pipeline run (null when it is none): grun's record where there is one (it
 * knows waiting, cancelled and cached steps), a step's run's own status while it runs or once
 * it has ended; for Guild's pipelines, the links alone, in the order their runs started.
 */
export function pipelineSteps(runDir: string): PipelineStepView[] | null {
  const runsDir = dirname(runDir);
  const runOf = (id: string): Run | null => (existsSync(join(runsDir, id, '.guild')) ? loadRun(join(runsDir, id)) : null);
  const records = readStepRecords(runDir);
  if (records) {
    return records.map((r) => {
      const run = r.run ? runOf(r.run) : null;
      const live = run && r.state !== 'cached' && r.state !== 'cancelled' ? FROM_STATUS[run.status] : undefined;
      return { name: r.name, state: live ?? r.state, run: r.run ?? null, memoOf: r.memoOf ?? null };
    });
  }
  if (!existsSync(guildPath(runDir, 'attrs', 'steps'))) return null;
  return stepLinks(runDir)
    .map((l) => ({ l, run: runOf(l.run) }))
    .sort((a, b) => (a.run?.started ?? 0) - (b.run?.started ?? 0))
    .map(({ l, run }) => ({ name: l.name, state: (run && FROM_STATUS[run.status]) ?? 'waiting', run: l.run, memoOf: null }));
}
