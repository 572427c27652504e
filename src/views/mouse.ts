// Mouse input from the terminal: SGR reporting (`CSI ? 1000 h` clicks and wheel, `CSI ? 1006 h`
// in decimal) sends `ESC [ < button ; column ; row M` (press) or `… m` (release). The parser takes
// these out of what is read from stdin, so that they never reach the key handling as typed
// characters, and keeps an incomplete one for the next read. Pure.

/** A wheel notch or a left-button press, at a 1-based column and row. Other buttons, releases and motion are dropped. */
export type MouseEvent =
  | { kind: 'wheel'; dir: 'up' | 'down'; x: number; y: number }
  | { kind: 'press'; x: number; y: number };

export const MOUSE_ON = '\x1b[?1000h\x1b[?1006h';
export const MOUSE_OFF = '\x1b[?1006l\x1b[?1000l';

const SGR = /^\x1b\[<(\d{1,5});(\d{1,5});(\d{1,5})([Mm])/;
/** Longest text that may still become an SGR report (`ESC [ < 99999 ; 99999 ; 99999`). */
const MAX_PARTIAL = 20;

const MOTION = 32;
const WHEEL = 64;
const EXTRA = 128; // buttons 8-11

/** The event a report stands for, or null for one grun ignores. */
export function decodeSgr(button: number, x: number, y: number, release: boolean): MouseEvent | null {
  if (release || button & MOTION || button & EXTRA) return null;
  const low = button & 3; // the modifiers (4 shift, 8 meta, 16 ctrl) do not change what a notch or click does
  if (button & WHEEL) return low === 0 ? { kind: 'wheel', dir: 'up', x, y } : low === 1 ? { kind: 'wheel', dir: 'down', x, y } : null;
  return low === 0 ? { kind: 'press', x, y } : null;
}

/** May `s`, from an ESC to the end of what was read, still become an SGR report with more input? */
const isPartialSgr = (s: string): boolean => s === '\x1b' || s === '\x1b[' || (s.length <= MAX_PARTIAL && /^\x1b\[<[\d;]*$/.test(s));

export class MouseParser {
  private held = '';

  /** Splits a chunk read from the terminal into the text for the key handling and the mouse events in it. */
  push(chunk: string): { text: string; events: MouseEvent[] } {
    const s = this.held + chunk;
    this.held = '';
    let text = '';
    const events: MouseEvent[] = [];
    let i = 0;
    while (i < s.length) {
      const esc = s.indexOf('\x1b', i);
      if (esc === -1) {
        text += s.slice(i);
        break;
      }
      text += s.slice(i, esc);
      const rest = s.slice(esc);
      const m = SGR.exec(rest);
      if (m) {
        const ev = decodeSgr(Number(m[1]), Number(m[2]), Number(m[3]), m[4] === 'm');
        if (ev) events.push(ev);
        i = esc + m[0].length;
      } else if (isPartialSgr(rest)) {
        this.held = rest;
        break;
      } else {
        text += '\x1b';
        i = esc + 1;
      }
    }
    return { text, events };
  }

  /** Is the end of the last chunk held back (an ESC, or the start of a report)? */
  get holding(): boolean {
    return this.held !== '';
  }

  /** Is what is held the start of a report (`ESC [ <`: no key sends it), not an Esc that may be a key? */
  get holdingReport(): boolean {
    return this.held.startsWith('\x1b[<');
  }

  /** What is held back, given up on as a report (a lone Esc key, Alt+[). */
  flush(): string {
    const h = this.held;
    this.held = '';
    return h;
  }
}
