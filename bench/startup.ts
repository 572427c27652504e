// Startup of the listing commands beside `grun --version` (`npm run bench -- startup`): each
// round runs every command once, in turn, so that a loaded machine slows them alike; medians of
// GRUN_BENCH_REPS (default 9) rounds on the 10k-run home of bench/synthetic-home.ts, cache
// warm. Also the modules each loads (grun's own, and all with dependencies, ES and CommonJS).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { measure, median } from './measure.js';
import { syntheticHome } from './synthetic-home.js';

const root = resolve(process.env.GRUN_BENCH_DIR ?? join(import.meta.dirname, '../.bench'));
const reps = Number(process.env.GRUN_BENCH_REPS ?? 9);
const grun = resolve(import.meta.dirname, '../bin/grun');
const counter = resolve(import.meta.dirname, 'count-modules.mjs');
const home = syntheticHome(root, 10_000);

const commands: [string, string[]][] = [
  ['--version', ['--version']],
  ['runs', ['-H', home, 'runs']],
  ['runs info', ['-H', home, 'runs', 'info']],
  ['ls', ['-H', home, 'ls']],
  ['cat --output', ['-H', home, 'cat', '--output']],
];

/** Modules `args` loads: [grun's own, all]. */
function modules(args: string[]): [number, number] {
  const dir = mkdtempSync(join(tmpdir(), 'grun-modules-'));
  const log = join(dir, 'log');
  spawnSync(process.execPath, ['--import', counter, grun, ...args], { env: { ...process.env, GRUN_MODULE_LOG: log }, stdio: 'ignore' });
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  rmSync(dir, { recursive: true });
  return [lines.filter((l) => l.includes('/dist/')).length, lines.length];
}

spawnSync(grun, ['-H', home, 'runs'], { stdio: 'ignore' }); // warms the summary cache
const times = new Map(commands.map(([name]) => [name, [] as number[]]));
for (let i = 0; i < reps; i++) for (const [name, args] of commands) times.get(name)!.push(measure(grun, args).wallMs / 1000);

console.log(`Machine: ${spawnSync('sh', ['-c', "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; uptime"], { encoding: 'utf8' }).stdout.trim().replace(/\n/g, ' · ')}`);
const version = median(times.get('--version')!);
console.log('\n| command (10k runs, warm) | s | × --version | grun modules | all modules |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, args] of commands) {
  const s = median(times.get(name)!);
  const [own, all] = modules(args);
  console.log(`| \`grun ${name}\` | ${s.toFixed(3)} | ${(s / version).toFixed(2)} | ${own} | ${all} |`);
}
