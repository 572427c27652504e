// Process liveness from /proc: kill(pid, 0) calls zombies and reused pids alive.
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic.js';
import { readSmallFile } from './small-file.js';
import type { ProcessRecord } from './types.js';

export const PROC_RECORD_FILE = 'grun-proc';

interface ProcStat {
  state: string;
  start: number; // clock ticks since boot (field 22)
}

function procStat(pid: number): ProcStat | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0]!, start: Number(f[19]) };
  } catch {
    return null;
  }
}

export function procStartTime(pid: number): number | null {
  return procStat(pid)?.start ?? null;
}

/** Alive means: in /proc, not a zombie, and (when given) started at the recorded tick. */
export function isProcessAlive(pid: number, start?: number): boolean {
  const st = procStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return start === undefined || st.start === start;
}

let cachedBootId: string | undefined;
export function bootId(): string {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = '';
    }
  }
  return cachedBootId;
}

let cachedBootTime: number | undefined;
/** Boot time in ms since the epoch (`btime` of /proc/stat). */
function bootTimeMs(): number {
  if (cachedBootTime === undefined) {
    try {
      const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      cachedBootTime = m ? Number(m[1]) * 1000 : 0;
    } catch {
      cachedBootTime = 0;
    }
  }
  return cachedBootTime;
}

/** Linux reports start times in USER_HZ ticks, 100 on every mainstream architecture. */
const CLOCK_TICKS = 100;

/** When the process started, in ms since the epoch, or null when it is gone. */
export function processStartedAtMs(pid: number): number | null {
  const st = procStat(pid);
  if (!st || !bootTimeMs()) return null;
  return bootTimeMs() + (st.start * 1000) / CLOCK_TICKS;
}

/**
 * The `RUN_ID` a process was started with (Guild and grun both set it for a run's command), null
 * when it has none, undefined when its environment cannot be read (gone, another user's).
 */
export function processRunId(pid: number): string | null | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let env: string;
  try {
    env = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const m = /(?:^|\0)RUN_ID=([^\0]*)/.exec(env);
  return m ? m[1]! : null;
}

export function hostName(): string {
  return hostname();
}

export function selfProcess(): { pid: number; start: number } {
  return { pid: process.pid, start: procStartTime(process.pid) ?? 0 };
}

export function readProcessRecord(runDir: string): ProcessRecord | null {
  try {
    const rec = JSON.parse(readSmallFile(join(runDir, '.guild', PROC_RECORD_FILE)).toString('utf8'));
    if (rec && rec.version === 1 && rec.supervisor && Number.isInteger(rec.supervisor.pid)) return rec;
  } catch {
    // missing or torn: the run is judged by Guild's rules alone
  }
  return null;
}

export function writeProcessRecord(runDir: string, rec: ProcessRecord): void {
  writeFileAtomicSync(join(runDir, '.guild', PROC_RECORD_FILE), JSON.stringify(rec) + '\n');
}

/** ms since the supervisor last touched its record (its heartbeat), or null when there is none. */
export function processRecordAgeMs(runDir: string, now = Date.now()): number | null {
  try {
    return now - statSync(join(runDir, '.guild', PROC_RECORD_FILE)).mtimeMs;
  } catch {
    return null;
  }
}
