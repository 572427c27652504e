// The real dashboard's start on a big home, in tmux at 220x60: from the start of `grun -H HOME`
// until the pane shows the first full table — every row of the table's first screen, each the
// run `grun runs` lists at that place, and the footer's count of all the runs — and until every
// run has been checked (the footer's `N/N runs` with no `checking`/`loading`).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TmuxGrun, tmuxAvailable } from '../test/e2e/tmux.js';

export interface DashboardStart {
  /** Seconds to the first full table. */
  firstTable: number;
  /** CPU seconds (user + system, every thread) grun had used by then: what a loaded machine inflates less. */
  firstTableCpu: number;
  /** Seconds until every run is checked (the table then lists all of them). */
  allChecked: number;
}

const COLUMNS = 220;
const ROWS = 60;
/** Table rows at ROWS: one row kept free (Ink), the title and column heads, two footer lines. */
const TABLE_ROWS = ROWS - 5;

/** The ids `grun runs` lists first (the table's order with no sort or filter chosen). */
function newestIds(grun: string, home: string, n: number): string[] {
  const out = spawnSync(grun, ['-H', home, 'runs', '-n', String(n)], { encoding: 'utf8' }).stdout;
  return [...out.matchAll(/^\[\d+:([0-9a-f]{8})\]/gm)].map((m) => m[1]!);
}

/** CPU seconds a process has used (utime + stime, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The ids in the pane's table rows (`›` marks the cursor's), top to bottom. */
const tableIds = (screen: string): string[] => [...screen.matchAll(/^\s*›?\s*\d+ ([0-9a-f]{8}) /gm)].map((m) => m[1]!);

/** `grun` (default: this checkout's) opened on `home` holding `n` runs. */
export async function dashboardStart(home: string, n: number, grun = resolve(import.meta.dirname, '../bin/grun')): Promise<DashboardStart | null> {
  if (!tmuxAvailable) return null;
  const want = newestIds(grun, home, TABLE_ROWS);
  if (want.length !== TABLE_ROWS) throw new Error(`grun runs listed ${want.length} runs of ${home}, not ${TABLE_ROWS}`);
  const total = new RegExp(`(?:^|\\s)${n}/${n} runs| of ${n} runs`);
  const checked = new RegExp(`${n}/${n} runs(?![^\\n]*(?:checking|loading))`);
  const t0 = performance.now();
  const t = new TmuxGrun({ columns: COLUMNS, rows: ROWS, env: { TERM: 'xterm-256color' }, args: ['-H', home], bin: grun });
  try {
    let firstTable = 0;
    let firstTableCpu = 0;
    for (;;) {
      const s = t.screen();
      const at = (performance.now() - t0) / 1000;
      if (!firstTable && total.test(s) && tableIds(s).join() === want.join()) [firstTable, firstTableCpu] = [at, cpuSeconds(t.grunPid())];
      if (firstTable && checked.test(s)) return { firstTable, firstTableCpu, allChecked: at };
      if (at > 300) throw new Error(`the dashboard did not list ${n} runs in 300 s:\n${s}`);
      // polled every 20 ms: each capture spawns tmux, which would take CPU from grun on 2 cores
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    t.keys('q');
    t.close();
  }
}
