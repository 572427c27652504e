// Renders the App at the terminal's size and keeps it there. On a resize Ink redraws at once the
// frame it has, laid out for the old size: a frame taller than the shrunk terminal scrolls, and
// terminals that keep what scrolls off the alternate screen (VTE, iTerm2, Windows Terminal) show
// those rows above the prompt after grun exits. So the App is rendered again at the new size
// (synchronously: Ink's legacy root) by a listener that runs before Ink's.
// Ink's `incrementalRendering` is left off: in 6.8 it moves back up one row too few after a frame
// shorter than the terminal (the trailing newline Ink adds is not counted), so each frame lands a
// row low and scrolls, and the lines it skipped as unchanged show stale text (seen in the tmux
// tests); at `rows` lines Ink clears the screen every frame instead. Ink wraps each frame in
// synchronized output (DEC mode 2026) on a TTY; terminals without it ignore the mode.
import { render, type Instance, type RenderOptions } from 'ink';
import { createElement } from 'react';
import { App, type AppProps } from '../app.js';

export function renderDashboard(props: Omit<AppProps, 'size'>, stdout: NodeJS.WriteStream, options: Omit<RenderOptions, 'stdout'>): Instance {
  const element = () => createElement(App, { ...props, size: { columns: stdout.columns, rows: stdout.rows } });
  const instance = render(element(), { ...options, stdout });
  const onResize = (): void => instance.rerender(element());
  stdout.prependListener('resize', onResize);
  void instance.waitUntilExit().finally(() => stdout.off('resize', onResize));
  return instance;
}
