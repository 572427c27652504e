// The run list, kept live: listed once through the store, then patched per run on watcher
// events (debounced), with running runs re-read every few seconds (a run whose process died
// without writing anything changes status only by time), and unfinished Slurm runs following
// their jobs through one batched, backing-off poller (a job's state and reason change in Slurm,
// not on disk). The poller's passes never block; after each, the reconcile step records the
// ends Slurm reported; rendering only reads what the passes found.
//
// Runs are loaded in slices between frames (a store `RunScan`): with a summary cache 10k runs
// take well under a second; without one (first start on a home) seconds, and the first rows
// show at once, with a progress count, while the rest load and the cache is written.
import { useEffect, useMemo, useRef } from 'react';
import { withExecutorStatus } from '../../engine/executor-status.js';
import { SlurmPoller } from '../../engine/slurm/poller.js';
import { recordJobEnds } from '../../engine/slurm/job-ends.js';
import { asksSlurm } from '../../engine/slurm/status.js';
import type { JobState } from '../../engine/slurm/states.js';
import { runsDir, trashRunsDir } from '../../store/home.js';
import { compareRunsNewestFirst, hasSummaryCache, listRuns, loadRun, RunScan, runsOf } from '../../store/index.js';
import { isRunDir } from '../../store/run.js';
import type { Run } from '../../store/types.js';
import { watchHome, type HomeEvent } from '../../store/watcher.js';
import type { AppAction } from '../state/app.js';
import type { ScalarCache } from './scalar-cache.js';

/** Work per slice of a cold load before a frame may render. */
const SLICE_MS = 40;
/** How often a cold load shows its progress. */
const PUBLISH_MS = 500;

export interface FeedOptions {
  /** Debounce of watcher events before the table updates. */
  debounceMs?: number;
  /** Slow poll of the watcher (network file systems). */
  pollMs?: number;
  /** Re-read running runs this often. */
  runningMs?: number;
  /** Shortest interval between two asks of Slurm for the jobs of unfinished Slurm runs. */
  slurmMs?: number;
}

export interface Feed {
  reload(): void;
  /** Re-reads these runs now (after the dashboard changed them: finished runs are polled only). */
  refresh(ids: readonly string[], deleted?: boolean): void;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function useRunsFeed(home: string, dispatch: (a: AppAction) => void, scalars: ScalarCache, opts: FeedOptions = {}): Feed {
  const feed = useRef<Feed>({ reload: () => {}, refresh: () => {} });
  useEffect(() => {
    let closed = false;
    const live = new Map<string, Run>();
    const trash = new Map<string, Run>();
    let loading = false;
    const poller = new SlurmPoller({ minMs: opts.slurmMs ?? 2000 });
    let polling: { stop(): void } | null = null;
    let startQueued = false;
    /** A pass found jobs changed: the ends Slurm reports are recorded, their runs re-read and shown. */
    const onJobs = (changed: JobState[]): void => {
      if (closed) return;
      const ids = new Set(changed.map((s) => s.jobId));
      const touched = [...live.values()].filter((r) => r.slurm && ids.has(r.slurm.jobId)).map((r) => loadRun(r.dir));
      for (const r of recordJobEnds(touched, (id) => poller.state(id))) live.set(r.id, r);
      publish(false);
    };
    const followJobs = (runs: Run[]): void => {
      const jobs = runs.filter(asksSlurm).map((r) => r.slurm!.jobId);
      // Started after this publish (its first pass may publish again); a loop that ran out of
      // jobs has ended, and starts again for new ones.
      if (poller.track(jobs) && !poller.active && !startQueued) {
        startQueued = true;
        setImmediate(() => {
          startQueued = false;
          // An unreachable Slurm shows in each run's status, not as an error here.
          if (!closed && !poller.active) polling = poller.start(onJobs, () => {});
        });
      }
    };
    const publish = (deleted: boolean) => {
      if (closed) return;
      // Slurm runs take their job's state and reason as the poller last saw them (never asked here).
      const runs = withExecutorStatus([...(deleted ? trash : live).values()].sort(compareRunsNewestFirst), poller.view());
      if (!deleted) followJobs(runs);
      dispatch(deleted ? { type: 'trash', runs } : { type: 'runs', runs, done: !loading });
    };
    /** Runs read a slice at a time through the summary cache, the first rows shown at once. */
    const loadInSlices = (): void => {
      const scan = new RunScan(home);
      loading = true;
      let published = 0;
      const slice = (): void => {
        if (closed) return;
        loading = !scan.step(SLICE_MS);
        // the first rows at once, then a refresh now and then: each one re-sorts and redraws
        if (!loading || published === 0 || performance.now() - published > PUBLISH_MS) {
          live.clear();
          for (const r of runsOf(scan.summaries)) live.set(r.id, r);
          publish(false);
          published = performance.now();
        }
        if (loading) setImmediate(slice);
      };
      slice();
    };
    const loadAll = (progressive = false) => {
      for (const [map, deleted] of [[live, false], [trash, true]] as const) {
        map.clear();
        if (progressive && !deleted) {
          loadInSlices();
          continue;
        }
        try {
          for (const r of listRuns(home, { deleted })) map.set(r.id, r);
        } catch (e) {
          dispatch({ type: 'message', text: `cannot list runs: ${message(e)}`, error: true });
        }
        publish(deleted);
      }
    };
    feed.current = {
      reload: () => {
        loadAll();
        dispatch({ type: 'message', text: `reloaded ${live.size} runs` });
      },
      refresh: (ids, deleted = false) => {
        for (const id of ids) pending.set(`${deleted}:${id}`, { kind: 'changed', id, deleted });
        timer ??= setTimeout(flush, 0);
      },
    };
    // With a summary cache one pass is quickest; without one, slices show the first rows at once.
    const first = setImmediate(() => loadAll(!hasSummaryCache(home)));

    let pending = new Map<string, HomeEvent>();
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      timer = null;
      const events = pending;
      pending = new Map();
      const touched = new Set<boolean>();
      for (const e of events.values()) {
        const map = e.deleted ? trash : live;
        const dir = `${e.deleted ? trashRunsDir(home) : runsDir(home)}/${e.id}`;
        touched.add(e.deleted);
        scalars.invalidate(e.id);
        if (e.kind === 'removed' || !isRunDir(dir)) {
          map.delete(e.id);
          continue;
        }
        try {
          map.set(e.id, loadRun(dir, e.deleted));
        } catch {
          map.delete(e.id); // loadRun does not throw on bad runs; a vanished dir may
        }
      }
      for (const d of touched) publish(d);
    };
    const w = watchHome(
      home,
      (e) => {
        pending.set(`${e.deleted}:${e.id}`, e);
        timer ??= setTimeout(flush, opts.debounceMs ?? 150);
      },
      opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {},
    );
    const ticker = setInterval(() => {
      let changed = false;
      for (const r of live.values()) {
        if (r.status !== 'running') continue;
        try {
          const next = loadRun(r.dir);
          live.set(r.id, next);
          changed = true;
        } catch {
          // the next watcher event settles it
        }
      }
      if (changed) publish(false);
    }, opts.runningMs ?? 2000);
    return () => {
      closed = true;
      clearImmediate(first);
      if (timer) clearTimeout(timer);
      clearInterval(ticker);
      polling?.stop();
      void w.close();
    };
  }, [home]);
  return useMemo(() => ({ reload: () => feed.current.reload(), refresh: (ids, d) => feed.current.refresh(ids, d) }), []);
}
