// The dashboard's side effects: every change to a run goes through the store or the engine
// here, never from a view. Each returns the status line message; errors propagate to it.
import { externalCommand } from '../../engine/external.js';
import type { SavedView, ViewStore } from '../../store/ui-views.js';
import { findOutputLine } from '../../store/output.js';
import { basename } from 'node:path';
import { writeFileAtomicSync } from '../../store/atomic.js';
import { GrunError } from '../../store/errors.js';
import { runsDir, trashRunsDir } from '../../store/home.js';
import { loadRun } from '../../store/index.js';
import { deleteRuns, purgeRuns, restoreRuns } from '../../store/trash.js';
import type { Run } from '../../store/types.js';
import { compareCsv } from '../../engine/compare.js';
import { editRuns, type RunEdit } from '../../engine/edits.js';
import { destinationFields, launchDestinations } from '../../engine/launch/destinations.js';
import { launch, type LaunchRequest } from '../../engine/launch/service.js';
import { listOperations } from '../../engine/operations.js';
import { planOperation, planRun } from '../../engine/plan.js';
import { prepareStart, prepareSweepRestart, protoRequest, restartRequest, trialsToRestart } from '../../engine/restart.js';
import { childrenOf } from '../../engine/run-family.js';
import { isMarkedFloat } from '../../store/yaml11.js';
import type { RunPlan } from '../../engine/plan-types.js';
import { stopRuns } from '../../engine/stop.js';
import { shortId } from '../format.js';
import { isStoppable, isSweepParent } from '../../engine/stoppable.js';
import type { Effect } from '../state/app.js';
import { editableDefs, rawValue, type LaunchState } from '../state/launch.js';

export interface ActionContext {
  home: string;
  /** Where launch looks for guild.yml and scripts. */
  projectDir: string;
  launchPatch(patch: Partial<LaunchState>): void;
  launched(id: string): void;
  /** Launches reuse a completed run with the same inputs (`grun run --memo`). */
  memo?: boolean;
  runs(): readonly Run[];
  trash(): readonly Run[];
  /** The last delete, for `u`. */
  deleted(ids: string[]): void;
  reload(): void;
  /** Re-read runs the dashboard just changed. */
  refresh(ids: readonly string[]): void;
  quit(): void;
  /** A search's answer: the line holding `query` (null: none). */
  found?: (id: string, query: string, line: number | null) => void;
  /** The home's saved views, and how one is put back. */
  views?: ViewStore;
  applyView?: (view: SavedView, name: string) => void;
  /** Writes to the terminal (OSC 52 copies). */
  copy?: (text: string) => void;
  /** Hands the terminal to a program (`o`) and takes it back; what went wrong, if anything. */
  external?: (argv: string[], cwd: string) => string | null;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function pick(all: readonly Run[], ids: readonly string[]): Run[] {
  const byId = new Map(all.map((r) => [r.id, r]));
  const out = ids.map((id) => byId.get(id)).filter((r): r is Run => !!r);
  if (out.length === 0) throw new GrunError('the selected runs are gone (deleted or moved by another process)');
  return out;
}

/** A metadata edit through the engine (under each run's lock); the runs it changed re-read. */
function edit(ctx: ActionContext, ids: readonly string[], e: RunEdit): void {
  const changed = editRuns(pick(ctx.runs(), ids).map((r) => r.dir), e);
  ctx.refresh([...new Set([...ids, ...changed.map((d) => basename(d))])]);
}

/** Runs re-read from disk: the table may be a debounce behind. */
function fresh(home: string, ids: readonly string[], deleted: boolean): Run[] {
  return ids.map((id) => loadRun(`${deleted ? trashRunsDir(home) : runsDir(home)}/${id}`, deleted));
}

async function stopAll(runs: Run[], ctx: ActionContext): Promise<string> {
  const reports = await stopRuns(runs.filter(isStoppable), { timeout: 15 });
  ctx.refresh(reports.map((r) => r.run.id)); // a sweep's children and parent too: their ends are in attrs the watcher may not see
  const stuck = reports.find((r) => r.outcome.kind === 'timed-out');
  if (stuck) throw new GrunError(`${shortId(stuck.run.id)} did not stop in time (stop it again to force)`);
  const stopped = reports.filter((r) => r.outcome.kind === 'stopped' || r.outcome.kind === 'signalled').length;
  return `stopped ${plural(stopped, 'run')}`;
}

const plan = (ctx: ActionContext, opspec: string, flagArgs: string[], cwd?: string): Promise<RunPlan> =>
  planRun({ home: ctx.home, cwd: cwd ?? ctx.projectDir, opspec, flagArgs });

/** What the preview shows before a run starts. */
export function previewLines(p: RunPlan): string[] {
  const sweeps = Object.keys(p.sweeps);
  return [
    `operation  ${p.operation}`,
    `project    ${p.projectDir}`,
    ...Object.entries(p.flags).map(([k, v]) => `flag       ${k}=${rawValue(v)}${sweeps.includes(k) ? '   (sweep)' : ''}`),
    `label      ${p.label ?? ''}`,
    `command    ${p.cmd.join(' ')}`,
    ...(sweeps.length ? [`sweep over ${sweeps.join(', ')}: a batch of runs`] : []),
  ];
}

/**
 * The launch form's run as a request: what `grun run -y --background OP FLAGS` would ask, sent
 * where the form says; a restart form's: its run restaged with the flags (a sweep: its trials to
 * run again), as `grun run --restart RUN -y --background` asks.
 */
async function launchRequest(e: Extract<Effect, { kind: 'launchStart' }>, ctx: ActionContext): Promise<LaunchRequest> {
  const base = { home: ctx.home, mode: 'background' as const, memo: !!ctx.memo };
  if (e.restart !== undefined) {
    const [run] = pick(ctx.runs(), [e.restart]);
    const given = { home: ctx.home, flagArgs: e.flagArgs };
    if (isSweepParent(run!)) return { ...base, work: { kind: 'trials', parent: run!, runs: await prepareSweepRestart(run!, ctx.runs(), given) } };
    // without `needed`, prepareStart always gives the run to start
    return { ...base, work: { kind: 'staged', run: (await prepareStart(run!, given))! } };
  }
  const run = { home: ctx.home, cwd: e.cwd ?? ctx.projectDir, opspec: e.opspec, flagArgs: e.flagArgs };
  return { ...base, work: { kind: 'operation', run }, ...destinationFields(e.target) };
}

/** What a restart form previews: the run's new plan, or the trials of a sweep it runs again. */
async function restartPreview(e: Extract<Effect, { kind: 'launchPreview' }>, ctx: ActionContext, id: string): Promise<string[]> {
  const [run] = pick(ctx.runs(), [id]);
  if (!isSweepParent(run!)) return [`restart ${shortId(run!.id)} in its own directory`, ...previewLines(await planRun(restartRequest(run!, { home: ctx.home, flagArgs: e.flagArgs })))];
  const trials = trialsToRestart(childrenOf(run!, ctx.runs()));
  return [`restart ${plural(trials.length, 'trial')} of ${run!.operation} (failed or stopped, not pruned)`, ...trials.map((t) => `  ${shortId(t.id)} ${t.status}  ${t.label ?? ''}`)];
}

/** Launch effects report into the launch screen itself, errors included. */
async function launchEffect(e: Extract<Effect, { kind: `launch${string}` }>, ctx: ActionContext): Promise<string | null> {
  try {
    switch (e.kind) {
      case 'launchOps':
        ctx.launchPatch({ ops: listOperations(ctx.projectDir), targets: launchDestinations(ctx.home), busy: false });
        return null;
      case 'launchDefs': {
        // the operation's flags, required ones included (the form asks for them); no such operation: planRun says so
        const proto = (await planOperation(ctx.home, ctx.projectDir, e.opspec)) ?? (await plan(ctx, e.opspec, []));
        const defs = editableDefs(proto.flagDefs);
        ctx.launchPatch({ step: 'form', defs, values: defs.map((d) => rawValue(d.default, d.defaultIsFloat)), field: 0, busy: false });
        return null;
      }
      case 'launchFrom': {
        const [run] = pick(ctx.runs(), [e.id]);
        if (e.restart && isSweepParent(run!)) {
          // a sweep restarts its trials with their own flags: nothing to edit
          ctx.launchPatch({ step: 'form', opspec: run!.operation, restart: run!.id, defs: [], values: [], field: 0, busy: false });
          return null;
        }
        // the run's operation planned again with its flags, as `grun run --rerun` plans it
        const req = protoRequest(run!, { home: ctx.home, flagArgs: [] });
        const p = await planRun(req);
        const defs = editableDefs(p.flagDefs);
        const values = defs.map((d) => rawValue(p.flags[d.name] ?? d.default, d.name in p.flags ? isMarkedFloat(p.flags, d.name) : d.defaultIsFloat));
        const restart = e.restart ? { restart: run!.id } : {};
        ctx.launchPatch({ step: 'form', opspec: req.opspec, cwd: req.cwd, ...restart, defs, values, field: 0, targets: launchDestinations(ctx.home), busy: false });
        return null;
      }
      case 'launchPreview':
        const preview = e.restart !== undefined ? await restartPreview(e, ctx, e.restart) : previewLines(await plan(ctx, e.opspec, e.flagArgs, e.cwd));
        ctx.launchPatch({ step: 'preview', preview, busy: false });
        return null;
      case 'launchStart': {
        const r = await launch(await launchRequest(e, ctx));
        if (r.focus) ctx.launched(r.focus);
        return r.summary;
      }
    }
  } catch (err) {
    ctx.launchPatch({ busy: false, error: err instanceof Error ? err.message : String(err) });
    return null;
  }
}

export async function runEffect(e: Effect, ctx: ActionContext): Promise<string | null> {
  switch (e.kind) {
    case 'launchOps':
    case 'launchDefs':
    case 'launchFrom':
    case 'launchPreview':
    case 'launchStart':
      return launchEffect(e, ctx);
    case 'quit':
      ctx.quit();
      return null;
    case 'reload':
      ctx.reload();
      return null;
    case 'stop':
      return stopAll(pick(ctx.runs(), e.ids), ctx);
    case 'delete': {
      const runs = pick(ctx.runs(), e.ids);
      if (e.stopFirst) await stopAll(runs, ctx);
      const ids = deleteRuns(ctx.home, fresh(ctx.home, runs.map((r) => r.id), false));
      ctx.deleted(ids);
      return `deleted ${plural(ids.length, 'run')} to the trash (u undoes)`;
    }
    case 'restore': {
      const ids = restoreRuns(ctx.home, fresh(ctx.home, e.ids, true));
      return `${e.undo ? 'undone: restored' : 'restored'} ${plural(ids.length, 'run')}`;
    }
    case 'purge': {
      const ids = purgeRuns(ctx.home, pick(ctx.trash(), e.ids));
      return `purged ${plural(ids.length, 'run')}`;
    }
    case 'label':
      edit(ctx, e.ids, e.label === '' ? { kind: 'label', clear: true } : { kind: 'label', set: e.label });
      return e.label === '' ? 'label cleared' : `label set on ${plural(e.ids.length, 'run')}`;
    case 'tags':
      edit(ctx, e.ids, { kind: 'tags', add: e.add, delete: e.remove });
      return `tags updated on ${plural(e.ids.length, 'run')}`;
    case 'comment':
      edit(ctx, e.ids, { kind: 'comment', add: e.body });
      return `comment added to ${plural(e.ids.length, 'run')}`;
    case 'guildMark':
      edit(ctx, e.ids, { kind: 'mark', on: e.on });
      return `${e.on ? 'marked' : 'unmarked'} ${plural(e.ids.length, 'run')}`;
    case 'saveView':
      if (!ctx.views) return null;
      return ctx.views.save(e.view, e.name) ? `view ${e.name} saved` : 'another grun dashboard on this home keeps the views: not saved';
    case 'loadView': {
      const v = ctx.views?.named(e.name);
      if (!v) return `no view named ${e.name} (saved: ${ctx.views?.names().join(', ') || 'none'})`;
      ctx.applyView?.(v, e.name);
      return null;
    }
    case 'external': {
      const run = ctx.runs().find((r) => r.id === e.id);
      if (!run) return 'the run is gone';
      return ctx.external?.(externalCommand(process.env, e.file), run.dir) ?? null;
    }
    case 'copy':
      ctx.copy?.(e.text);
      return `copied ${e.text}`;
    case 'listViews':
      return `views: ${ctx.views?.names().join(', ') || 'none saved (:view save NAME)'}`;
    case 'searchOutput': {
      const run = ctx.runs().find((r) => r.id === e.id);
      ctx.found?.(e.id, e.query, run ? findOutputLine(run.dir, e.query, e.from, e.dir) : null);
      return null;
    }
    case 'exportCsv': {
      // the runs the screen compares (`compareRuns`, as `grun compare`), as `grun compare --csv` writes them
      writeFileAtomicSync(e.path, compareCsv(pick(ctx.runs(), e.ids)));
      return `wrote ${e.path}`;
    }
  }
}
