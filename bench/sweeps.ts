// Sweep figures, through the built binary (run `npm run build` first):
//   node --import tsx bench/sweeps.ts
// 1. Staging a sweep of BENCH_SWEEP_CHILDREN (10,000) children with `grun submit --stage`
//    (memo keys recorded, as by default): wall time and run dirs created.
// 2. The scheduler running BENCH_QUEUE_RUNS (1,000) trivial staged children with
//    `grun queue --once --max-parallel 2`: runs per second, and the gap between a run ending
//    (`stopped`) and the next one starting (`started`) on the freed slot.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const grunBin = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/grun');
const CHILDREN = Number(process.env.BENCH_SWEEP_CHILDREN ?? 10_000);
const QUEUE_RUNS = Number(process.env.BENCH_QUEUE_RUNS ?? 1_000);
const PARALLEL = 2;

function setup(): { home: string; cwd: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'grun-bench-sweeps-'));
  const home = join(root, 'home');
  const cwd = join(root, 'proj');
  mkdirSync(join(home, 'runs'), { recursive: true });
  mkdirSync(cwd);
  writeFileSync(join(cwd, 'job.sh'), 'exit 0\n');
  return { home, cwd, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function grun(args: string[], cwd: string, home: string, okCodes = [0]): { ms: number; stdout: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, GUILD_HOME: home };
  delete env.NODE_ENV;
  const t0 = performance.now();
  const r = spawnSync(grunBin, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`grun ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

const attrNum = (dir: string, name: string): number => Number(readFileSync(join(dir, '.guild/attrs', name), 'utf8'));

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]!;
}

/** Gaps (ms): each start after the first ones takes the slot freed earliest by a run's end. */
function slotGaps(runs: { started: number; stopped: number }[]): number[] {
  const events = runs.flatMap((r) => [
    { t: r.started, start: true },
    { t: r.stopped, start: false },
  ]);
  events.sort((a, b) => a.t - b.t || (a.start ? 1 : -1));
  const freedAt: number[] = [];
  const gaps: number[] = [];
  for (const e of events) {
    if (!e.start) freedAt.push(e.t);
    else if (freedAt.length) gaps.push((e.t - freedAt.shift()!) / 1000);
  }
  return gaps;
}

function benchStaging(): void {
  const { home, cwd, cleanup } = setup();
  try {
    const r = grun(['submit', 'job.sh', '--repeat', String(CHILDREN), '--stage', '-y'], cwd, home);
    const dirs = readdirSync(join(home, 'runs')).length;
    console.log(
      `staging a ${CHILDREN}-child sweep: ${(r.ms / 1000).toFixed(1)} s, ${dirs} run dirs created ` +
        `(${(r.ms / CHILDREN).toFixed(2)} ms per child)`,
    );
  } finally {
    cleanup();
  }
}

function benchQueue(): void {
  const { home, cwd, cleanup } = setup();
  try {
    grun(['submit', 'job.sh', '--repeat', String(QUEUE_RUNS), '--stage', '--no-memo', '-y'], cwd, home);
    const q = grun(['queue', '--once', '--max-parallel', String(PARALLEL), '--poll', '0.5'], cwd, home, [0, 1]);
    const failed = q.stdout.split('\n').filter((l) => l.includes('Cannot start'));
    const runs = readdirSync(join(home, 'runs'))
      .map((id) => join(home, 'runs', id))
      .filter((d) => readdirSync(join(d, '.guild')).includes('grun-parent'))
      .flatMap((d) => {
        try {
          return [{ started: attrNum(d, 'started'), stopped: attrNum(d, 'stopped') }];
        } catch {
          return [];
        }
      });
    const gaps = slotGaps(runs);
    console.log(
      `scheduler, ${QUEUE_RUNS} trivial runs, --max-parallel ${PARALLEL}: ${(q.ms / 1000).toFixed(1)} s, ` +
        `${(runs.length / (q.ms / 1000)).toFixed(2)} runs/s (${runs.length} ran, ${failed.length} failed to start)`,
    );
    console.log(
      `  gap from a run's end to the next start on its slot: median ${percentile(gaps, 50).toFixed(0)} ms, ` +
        `p95 ${percentile(gaps, 95).toFixed(0)} ms, max ${Math.max(...gaps).toFixed(0)} ms`,
    );
    for (const f of failed.slice(0, 3)) console.log(`  ${f}`);
  } finally {
    cleanup();
  }
}

benchStaging();
benchQueue();
