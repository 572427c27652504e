// The dashboard's stdout as Ink sees it: Ink writes whole frames (its default renderer: erase the
// last frame's lines, write the new one), this stream plays them onto a model of the screen, one
// string per row, and sends the terminal only the rows that changed, by absolute position, inside
// synchronized output (DEC 2026). Own code rather than Ink's `incrementalRendering`: in 6.8 that
// moves back up one row too few after a frame shorter than the terminal and leaves stale lines,
// and at `rows` lines it clears the screen every frame (ink#894, unmerged); a patch of Ink would
// have to be carried across its upgrades.
// The dashboard owns the (alternate) screen, so row i of the model is row i of the terminal. What
// the model cannot follow (a resize, the alternate screen left and re-entered, a sequence that
// moves rows, a write to stderr on the same terminal) makes the next frame a full redraw.

import { withWrite } from './stream-write.js';

const ESC = '\x1b';
const BSU = `${ESC}[?2026h`;
const ESU = `${ESC}[?2026l`;
/** A CSI sequence, an OSC string, another escape, a line feed, or plain text; `y`: tokens in order. */
const TOKEN = /\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\](.*?)(?:\x07|\x1b\\)|\x1b[^[\]]?|\n|\x07|[^\x1b\n\x07]+/ys;
/** An escape sequence cut by the end of a write: kept for the next one. */
const PARTIAL = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?)?$/;
/** DEC private modes that switch screens: what is on the terminal afterwards is not the model's. */
const SCREEN_MODES = new Set(['?47', '?1047', '?1049']);

type Write = (chunk: string, cb?: (err?: Error | null) => void) => boolean;

export class LineDiff {
  /** The screen as the writes so far left it: one string per row (text and its SGR/OSC 8 codes). */
  private rows: string[] = [];
  private y = 0;
  /** What the terminal shows, as last sent; null: unknown (the next flush redraws everything). */
  private shown: string[] | null = null;
  private shownSize = '';
  private dirty = false;
  private synced = false;
  private carry = '';
  /** Sequences for the terminal, not the screen (modes, bell, clipboard), in the order written. */
  private passed = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: Write,
    private readonly size: () => { columns: number; rows: number },
    /** Flush of writes made outside synchronized output (Ink's throttle is 33 ms: its frame comes first). */
    private readonly settleMs = 50,
  ) {}

  /** Takes a chunk Ink (or the App) wrote: screen contents go to the model, the rest to the terminal at once. */
  write(chunk: string, cb?: (err?: Error | null) => void): boolean {
    let text = this.carry + chunk;
    const partial = PARTIAL.exec(text);
    this.carry = partial ? partial[0] : '';
    if (partial) text = text.slice(0, partial.index);
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
      const [tok, params, final, osc] = m;
      if (final !== undefined) this.csi(tok, params!, final);
      else if (osc !== undefined) {
        if (osc.startsWith('8;')) this.append(tok); // a hyperlink belongs to its row's text
        else this.passed += tok; // clipboard, title
      } else if (tok === '\n') this.newline();
      else if (tok === '\x07') this.passed += tok;
      else if (tok[0] === ESC) {
        this.passed += tok; // ESC 7/8, ESC M, ESC c…: the model cannot follow them
        this.invalidate();
      } else this.append(tok);
    }
    if (!this.synced && this.dirty) this.schedule();
    const out = this.passed;
    this.passed = '';
    if (out === '' && !cb) return true;
    return this.send(out, cb);
  }

  /** The next flush redraws the whole screen. */
  invalidate(): void {
    this.shown = null;
    this.dirty = true;
    if (!this.synced) this.schedule();
  }

  /** Sends the rows that differ from what the terminal shows (all of them after `invalidate`). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    const passed = this.passed;
    this.passed = '';
    const { columns, rows: height } = this.size();
    if (this.rows.length > height) this.rows = this.rows.slice(0, height);
    this.y = Math.min(this.y, height - 1);
    let out = '';
    const size = `${columns}x${height}`;
    if (!this.shown || this.shownSize !== size) {
      out = `${ESC}[H${ESC}[2J`;
      this.shown = [];
      this.shownSize = size;
    }
    for (let i = 0; i < height; i++) {
      const row = this.rows[i] ?? '';
      const was = this.shown[i] ?? '';
      if (row === was) continue;
      out += `${ESC}[${i + 1}H${was ? `${ESC}[2K` : ''}${row}`;
      this.shown[i] = row;
    }
    if (out || passed) this.send(`${passed}${out && `${BSU}${out}${ESC}[${this.y + 1}H${ESU}`}`);
  }

  /** Stops a pending flush (the dashboard is gone; the terminal belongs to the shell again). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), this.settleMs).unref();
  }

  private csi(tok: string, params: string, final: string): void {
    const n = Math.max(1, Number.parseInt(params, 10) || 1);
    if (/^[?<>=]/.test(params)) {
      if (params === '?2026') {
        this.synced = final === 'h';
        if (!this.synced) this.flush();
        return;
      }
      this.passed += tok; // cursor visibility, keyboard and mouse modes: not screen contents
      // a screen entered is blank; one left shows something else until it is entered again
      if (SCREEN_MODES.has(params)) {
        if (final === 'h') this.invalidate();
        else this.shown = null;
      }
      return;
    }
    switch (final) {
      case 'm':
        this.append(tok);
        return;
      case 'A':
      case 'F':
        this.moveTo(this.y - n);
        return;
      case 'B':
      case 'E':
        this.moveTo(this.y + n);
        return;
      case 'H':
      case 'f': {
        const [row, col] = params.split(';').map((p) => Number.parseInt(p, 10) || 1);
        this.moveTo(row! - 1);
        if ((col ?? 1) > 1) this.append(`${ESC}[${col}G`);
        return;
      }
      case 'G':
        if ((this.rows[this.y] ?? '') !== '' || n > 1) this.append(tok); // at a row's start it is a no-op
        return;
      case 'K':
        if (params === '2' || (this.rows[this.y] ?? '') === '') this.setRow('');
        else this.append(tok);
        return;
      case 'J':
        if (params === '2') {
          this.rows = [];
          this.dirty = true;
        } else if (params !== '3') this.invalidate(); // 3: scrollback, not the screen
        return;
      case 'C':
      case 'D':
        this.append(tok); // sideways within the row: replayed with it
        return;
      default:
        this.passed += tok;
        this.invalidate(); // scrolling regions, inserted lines, queries…
    }
  }

  private moveTo(y: number): void {
    this.y = Math.max(0, Math.min(y, this.size().rows - 1));
  }

  private newline(): void {
    if (this.y + 1 < this.size().rows) this.y++;
    else {
      this.rows.shift(); // the terminal scrolls
      this.dirty = true;
    }
  }

  private append(text: string): void {
    this.setRow((this.rows[this.y] ?? '') + text);
  }

  private setRow(text: string): void {
    while (this.rows.length <= this.y) this.rows.push('');
    if (this.rows[this.y] === text) return;
    this.rows[this.y] = text;
    this.dirty = true;
  }
}

/**
 * `stdout` as Ink sees it: frames go through a `LineDiff`; size, TTY-ness, events are the real
 * stream's. `stderr`: writes pass through and make the next frame a full redraw (Ink writes a
 * console.error between its frame's lines, on the same terminal).
 */
export function lineDiffStreams(stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; diff: LineDiff } {
  const diff = new LineDiff(
    (s, cb) => stdout.write(s, cb),
    () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }),
  );
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const cb = rest.find((r) => typeof r === 'function') as ((err?: Error | null) => void) | undefined;
    return diff.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'), cb);
  };
  const errWrite = (...args: unknown[]): boolean => {
    if (stderr.isTTY) diff.invalidate();
    return (stderr.write as (...a: unknown[]) => boolean)(...args);
  };
  return { stdout: withWrite(stdout, write), stderr: withWrite(stderr, errWrite), diff };
}
