// The text of the detail's overview and flags tabs. Pure.
import { formatFlagValue } from '../store/flagfmt.js';
import type { Run } from '../store/types.js';
import { isMarkedFloat } from '../store/yaml11.js';
import { executorDetail, formatDuration, formatStarted, runDurationMs } from './format.js';

export function overviewLines(run: Run, command: string | null = null): string[] {
  const kv: [string, string][] = [
    ['id', run.id],
    ['operation', run.operation],
    ['status', run.status + (run.statusInfo.reason ? ` (${run.statusInfo.reason})` : '')],
    ['started', formatStarted(run.started)],
    ['stopped', formatStarted(run.stopped)],
    ['time', formatDuration(runDurationMs(run))],
    ['exit status', run.exitStatus === null ? '' : String(run.exitStatus)],
    ['executor', executorDetail(run)],
    ['pid', run.slurm ? '' : String(run.statusInfo.pid ?? run.lockPid ?? '')],
    ['seed', run.seed ?? ''],
    ['parent', run.parent ?? ''],
    ['trials', run.batch ? run.children.map((c) => c.slice(0, 8)).join(' ') : ''],
    ['label', run.label ?? ''],
    ['tags', run.tags.join(', ')],
    ['marked', run.marked ? 'yes' : ''],
    ['host', [run.user, run.host].filter(Boolean).join('@')],
    ['sourcecode', run.sourcecodeDigest ?? ''],
    ['command', command ?? ''],
    ['run dir', run.dir],
  ];
  const lines = kv.filter(([, v]) => v !== '').map(([k, v]) => `${k.padEnd(12)} ${v}`);
  if (run.comments.length > 0) {
    lines.push('', 'comments');
    for (const c of run.comments) lines.push(`  ${formatStarted(c.time)} ${c.user}@${c.host}: ${c.body}`);
  }
  if (run.problems.length > 0) {
    lines.push('', 'problems reading this run');
    for (const pr of run.problems) lines.push(`  ${pr.file}: ${pr.message}`);
  }
  return lines;
}

export function flagLines(run: Run): string[] {
  const names = Object.keys(run.flags).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  if (names.length === 0) return ['(no flags)'];
  const w = Math.min(30, Math.max(...names.map((n) => n.length)));
  return names.map((n) => `${n.padEnd(w)}  ${formatFlagValue(run.flags[n]!, { float: isMarkedFloat(run.flags, n) })}`);
}

