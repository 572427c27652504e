// Guild 0.9's run filter options (`guild/commands/runs_support.py`): `-F EXPR`,
// `-Fo -Fl -Fu -Ft -Fc -Fm -Fn -Fs -Fd` and the `-S*` status options, declared on a command
// and read back as the store's plain `RunFilterOptions`.
import type { Command } from 'commander';
import { UsageError } from '../store/errors.js';
import type { RunFilterOptions } from '../store/run-filters.js';
import { STATUSES } from '../store/status.js';
import type { RunStatus } from '../store/types.js';

const STATUS_CHARS: Record<string, RunStatus> = {
  r: 'running',
  c: 'completed',
  e: 'error',
  t: 'terminated',
  p: 'pending',
  s: 'staged',
};

/** `-Sec` → `['error', 'completed']`. */
export function parseStatusChars(chars: string): RunStatus[] {
  const out: RunStatus[] = [];
  for (const c of chars) {
    const status = STATUS_CHARS[c];
    if (!status) throw new UsageError(`unrecognized status char '${c}' in option '-S'`);
    if (!out.includes(status)) out.push(status);
  }
  return out;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** What `--started` takes, as store/timerange.ts reads it (Guild's time ranges). */
const RANGE_HELP = `
Time ranges (-Fs, --started RANGE), in local time:
  today, yesterday, this minute|hour|day|week|month|year, N UNITs ago
  last [N] minute|hour|day           'last hour', 'last 2 days'
  before|after RANGE or DATETIME     'after 2026-12-01', 'before 10:30'
  between RANGE and RANGE            'between 2 days ago and today'
  DATETIME: YYYY-M-D, M-D, H:MM[:SS], or a date and a time`;

/** Adds every Guild filter option to a command; read them back with `runFilterOptionsFrom`. */
export function addRunFilterOptions(cmd: Command): Command {
  cmd
    .option('-F, --filter <expr>', "filter runs with an expression, e.g. 'loss < 0.3 and op = train'", collect)
    .option('--operation <val>', 'filter runs with operations matching VAL (-Fo; * wildcards, ^regex$)', collect)
    .option('--label <val>', "filter runs with labels containing VAL (-Fl; '-' for unlabeled)", collect)
    .option('--unlabeled', 'filter only runs without labels (-Fu)')
    .option('--tag <tag>', 'filter runs with TAG, exact and case-sensitive (-Ft)', collect)
    .option('--comment <val>', "filter runs with comments matching VAL (-Fc; '-' for none)", collect)
    .option('--marked', 'filter only marked runs (-Fm)')
    .option('--unmarked', 'filter only unmarked runs (-Fn)')
    .option('--started <range>', "filter only runs started within RANGE, e.g. 'last hour', today (-Fs)")
    .option('--digest <val>', 'filter only runs with a matching source code digest (-Fd)')
    .option('-S <chars>', 'filter by status chars r c e t p s, combinable: -Sec', (v: string, prev?: string) => (prev ?? '') + v);
  cmd.addHelpText('after', RANGE_HELP);
  for (const [c, status] of Object.entries(STATUS_CHARS)) {
    cmd.option(`--${status}`, `filter only ${status} runs (-S${c})`);
  }
  for (const status of STATUSES) cmd.option(`--not-${status}`, `filter out ${status} runs`);
  // Guild's `--error/--not-error` is one switch: the last one given wins.
  for (const status of STATUSES) {
    const notKey = `not${status[0]!.toUpperCase()}${status.slice(1)}`;
    cmd.on(`option:${status}`, () => cmd.setOptionValue(notKey, false));
    cmd.on(`option:not-${status}`, () => cmd.setOptionValue(status, false));
  }
  return cmd;
}

/** Whether the command was given any filter option. */
export const hasRunFilter = (opts: Record<string, unknown>): boolean => Object.keys(runFilterOptionsFrom(opts)).length > 0;

/** The `RunFilterOptions` of a command's parsed options (see `addRunFilterOptions`). */
export function runFilterOptionsFrom(opts: Record<string, unknown>): RunFilterOptions {
  const out: RunFilterOptions = {};
  const list = (v: unknown): string[] | undefined => (Array.isArray(v) && v.length ? v.map(String) : undefined);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const assign = <K extends keyof RunFilterOptions>(k: K, v: RunFilterOptions[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  assign('filter', list(opts.filter));
  assign('operation', list(opts.operation));
  assign('label', list(opts.label));
  assign('unlabeled', opts.unlabeled === true || undefined);
  assign('tag', list(opts.tag));
  assign('comment', list(opts.comment));
  assign('marked', opts.marked === true || undefined);
  assign('unmarked', opts.unmarked === true || undefined);
  assign('started', str(opts.started));
  assign('digest', str(opts.digest));
  const chars = parseStatusChars(str(opts.S) ?? '');
  const status = STATUSES.filter((s) => chars.includes(s) || opts[s] === true);
  const notStatus = STATUSES.filter((s) => opts[`not${s[0]!.toUpperCase()}${s.slice(1)}`] === true);
  assign('status', status.length ? status : undefined);
  assign('notStatus', notStatus.length ? notStatus : undefined);
  return out;
}


/** The options of `runFilterOptionsFrom` as arguments again, for another grun (a remote's listing). */
export function filterArgs(o: RunFilterOptions): string[] {
  const each = (name: string, vs: string[] | undefined): string[] => (vs ?? []).flatMap((v) => [`--${name}`, v]);
  return [
    ...each('filter', o.filter),
    ...each('operation', o.operation),
    ...each('label', o.label),
    ...(o.unlabeled ? ['--unlabeled'] : []),
    ...each('tag', o.tag),
    ...each('comment', o.comment),
    ...(o.marked ? ['--marked'] : []),
    ...(o.unmarked ? ['--unmarked'] : []),
    ...each('started', o.started === undefined ? undefined : [o.started]),
    ...each('digest', o.digest === undefined ? undefined : [o.digest]),
    ...(o.status ?? []).map((s) => `--${s}`),
    ...(o.notStatus ?? []).map((s) => `--not-${s}`),
  ];
}
