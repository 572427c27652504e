// Scalars of runs, loaded on demand (visible rows, a scalar sort, a filter expression) in
// small slices between frames, and dropped when the watcher says a run changed. Reading goes
// through the store's scalar index, so finished runs come from its cross-process cache.
import { runScalarData, scalarIndexFor } from '../../store/scalar-index.js';
import type { Run, ScalarSummary } from '../../store/types.js';
import type { ScalarLookup } from '../state/view.js';

/** Work per slice before yielding to input and rendering. */
const SLICE_MS = 12;

export class ScalarCache {
  private readonly loaded = new Map<string, readonly ScalarSummary[]>();
  private readonly queue = new Map<string, Run>();
  private readonly runs = new Map<string, Run>(); // loaded ones, to forget them in the index
  private readonly listeners = new Set<() => void>();
  private version = 0;
  private pumping = false;
  private closed = false;
  private lookupMemo: ScalarLookup = { version: 0, get: (id) => this.loaded.get(id) };

  lookup(): ScalarLookup {
    if (this.lookupMemo.version !== this.version) this.lookupMemo = { version: this.version, get: (id) => this.loaded.get(id) };
    return this.lookupMemo;
  }

  /** Queues the runs whose scalars are not loaded yet. */
  request(runs: Iterable<Run>): void {
    let added = false;
    for (const r of runs) {
      if (this.loaded.has(r.id) || this.queue.has(r.id)) continue;
      this.queue.set(r.id, r);
      added = true;
    }
    if (added) this.pump();
  }

  invalidate(id: string): void {
    this.loaded.delete(id);
    const run = this.runs.get(id);
    if (run) scalarIndexFor(run).forget(run.dir);
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.closed = true;
    this.queue.clear();
  }

  get pending(): number {
    return this.queue.size;
  }

  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    setImmediate(() => {
      const t0 = performance.now();
      for (const [id, run] of this.queue) {
        this.queue.delete(id);
        this.runs.set(id, run);
        try {
          this.loaded.set(id, runScalarData(run).summaries);
        } catch {
          this.loaded.set(id, []); // a run dir that vanished or is unreadable has no scalars
        }
        if (performance.now() - t0 > SLICE_MS) break;
      }
      this.pumping = false;
      this.version++;
      for (const fn of this.listeners) fn();
      if (this.queue.size > 0) this.pump();
    });
  }
}
