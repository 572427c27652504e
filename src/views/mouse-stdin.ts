// The stdin Ink reads when mouse reporting is on: the terminal's stdin with the mouse reports
// taken out (views/mouse.ts), which are emitted as 'mouse' events instead. It reads the real
// stdin only while Ink listens for 'readable' (raw mode on), so a program the dashboard runs in
// the terminal (`o`) gets the keys. An ESC at the end of a read is held until the next read or a
// short wait, the time a terminal takes to send the rest of a report; then Ink sees it as Esc.
import { EventEmitter } from 'node:events';
import { MouseParser, type MouseEvent } from './mouse.js';

/** An ESC (or ESC [) that may be the Esc key: held briefly, or the key would lag. */
const HOLD_MS = 25;
/** The start of a report: no key sends it, so the rest is waited for as a slow link delivers it. */
const REPORT_HOLD_MS = 500;

export class MouseStdin extends EventEmitter {
  readonly isTTY: boolean;
  private readonly parser = new MouseParser();
  private readonly queue: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly real: NodeJS.ReadStream) {
    super();
    this.isTTY = real.isTTY;
    this.on('newListener', (event: string) => {
      if (event === 'readable' && this.listenerCount('readable') === 0) real.on('readable', this.pull);
    });
    this.on('removeListener', (event: string) => {
      if (event === 'readable' && this.listenerCount('readable') === 0) real.off('readable', this.pull);
    });
  }

  /** Ink's read loop: the next piece of text, or null. */
  read(): string | null {
    return this.queue.shift() ?? null;
  }

  setRawMode(mode: boolean): this {
    this.real.setRawMode(mode);
    return this;
  }

  setEncoding(encoding: BufferEncoding): this {
    this.real.setEncoding(encoding);
    return this;
  }

  ref(): this {
    this.real.ref();
    return this;
  }

  unref(): this {
    this.real.unref();
    return this;
  }

  private readonly pull = (): void => {
    let chunk: string | Buffer | null;
    while ((chunk = this.real.read() as string | Buffer | null) !== null) this.accept(String(chunk));
  };

  /** Takes one read of the terminal: text goes to Ink, reports to the 'mouse' listeners. */
  accept(chunk: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const { text, events } = this.parser.push(chunk);
    for (const e of events) this.emit('mouse', e satisfies MouseEvent);
    this.give(text);
    if (this.parser.holding) this.timer = setTimeout(() => this.give(this.parser.flush()), this.parser.holdingReport ? REPORT_HOLD_MS : HOLD_MS);
  }

  private give(text: string): void {
    if (text === '') return;
    this.queue.push(text);
    this.emit('readable');
  }
}
