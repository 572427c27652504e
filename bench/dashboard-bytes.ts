// What the real dashboard writes to its terminal, counted by tmux (`pipe-pane`), at 220x60 over
// a 1,000-run home: bytes per cursor move (down ten times) and bytes per second while idle with
// one run printing 10 lines/s. Beside each, what the same frames cost as full frames (Ink's
// default renderer, grun before its line-diff writer): frames sent (one synchronized update
// each) × the bytes of one full frame (the largest update sent for the loaded table).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { syntheticHome } from './synthetic-home.js';
import { TmuxGrun, tmuxAvailable } from '../test/e2e/tmux.js';

export interface DashboardBytes {
  fullFrame: number;
  perMove: number;
  framesPerMove: number;
  perSec: number;
  framesPerSec: number;
}

const grun = resolve(import.meta.dirname, '../bin/grun');
const size = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
/** The synchronized updates (one a frame) in a slice of the log. */
const updates = (log: string, from: number, to: number): string[] => readFileSync(log).subarray(from, to).toString('latin1').split('\x1b[?2026h').slice(1);

/** Waits until `path` stops growing for `quietMs`; returns its size. */
async function settled(path: string, quietMs = 600): Promise<number> {
  let last = size(path);
  let since = performance.now();
  for (;;) {
    await sleep(50);
    const now = size(path);
    if (now !== last) [last, since] = [now, performance.now()];
    else if (performance.now() - since >= quietMs) return last;
  }
}

export async function dashboardBytes(root: string): Promise<DashboardBytes | null> {
  if (!tmuxAvailable) return null;
  const home = join(root, 'home-dash');
  rmSync(home, { recursive: true, force: true });
  spawnSync('cp', ['-a', syntheticHome(root, 1_000), home]);
  const project = mkdtempSync(join(tmpdir(), 'grun-bench-'));
  writeFileSync(join(project, 'ticker.py'), 'import time\nfor i in range(600):\n    print("tick", i, flush=True)\n    time.sleep(0.1)\n');
  const log = join(project, 'pane.log');
  const t = new TmuxGrun({ columns: 220, rows: 60, env: { GUILD_HOME: home, TERM: 'xterm-256color' } });
  const env: NodeJS.ProcessEnv = { ...process.env, GUILD_HOME: home };
  delete env.NODE_ENV;
  try {
    t.tmux('pipe-pane', '-t', 'grun', '-o', `cat >> ${log}`);
    await t.waitFor(/1000\/1000 runs/, 60_000);
    const before = await settled(log);
    const fullFrame = Math.max(...updates(log, 0, before).map((u) => u.length));
    const moves = 10;
    for (let i = 0; i < moves; i++) {
      t.keys('j');
      await settled(log, 300);
    }
    const moved = size(log);
    spawnSync(grun, ['run', 'ticker.py', '-y', '--background'], { cwd: project, env, stdio: 'ignore' });
    await t.waitFor(/1001\/1001 runs/, 30_000);
    await sleep(1500);
    const from = size(log);
    const t0 = performance.now();
    await sleep(10_000);
    const to = size(log);
    const secs = (performance.now() - t0) / 1000;
    return {
      fullFrame,
      perMove: (moved - before) / moves,
      framesPerMove: updates(log, before, moved).length / moves,
      perSec: (to - from) / secs,
      framesPerSec: updates(log, from, to).length / secs,
    };
  } finally {
    spawnSync(grun, ['stop', '-y'], { env, stdio: 'ignore' });
    t.close();
    rmSync(project, { recursive: true, force: true });
  }
}
