// Drives the real `bin/grun` in a private tmux server: start at a size, send keys, read the
// screen, and check the terminal state after grun exits (the pane's shell stays alive).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { grunBin, projectRoot } from '../helpers/home.js';

export const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;
export const distBuilt = existsSync(join(projectRoot, 'dist', 'cli.js'));
/** Why a dashboard test in tmux skips, or false. */
export const tmuxSkip = !tmuxAvailable ? 'tmux is not installed' : !distBuilt ? 'dist/ is not built (npm run build)' : false;

let count = 0;

export interface TmuxOptions {
  columns: number;
  rows: number;
  env?: Record<string, string>;
  cwd?: string;
  args?: string[];
  /** The grun launcher to run (default: this checkout's `bin/grun`; benchmarks compare another build). */
  bin?: string;
  /** Printed by the shell before grun starts (what a prompt and earlier commands leave on screen). */
  before?: string;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export class TmuxGrun {
  private readonly socket = `grun-e2e-${process.pid}-${++count}`;
  private readonly session = 'grun';

  constructor(opts: TmuxOptions) {
    const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${q(v)}`).join(' ');
    // CI makes Ink print nothing until exit; the shell stays after grun exits to report its state
    const before = opts.before === undefined ? '' : `printf '%s\\n' ${q(opts.before)}; `;
    const cmd = `${before}env -u CI ${env} ${q(process.execPath)} ${q(opts.bin ?? grunBin)} ${(opts.args ?? []).map(q).join(' ')}; echo "EXIT=$?"; sleep 600`;
    this.tmux('new-session', '-d', '-s', this.session, '-x', String(opts.columns), '-y', String(opts.rows), '-c', opts.cwd ?? projectRoot, 'sh', '-c', cmd);
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** The visible screen as text (`escapes` keeps colour and inverse codes). */
  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', '-t', this.session, ...(escapes ? ['-e'] : []));
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /** Literal text (one chunk, as a paste or fast typing delivers it). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  format(f: string): string {
    return this.tmux('display-message', '-p', '-t', this.session, f).trim();
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', this.session, '-x', String(columns), '-y', String(rows));
  }

  async waitFor(re: RegExp, timeoutMs = 8000, escapes = false): Promise<string> {
    const t0 = Date.now();
    for (;;) {
      const s = this.screen(escapes);
      if (re.test(s)) return s;
      if (Date.now() - t0 > timeoutMs) throw new Error(`screen did not match ${re}:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * As `waitFor`, and the same screen twice in a row 50 ms apart: a frame that rewrites many
   * rows reaches tmux in several writes (tmux 3.3 has no synchronized output), so a match on
   * one row may come while others still hold the frame before.
   */
  async waitForStill(re: RegExp, timeoutMs = 8000): Promise<string> {
    const t0 = Date.now();
    let before = '';
    for (;;) {
      const s = this.screen();
      if (re.test(s) && s === before) return s;
      if (Date.now() - t0 > timeoutMs) throw new Error(`screen did not match ${re} and hold still:\n${s}`);
      before = s;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Pid of grun (the shell's child). */
  grunPid(): number {
    const shell = Number(this.format('#{pane_pid}'));
    const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(shell)], { encoding: 'utf8' });
    return Number(out.trim().split(/\s+/)[0]);
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

/** Runs `fn` with grun started in tmux; the tmux server is gone afterwards, whatever happens. */
export async function withTmux(opts: TmuxOptions, fn: (t: TmuxGrun) => Promise<void>): Promise<void> {
  const t = new TmuxGrun(opts);
  try {
    await fn(t);
  } finally {
    t.close();
  }
}
