// `grun watch` of a finished 300,004-line run: the whole output (piped) against `-n 20`, wall
// time and peak RSS side by side. Target: `-n 20` reads only the end (well under 0.5 s, RSS
// no larger than for a short run).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { measure, median } from './measure.js';

const root = resolve(process.env.GRUN_BENCH_DIR ?? join(import.meta.dirname, '../.bench'), 'watch');
const grun = resolve(import.meta.dirname, '../bin/grun');
const LINES = 300_004;

rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });
const home = join(root, 'home');
writeFileSync(join(root, 'lines.py'), `for i in range(${LINES}):\n    print("line", i)\n`);
const env = { ...process.env, GUILD_HOME: home };
execFileSync(grun, ['run', 'lines.py', '-y'], { cwd: root, env, stdio: 'ignore' });
const id = readdirSync(join(home, 'runs'))[0]!;

console.log(`| ${LINES} lines | wall s (median of 3) | peak RSS MB | stdout MB |`);
console.log('| --- | ---: | ---: | ---: |');
for (const [name, args] of [
  ['grun --version (start-up alone)', ['--version']],
  ['grun watch ID (piped: all)', ['watch', id]],
  ['grun watch ID -n 20', ['watch', id, '-n', '20']],
  ['grun cat --output -n 20', ['cat', id, '--output', '-n', '20']],
] as const) {
  const runs = [0, 1, 2].map(() => measure(grun, [...args], env));
  const wall = median(runs.map((m) => m.wallMs)) / 1000;
  const rss = Math.max(...runs.map((m) => m.maxRssMb));
  console.log(`| \`${name}\` | ${wall.toFixed(3)} | ${rss.toFixed(0)} | ${(runs[0]!.stdoutBytes / 1e6).toFixed(2)} |`);
}
