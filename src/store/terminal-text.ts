// Untrusted text made safe for a terminal. Everything a run wrote (output, labels, tags, flag
// values, file names) and everything an imported run carries is hostile: an escape sequence in
// it could set the clipboard (OSC 52), the window title (OSC 0), plant links (OSC 8), hide text
// (SGR 8) or move the cursor over grun's own screen. Only what grun itself emits may reach the
// terminal, so every print site of such text goes through `termSafe` (or `termSafeLine` for
// output lines): escape sequences are removed whole, other control characters are shown as
// visible pictures (`␇`, `␊`), and C1 controls and bidi overrides are dropped.

import { Transform } from 'node:stream';

/**
 * ESC sequences: CSI (`ESC [` params, final byte), OSC (`ESC ]` … BEL or ST), DCS/SOS/PM/APC
 * (`ESC P|X|^|_` … ST), and two- or three-byte escapes (`ESC (B`, `ESC 7`). An unterminated string
 * sequence runs to the end of the text, as a terminal would swallow it.
 */
const ESCAPE_SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\?)?|[PX^_][^\x1b]*(?:\x1b\\?)?|[ -/]*[0-~]?)/g;
/** C0 controls but TAB, and DEL: shown as their Unicode control pictures. */
const C0 = /[\x00-\x08\x0a-\x1f\x7f]/g;
/** C1 controls (U+0080–U+009F: 8-bit CSI, OSC, …) and the bidi embedding/override/isolate marks. */
const INVISIBLE = /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/g;

const picture = (c: string): string => (c === '\x7f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0)));

/**
 * The one rule for a run's bytes on their way to stdout (`grun cat`, `grun watch`): a terminal
 * gets them cleaned unless the user asked for them raw; a pipe or a file gets them unchanged, as
 * `cat` would pass them on.
 */
export function cleansFor(out: { isTTY?: boolean }, raw = false): boolean {
  return out.isTTY === true && !raw;
}

/** `text` with no control sequence left: a table cell, a file name, an error message. */
export function termSafe(text: string): string {
  if (!/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(text)) return text;
  return text.replace(ESCAPE_SEQUENCE, '').replace(INVISIBLE, '').replace(/\t/g, ' ').replace(C0, picture);
}

/**
 * A line of output: as `termSafe`, with tabs expanded to stops every 8 columns and a line
 * redrawn with `\r` (a progress bar) cut to what a terminal would show, its last segment.
 */
export function termSafeLine(line: string): string {
  const text = lastSegment(line);
  if (!text.includes('\t')) return termSafe(text);
  let out = '';
  let col = 0; // columns so far, counted once per part (a TSV line has many tabs)
  for (const [i, part] of text.split('\t').entries()) {
    if (i > 0) {
      const pad = 8 - (col % 8);
      out += ' '.repeat(pad);
      col += pad;
    }
    const safe = termSafe(part);
    out += safe;
    col += [...safe].length;
  }
  return out;
}

/** Longest run of bytes without LF held before it is cleaned and passed on anyway. */
const STREAM_LINE_MAX = 1 << 20;

/**
 * A byte stream (a run's output file) made terminal-safe line by line, for `grun cat --output`
 * to a terminal; memory is bounded by STREAM_LINE_MAX however long a line is.
 */
export function termSafeStream(): Transform {
  let held = Buffer.alloc(0);
  const clean = (b: Buffer): string => termSafeLine(b.toString('utf8'));
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      let buf = held.length ? Buffer.concat([held, chunk]) : chunk;
      let out = '';
      for (let lf = buf.indexOf(0x0a); lf !== -1; lf = buf.indexOf(0x0a)) {
        out += clean(buf.subarray(0, lf)) + '\n';
        buf = buf.subarray(lf + 1);
      }
      if (buf.length > STREAM_LINE_MAX) {
        out += clean(buf);
        buf = Buffer.alloc(0);
      }
      held = Buffer.from(buf);
      done(null, out);
    },
    flush(done) {
      done(null, held.length ? clean(held) : '');
    },
  });
}

/** What a terminal shows of a line redrawn with `\r`: its last non-empty segment. */
export function lastSegment(text: string): string {
  if (!text.includes('\r')) return text;
  const parts = text.split('\r').filter((p) => p !== '');
  return parts[parts.length - 1] ?? '';
}
