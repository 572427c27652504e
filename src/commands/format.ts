// Text formatting shared by the commands: Guild's timestamps, durations, paths and tables.
import { homedir } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { parseOpref } from '../store/opref.js';
import { cleansFor, termSafe } from '../store/terminal-text.js';
import type { Comment, Opref, Run } from '../store/types.js';
import { formatTimestamp } from '../store/timefmt.js';

export { formatDuration, formatTimestamp } from '../store/timefmt.js';

/** Guild's `util.format_dir`: the user's home directory shown as `~`. */
export function formatDir(path: string): string {
  const home = homedir();
  if (path === home) return '~';
  return path.startsWith(home + sep) ? `~${path.slice(home.length)}` : path;
}

/** Guild's `util.shorten_path` (max 28 chars): keeps the first and last parts around `…`. */
export function shortenPath(path: string, maxLen = 28): string {
  if (path.length <= maxLen) return path;
  const parts = path.split(sep);
  if (parts.length <= 2) return path;
  const head = parts[0] === '' ? `${sep}${parts[1]}` : parts[0]!;
  const rest = parts.slice(parts[0] === '' ? 2 : 1);
  const tail: string[] = [rest.pop()!];
  while (rest.length > 0 && head.length + tail.join(sep).length + rest[rest.length - 1]!.length + 4 <= maxLen) {
    tail.unshift(rest.pop()!);
  }
  return rest.length === 0 ? path : [head, '\u2026', ...tail].join(sep);
}

/** A batch run's proto opref (`.guild/proto/.guild/opref`), or null. */
function protoOpref(run: Run): Opref | null {
  try {
    return parseOpref(readFileSync(join(run.dir, '.guild', 'proto', '.guild', 'opref'), 'utf8'));
  } catch {
    return null;
  }
}

/** The project dir of a run's operation, the proto's for a batch (`runs_impl._run_op_dir`), or null. */
export function runOpDir(run: Run): string | null {
  const o = (run.batch ? protoOpref(run) : null) ?? run.opref;
  if (!o) return null;
  if (o.pkgType === 'guildfile') return dirname(o.pkgName);
  if (o.pkgType === 'script') return o.pkgName;
  return null;
}

/** Guild's `run_util.shorten_op_dir`: relative to cwd when below it or a peer, else `~` form. */
export function shortenOpDir(opDir: string, cwd = process.cwd()): string {
  const rel = relative(cwd, opDir);
  let shown: string;
  if (rel !== '' && !rel.startsWith('..')) shown = rel;
  else if (opDir === dirname(cwd)) shown = `..${sep}`;
  else if (rel.startsWith(`..${sep}`) && !relative(dirname(cwd), opDir).startsWith('..')) shown = rel;
  else shown = formatDir(opDir);
  return shortenPath(shown);
}

const useStyle = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const dim = (s: string): string => (s && useStyle() ? `\x1b[2m${s}\x1b[0m` : s);

/** Display width: ANSI styles take no columns. */
const visibleLength = (s: string): number => (s.includes('\x1b') ? s.replace(/\x1b\[[0-9;]*m/g, '').length : s.length);

/** Op dir suffixes as shown from a cwd: a listing of many runs has few project dirs. */
const shownDirs = new Map<string, string>();
/** The suffix of an opref from the last cwd: runs read from the summary cache share their oprefs. */
const suffixOfOpref = new WeakMap<Opref, { cwd: string; suffix: string }>();

function opDirSuffix(run: Run, cwd: string): string {
  const o = run.batch ? null : run.opref;
  const memo = o && suffixOfOpref.get(o);
  if (memo && memo.cwd === cwd) return memo.suffix;
  const dir = runOpDir(run);
  let suffix = '';
  if (dir && dir !== cwd) {
    const key = `${cwd}\0${dir}`;
    suffix = shownDirs.get(key) ?? dim(` (${termSafe(shortenOpDir(dir, cwd))})`);
    if (shownDirs.size < 1000) shownDirs.set(key, suffix);
  }
  if (o) suffixOfOpref.set(o, { cwd, suffix });
  return suffix;
}

/** Guild's `runs list` op column: the op, ` (project dir)` when not the cwd, ` [marked]`. */
export function opDesc(run: Run, cwd = process.cwd()): string {
  return termSafe(run.operation) + opDirSuffix(run, cwd) + (run.marked ? ' [marked]' : '');
}

/** `completed`, or `running (myremote)` for a remote run. */
export function statusWithRemote(run: Run): string {
  return run.statusInfo.remote ? `${run.status} (${run.statusInfo.remote})` : run.status;
}

/**
 * Rows lined up in columns two spaces apart, as Guild's `cli.table`: every column but the last
 * padded to its widest cell (a row whose last cell is empty keeps its padding, as Guild prints it).
 */
export function formatTable(rows: string[][], indent = 0): string[] {
  // plain loops: `runs -a` lays out 100k rows
  const widths: number[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const w = visibleLength(row[i]!);
      if (!(w <= widths[i]!)) widths[i] = w;
    }
  }
  // each line joined from its parts at once (`+=` would make a chain of strings to flatten), the
  // padding from strings of spaces made once per length used
  const pads = new Map<number, string>();
  const pad = (n: number): string => {
    let p = pads.get(n);
    if (p === undefined) pads.set(n, (p = ' '.repeat(n)));
    return p;
  };
  const lines = new Array<string>(rows.length);
  const parts: string[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    parts.length = 0;
    parts.push(pad(indent));
    for (let i = 0; i < row.length; i++) {
      const c = row[i]!;
      parts.push(c);
      if (i < row.length - 1) parts.push(pad(widths[i]! - visibleLength(c) + 2));
    }
    lines[r] = parts.join('');
  }
  return lines;
}

/**
 * Guild's comments under a listed run: each `[N] user@host time` (`comment --list`, indexed)
 * or `  user@host time` (`runs -c`), a blank line, the body indented, a blank line; an indexed
 * list says `<no comments>` for a run without any.
 */
export function commentLines(comments: readonly Comment[], indexed: boolean): string[] {
  if (comments.length === 0) return indexed ? ['  <no comments>'] : [];
  return comments.flatMap((c, i) => {
    const who = c.host ? `${c.user}@${c.host}` : c.user;
    const when = formatTimestamp(c.time);
    const body = c.body.split('\n').map((l) => termSafe(`${indexed ? '  ' : '    '}${l}`).trimEnd());
    return [termSafe(indexed ? `[${i + 1}] ${who} ${when}` : `  ${who} ${when}`), '', ...body, ''];
  });
}

/** Writes lines to stdout, one `\n` each. */
export function printLines(lines: string[]): void {
  if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
}

/**
 * Lines of what runs hold, printed as data (CSV, attr values, tags): unchanged to a pipe or a
 * file, cleaned for a terminal (`cleansFor`), as `grun cat` passes a run's bytes on.
 */
export function printRunText(lines: string[]): void {
  printLines(lines.map(runText));
}

/** Text a run holds as stdout takes it: cleaned line by line for a terminal, unchanged for a pipe or a file. */
export function runText(text: string): string {
  return cleansFor(process.stdout) ? text.split('\n').map(termSafe).join('\n') : text;
}

/** Guild's `run_util._format_command`: args joined, those empty or with spaces in double quotes. */
export function formatCommand(cmd: unknown): string {
  if (!Array.isArray(cmd)) return '';
  return cmd.map((a) => {
    const s = a === null ? 'None' : String(a);
    return s === '' || s.includes(' ') ? `"${s}"` : s;
  }).join(' ');
}

/** A scalar's value and step as Guild prints them (`runs info`, `compare --print-scalars`): `%f`, `nan`/`inf` as Python spells them. */
export function scalarStepText(v: number, step: number): string {
  const f = Number.isNaN(v) ? 'nan' : !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : v.toFixed(6);
  return `${f} (step ${step})`;
}
