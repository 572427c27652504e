// Runs a command and reports wall time and peak RSS (from GNU time's %M, in KiB).
import { spawnSync } from 'node:child_process';

export interface Measure {
  wallMs: number;
  maxRssMb: number;
  stdoutBytes: number;
}

export function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Measure {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env, maxBuffer: 1 << 30 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const kib = Number(r.stderr.toString().trim().split('\n').pop());
  return { wallMs, maxRssMb: kib / 1024, stdoutBytes: r.stdout.length };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
