// Pure text formatting for the dashboard: times, durations, padding.
import { termSafe } from '../store/terminal-text.js';
import { formatDuration as formatGuildDuration, formatTimestamp } from '../store/timefmt.js';
import type { Run } from '../store/types.js';

export const shortId = (id: string): string => id.slice(0, 8);


/** Local time from µs: `2026-11-22 10:51:02`, or `11-22 10:51` when `short`. */
export function formatStarted(us: number | null, short = false): string {
  const full = formatTimestamp(us);
  return short ? full.slice(5, 16) : full;
}

/** Guild's `H:MM:SS` from ms; empty for runs that never started. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '';
  return formatGuildDuration(0, ms * 1000);
}

/** Run time in ms: stopped − started, or now − started while it runs. */
export function runDurationMs(run: Run, now = Date.now()): number | null {
  if (run.started === null) return null;
  if (run.stopped !== null) return (run.stopped - run.started) / 1000;
  if (run.status === 'running') return now - run.started / 1000;
  return null;
}

/** Whether a run executes elsewhere than here: a Slurm job, or a mirror of a remote run. */
export const runsElsewhere = (run: Run): boolean => run.slurm !== null || run.markers.lockRemote !== null;

/**
 * Where a run executes, for the runs table: `local`, `ssh gpu1` (a remote's mirror), or
 * `slurm 12_3` with what Slurm says of the job while it waits or runs (`(Resources)`, `@node1`),
 * and how it ended when it did not end by itself (`NODE_FAIL`).
 */
export function executorText(run: Run): string {
  if (run.batch) return ''; // a batch's trials execute, each where it says
  if (run.markers.lockRemote !== null) return `ssh ${run.markers.lockRemote}`;
  if (!run.slurm) return 'local';
  const base = `slurm ${run.slurm.jobId}`;
  const job = run.statusInfo.job;
  if (job && run.status === 'pending') return job.reason ? `${base} (${job.reason})` : base;
  if (job && run.status === 'running') return job.node ? `${base} @${job.node}` : base;
  if (job && !job.state) return `${base} ?`; // in neither squeue nor the accounting
  return run.slurm.finalState ? `${base} ${run.slurm.finalState}` : base;
}

/** The overview's executor line: the job, its cluster and the remote it went through. */
export function executorDetail(run: Run): string {
  if (!run.slurm) return executorText(run);
  const s = run.slurm;
  return `slurm: job ${s.jobId}${s.cluster ? ` on cluster ${s.cluster}` : ''}${s.remote ? ` (remote ${s.remote})` : ''}`;
}

/** A number in at most `width` columns. */
export function formatNumber(v: number | undefined, width = 10): string {
  if (v === undefined) return '';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  for (let p = 6; p >= 1; p--) {
    const s = v.toPrecision(p).replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
    if (s.length <= width) return s;
  }
  return v.toExponential(0);
}

/** `s` made terminal-safe, padded or cut to exactly `width` columns (cut with `…`). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const s = termSafe(text);
  const chars = [...s];
  if (chars.length > width) return width === 1 ? '…' : chars.slice(0, width - 1).join('') + '…';
  const pad = ' '.repeat(width - chars.length);
  return align === 'left' ? s + pad : pad + s;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** A one-line sparkline of the finite values, downsampled to `width` points. */
export function sparkline(values: readonly number[], width: number): string {
  const vs = values.filter(Number.isFinite);
  if (vs.length === 0 || width <= 0) return '';
  const pts = downsample(vs, width);
  const lo = Math.min(...pts);
  const hi = Math.max(...pts);
  return pts.map((v) => SPARK[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * 7)]).join('');
}

/** At most `n` points, each the mean of its bucket (keeps the shape of long series). */
export function downsample(vs: readonly number[], n: number): number[] {
  if (vs.length <= n) return [...vs];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * vs.length) / n);
    const b = Math.max(a + 1, Math.floor(((i + 1) * vs.length) / n));
    let sum = 0;
    for (let k = a; k < b; k++) sum += vs[k]!;
    out.push(sum / (b - a));
  }
  return out;
}
