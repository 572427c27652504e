// `grun` with no arguments, or `grun ui [--readonly] [--memo]`: the dashboard. Ink and the UI are imported
// lazily, so scriptable commands never pay for React. The alternate screen is entered by hand
// (Ink 6.8 has no option for it) and left on every way out: q, Ctrl-C, an exception, SIGTERM,
// SIGHUP, SIGINT. So is mouse reporting (`dashboard: mouse: no` in config.yml leaves it off): Ink
// then reads a stdin with the reports taken out (views/mouse-stdin.ts). A terminal that cannot draw it (`TERM=dumb`) gets an error naming what to use instead;
// a locale that is not UTF-8 gets ASCII glyphs.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { GrunError } from '../store/errors.js';
import { resolveGuildHome } from '../store/home.js';
import { loadDashboardSettings } from '../engine/dashboard-settings.js';
import { newestRuns } from '../store/newest-runs.js';
import { asciiStream, utf8Locale } from '../views/ascii.js';
import { bundledInk } from '../views/vendor-hook.js';

const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

export interface DashboardOptions {
  home: string;
  readonly: boolean;
  /** Launches reuse a completed run with the same inputs (`grun run --memo`). */
  memo?: boolean;
}

/**
 * The UI's modules, loaded under the environment they choose their build by: production React
 * (2.3x less CPU and memory than the development build it loads when NODE_ENV is unset), and
 * Ink without `CI` (Ink writes nothing while it is set: it renders only the last frame on exit;
 * on a real terminal the dashboard must draw anyway). React and Ink read both when they load,
 * so both are set only around the imports and the user's values are back for the runs the
 * dashboard starts.
 */
async function importUi() {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION, NODE_ENV: process.env.NODE_ENV };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  process.env.NODE_ENV ??= 'production';
  try {
    // A build loads Ink and React from their bundle (views/vendor-hook.ts); sources run as they are.
    if (existsSync(fileURLToPath(bundledInk))) registerHooks('../views/vendor-hook.js', import.meta.url);
    await import('ink');
    const [{ renderDashboard }, { MOUSE_OFF, MOUSE_ON }, { MouseStdin }] = await Promise.all([
      import('../views/render-dashboard.js'),
      import('../views/mouse.js'),
      import('../views/mouse-stdin.js'),
    ]);
    return { renderDashboard, MOUSE_OFF, MOUSE_ON, MouseStdin };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

export async function openDashboard(opts: DashboardOptions): Promise<void> {
  const { stdin, stdout } = process;
  if (!stdout.isTTY || !stdin.isTTY) {
    throw new GrunError('the dashboard needs a terminal (stdin and stdout must be TTYs); use `grun runs` to list runs');
  }
  if (process.env.TERM === 'dumb') {
    throw new GrunError("TERM=dumb: this terminal cannot show the full-screen dashboard; use `grun runs` to list runs (or run grun where TERM names a real terminal, such as xterm-256color)");
  }
  const { mouse } = loadDashboardSettings(opts.home);
  // the first table is read (in a worker) while the UI loads
  const newest = newestRuns(opts.home);
  const { renderDashboard, MOUSE_OFF, MOUSE_ON, MouseStdin } = await importUi();

  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.write((mouse ? MOUSE_OFF : '') + LEAVE_ALT + SHOW_CURSOR);
  };
  stdout.write(ENTER_ALT + (mouse ? MOUSE_ON : ''));
  process.on('exit', restore);

  const out = utf8Locale(process.env) ? stdout : asciiStream(stdout);
  const input = mouse ? new MouseStdin(stdin) : undefined;
  const instance = renderDashboard({ home: opts.home, readonly: opts.readonly, memo: !!opts.memo, projectDir: process.cwd(), mouse: input, feed: { newest } }, out, {
    exitOnCtrlC: false, // Ctrl-C goes through the keymap: it cancels a dialog, else quits
    patchConsole: true,
    ...(input ? { stdin: input as unknown as NodeJS.ReadStream } : {}),
  });
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    instance.unmount();
    restore();
    process.exit(code);
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGTERM', onSignal('SIGTERM', 143)],
    ['SIGHUP', onSignal('SIGHUP', 129)],
    ['SIGINT', onSignal('SIGINT', 130)],
  ];
  for (const [sig, h] of handlers) process.on(sig, h);
  const onCrash = (e: unknown): void => {
    instance.unmount();
    restore();
    process.stderr.write(`grun: dashboard crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(70);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    restore();
    for (const [sig, h] of handlers) process.off(sig, h);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    process.off('exit', restore);
  }
}

export function register(program: Command): void {
  program
    .command('ui')
    .description('Open the dashboard (the same as `grun` with no arguments)')
    .option('--readonly', 'hide and disable every action that changes runs')
    .option('--memo', 'launches reuse a completed run with the same operation, source, flags and inputs')
    .action(async (_o: unknown, cmd: Command) => {
      // `--readonly` after `ui` may be taken by the root program's option of the same name
      const opts = cmd.optsWithGlobals<{ home?: string; readonly?: boolean; memo?: boolean }>();
      await openDashboard({ home: resolveGuildHome({ home: opts.home }), readonly: !!opts.readonly, memo: !!opts.memo });
    });
}
