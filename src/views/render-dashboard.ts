// Renders the App at the terminal's size and keeps it there. On a resize Ink redraws at once the
// frame it has, laid out for the old size: a frame taller than the shrunk terminal scrolls, and
// terminals that keep what scrolls off the alternate screen (VTE, iTerm2, Windows Terminal) show
// those rows above the prompt after grun exits. So the App is rendered again at the new size
// (synchronously: Ink's legacy root) by a listener that runs before Ink's.
// Ink writes whole frames (its `incrementalRendering` stays off: see line-diff.ts) into a
// `LineDiff`, which sends the terminal only the rows that changed.
import { render, type Instance, type RenderOptions } from 'ink';
import { createElement } from 'react';
import { App, type AppProps } from '../app.js';
import { lineDiffStreams } from './line-diff.js';

export function renderDashboard(props: Omit<AppProps, 'size'>, stdout: NodeJS.WriteStream, options: Omit<RenderOptions, 'stdout'>): Instance {
  const element = () => createElement(App, { ...props, size: { columns: stdout.columns, rows: stdout.rows } });
  const streams = lineDiffStreams(stdout, options.stderr ?? process.stderr);
  const instance = render(element(), { ...options, stdout: streams.stdout, stderr: streams.stderr });
  const onResize = (): void => instance.rerender(element());
  stdout.prependListener('resize', onResize);
  void instance.waitUntilExit().finally(() => {
    stdout.off('resize', onResize);
    streams.diff.dispose();
  });
  return instance;
}
