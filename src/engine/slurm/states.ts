// Slurm's job states read from its text outputs (never `--json`, whose schema changes between
// versions): `squeue -h -o`, `scontrol show job`, `sacct -P`. Pure parsing and mapping.

/** What grun makes of a job's Slurm state. */
export type JobPhase = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout' | 'node_fail' | 'unknown';

export interface JobState {
  jobId: string;
  phase: JobPhase;
  /** Slurm's own state word (PENDING, COMPLETED, CANCELLED…), '' when unknown. */
  state: string;
  /** Why it pends (Resources, Priority…) or how it ended, when Slurm says. */
  reason?: string;
  /** Node(s) it runs or ran on. */
  node?: string;
  /** `ExitCode=N:S` of scontrol/sacct: exit code and the signal that ended it. */
  exitCode?: number;
  signal?: number;
}

const PHASES: Record<string, JobPhase> = {
  PENDING: 'pending',
  CONFIGURING: 'pending',
  REQUEUED: 'pending',
  REQUEUE_HOLD: 'pending',
  REQUEUE_FED: 'pending',
  RESV_DEL_HOLD: 'pending',
  SUSPENDED: 'pending',
  STOPPED: 'pending',
  RUNNING: 'running',
  COMPLETING: 'running',
  RESIZING: 'running',
  SIGNALING: 'running',
  STAGE_OUT: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  OUT_OF_MEMORY: 'failed',
  BOOT_FAIL: 'failed',
  DEADLINE: 'failed',
  SPECIAL_EXIT: 'failed',
  REVOKED: 'cancelled',
  CANCELLED: 'cancelled',
  PREEMPTED: 'cancelled',
  TIMEOUT: 'timeout',
  NODE_FAIL: 'node_fail',
};

/** Terminal phases: the job is over (its supervisor, if it ran, has exited). */
export const FINISHED_PHASES: ReadonlySet<JobPhase> = new Set(['completed', 'failed', 'cancelled', 'timeout', 'node_fail']);

/** Slurm's state word (sacct adds ` by UID` to CANCELLED; squeue abbreviations are not used). */
export function phaseOf(state: string): JobPhase {
  const word = state.trim().split(/\s+/)[0]?.replace(/\+$/, '').toUpperCase() ?? '';
  return PHASES[word] ?? 'unknown';
}

function cleanReason(r: string | undefined): string | undefined {
  const v = r?.trim();
  return v && v !== 'None' && v !== '(null)' && v !== 'n/a' ? v : undefined;
}

function cleanNode(n: string | undefined): string | undefined {
  const v = n?.trim();
  return v && v !== '(null)' && v !== 'None assigned' && v !== 'n/a' ? v : undefined;
}

function parseExitCode(v: string | undefined): { exitCode?: number; signal?: number } {
  const m = /^(\d+):(\d+)$/.exec(v?.trim() ?? '');
  return m ? { exitCode: Number(m[1]), signal: Number(m[2]) } : {};
}

/** The `-o` format grun asks squeue for: job id (`123` or `123_4`), state, reason, nodes. */
export const SQUEUE_FORMAT = '%i|%T|%r|%N';

/** Lines of `squeue -h -r -t all -o '%i|%T|%r|%N'`, keyed by job id (`123`, `123_4`). */
export function parseSqueue(text: string): Map<string, JobState> {
  const out = new Map<string, JobState>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [id, state, reason, node] = line.split('|');
    if (!id || state === undefined) continue;
    const phase = phaseOf(state);
    out.set(id.trim(), {
      jobId: id.trim(),
      phase,
      state: state.trim(),
      // squeue's %r is the pending reason, or how a finished job ended ("None" when plain).
      reason: cleanReason(reason),
      node: phase === 'pending' ? undefined : cleanNode(node),
    });
  }
  return out;
}

/** `scontrol show job ID` (one or more records, `Key=Value` words). */
export function parseScontrol(text: string): Map<string, JobState> {
  const out = new Map<string, JobState>();
  // Records are separated by blank lines; values we read hold no spaces.
  for (const rec of text.split(/\n\s*\n/)) {
    const kv = new Map<string, string>();
    for (const m of rec.matchAll(/(?:^|\s)([A-Za-z][A-Za-z0-9:/_]*)=(\S*)/g)) if (!kv.has(m[1]!)) kv.set(m[1]!, m[2]!);
    const jobId = kv.get('JobId');
    const state = kv.get('JobState');
    if (!jobId || !state) continue;
    // Array tasks are `ArrayJobId=12 ArrayTaskId=3`; grun names them `12_3` as squeue does. The
    // record of tasks not split off their array yet is `12_[0-9%2]`, as squeue shows it.
    const arrayJob = kv.get('ArrayJobId');
    const task = kv.get('ArrayTaskId');
    const id = arrayJob && task ? (/^\d+$/.test(task) && task !== NO_VAL ? `${arrayJob}_${task}` : `${arrayJob}_[${task}]`) : jobId;
    const phase = phaseOf(state);
    out.set(id, {
      jobId: id,
      phase,
      state,
      reason: cleanReason(kv.get('Reason')),
      node: phase === 'pending' ? undefined : cleanNode(kv.get('NodeList')),
      ...parseExitCode(kv.get('ExitCode')),
    });
  }
  return out;
}

/** Slurm's NO_VAL as an `ArrayTaskId`: the record of an array's tasks never split off it. */
const NO_VAL = '4294967294';

/** Whether `12_[0-3,7%2]` (or `12_[4294967294]`) holds task `12_i`. */
function taskSetHolds(id: string, arrayJob: string, task: number): boolean {
  const m = /^(\d+)_\[([^\]]*)\]$/.exec(id);
  if (!m || m[1] !== arrayJob) return false;
  const spec = m[2]!.split('%')[0]!;
  if (spec === NO_VAL) return true;
  return spec.split(',').some((part) => {
    const [lo, hi = lo] = part.split('-').map(Number);
    return lo !== undefined && hi !== undefined && task >= lo && task <= hi;
  });
}

/**
 * Task `A_i`'s state from the records of array `A`: its own, else that of the tasks still held
 * in the array's record (pending together, or cancelled together before any was split off).
 */
export function arrayTaskState(records: Map<string, JobState>, jobId: string): JobState | null {
  const own = records.get(jobId);
  if (own) return own;
  const m = /^(\d+)_(\d+)$/.exec(jobId);
  if (!m) return null;
  for (const [id, s] of records) if (taskSetHolds(id, m[1]!, Number(m[2]))) return { ...s, jobId };
  return null;
}

/** The `-o` fields grun asks sacct for (`-P -n -X`: parsable, no header, allocations only). */
export const SACCT_FIELDS = 'JobID,State,Reason,NodeList,ExitCode';

/** `sacct -P -n -X -o JobID,State,Reason,NodeList,ExitCode`: the last record of each job wins (requeues). */
export function parseSacct(text: string): Map<string, JobState> {
  const out = new Map<string, JobState>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [id, state, reason, node, exit] = line.split('|');
    if (!id || !state) continue;
    const phase = phaseOf(state);
    out.set(id.trim(), {
      jobId: id.trim(),
      phase,
      state: state.trim().split(/\s+/)[0]!,
      reason: cleanReason(reason),
      node: phase === 'pending' ? undefined : cleanNode(node),
      ...parseExitCode(exit),
    });
  }
  return out;
}

/** `PENDING (Resources)`, `RUNNING on node1`, `TIMEOUT`: how the dashboard and listings say it. */
export function describeJobState(s: JobState): string {
  if (s.phase === 'unknown' && !s.state) return 'UNKNOWN (in neither squeue nor the accounting)';
  if (s.phase === 'pending') return s.reason ? `${s.state} (${s.reason})` : s.state;
  if (s.phase === 'running') return s.node ? `${s.state} on ${s.node}` : s.state;
  // A cancelled job keeps its last pending reason: only failures say why.
  return s.reason && (s.phase === 'failed' || s.phase === 'node_fail') ? `${s.state} (${s.reason})` : s.state;
}
