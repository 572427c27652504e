// Helpers for dashboard tests: polling for a frame, key codes, and Run objects for pure tests.
import type { Run, RunStatus } from '../../src/store/types.js';

/** Polls `lastFrame()` until it matches: Ink renders after a later tick than the write. */
export async function waitForFrame(lastFrame: () => string | undefined, re: RegExp, timeoutMs = 3000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const f = lastFrame() ?? '';
    if (re.test(f)) return f;
    if (Date.now() - t0 > timeoutMs) throw new Error(`frame did not match ${re}:\n${f}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function waitFor(pred: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  enter: '\r',
  esc: '\u001B',
  backspace: '\u007F',
  tab: '\t',
  end: '\u001B[F',
  home: '\u001B[H',
  pageDown: '\u001B[6~',
  ctrlC: '\u0003',
} as const;

/** Writes keys one at a time, each after the app had a tick to take the previous one. */
export async function typeKeys(stdin: { write(s: string): void }, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    stdin.write(k);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let n = 0;
/** A Run for pure tests (reducers, view computation). */
export function fakeRun(over: Partial<Run> = {}): Run {
  n++;
  const id = over.id ?? `${String(n).padStart(8, '0')}${'0'.repeat(24)}`;
  const status: RunStatus = over.status ?? 'completed';
  return {
    id, dir: `/nonexistent/${id}`, deleted: false, opref: null, operation: 'train.py',
    initialized: null, started: 1_795_000_000_000_000 + n * 1_000_000, stopped: null, exitStatus: 0,
    label: null, tags: [], marked: false, flags: {}, comments: [], sourcecodeDigest: null, host: null,
    user: null, seed: null, markers: { lockRemote: null, pending: false, staged: false }, lockPid: null,
    proc: null, slurm: null, batch: false, children: [], parent: null, pruned: null, search: null, problems: [],
    statusInfo: { status }, ...over, status,
  };
}
