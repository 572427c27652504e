// Scalars of runs, loaded on demand (visible rows, a scalar sort, a filter expression) in
// small slices between frames, and dropped when the watcher says a run changed. Reading goes
// through the store's scalar index, so finished runs come from its cross-process cache.
import { runScalarData, scalarIndexFor } from '../../store/scalar-index.js';
import type { Run, ScalarSummary } from '../../store/types.js';
import type { ScalarLookup } from '../state/view.js';

/** Work per slice before yielding to input and rendering. */
const SLICE_MS = 12;

/** `fresh`, plus the known scalars it lacks (a torn or half-written event file reads short). */
function withKnown(fresh: readonly ScalarSummary[], known: readonly ScalarSummary[] | undefined): readonly ScalarSummary[] {
  if (!known) return fresh;
  const keys = new Set(fresh.map((s) => `${s.prefix}\0${s.tag}`));
  const kept = known.filter((s) => !keys.has(`${s.prefix}\0${s.tag}`));
  return kept.length === 0 ? fresh : [...fresh, ...kept];
}

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

  /**
   * The run changed: its scalars are read again, and until they are the known ones stay (a
   * refresh that blanked them would blink the table's cells and reshuffle a sort by them).
   */
  invalidate(id: string): void {
    const run = this.runs.get(id);
    if (!run) return;
    scalarIndexFor(run).forget(run.dir);
    if (!this.loaded.has(id)) return;
    this.queue.set(id, run);
    this.pump();
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
        const known = this.loaded.get(id);
        try {
          this.loaded.set(id, withKnown(runScalarData(run).summaries, known));
        } catch {
          // a run dir that vanished or is unreadable has no scalars, unless some were read before
          this.loaded.set(id, known ?? []);
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
