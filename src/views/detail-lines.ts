// The text of the detail's overview and flags tabs. Pure.
import { natsortCompare } from '../store/natsort.js';
import { formatFlagValue } from '../store/flagfmt.js';
import type { Run, ScalarSummary } from '../store/types.js';
import { isMarkedFloat } from '../store/yaml11.js';
import { executorDetail, formatDuration, formatNumber, formatStarted, runDurationMs, sparkline } from './format.js';

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
  const names = Object.keys(run.flags).sort(natsortCompare);
  if (names.length === 0) return ['(no flags)'];
  const w = Math.min(30, Math.max(...names.map((n) => n.length)));
  return names.map((n) => `${n.padEnd(w)}  ${formatFlagValue(run.flags[n]!, { float: isMarkedFloat(run.flags, n) })}`);
}


const SYS_SPARK = 24;

/**
 * The overview's system section: each `sys/` metric the supervisor sampled (CPU, memory, GPUs)
 * with a sparkline of its samples and its last value; a GPU idle for 10 minutes said so.
 */
export function systemLines(list: readonly ScalarSummary[], seriesOf: (tag: string) => readonly number[]): string[] {
  const sys = list.filter((s) => s.prefix === '' || s.prefix === '.guild').filter((s) => s.tag.startsWith('sys/') && s.tag !== 'sys/gpu_idle');
  if (sys.length === 0) return [];
  const text = (s: ScalarSummary): string => {
    if (s.tag === 'sys/mem_used' || s.tag.endsWith('/mem_used')) return `${formatNumber(s.last / 2 ** 20, 8)} MiB`;
    if (s.tag.endsWith('util')) return `${formatNumber(s.last * 100, 6)}%`;
    return formatNumber(s.last);
  };
  const lines = ['', 'system (sampled by the supervisor)'];
  for (const s of sys) lines.push(`  ${s.tag.padEnd(20)} ${sparkline(seriesOf(s.tag), SYS_SPARK).padEnd(SYS_SPARK)} ${text(s)}`);
  if (list.some((s) => s.tag === 'sys/gpu_idle' && s.last === 1)) lines.push('  GPU IDLE: under 10% for 10 minutes while holding memory');
  return lines;
}
