// Engine figures, each printed beside what it is measured against, in one run (`npm run bench --
// engine`; after `npm run build`):
// - launch overhead: `grun run -y` of a trivial script, from the command to its `exit_status`
//   written, beside python3 alone running the same script (the same `python3` on PATH: on a pyenv
//   machine, a shim). Medians of GRUN_BENCH_REPS (default 10), runs interleaved so both meet the
//   same load. Two homes: one used for every launch (flag detection and the interpreter behind a
//   shim cached by the first), and a new home per launch (nothing cached). GRUN_BENCH_BEFORE=<another
//   checkout's bin/grun> launches that build too, in the same rounds, in homes of its own.
// - `grun cat --output` of a 100 MB output, to /dev/null and to a pipe, beside `cat` of the file
//   and `grun --version` (node's start and grun's, the floor of any grun command), and beside
//   `guild cat --output` where Guild is installed (bench/guild.ts).
// - output throughput: a script printing 1 M lines, with the output and index sizes checked.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { guildBin } from './guild.js';
import { measure, median } from './measure.js';

const grunBin = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/grun');
const beforeBin = process.env.GRUN_BENCH_BEFORE;
const LINES = 1_000_000;
const reps = Number(process.env.GRUN_BENCH_REPS ?? 10);

function setup(script: string, text: string): { home: string; cwd: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'grun-bench-'));
  const home = join(root, 'home');
  const cwd = join(root, 'proj');
  mkdirSync(join(home, 'runs'), { recursive: true });
  mkdirSync(cwd);
  writeFileSync(join(cwd, script), text);
  return { home, cwd, cleanup: () => rmSync(root, { recursive: true, force: true, maxRetries: 10 }) };
}

function runDir(home: string): string | null {
  const ids = readdirSync(join(home, 'runs'));
  return ids.length ? join(home, 'runs', ids[0]!) : null;
}

function exitStatusWritten(home: string): boolean {
  const dir = runDir(home);
  return !!dir && existsSync(join(dir, '.guild', 'attrs', 'exit_status'));
}

function startGrun(args: string[], cwd: string, home: string, bin = grunBin): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, GUILD_HOME: home };
  delete env.NODE_ENV;
  const p = spawn(bin, args, { cwd, env, stdio: 'ignore' });
  return new Promise((res) => p.on('close', (code) => res(code ?? 1)));
}

interface Row {
  work: string;
  grun: number;
  ref: string;
  refS: number;
  target: string;
  ok: boolean;
  /** Guild doing the same work, where it is installed. */
  guild?: number;
}
const rows: Row[] = [];
const s3 = (ms: number): string => (ms / 1000).toFixed(3);

/** Seconds from `grun run trivial.py -y` to its exit_status, in `home` (emptied of runs after). */
async function launchOnce(home: string, cwd: string, bin = grunBin): Promise<number> {
  const t0 = performance.now();
  const done = startGrun(['run', 'trivial.py', '-y'], cwd, home, bin);
  while (!exitStatusWritten(home)) await sleep(2);
  const ms = performance.now() - t0;
  if ((await done) !== 0) throw new Error('grun run failed');
  rmSync(join(home, 'runs'), { recursive: true, force: true, maxRetries: 10 }); // its supervisor may still be finishing
  mkdirSync(join(home, 'runs'));
  return ms;
}

async function launchOverhead(): Promise<void> {
  const script = 'print("hi")\n';
  const builds = [{ bin: grunBin, name: '' }, ...(beforeBin ? [{ bin: beforeBin, name: ` (before: ${beforeBin})` }] : [])];
  const runs = builds.map((b) => ({ ...b, kept: setup('trivial.py', script), warm: [] as number[], fresh: [] as number[] }));
  for (const r of runs) await launchOnce(r.kept.home, r.kept.cwd, r.bin); // fills the home's caches
  const python: number[] = [];
  for (let i = 0; i < reps; i++) {
    for (const r of runs) {
      r.warm.push(await launchOnce(r.kept.home, r.kept.cwd, r.bin));
      const other = setup('trivial.py', script);
      r.fresh.push(await launchOnce(other.home, other.cwd, r.bin));
      other.cleanup();
    }
    python.push(measure('python3', [join(runs[0]!.kept.cwd, 'trivial.py')]).wallMs);
  }
  const py = median(python);
  for (const r of runs) {
    r.kept.cleanup();
    for (const [work, xs] of [
      [`\`grun run -y\` trivial script, to exit_status (a home used before)${r.name}`, r.warm],
      [`\`grun run -y\` trivial script, to exit_status (a new home each time)${r.name}`, r.fresh],
    ] as const) {
      const m = median(xs);
      rows.push({ work, grun: m, ref: 'python3 alone', refS: py, target: '≤ python3 + 0.3 s', ok: m <= py + 300 });
    }
  }
}

/** A run whose output is 100 MB of ordinary lines. */
function bigOutput(): { home: string; output: string; cleanup: () => void } {
  const { home, cleanup } = setup('unused.py', '');
  const dir = join(home, 'runs', '0123456789abcdef0123456789abcdef');
  mkdirSync(join(dir, '.guild', 'attrs'), { recursive: true });
  writeFileSync(join(dir, '.guild', 'opref'), 'script:/tmp/proj big.py 0123456789abcdef big.py\n');
  writeFileSync(join(dir, '.guild', 'attrs', 'started'), `${Date.now() * 1000}\n`);
  writeFileSync(join(dir, '.guild', 'attrs', 'exit_status'), '0\n');
  const output = join(dir, '.guild', 'output');
  const fd = openSync(output, 'w');
  const block = Array.from({ length: 10_000 }, (_, i) => `step ${i}: loss=0.${String(i).padStart(5, '0')} the benchmark output line\n`).join('');
  for (let written = 0; written < 100e6; written += block.length) writeSync(fd, block);
  closeSync(fd);
  return { home, output, cleanup };
}

function catOutput(): void {
  const { home, output, cleanup } = bigOutput();
  const sh = (line: string): number => measure('sh', ['-c', line]).wallMs;
  const env = `GUILD_HOME=${home} NODE_ENV=`;
  const toNull: number[] = [];
  const toPipe: number[] = [];
  const cat: number[] = [];
  const catPipe: number[] = [];
  const version: number[] = [];
  const bare: number[] = [];
  const guildNull: number[] = [];
  const guildPipe: number[] = [];
  const n = Math.max(3, Math.ceil(reps / 2));
  spawnSync('cat', [output], { stdio: 'ignore' }); // the file in the page cache for both
  for (let i = 0; i < n; i++) {
    toNull.push(sh(`${env} ${grunBin} cat --output > /dev/null`));
    cat.push(sh(`cat ${output} > /dev/null`));
    toPipe.push(sh(`${env} ${grunBin} cat --output | cat > /dev/null`));
    catPipe.push(sh(`cat ${output} | cat > /dev/null`));
    version.push(sh(`${grunBin} --version > /dev/null`));
    bare.push(sh(`${process.execPath} -e 0`));
    if (!guildBin) continue;
    guildNull.push(sh(`GUILD_HOME=${home} ${guildBin} cat --output > /dev/null`));
    guildPipe.push(sh(`GUILD_HOME=${home} ${guildBin} cat --output | cat > /dev/null`));
  }
  cleanup();
  const v = median(version);
  rows.push({ work: '`grun --version` (the floor of any grun command)', grun: v, ref: 'cat of the 100 MB file', refS: median(cat), target: '–', ok: true });
  // Node's own start, doing nothing: the floor of any Node program, beside the target's 1.1× cat
  rows.push({ work: '`node -e 0` (the floor of any Node program)', grun: median(bare), ref: 'cat of the 100 MB file', refS: median(cat), target: '–', ok: true });
  for (const [work, xs, ref, guild] of [
    ['`grun cat --output`, 100 MB, to /dev/null', toNull, cat, guildNull],
    ['`grun cat --output`, 100 MB, to a pipe', toPipe, catPipe, guildPipe],
  ] as const) {
    const m = median(xs);
    const r = median(ref);
    rows.push({ work, grun: m, ref: ref === cat ? 'cat' : 'cat, piped', refS: r, target: '≤ 1.1× cat', ok: m <= 1.1 * r, guild: guild.length ? median(guild) : undefined });
  }
}

function vmHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function throughput(): Promise<void> {
  // Written in blocks so that the figure is grun's, not Python's print loop.
  const script = `import sys
w = sys.stdout.write
for b in range(${LINES / 10_000}):
    w("".join("line %d of the benchmark output\\n" % (b * 10000 + i) for i in range(10000)))
`;
  const { home, cwd, cleanup } = setup('lines.py', script);
  const t0 = performance.now();
  const pidfile = join(cwd, 'sup.pid');
  const code = await startGrun(['run', 'lines.py', '-y', '--pidfile', pidfile], cwd, home);
  if (code !== 0) throw new Error(`grun run exited ${code}`);
  const sup = Number(readFileSync(pidfile, 'utf8'));
  const first = vmHwmKb(sup);
  let hwm = first;
  while (!exitStatusWritten(home)) {
    hwm = Math.max(hwm, vmHwmKb(sup));
    await sleep(20);
  }
  const secs = (performance.now() - t0) / 1000;
  const dir = runDir(home)!;
  const out = statSync(join(dir, '.guild', 'output')).size;
  const index = statSync(join(dir, '.guild', 'output.index')).size;
  let expected = 0;
  for (let i = 0; i < LINES; i++) expected += `line ${i} of the benchmark output\n`.length;
  const ok = out === expected && index === LINES * 9;
  console.log(
    `output throughput: ${LINES} lines (${(out / 1e6).toFixed(1)} MB) in ${secs.toFixed(2)} s = ` +
      `${(LINES / secs / 1000).toFixed(0)} k lines/s; output ${out} B (expected ${expected}), index ${index} B ` +
      `(expected ${LINES * 9}): ${ok ? 'sizes correct' : 'SIZES WRONG'}; supervisor RSS ${(first / 1024).toFixed(0)} MiB at start, peak ${(hwm / 1024).toFixed(0)} MiB`,
  );
  // the supervisor still finishes (the summary cache) after exit_status: its home goes after it
  while (vmHwmKb(sup) > 0) await sleep(20);
  cleanup();
  if (!ok) process.exitCode = 1;
}

await launchOverhead();
catOutput();
console.log(guildBin ? `Guild: ${guildBin}` : 'Guild: not installed here — its column is left out, not estimated.');
console.log('| work | grun s | guild s | reference | ref s | grun − ref | grun / ref | target | met |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |');
for (const r of rows) {
  const met = r.target === '–' ? '–' : r.ok ? 'yes' : 'no';
  console.log(`| ${r.work} | ${s3(r.grun)} | ${r.guild === undefined ? '–' : s3(r.guild)} | ${r.ref} | ${s3(r.refS)} | ${s3(r.grun - r.refS)} | ${(r.grun / r.refS).toFixed(1)}× | ${r.target} | ${met} |`);
}
console.log();
await throughput();
