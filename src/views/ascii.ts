// The dashboard on a terminal whose locale is not UTF-8 (`LANG=C`, ISO-8859-1): every glyph it
// draws (status, marks, arrows, sparklines, box borders, asciichart's lines) is written as one
// ASCII character of the same width, so the layout Ink computed stays right. One place, at the
// stream, rather than a second set of glyphs in every view.

import { withWrite } from './stream-write.js';

/** One ASCII stand-in per glyph the views and asciichart draw. */
const GLYPHS: Record<string, string> = {
  '▶': '>', '✔': '+', '✖': 'x', '■': '#', '✂': '%', '◆': '*', '●': '*', '★': '*', '›': '>', '‹': '<',
  '▼': 'v', '▲': '^', '↑': '^', '↓': 'v', '←': '<', '→': '>', '└': '`', '≠': '!', '·': '.',
  '…': '~', '↺': '@', '⊘': '/', '▌': '|', '−': '-', 'µ': 'u',
  '▁': '_', '▂': '.', '▃': '-', '▄': ':', '▅': '=', '▆': '+', '▇': '*', '█': '#',
  '─': '-', '│': '|', '╭': '+', '╮': '+', '╰': '+', '╯': '+', '┌': '+', '┐': '+', '┘': '+',
  '├': '+', '┤': '+', '┬': '+', '┴': '+', '┼': '+',
};

/** Whether the locale's character set is UTF-8 (`LC_ALL`, then `LC_CTYPE`, then `LANG`; none set reads as UTF-8). */
export function utf8Locale(env: NodeJS.ProcessEnv): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG;
  return !locale || /utf-?8/i.test(locale);
}

/** `text` with every non-ASCII character replaced (unknown ones, such as a label's, by `?`). */
export function toAscii(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[^\x00-\x7f]/gu, (ch) => GLYPHS[ch] ?? '?');
}

/** `stdout` as Ink sees it, writing ASCII only; everything else is the real stream. */
export function asciiStream(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
  const write = (chunk: unknown, ...rest: unknown[]): boolean =>
    (stdout.write as (...a: unknown[]) => boolean)(typeof chunk === 'string' ? toAscii(chunk) : chunk, ...rest);
  return withWrite(stdout, write);
}
