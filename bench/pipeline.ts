// Pipeline figures, through the built binary (run `npm run build` first):
//   npm run bench -- pipeline      (or: node --import tsx bench/pipeline.ts)
// 1. Per-step overhead of a BENCH_CHAIN_STEPS (20) step chain of trivial steps (`exec: "true"`,
//    --no-memo): the gap between one step's end (`stopped`) and the next step's start
//    (`started`), median and mean, beside the whole pipeline's wall time.
// 2. Planning a sweep of BENCH_PIPE_CHILDREN (1,000) children over a 3-step pipeline: the plan
//    and launch decision in process (planRun + decideLaunch: every step checked), then the whole
//    `grun run PIPE lr=range[..] --stage-trials` (plan, decision, 1,000 staged runs written).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideLaunch } from '../src/engine/launch/decide.js';
import { planRun } from '../src/engine/plan.js';
import { median } from './measure.js';

const grunBin = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/grun');
const STEPS = Number(process.env.BENCH_CHAIN_STEPS ?? 20);
const CHILDREN = Number(process.env.BENCH_PIPE_CHILDREN ?? 1_000);

const root = mkdtempSync(join(tmpdir(), 'grun-bench-pipeline-'));
const home = join(root, 'home');
const cwd = join(root, 'proj');
mkdirSync(join(home, 'runs'), { recursive: true });
mkdirSync(cwd);
const chain = Array.from({ length: STEPS }, (_, i) => `    - {run: step n=${i}, name: s${i}}\n`).join('');
writeFileSync(
  join(cwd, 'guild.yml'),
  `step:\n  exec: "true"\n  flags: {n: 0, lr: 0.1}\nchain:\n  steps:\n${chain}three:\n  flags: {lr: 0.1}\n  steps:\n    - step n=1\n    - step n=2\n    - step lr=\${lr}\n`,
);

function grun(args: string[]): { ms: number; stdout: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, GUILD_HOME: home };
  delete env.NODE_ENV;
  const t0 = performance.now();
  const r = spawnSync(grunBin, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`grun ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout };
}
const usec = (dir: string, name: string): number => Number(readFileSync(join(dir, '.guild/attrs', name), 'utf8'));

try {
  const run = grun(['run', 'chain', '--no-memo', '-y', '--background']);
  const pipeId = /started in background as ([0-9a-f]{32})/.exec(run.stdout)![1]!;
  const pipeDir = join(home, 'runs', pipeId);
  const t0 = performance.now();
  for (;;) {
    try {
      readFileSync(join(pipeDir, '.guild/attrs/exit_status'));
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const wall = performance.now() - t0 + run.ms;
  const steps = Array.from({ length: STEPS }, (_, i) => join(pipeDir, readlinkSync(join(pipeDir, `s${i}`))));
  const gaps = steps.slice(1).map((d, i) => (usec(d, 'started') - usec(steps[i]!, 'stopped')) / 1000);
  const runMs = steps.map((d) => (usec(d, 'stopped') - usec(d, 'started')) / 1000);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  console.log(`chain of ${STEPS} trivial steps (exec true, --no-memo):`);
  console.log(`  step end -> next step start  median ${median(gaps).toFixed(0)} ms   mean ${mean.toFixed(0)} ms   max ${Math.max(...gaps).toFixed(0)} ms`);
  console.log(`  each step's own run          median ${median(runMs).toFixed(0)} ms`);
  console.log(`  whole pipeline (launch to end) ${(wall / 1000).toFixed(1)} s`);

  const req = { home, cwd, opspec: 'three', flagArgs: [`lr=range[1:${CHILDREN}]`] };
  const p0 = performance.now();
  const plan = await planRun(req);
  const lp = decideLaunch({ home, work: { kind: 'operation', run: req }, mode: 'foreground', memo: false, sweep: { stageTrials: true } }, { kind: 'local' }, plan);
  const planMs = performance.now() - p0;
  const staged = grun(['run', 'three', `lr=range[1:${CHILDREN}]`, '--stage-trials', '-y']);
  const made = staged.stdout.split('\n').filter((l) => l.startsWith('Staged trial')).length;
  console.log(`\nsweep of ${CHILDREN} children over a 3-step pipeline:`);
  console.log(`  plan + decision in process   ${planMs.toFixed(0)} ms (${lp.kind}, 3 steps checked)`);
  console.log(`  grun run --stage-trials      ${(staged.ms / 1000).toFixed(2)} s wall, ${made} staged pipeline runs written`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
