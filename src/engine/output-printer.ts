// Printing a followed run output (`grun run` in the foreground, `grun watch`): whole lines as
// they end and, on a terminal, the line being written shown live in place, so a progress bar
// redrawn with `\r` for 30 minutes shows it moves. A pipe gets whole lines only: a log file
// or `grep` wants each line once, not its redraws.
import type { OutputLine } from '../store/output.js';
import { lastSegment, termSafe, termSafeLine } from '../store/terminal-text.js';
import type { OutputFollower } from './executor.js';

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Back to column 0 and erase the row: the live line is redrawn there. */
const REDRAW = '\r\x1b[K';

/**
 * What a terminal shows of a line still being redrawn: its last `\r` segment, made terminal-safe
 * (an escape sequence or control character would move the cursor off the row being redrawn),
 * cut to one row so the redraw never wraps.
 */
export function liveText(partial: string, columns: number): string {
  const text = termSafe(lastSegment(partial));
  const chars = [...text];
  return chars.length < columns ? text : chars.slice(0, Math.max(0, columns - 1)).join('');
}

export class OutputPrinter {
  private shown = '';
  private readonly live: boolean;

  /**
   * `err`: where stderr lines go (the foreground run keeps the streams apart); `safe`: ended
   * lines made terminal-safe (`grun watch` on a terminal; a run's escapes stay its own).
   */
  constructor(
    private readonly out: Out,
    private readonly err: NodeJS.WritableStream = out,
    private readonly opts: { safe?: boolean } = {},
  ) {
    this.live = out.isTTY === true;
  }

  /** Prints what the follower has new: ended lines, then the live line. */
  print(follower: OutputFollower): void {
    this.lines(follower.poll());
    if (!this.live) return;
    const next = liveText(follower.partialLine(), this.out.columns ?? 80);
    if (next === this.shown) return;
    this.out.write(REDRAW + next);
    this.shown = next;
  }

  /** Leaves the terminal on a fresh line: a live line stays as it was last drawn. */
  finish(): void {
    if (this.shown) this.out.write('\n');
    this.shown = '';
  }

  private lines(lines: OutputLine[]): void {
    if (lines.length === 0) return;
    if (this.shown) this.out.write(REDRAW); // the first ended line is the live one, complete
    this.shown = '';
    for (const line of lines) (line.stream === 1 ? this.err : this.out).write((this.opts.safe ? termSafeLine(line.text) : line.text) + '\n');
  }
}
