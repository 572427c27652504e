// A pipeline run's steps on disk. Guild's layout: one relative link per step in the parent's
// directory, named after the step (`prepare -> ../9d33df1f…`); grun's own record of them is
// `.guild/grun-steps` (step-records.ts). Both are untrusted: a bad entry is skipped, never a crash.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { guildPath, loadRunSummary, runLinks, toRun } from './run.js';
import { liveStepState, readStepRecords, type StepState } from './step-records.js';
import type { Run } from './types.js';

export { STEPS_FILE, liveStepState, readStepRecords, writeStepRecords, type StepRecord, type StepState } from './step-records.js';

/** The step links of a run dir: `name → run id` (Guild's pipelines have no other record). */
export const stepLinks = runLinks;

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

/**
 * The steps of a pipeline run (null when it is none): grun's record where there is one (it
 * knows waiting, cancelled and cached steps), a step's run's own status while it runs or once
 * it has ended; for Guild's pipelines, the links alone, in the order their runs started.
 */
export function pipelineSteps(runDir: string): PipelineStepView[] | null {
  const runsDir = dirname(runDir);
  const runOf = (id: string): Run | null => (existsSync(join(runsDir, id, '.guild')) ? toRun(loadRunSummary(join(runsDir, id))) : null);
  const records = readStepRecords(runDir);
  if (records) {
    return records.map((r) => {
      const run = r.run ? runOf(r.run) : null;
      return { name: r.name, state: liveStepState(r.state, run?.status ?? null), run: r.run ?? null, memoOf: r.memoOf ?? null };
    });
  }
  if (!existsSync(guildPath(runDir, 'attrs', 'steps'))) return null;
  return stepLinks(runDir)
    .map((l) => ({ l, run: runOf(l.run) }))
    .sort((a, b) => (a.run?.started ?? 0) - (b.run?.started ?? 0))
    .map(({ l, run }) => ({ name: l.name, state: liveStepState('waiting', run?.status ?? null), run: l.run, memoOf: null }));
}
