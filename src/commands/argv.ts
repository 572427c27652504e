// Arguments rewritten before commander parses them: Guild's two-letter filter options (`-Fo`)
// and Accio's single-dash long flags (`-name=x`), which commander's single-letter shorts
// cannot declare (a command's own, like `-cc`, use run-args.ts's `aliasShortArgs`).
import { commandName } from './index.js';

/** Guild's two-letter short options, which commander (single-letter shorts) cannot declare. */
const GUILD_SHORT_OPTIONS: Record<string, string> = {
  '-Fo': '--operation',
  '-Fl': '--label',
  '-Fu': '--unlabeled',
  '-Ft': '--tag',
  '-Fc': '--comment',
  '-Fm': '--marked',
  '-Fn': '--unmarked',
  '-Fs': '--started',
  '-Fd': '--digest',
};

/**
 * `guild run`'s own options of two and three letters (there `-Fo` is the optimizer's flag, not
 * a filter) and its second name of `--max-trials`.
 */
const RUN_SHORT_OPTIONS: Record<string, string> = {
  '-Fo': '--opt-flag',
  '-bl': '--batch-label',
  '-bt': '--batch-tag',
  '-bc': '--batch-comment',
  '--trials': '--max-trials',
  '-ec': '--edit-comment',
  '-ebc': '--edit-batch-comment',
};

/** The options `normalizeGuildArgs` rewrites for a command (`run`, or any other), by Guild's name. */
export const rewrittenOptions = (command: string | undefined): Record<string, string> =>
  command === 'run' ? RUN_SHORT_OPTIONS : GUILD_SHORT_OPTIONS;

/**
 * Rewrites Guild's `-Fo VAL`, `-Fl VAL`, … (also `-Fo=VAL`) to their long forms before commander
 * parses; `-S` needs no rewrite (`-Sec` is `-S ec`). Arguments after `--` are left alone.
 * `-Fotrain` stays as is: Guild (click) reads it as `-F otrain`, and so does commander.
 */
export function normalizeGuildArgs(argv: string[]): string[] {
  // `run` has its own: `-Fo NAME=VALUE` is an optimizer's flag there (Guild's --opt-flag)
  const shorts = rewrittenOptions(commandName(argv));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = arg.indexOf('=');
    const long = shorts[eq < 0 ? arg : arg.slice(0, eq)];
    out.push(long ? (eq < 0 ? long : long + arg.slice(eq)) : arg);
  }
  return out;
}

/** Accio's long flags, which it also accepts with a single dash (`-name=…`). */
export const SUBMIT_LONG_FLAGS = ['name', 'notes', 'tags', 'repeat', 'seed'] as const;

/**
 * Rewrites Accio's single-dash long flags (`-name=x`, `-repeat 3`) to `--name=x`, `--repeat 3`
 * so that a commander parser takes them; anything else is left alone.
 */
export function normalizeSingleDashFlags(argv: string[], names: readonly string[] = SUBMIT_LONG_FLAGS): string[] {
  return argv.map((a) => {
    const m = /^-([a-z][\w-]*)(=.*)?$/.exec(a);
    return m && names.includes(m[1]!) ? `-${a}` : a;
  });
}
