// Dashboard benchmarks. Prints figures; no assertions. Targets (issue 5): 10k runs first full
// frame <= 0.8 s, filter keystroke <= 50 ms at 100k runs, output latency p95 <= 150 ms.
//   node --import tsx bench/dashboard.ts        (GRUN_BENCH_DIR for the homes, default .bench/)
process.env.NODE_ENV ??= 'production'; // as the real entry: production React

const { mkdirSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
const { join, resolve } = await import('node:path');
const { createElement: h, useReducer } = await import('react');
const { Box } = await import('ink');
const { render, cleanup } = await import('ink-testing-library');
const { App } = await import('../src/app.js');
const { listRuns } = await import('../src/store/index.js');
const { OutputWriter } = await import('../src/store/output.js');
const { bootId, hostName, selfProcess, writeProcessRecord } = await import('../src/store/proc.js');
const { layoutColumns } = await import('../src/views/columns.js');
const { Footer } = await import('../src/views/Footer.js');
const { RunsTable } = await import('../src/views/RunsTable.js');
const { runsKeymap, splitInput } = await import('../src/views/keymap.js');
const { appReducer, cursorRow, initialState, runsView } = await import('../src/views/state/app.js');
const { NO_SCALARS } = await import('../src/views/state/view.js');
const { makeTheme } = await import('../src/views/theme.js');
const { syntheticHome } = await import('./synthetic-home.js');
const { TmuxGrun, tmuxAvailable } = await import('../test/e2e/tmux.js');
type Run = import('../src/store/types.js').Run;
type Key = import('ink').Key;

const root = resolve(process.env.GRUN_BENCH_DIR ?? join(import.meta.dirname, '../.bench'), 'dashboard');
const FEED = { debounceMs: 50, pollMs: 60_000, runningMs: 60_000 };
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** Polls a frame source until `re` matches; returns ms since `t0`. */
async function until(frame: () => string | undefined, re: RegExp, t0: number, pollMs = 0): Promise<number> {
  for (;;) {
    if (re.test(frame() ?? '')) return performance.now() - t0;
    if (performance.now() - t0 > 120_000) throw new Error(`timed out waiting for ${re}:\n${frame()}`);
    await new Promise((r) => (pollMs ? setTimeout(r, pollMs) : setImmediate(r)));
  }
}

async function loadTimes(home: string, n: number, label: string): Promise<void> {
  const t0 = performance.now();
  const { lastFrame, unmount } = render(h(App, { home, readonly: true, projectDir: home, size: { columns: 160, rows: 48 }, feed: FEED, env: {} }));
  const first = await until(lastFrame, /runs/, t0);
  const rows = await until(lastFrame, /\n›/, t0);
  const full = await until(lastFrame, new RegExp(`${n}/${n} runs(?! ·.*loading)`), t0);
  unmount();
  cleanup();
  console.log(`| ${n} | ${label} | ${ms(first)} | ${ms(rows)} | ${ms(full)} |`);
}

/** The real binary in tmux: spawn to full table, with its peak RSS. */
async function binaryTime(home: string, n: number): Promise<void> {
  if (!tmuxAvailable) return void console.log('(tmux not installed: binary start not measured)');
  const t0 = performance.now();
  const t = new TmuxGrun({ columns: 160, rows: 48, env: { GUILD_HOME: home } });
  try {
    // polled every 20 ms: each capture spawns tmux, which would take CPU from grun on 2 cores
    const full = await until(() => t.screen(), new RegExp(`${n}/${n} runs\\s*\\n`), t0, 20);
    const rss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${t.grunPid()}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    t.keys('q');
    console.log(`| ${n} | binary in tmux, warm cache (node start and Ink import included) | | | ${ms(full)} (peak RSS ${rss.toFixed(0)} MB) |`);
  } finally {
    t.close();
  }
}

/** Keystroke to frame while typing a filter over `runs`: the reducer, the view and the table. */
async function filterKeystrokes(runs: Run[]): Promise<number[]> {
  const theme = makeTheme({});
  const noKey = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false } as Key;
  let send: (input: string) => void = () => {};
  function Harness() {
    const [s, dispatch] = useReducer(appReducer, undefined, () => appReducer(initialState(true), { type: 'runs', runs, done: true }));
    send = (input) => {
      const key = input === '\x7f' ? { ...noKey, backspace: true } : noKey; // as the App passes Backspace on
      for (const [ch, k] of splitInput(input === '\x7f' ? '' : input, key)) dispatch({ type: 'key', input: ch, key: k, ctx: { scalars: NO_SCALARS, metrics: { count: 0, pageSize: 40 }, sortKeys: [], columns: { extras: [], maxScroll: 0 } } });
    };
    const view = runsView(s);
    const cur = cursorRow(s.table, view);
    const visible = view.rows.slice(0, 40);
    return h(Box, { flexDirection: 'column' },
      h(RunsTable, { rows: view.rows, top: 0, cursor: cur, height: 40, columns: layoutColumns(160, visible, [], runs.length).columns, marks: s.table.marks, scalars: NO_SCALARS, sort: s.sort, theme, now: Date.now(), differing: [], hidden: { left: 0, right: 0 } }),
      h(Footer, { left: `${view.matched}/${runs.length} runs`, input: s.draft, inputError: view.filterError, message: null, keymap: runsKeymap, readonly: true, width: 160, theme }),
    );
  }
  const { lastFrame, unmount } = render(h(Harness));
  await until(lastFrame, /runs/, performance.now());
  const times: number[] = [];
  send('/');
  await until(lastFrame, /^\/ /m, performance.now());
  let typed = '';
  for (const ch of 'train.py') {
    typed += ch;
    const t0 = performance.now();
    send(ch);
    times.push(await until(lastFrame, new RegExp(`^/${typed.replace('.', '\\.')} `, 'm'), t0));
  }
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    send('\x7f');
    typed = typed.slice(0, -1);
    times.push(await until(lastFrame, new RegExp(`^/${typed.replace('.', '\\.')} `, 'm'), t0));
  }
  unmount();
  cleanup();
  return times;
}

/** A running run printing 1,000 lines a second while attached (`w`): write to screen latency. */
async function outputLatency(): Promise<number[]> {
  const home = join(root, 'latency');
  rmSync(home, { recursive: true, force: true });
  const dir = join(home, 'runs', 'feed0000000000000000000000000000');
  mkdirSync(join(dir, '.guild', 'attrs'), { recursive: true });
  writeFileSync(join(dir, '.guild', 'opref'), "script:/tmp '' '' print.py");
  writeFileSync(join(dir, '.guild', 'attrs', 'started'), `${Date.now() * 1000}\n`);
  // this process as the run's supervisor: the run shows running
  writeProcessRecord(dir, { version: 1, executor: 'local', host: hostName(), bootId: bootId(), supervisor: selfProcess() });
  const { lastFrame, stdin, unmount } = render(h(App, { home, readonly: true, projectDir: home, size: { columns: 120, rows: 40 }, feed: FEED, env: {} }));
  await until(lastFrame, /▶ running/, performance.now());
  stdin.write('w');
  await until(lastFrame, /attached to feed0000/, performance.now());
  const writer = new OutputWriter(join(dir, '.guild'));
  const written = new Map<number, number>();
  let seq = 0;
  const timer = setInterval(() => {
    let chunk = '';
    for (let i = 0; i < 10; i++) {
      written.set(seq, performance.now());
      chunk += `line ${seq++} ${'x'.repeat(40)}\n`;
    }
    writer.write(0, Buffer.from(chunk));
  }, 10);
  const lat: number[] = [];
  let seen = -1;
  const t0 = performance.now();
  while (performance.now() - t0 < 5000) {
    await new Promise((r) => setImmediate(r));
    let last = -1;
    for (const m of (lastFrame() ?? '').matchAll(/line (\d+) x/g)) last = Math.max(last, Number(m[1]));
    if (last > seen) {
      const now = performance.now();
      for (let k = seen + 1; k <= last; k++) lat.push(now - written.get(k)!);
      seen = last;
    }
  }
  clearInterval(timer);
  writer.close();
  unmount();
  cleanup();
  return lat;
}

console.log('## Dashboard benchmark\n');
console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} cores, homes under ${root}\n`);
console.log('| runs | case | first frame | first rows | fully loaded |');
console.log('| ---: | --- | ---: | ---: | ---: |');
const sizes = (process.env.GRUN_BENCH_DASHBOARD_SIZES ?? '10000').split(',').map(Number);
for (const n of process.env.GRUN_BENCH_SKIP_LOAD ? [] : sizes) {
  const home = syntheticHome(root, n);
  rmSync(join(home, 'cache'), { recursive: true, force: true });
  await loadTimes(home, n, 'cold (no summary cache: loaded in slices)');
  listRuns(home); // writes the summary cache, as any `grun runs` does
  await loadTimes(home, n, 'warm (summary cache)');
  await binaryTime(home, n);
}

const base = listRuns(syntheticHome(root, sizes[0]!));
const big: Run[] = [];
for (let i = 0; big.length < 100_000; i++) {
  for (const r of base) big.push({ ...r, id: `${i.toString(16).padStart(4, '0')}${r.id.slice(4)}` });
}
big.length = 100_000;
const keys = await filterKeystrokes(big);
console.log(`\nfilter keystroke to frame, 100,000 runs in memory (${keys.length} keys): p50 ${ms(pct(keys, 50))}, p95 ${ms(pct(keys, 95))}, max ${ms(Math.max(...keys))}`);

const lat = await outputLatency();
console.log(`output line to screen while attached, 1,000 lines/s for 5 s (${lat.length} lines seen): p50 ${ms(pct(lat, 50))}, p95 ${ms(pct(lat, 95))}, max ${ms(Math.max(...lat))}`);
console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
