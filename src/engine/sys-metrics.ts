// Live system metrics of a run, sampled by its supervisor every few seconds and written with the
// run's scalars under Guild's `sys/` names (so TensorBoard and `guild runs info -s` see them):
// `sys/cpu/util` (CPU time of the run's whole process tree per second, 1.0 = one core busy),
// `sys/mem_used` (bytes resident in the tree, children included) and, where `nvidia-smi` exists,
// `sys/gpu{N}/util`, `sys/gpu{N}/mem_util` (fractions) and `sys/gpu{N}/mem_used` (bytes) of the
// GPUs the run was given (CUDA_VISIBLE_DEVICES) and of no other, with `sys/gpu_idle` (1 once they
// have sat under 10% for 10 minutes holding memory: grun's own). /proc is read directly;
// nvidia-smi runs asynchronously with a timeout, so a hung driver never stalls the supervisor.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc times are in these ticks. */
const TICKS_PER_SECOND = 100;
const NVIDIA_SMI_TIMEOUT_MS = 5000;

interface ProcSample {
  ppid: number;
  /** utime + stime + cutime + cstime: a reaped child's time moves into its parent's. */
  ticks: number;
}

function readProc(pid: number): ProcSample | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pids of `root` and all its descendants, from one pass over /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [root];
  }
  for (const d of pids) {
    const p = readProc(Number(d));
    if (p) children.set(p.ppid, [...(children.get(p.ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  for (const stack = [root]; stack.length; ) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface TreeUsage {
  ticks: number;
  rss: number;
  at: number;
}

export function treeUsage(root: number, now = Date.now()): TreeUsage {
  let ticks = 0;
  let rss = 0;
  for (const pid of processTree(root)) {
    ticks += readProc(pid)?.ticks ?? 0;
    rss += rssBytes(pid);
  }
  return { ticks, rss, at: now };
}

/** CPU of the tree between two samples, 1.0 = one core busy the whole time. */
export const cpuUtil = (a: TreeUsage, b: TreeUsage): number =>
  b.at > a.at ? Math.max(0, (b.ticks - a.ticks) / TICKS_PER_SECOND / ((b.at - a.at) / 1000)) : 0;

/** The GPUs a run was given: its CUDA_VISIBLE_DEVICES (numbers), or null for all of them. */
export function runGpus(env: Record<string, string | undefined>): number[] | null {
  const v = env.CUDA_VISIBLE_DEVICES;
  if (v === undefined) return null;
  return v.split(',').map((x) => x.trim()).filter((x) => /^\d+$/.test(x)).map(Number);
}

export interface GpuSample {
  index: number;
  util: number;
  memUtil: number;
  memUsed: number;
}

/** `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` lines read; bad lines skipped. */
export function parseNvidiaSmi(text: string): GpuSample[] {
  return text.split('\n').flatMap((line) => {
    const [index, util, memUsed, memTotal] = line.split(',').map((x) => Number(x.trim()));
    if (![index, util, memUsed, memTotal].every((x) => Number.isFinite(x))) return [];
    return [{ index: index!, util: util! / 100, memUsed: memUsed! * 1024 * 1024, memUtil: memTotal! > 0 ? memUsed! / memTotal! : 0 }];
  });
}

/** The GPUs' samples, or null where nvidia-smi is missing, fails or hangs. */
export function sampleGpus(): Promise<GpuSample[] | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'], { timeout: NVIDIA_SMI_TIMEOUT_MS }, (err, stdout) => {
      resolve(err ? null : parseNvidiaSmi(stdout));
    });
  });
}

export type SysScalar = { key: string; value: number };

/** A GPU under this utilisation for IDLE_AFTER_MS while the run holds memory on it is idle. */
export const IDLE_UTIL = 0.1;
export const IDLE_AFTER_MS = 10 * 60_000;

/**
 * Since when the run's GPUs have all been idle (under IDLE_UTIL with memory held), fed each
 * round's GPU samples; `sys/gpu_idle` is 1 once that has lasted IDLE_AFTER_MS, else 0.
 */
export function idleTracker(): (gpus: readonly GpuSample[], now: number) => number {
  let since: number | null = null;
  return (gpus, now) => {
    const holding = gpus.filter((g) => g.memUsed > 0);
    const idle = holding.length > 0 && holding.every((g) => g.util < IDLE_UTIL);
    since = idle ? (since ?? now) : null;
    return since !== null && now - since >= IDLE_AFTER_MS ? 1 : 0;
  };
}

/**
 * Samples the tree of `root` every `intervalMs` and hands each round's scalars to `write`.
 * `stop()` ends it; a round's nvidia-smi still running then writes nothing.
 */
export function startSysSampler(root: number, gpus: number[] | null, intervalMs: number, write: (s: SysScalar[]) => void): { stop(): void } {
  if (intervalMs <= 0) return { stop() {} };
  let prev = treeUsage(root);
  let stopped = false;
  let smi = true; // until nvidia-smi is found missing
  let busy = false;
  const idle = idleTracker();
  const t = setInterval(async () => {
    if (busy) return;
    busy = true;
    const now = treeUsage(root);
    const out: SysScalar[] = [{ key: 'sys/cpu/util', value: cpuUtil(prev, now) }, { key: 'sys/mem_used', value: now.rss }];
    prev = now;
    if (smi && (gpus === null || gpus.length > 0)) {
      const got = await sampleGpus();
      if (got === null) smi = false;
      const mine = (got ?? []).filter((g) => gpus === null || gpus.includes(g.index));
      for (const g of mine) {
        out.push({ key: `sys/gpu${g.index}/util`, value: g.util }, { key: `sys/gpu${g.index}/mem_util`, value: g.memUtil }, { key: `sys/gpu${g.index}/mem_used`, value: g.memUsed });
      }
      if (mine.length) out.push({ key: 'sys/gpu_idle', value: idle(mine, Date.now()) });
    }
    busy = false;
    if (!stopped) write(out);
  }, intervalMs);
  t.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(t);
    },
  };
}
