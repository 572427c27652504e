// Big output: a run printing a lot keeps its supervisor's memory flat (VmRSS sampled from /proc
// while it runs), and `grun cat --output` (whole or --tail) reads it in bounded memory.
// Quick form ~50 MB, full form 2 GB.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRun } from '../../src/store/index.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { bin, childEnv, FULL, killAllOf, runGrun, waitUntil, supervisorsOf } from './helpers.js';

const MB = 1024 * 1024;
const BYTES = FULL ? 2048 * MB : 50 * MB;

/** kB fields of /proc/<pid>/status (VmRSS, VmHWM), null once the process is gone. */
function memKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Runs `grun ARGS` with stdout thrown away; returns its exit code and peak RSS (VmHWM, kB). */
function peakOf(args: string[], home: string): Promise<{ code: number | null; peakKb: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(bin, args, { env: childEnv(home), stdio: ['ignore', 'ignore', 'pipe'] });
    let peakKb = 0;
    let stderr = '';
    p.stderr.on('data', (c: Buffer) => (stderr += c));
    const timer = setInterval(() => (peakKb = Math.max(peakKb, memKb(p.pid!, 'VmHWM') ?? 0)), 10);
    p.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, peakKb, stderr });
    });
  });
}

describe('reliability: big output', () => {
  const homes: string[] = [];
  after(() => homes.forEach(killAllOf));

  test(`a run printing ${BYTES / MB} MB keeps the supervisor flat; cat --output tails it in bounded memory`, { timeout: FULL ? 1_800_000 : 180_000 }, async () => {
    const home = emptyHome();
    homes.push(home);
    const cwd = tempDir('grun-bproj-');
    // 1 KiB lines, a few with an output scalar; stdout and stderr both.
    writeFileSync(
      join(cwd, 'loud.sh'),
      `line=$(printf 'x%.0s' $(seq 1 1000))
echo "step: 1"
echo "loss: 0.5"
yes "$line" | head -c ${BYTES}
echo
echo "to stderr" >&2
echo "last line"
`,
    );
    const t0 = Date.now();
    const launch = await runGrun(['run', '-y', '-b', 'loud.sh'], { home, cwd });
    assert.equal(launch.code, 0, launch.stderr);
    const dir = join(home, 'runs', readdirSync(join(home, 'runs'))[0]!);
    const sup = supervisorsOf(home)[0];
    assert.ok(sup, 'the supervisor is running');
    const samples: Array<{ bytes: number; rssKb: number }> = [];
    const outPath = join(dir, '.guild', 'output');
    while (true) {
      const rss = memKb(sup, 'VmRSS');
      if (rss === null) break;
      let bytes = 0;
      try {
        bytes = statSync(outPath).size;
      } catch {
        // not yet created
      }
      samples.push({ bytes, rssKb: rss });
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitUntil('the run to end', () => loadRun(dir).status !== 'running', 30_000);
    assert.equal(loadRun(dir).status, 'completed');
    const seconds = (Date.now() - t0) / 1000;
    const size = statSync(outPath).size;
    // Long lines without spaces once made the output-scalar patterns quadratic (~1 MB/s).
    assert.ok(size / MB / seconds > 2, `output recorded at ${(size / MB / seconds).toFixed(1)} MB/s`);
    assert.ok(size >= BYTES, `output holds everything (${size} bytes)`);
    // Flat: after the first 10% of the output, RSS never grows more than 48 MB over that level.
    const early = samples.filter((s) => s.bytes >= size * 0.1);
    assert.ok(early.length >= 3, `enough samples while it printed (${samples.length})`);
    const base = early[0]!.rssKb;
    const peak = Math.max(...samples.map((s) => s.rssKb));
    const report = `supervisor VmRSS: ${base} kB at 10%, peak ${peak} kB over ${samples.length} samples, ${Math.round(size / MB)} MB output in ${seconds.toFixed(1)} s`;
    if (process.env.GRUN_RELIABILITY_VERBOSE) process.stderr.write(report + '\n');
    assert.ok(peak - base < 48 * 1024, report);
    assert.ok(peak < 256 * 1024, report);

    const tail = await runGrun(['cat', '--output', '--tail', '3', dir.slice(-32, -24)], { home });
    assert.equal(tail.code, 0, tail.stderr);
    // The streams come through separate pipes: their last lines may interleave either way.
    assert.match(tail.stdout, /last line/);
    assert.match(tail.stdout, /to stderr/);
    const tailPeak = await peakOf(['cat', '--output', '--tail', '1000', dir.slice(-32, -24)], home);
    const catPeak = await peakOf(['cat', '--output', dir.slice(-32, -24)], home);
    const figures = `cat --output --tail peak ${tailPeak.peakKb} kB, cat --output peak ${catPeak.peakKb} kB`;
    if (process.env.GRUN_RELIABILITY_VERBOSE) process.stderr.write(figures + '\n');
    assert.equal(tailPeak.code, 0, tailPeak.stderr);
    assert.equal(catPeak.code, 0, catPeak.stderr);
    assert.ok(tailPeak.peakKb < 200 * 1024, figures);
    assert.ok(catPeak.peakKb < 200 * 1024, figures);
  });
});
