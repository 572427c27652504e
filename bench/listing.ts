// Listing, compare and `runs info` against what each should cost, side by side in one run
// (`npm run bench -- listing`; launch and `cat --output`: bench/engine.ts). Homes are synthetic
// (bench/synthetic-home.ts), built once under GRUN_BENCH_DIR (default .bench/); cold = no grun cache. Medians of
// GRUN_BENCH_REPS (default 5) runs; no assertions. GRUN_BENCH_LISTING_100K=0 skips 100k rows.
// Where Guild is installed (bench/guild.ts), its `guild runs` and `guild runs info` are timed
// on the same homes, each alternating with grun's so both meet the same load; Guild keeps no
// listing cache, so its `runs` figure stands beside both the cold and the warm row.
// The dashboard's bytes are counted on the real binary in tmux (bench/dashboard-bytes.ts).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { measure, median } from './measure.js';
import { dashboardBytes } from './dashboard-bytes.js';
import { dashboardStart } from './dashboard-start.js';
import { guildBin as guild } from './guild.js';
import { syntheticHome } from './synthetic-home.js';

const root = resolve(process.env.GRUN_BENCH_DIR ?? join(import.meta.dirname, '../.bench'));
const reps = Number(process.env.GRUN_BENCH_REPS ?? 5);
const with100k = process.env.GRUN_BENCH_LISTING_100K !== '0';
const grun = resolve(import.meta.dirname, '../bin/grun');
const floor = resolve(import.meta.dirname, 'floor-reader.mjs');
const compareFloor = resolve(import.meta.dirname, 'compare-floor.mjs');

/** Median wall seconds of `reps` runs; `before` runs (untimed) ahead of each. */
function secs(cmd: string, args: string[], before?: () => void, n = reps): number {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    before?.();
    xs.push(measure(cmd, args).wallMs / 1000);
  }
  return median(xs);
}
const sh = (line: string, before?: () => void, n?: number) => secs('sh', ['-c', line], before, n);

/**
 * Medians of grun's `args` and, where Guild is installed, of `guild` with the same args on the
 * same home, run alternately (`before` ahead of each grun run).
 */
function besideGuild(home: string, args: string[], before?: () => void, n = reps): { grun: number; guild?: number } {
  const g: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < n; i++) {
    before?.();
    r.push(measure(grun, ['-H', home, ...args]).wallMs / 1000);
    if (guild) g.push(measure(guild, ['-H', home, ...args]).wallMs / 1000);
  }
  return { grun: median(r), guild: guild ? median(g) : undefined };
}
const dropCache = (home: string) => () => rmSync(join(home, 'cache'), { recursive: true, force: true });

interface Row {
  work: string;
  grun: number;
  /** Guild doing the same work, where it is installed. */
  guild?: number;
  ref?: { what: string; s: number };
  target: string;
  ok: boolean | null;
  /** Seconds unless set. */
  unit?: string;
}
const rows: Row[] = [];
const f = (s: number) => s.toFixed(3);
function row(work: string, s: number, target: string, ok: boolean | null, ref?: { what: string; s: number }, guildS?: number): void {
  rows.push({ work, grun: s, guild: guildS, ref, target, ok });
  // printed as it goes too: a long bench shows progress
  const guildNote = guildS === undefined || guildS === ref?.s ? '' : ` (guild ${f(guildS)} s)`;
  console.error(`  ${work}: ${f(s)} s${ref ? ` (${ref.what} ${f(ref.s)} s)` : ''}${guildNote}`);
}

/**
 * The dashboard's start on a big home (bench/dashboard-start.ts), beside `grun runs` on the same
 * home; GRUN_BENCH_BEFORE=path/to/bin/grun adds the same figures of another build (before a change).
 */
async function dashboardStartRows(home: string, n: number, runs: number): Promise<void> {
  const k = `${n / 1000}k`;
  for (const [what, bin] of [['', undefined], [' (before)', process.env.GRUN_BENCH_BEFORE]] as const) {
    if (what && !bin) continue;
    const d = await dashboardStart(home, n, bin);
    if (!d) return void console.error('(tmux not installed: dashboard start not measured)');
    row(`dashboard${what}, ${k} runs, first full table (tmux 220x60)`, d.firstTable, '≤ 1.5 s', d.firstTable <= 1.5, { what: '`grun runs`', s: runs });
    row(`dashboard${what}, ${k} runs, every run checked (in the background)`, d.allChecked, '–', null);
    console.error(`  dashboard${what}: ${f(d.firstTableCpu)} s of CPU (all threads) by its first full table`);
  }
}

/** The dashboard's two rows (bench/dashboard-bytes.ts), each beside the same frames as full frames. */
async function dashboardRows(): Promise<void> {
  const b = await dashboardBytes(root);
  if (!b) return void console.error('(tmux not installed: dashboard bytes not measured)');
  rows.push({ work: 'bytes per cursor move, 220x60 dashboard', grun: b.perMove, ref: { what: 'same frames, full', s: b.framesPerMove * b.fullFrame }, target: '≤ 1 KB', ok: b.perMove <= 1024, unit: 'B' });
  rows.push({ work: 'bytes/s, dashboard idle, one run printing 10 lines/s', grun: b.perSec, ref: { what: 'same frames, full', s: b.framesPerSec * b.fullFrame }, target: '≤ 4 KB/s', ok: b.perSec <= 4096, unit: 'B/s' });
}

console.log(`Machine: ${spawnSync('sh', ['-c', "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; uptime"], { encoding: 'utf8' }).stdout.trim().replace(/\n/g, ' · ')}`);
console.log(guild ? `Guild: ${guild} (${spawnSync(guild, ['--version'], { encoding: 'utf8' }).stdout.trim()})` : 'Guild: not installed here — its column is left out, not estimated.');

const version = secs(grun, ['--version']);
row('`grun --version`', version, 'baseline', true);

const h10k = syntheticHome(root, 10_000);
// ~3 s a run each at 10k: at most 3 of each
const cold = besideGuild(h10k, ['runs'], dropCache(h10k), Math.min(reps, 3));
row('`grun runs`, 10k, cold', cold.grun, 'faster than Guild', cold.guild === undefined ? null : cold.grun < cold.guild, cold.guild === undefined ? undefined : { what: 'guild runs', s: cold.guild }, cold.guild);
const warm10k = secs(grun, ['-H', h10k, 'runs']);
row('`grun runs`, 10k, warm', warm10k, '≤ 2× --version', warm10k <= 2 * version, { what: '2× --version', s: 2 * version }, cold.guild);

if (with100k) {
  const h100k = syntheticHome(root, 100_000);
  secs(grun, ['-H', h100k, 'runs'], undefined, 1); // warms the cache
  const warm100k = secs(grun, ['-H', h100k, 'runs']);
  row('`grun runs`, 100k, warm', warm100k, '≤ 0.5 s', warm100k <= 0.5);
  // warms the scalar values in the summary cache (minutes the first time at 100k), then the
  // median of three
  sh(`${grun} -H ${h100k} runs -F 'loss < 0.5' -a > /dev/null`, undefined, 1);
  const filt = sh(`${grun} -H ${h100k} runs -F 'loss < 0.5' -a > /dev/null`, undefined, 3);
  row("`grun runs -F 'loss < 0.5' -a`, 100k, warm", filt, '≤ 1 s', filt <= 1);
  await dashboardStartRows(h100k, 100_000, warm100k);
}

const json = sh(`${grun} -H ${h10k} runs -a --json > /dev/null`);
const floorS = sh(`node ${floor} ${h10k} > /dev/null`);
row('`grun runs -a --json`, 10k, warm', json, '≤ 1× floor reader', json <= floorS, { what: 'floor reader', s: floorS });

const h1k = syntheticHome(root, 1_000);
const cmp = sh(`${grun} -H ${h1k} compare --csv - > /dev/null`, dropCache(h1k));
const cmpFloor = sh(`node ${compareFloor} ${h1k} > /dev/null`);
row('`grun compare --csv`, 1k, cold', cmp, '≤ 0.4 s', cmp <= 0.4, { what: 'compare floor reader', s: cmpFloor });
const cmpWarm = sh(`${grun} -H ${h1k} compare --csv - > /dev/null`);
row('`grun compare --csv`, 1k, warm', cmpWarm, '–', null, { what: 'compare floor reader', s: cmpFloor });

const info = besideGuild(h10k, ['runs', 'info']);
row('`grun runs info`, 10k home', info.grun, '≤ 2× --version', info.grun <= 2 * version, { what: '2× --version', s: 2 * version }, info.guild);


await dashboardRows();

console.log('\n| work | grun | guild | reference | ref | grun/ref | target | met |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | --- | --- |');
for (const r of rows) {
  const v = (x: number) => (r.unit ? `${x.toFixed(0)} ${r.unit}` : f(x));
  const ref = r.ref ? `${r.ref.what} | ${v(r.ref.s)} | ${(r.grun / r.ref.s).toFixed(2)}×` : '– | – | –';
  console.log(`| ${r.work} | ${v(r.grun)} | ${r.guild === undefined ? '–' : f(r.guild)} | ${ref} | ${r.target} | ${r.ok === null ? (r.target.includes('Guild') ? '– (no Guild)' : '–') : r.ok ? 'yes' : 'no'} |`);
}
