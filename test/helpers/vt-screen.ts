// A tiny terminal for tests: replays what a program wrote (text, line feeds, the cursor moves and
// erases of ECMA-48, autowrap, scrolling at the bottom, double-width glyphs, the alternate screen) onto a grid of cells
// and shows it as text. Colours and modes are ignored. Written apart from src/views/line-diff.ts
// so that a test of it checks its bytes against a second reading of the sequences.

/** Columns a code point takes: 0 for combining marks, 2 for East Asian wide and emoji, else 1. */
export function cellWidth(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  const wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

const SEQ = /\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\].*?(?:\x07|\x1b\\)|\x1b[^[\]]|[\s\S]/gu;

export class VtScreen {
  private cells: string[][] = [];
  /** The main screen's cells while the alternate screen (DEC mode 1049) is shown. */
  private saved: string[][] | null = null;
  private x = 0;
  private y = 0;
  /** The cursor is past the last column: the next glyph goes to the next line. */
  private wrapNext = false;
  /** Times the screen scrolled up (a line feed or a glyph past the bottom-right corner). */
  scrolls = 0;
  /** Cursor positions asked for below the last row (clamped to it, as a terminal does). */
  belowBottom = 0;

  constructor(public columns: number, public rows: number) {
    this.cells = Array.from({ length: rows }, () => this.blankRow());
  }

  write(data: string): void {
    for (const m of data.matchAll(SEQ)) {
      const [tok, params, final] = m;
      if (final !== undefined) this.csi(params!, final);
      else if (tok.startsWith('\x1b')) continue; // OSC, ESC x: not drawn
      else if (tok === '\n') this.lineFeed();
      else if (tok === '\r') [this.x, this.wrapNext] = [0, false];
      else if (tok < ' ' || tok === '\x7f') continue;
      else this.glyph(tok);
    }
  }

  /** The screen's rows as text, trailing blanks dropped. */
  lines(): string[] {
    return this.cells.map((row) => row.join('').trimEnd());
  }

  /** The terminal resized: what fits stays, the cursor is clamped (as tmux does, roughly). */
  resize(columns: number, rows: number): void {
    this.cells = Array.from({ length: rows }, (_, i) => [...(this.cells[i] ?? []).slice(0, columns), ...Array(Math.max(0, columns - (this.cells[i]?.length ?? 0))).fill(' ')].slice(0, columns));
    [this.columns, this.rows] = [columns, rows];
    this.x = Math.min(this.x, columns - 1);
    this.y = Math.min(this.y, rows - 1);
  }

  private blankRow(): string[] {
    return Array(this.columns).fill(' ');
  }

  private glyph(ch: string): void {
    const w = cellWidth(ch.codePointAt(0)!);
    if (w === 0) {
      // a combining mark joins the glyph before it
      const x = Math.max(0, this.x - 1);
      this.cells[this.y]![x] += ch;
      return;
    }
    if (this.wrapNext || this.x + w > this.columns) {
      this.x = 0;
      this.lineFeed();
    }
    const row = this.cells[this.y]!;
    row[this.x] = ch;
    if (w === 2) row[this.x + 1] = ''; // the right half of a wide glyph
    this.x += w;
    if (this.x >= this.columns) [this.x, this.wrapNext] = [this.columns - 1, true];
  }

  private lineFeed(): void {
    this.wrapNext = false;
    this.x = 0; // the tty turns \n into \r\n
    if (this.y + 1 < this.rows) this.y++;
    else {
      this.cells.shift();
      this.cells.push(this.blankRow());
      this.scrolls++;
    }
  }

  private csi(params: string, final: string): void {
    if (params === '?1049' && final === 'h' && !this.saved) [this.saved, this.cells] = [this.cells, Array.from({ length: this.rows }, () => this.blankRow())];
    if (params === '?1049' && final === 'l' && this.saved) [this.cells, this.saved] = [this.saved, null];
    if (/^[?<>=]/.test(params) || final === 'm') return;
    const ps = params.split(';').map((p) => Number.parseInt(p, 10));
    const n = Math.max(1, ps[0] || 1);
    this.wrapNext = false;
    const clampY = (y: number) => Math.max(0, Math.min(this.rows - 1, y));
    const clampX = (x: number) => Math.max(0, Math.min(this.columns - 1, x));
    switch (final) {
      case 'A': this.y = clampY(this.y - n); break;
      case 'B': this.y = clampY(this.y + n); break;
      case 'C': this.x = clampX(this.x + n); break;
      case 'D': this.x = clampX(this.x - n); break;
      case 'E': [this.x, this.y] = [0, clampY(this.y + n)]; break;
      case 'F': [this.x, this.y] = [0, clampY(this.y - n)]; break;
      case 'G': this.x = clampX(n - 1); break;
      case 'H':
      case 'f':
        if ((ps[0] || 1) > this.rows) this.belowBottom++;
        [this.y, this.x] = [clampY((ps[0] || 1) - 1), clampX((ps[1] || 1) - 1)];
        break;
      case 'J': {
        const mode = ps[0] || 0;
        if (mode === 3) break;
        for (let y = 0; y < this.rows; y++) {
          if ((mode === 0 && y > this.y) || (mode === 1 && y < this.y) || mode === 2) this.cells[y] = this.blankRow();
        }
        if (mode !== 2) this.eraseInLine(mode);
        break;
      }
      case 'K': this.eraseInLine(ps[0] || 0); break;
      default: throw new Error(`VtScreen: unhandled CSI ${params}${final}`);
    }
  }

  private eraseInLine(mode: number): void {
    const row = this.cells[this.y]!;
    for (let x = 0; x < this.columns; x++) {
      if ((mode === 0 && x >= this.x) || (mode === 1 && x <= this.x) || mode === 2) row[x] = ' ';
    }
  }
}
