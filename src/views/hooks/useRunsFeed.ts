// The run list, kept live: listed once through the store, then patched per run on watcher
// events (debounced), with running runs re-read every few seconds (a run whose process died
// without writing anything changes status only by time), and unfinished Slurm runs following
// their jobs through one batched, backing-off poller (a job's state and reason change in Slurm,
// not on disk). The poller's passes never block; after each, the reconcile step records the
// ends Slurm reported; rendering only reads what the passes found.
//
// Runs are loaded in slices between frames (a store `RunScan`: the full check). With a summary
// cache the first table comes first: the newest runs and their count, listed by a `RunList` (what
// `grun runs` reads: it trusts settled runs and re-checks those it shows) in a worker while the UI
// loads (store/newest-runs.ts); the full check then replaces them. Without a cache (first start
// on a home) the slices themselves show, with a progress count, while the rest load and the cache
// is written.
import { useEffect, useMemo, useRef } from 'react';
import { withExecutorStatus } from '../../engine/executor-status.js';
import { SlurmPoller } from '../../engine/slurm/poller.js';
import { recordJobEnds } from '../../engine/slurm/job-ends.js';
import { asksSlurm } from '../../engine/slurm/status.js';
import type { JobState } from '../../engine/slurm/states.js';
import { runsDir, trashRunsDir } from '../../store/home.js';
import { compareRunsNewestFirst, listRuns, loadRun, RunScan, runsOf } from '../../store/index.js';
import { newestRuns, type NewestRuns } from '../../store/newest-runs.js';
import { isRunDir } from '../../store/run.js';
import { trashIsEmpty } from '../../store/trash.js';
import type { Run } from '../../store/types.js';
import { watchHome, type HomeEvent, type HomeWatcher } from '../../store/watcher.js';
import type { AppAction } from '../state/app.js';
import type { ScalarCache } from './scalar-cache.js';

/** Work per slice of a cold load before a frame may render. */
const SLICE_MS = 40;
/** How often a cold load shows its progress. */
const PUBLISH_MS = 500;
/** How long the full check waits for the first table to be drawn. */
const FIRST_FRAME_MS = 100;

export interface FeedOptions {
  /** Debounce of watcher events before the table updates. */
  debounceMs?: number;
  /** Slow poll of the watcher (network file systems). */
  pollMs?: number;
  /** Re-read running runs this often. */
  runningMs?: number;
  /** Shortest interval between two asks of Slurm for the jobs of unfinished Slurm runs. */
  slurmMs?: number;
  /**
   * The newest runs, already being listed (the dashboard starts it before its UI loads); by
   * default the feed starts it. null: the home has no summary cache.
   */
  newest?: Promise<NewestRuns> | null;
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
    /** How many runs there are, while the newest stand for them until the full check ends (warm start). */
    let total: number | undefined;
    /** The full check under way (a reload starts another). */
    let scans = 0;
    let later: NodeJS.Timeout | undefined;
    /** Runs a watcher event or a refresh re-read while the full check ran: read again after it. */
    const scanTouched = new Set<string>();
    const publish = (deleted: boolean) => {
      if (closed) return;
      // Slurm runs take their job's state and reason as the poller last saw them (never asked here).
      const runs = withExecutorStatus([...(deleted ? trash : live).values()].sort(compareRunsNewestFirst), poller.view());
      if (!deleted) followJobs(runs);
      dispatch(deleted ? { type: 'trash', runs } : { type: 'runs', runs, done: !loading, ...(loading && total !== undefined ? { total } : {}) });
    };
    /**
     * Runs read a slice at a time through the summary cache: a cold load shows the first rows at
     * once and its progress; a warm one (the newest runs already shown) only its end. A reload
     * started meanwhile ends it.
     */
    const loadInSlices = (warm: boolean): void => {
      const scan = new RunScan(home);
      const gen = ++scans;
      loading = true;
      let published = warm ? performance.now() : 0;
      const slice = (): void => {
        if (closed || gen !== scans) return;
        loading = !scan.step(SLICE_MS);
        // the first rows at once, then a refresh now and then: each one re-sorts and redraws
        if (!loading || (!warm && (published === 0 || performance.now() - published > PUBLISH_MS))) {
          live.clear();
          for (const r of runsOf(scan.summaries)) live.set(r.id, r);
          if (!loading) {
            total = undefined;
            // what changed while the scan went by is read again
            if (scanTouched.size) feed.current.refresh([...scanTouched]);
            scanTouched.clear();
          }
          publish(false);
          published = performance.now();
        }
        if (loading) setImmediate(slice);
      };
      slice();
    };
    /** A warm start: the newest runs as soon as the worker has them, then the full check in slices. */
    const loadNewestFirst = (newest: Promise<NewestRuns>): void => {
      loading = true;
      const gen = scans;
      newest.then(
        (first) => {
          if (closed || gen !== scans) return; // reloaded meanwhile
          total = first.total;
          for (const r of first.runs) live.set(r.id, r);
          publish(false);
          // after Ink has drawn the first table (its renders are throttled to one per 33 ms)
          later = setTimeout(() => {
            startWatching();
            loadTrash();
            loadInSlices(true);
          }, FIRST_FRAME_MS);
        },
        (e: unknown) => {
          if (closed || gen !== scans) return;
          dispatch({ type: 'message', text: `cannot list the newest runs: ${message(e)}`, error: true });
          startWatching();
          loadAll(true);
        },
      );
    };
    const loadTrash = (): void => {
      trash.clear();
      try {
        if (!trashIsEmpty(home)) for (const r of listRuns(home, { deleted: true })) trash.set(r.id, r);
      } catch (e) {
        dispatch({ type: 'message', text: `cannot list runs: ${message(e)}`, error: true });
      }
      publish(true);
    };
    const loadAll = (progressive = false) => {
      live.clear();
      if (progressive) loadInSlices(false);
      else {
        scans++;
        loading = false;
        total = undefined;
        try {
          for (const r of listRuns(home)) live.set(r.id, r);
        } catch (e) {
          dispatch({ type: 'message', text: `cannot list runs: ${message(e)}`, error: true });
        }
        publish(false);
      }
      loadTrash();
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
    // With a summary cache the newest runs first; without one, slices show the first rows at once.
    // The watcher too waits for the first table (its names are a readdir of every run).
    const newest = opts.newest !== undefined ? opts.newest : newestRuns(home);
    const first = setImmediate(() => {
      if (newest) return loadNewestFirst(newest);
      startWatching();
      loadAll(true);
    });

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
        if (loading && !e.deleted) scanTouched.add(e.id);
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
    let w: HomeWatcher | null = null;
    /** Started before the full check reads the names: a run made after that is an event. */
    const startWatching = (): void => {
      w ??= watchHome(
        home,
        (e) => {
          pending.set(`${e.deleted}:${e.id}`, e);
          timer ??= setTimeout(flush, opts.debounceMs ?? 150);
        },
        opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {},
      );
    };
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
      clearTimeout(later);
      if (timer) clearTimeout(timer);
      clearInterval(ticker);
      polling?.stop();
      void w?.close();
    };
  }, [home]);
  return useMemo(() => ({ reload: () => feed.current.reload(), refresh: (ids, d) => feed.current.refresh(ids, d) }), []);
}
