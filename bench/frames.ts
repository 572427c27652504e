// The dashboard's bytes on the wire (`npm run bench -- frames`): grun's line-diff writer beside
// what the same frames cost as full frames. bench/listing.ts prints the same two rows in its table.
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { dashboardBytes } from './dashboard-bytes.js';

const root = resolve(process.env.GRUN_BENCH_DIR ?? join(import.meta.dirname, '../.bench'));
console.log(`Machine: ${spawnSync('sh', ['-c', "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; uptime"], { encoding: 'utf8' }).stdout.trim().replace(/\n/g, ' · ')}`);
const b = await dashboardBytes(root);
if (!b) console.log('(tmux not installed: dashboard bytes not measured)');
else {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  console.log(`\none full frame at 220x60: ${n(b.fullFrame)} B\n`);
  console.log('| work | grun (line diff) | full frames (same frames) | ratio | target | met |');
  console.log('| --- | ---: | ---: | ---: | --- | --- |');
  const full1 = b.framesPerMove * b.fullFrame;
  console.log(`| bytes per cursor move, 220x60 dashboard | ${n(b.perMove)} B | ${n(full1)} B (${b.framesPerMove.toFixed(1)} frames) | ${(b.perMove / full1).toFixed(3)} | ≤ 1 KB | ${b.perMove <= 1024 ? 'yes' : 'no'} |`);
  const fullS = b.framesPerSec * b.fullFrame;
  console.log(`| bytes/s, dashboard idle, one run printing 10 lines/s | ${n(b.perSec)} B/s | ${n(fullS)} B/s (${b.framesPerSec.toFixed(1)} frames/s) | ${(b.perSec / fullS).toFixed(3)} | ≤ 4 KB/s | ${b.perSec <= 4096 ? 'yes' : 'no'} |`);
}
