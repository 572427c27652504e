// Engine figures: launch overhead (start of `grun run -y` of a trivial script until its
// `exit_status` is written; median of 10) and output throughput (a script printing 1 M lines,
// with the output and index sizes checked). Run after `npm run build`:
//   node --import tsx bench/engine.ts
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const grunBin = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/grun');
const LINES = 1_000_000;

function setup(script: string, text: string): { home: string; cwd: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'grun-bench-'));
  const home = join(root, 'home');
  const cwd = join(root, 'proj');
  mkdirSync(join(home, 'runs'), { recursive: true });
  mkdirSync(cwd);
  writeFileSync(join(cwd, script), text);
  return { home, cwd, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function runDir(home: string): string | null {
  const ids = readdirSync(join(home, 'runs'));
  return ids.length ? join(home, 'runs', ids[0]!) : null;
}

function exitStatusWritten(home: string): boolean {
  const dir = runDir(home);
  return !!dir && existsSync(join(dir, '.guild', 'attrs', 'exit_status'));
}

function startGrun(args: string[], cwd: string, home: string): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, GUILD_HOME: home };
  delete env.NODE_ENV;
  const p = spawn(grunBin, args, { cwd, env, stdio: 'ignore' });
  return new Promise((res) => p.on('close', (code) => res(code ?? 1)));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function launchOverhead(): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const { home, cwd, cleanup } = setup('trivial.py', 'print("hi")\n');
    const t0 = performance.now();
    const done = startGrun(['run', 'trivial.py', '-y'], cwd, home);
    while (!exitStatusWritten(home)) await sleep(2);
    times.push(performance.now() - t0);
    await done;
    cleanup();
  }
  const python = performance.now();
  await new Promise((res) => spawn('python3', ['-c', 'print("hi")'], { stdio: 'ignore' }).on('close', res));
  const py = performance.now() - python;
  console.log(`launch overhead: median ${median(times).toFixed(0)} ms to exit_status (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}; python3 alone ${py.toFixed(0)} ms)`);
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
  cleanup();
  if (!ok) process.exitCode = 1;
}

await launchOverhead();
await throughput();
