// The tail of a run's output in bounded time and memory: the last lines of a 200 MiB output
// (sparse, one line) read without loading it (targets: < 200 ms, < 20 MB more RSS).
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tailOutputLines } from '../src/store/output.js';

const run = mkdtempSync(join(tmpdir(), 'grun-bench-out-'));
try {
  mkdirSync(join(run, '.guild'));
  const out = join(run, '.guild', 'output');
  writeFileSync(out, '');
  truncateSync(out, 200 << 20);
  appendFileSync(out, '\nlast 1\nlast 2\n');
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const tail = tailOutputLines(run, 2);
  const ms = performance.now() - t0;
  const mb = (process.memoryUsage().rss - before) / (1 << 20);
  if (tail.map((l) => l.text).join() !== 'last 1,last 2') throw new Error(`wrong tail: ${JSON.stringify(tail)}`);
  console.log('| measure | target | figure |');
  console.log('| --- | ---: | ---: |');
  console.log(`| tail 2 lines of a 200 MiB output | < 200 ms | ${ms.toFixed(1)} ms |`);
  console.log(`| RSS growth | < 20 MB | ${mb.toFixed(1)} MB |`);
} finally {
  rmSync(run, { recursive: true, force: true });
}
