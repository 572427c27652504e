// Listing and compare over synthetic homes of 1k/10k/100k runs, cold (no summary cache) and
// warm. Prints a table; no assertions. Targets: 10k `grun runs -a` <= 0.5 s warm,
// 1k `grun compare --csv` cold <= 0.5 s.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { measure } from './measure.js';
import { syntheticHome } from './synthetic-home.js';

const root = resolve(process.env.GRUN_BENCH_DIR ?? join(import.meta.dirname, '../.bench'));
const sizes = (process.env.GRUN_BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const grun = resolve(import.meta.dirname, '../bin/grun');

const commands: [string, string[]][] = [
  ['grun runs', ['runs']],
  ['grun runs -a', ['runs', '-a']],
  ['grun runs -a --json', ['runs', '-a', '--json']],
  ['grun compare --csv -', ['compare', '--csv', '-']],
];

console.log('| runs | command | cold s | cold RSS MB | warm s | warm RSS MB |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
for (const n of sizes) {
  const t0 = performance.now();
  const home = syntheticHome(root, n);
  const built = (performance.now() - t0) / 1000;
  if (built > 1) console.error(`(built ${n}-run home in ${built.toFixed(1)} s)`);
  for (const [name, args] of commands) {
    if (name.startsWith('grun compare') && n > 10_000) continue; // compare reads every event file
    rmSync(join(home, 'cache'), { recursive: true, force: true });
    const cold = measure(grun, ['-H', home, ...args]);
    const warm = measure(grun, ['-H', home, ...args]);
    console.log(
      `| ${n} | \`${name}\` | ${(cold.wallMs / 1000).toFixed(3)} | ${cold.maxRssMb.toFixed(0)} | ${(warm.wallMs / 1000).toFixed(3)} | ${warm.maxRssMb.toFixed(0)} |`,
    );
  }
}
