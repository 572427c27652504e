// Startup of the listing commands beside `grun --version` (`npm run bench -- startup`): each
// round runs every command once, in turn, so that a loaded machine slows them alike; medians of
// GRUN_BENCH_REPS (default 9) rounds on the 10k-run home of bench/synthetic-home.ts, cache
// warm. Also the modules each loads (grun's own, and all with dependencies, ES and CommonJS).
// GRUN_BENCH_BEFORE=<another checkout's bin/grun> times that build too, in the same rounds, on a
// home of its own (its cache may be of another version).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { measure, median } from './measure.js';
import { syntheticHome } from './synthetic-home.js';

const root = resolve(process.env.GRUN_BENCH_DIR ?? join(import.meta.dirname, '../.bench'));
const reps = Number(process.env.GRUN_BENCH_REPS ?? 9);
const grun = resolve(import.meta.dirname, '../bin/grun');
const before = process.env.GRUN_BENCH_BEFORE;
const counter = resolve(import.meta.dirname, 'count-modules.mjs');
const bins = before ? [grun, before] : [grun];
const homes = new Map(bins.map((bin) => [bin, syntheticHome(bin === grun ? root : join(root, 'before'), 10_000)]));

const commands: [string, (home: string) => string[]][] = [
  ['--version', () => ['--version']],
  ['runs', (home) => ['-H', home, 'runs']],
  ['runs info', (home) => ['-H', home, 'runs', 'info']],
  ['ls', (home) => ['-H', home, 'ls']],
  ['cat --output', (home) => ['-H', home, 'cat', '--output']],
];

/** Modules `args` loads: [grun's own, all]. */
function modules(bin: string, args: string[]): [number, number] {
  const dir = mkdtempSync(join(tmpdir(), 'grun-modules-'));
  const log = join(dir, 'log');
  spawnSync(process.execPath, ['--import', counter, bin, ...args], { env: { ...process.env, GRUN_MODULE_LOG: log }, stdio: 'ignore' });
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  rmSync(dir, { recursive: true });
  return [lines.filter((l) => l.includes('/dist/')).length, lines.length];
}

for (const bin of bins) spawnSync(bin, ['-H', homes.get(bin)!, 'runs'], { stdio: 'ignore' }); // warms the summary caches
const times = new Map(bins.flatMap((bin) => commands.map(([name]) => [bin + name, [] as number[]])));
for (let i = 0; i < reps; i++) {
  for (const [name, args] of commands) for (const bin of bins) times.get(bin + name)!.push(measure(bin, args(homes.get(bin)!)).wallMs / 1000);
}

console.log(`Machine: ${spawnSync('sh', ['-c', "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; uptime"], { encoding: 'utf8' }).stdout.trim().replace(/\n/g, ' · ')}`);
for (const bin of bins) {
  const version = median(times.get(bin + '--version')!);
  console.log(`\n${bin === grun ? 'This build' : `Before (${bin})`}, medians of ${reps}:\n`);
  console.log('| command (10k runs, warm) | s | × --version | grun modules | all modules |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, args] of commands) {
    const s = median(times.get(bin + name)!);
    const [own, all] = modules(bin, args(homes.get(bin)!));
    console.log(`| \`grun ${name}\` | ${s.toFixed(3)} | ${(s / version).toFixed(2)} | ${own} | ${all} |`);
  }
}
