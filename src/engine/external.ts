// A program run in the user's terminal: while the dashboard steps aside, `$SHELL` in a run's
// directory or `$EDITOR`/`$PAGER` on one of its files (what it exits with is its own business);
// for a command, the user's editor on a text to edit (`run -ec`, `comment -e`). Each has the
// terminal (stdio inherited) until it exits.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath } from './interpreter.js';
import { GrunError } from '../store/errors.js';
import { shlexSplit } from '../store/opref.js';

/** The command line opening `file` (in `$EDITOR`, else the pager), or `$SHELL` with none. */
export function externalCommand(env: NodeJS.ProcessEnv, file: string | null): string[] {
  if (file === null) return [env.SHELL || '/bin/sh'];
  // $EDITOR may carry options (`code -w`): split as a shell would
  return [...(env.EDITOR ? shlexSplit(env.EDITOR) : pagerCommand(env)), file];
}

/** The pager (`cat --page`, a file from the dashboard): `$PAGER`, else less. */
export const pagerCommand = (env: NodeJS.ProcessEnv): string[] => shlexSplit(env.PAGER || 'less');

/** Runs `argv` in `cwd` on this terminal and waits for it; an error (no such program) is returned. */
export function runInTerminal(argv: string[], cwd: string): string | null {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, stdio: 'inherit' });
  return r.error ? `cannot run ${argv[0]}: ${r.error.message}` : null;
}

/**
 * The editor Guild opens text in (`util.edit` through click): `$VISUAL`, `$EDITOR`,
 * `/usr/bin/editor`, else the first of sensible-editor, vim, nano on PATH, else vi; split as a
 * shell would (`code -w`).
 */
export function editorCommand(env: NodeJS.ProcessEnv): string[] {
  const named = env.VISUAL || env.EDITOR || (existsSync('/usr/bin/editor') ? '/usr/bin/editor' : undefined);
  const found = ['sensible-editor', 'vim', 'nano'].find((e) => onPath(e, env));
  return shlexSplit(named ?? found ?? 'vi');
}

/**
 * `text` edited by the user in their editor (a temp file named `*EXTENSION`, in this terminal):
 * the file's text once the editor exits, or null when it was not saved. Throws GrunError when
 * the editor cannot be run or fails.
 */
export function editText(text: string, extension: string, env: NodeJS.ProcessEnv = process.env): string | null {
  // an editor guessed for a script (no terminal) would wait for keys that never come
  if (!env.VISUAL && !env.EDITOR && !process.stdin.isTTY) {
    throw new GrunError('no editor to type in: stdin is not a terminal and neither $VISUAL nor $EDITOR is set');
  }
  const dir = mkdtempSync(join(tmpdir(), 'grun-edit-'));
  const file = join(dir, `editor${extension}`);
  try {
    writeFileSync(file, text === '' || text.endsWith('\n') ? text : `${text}\n`);
    // two seconds back, so that a save within the clock's resolution still changes it
    const before = statSync(file).mtimeMs - 2000;
    utimesSync(file, new Date(), new Date(before));
    const argv = [...editorCommand(env), file];
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
    if (r.error) throw new GrunError(`${argv[0]}: Editing failed: ${r.error.message}`);
    if (r.status !== 0) throw new GrunError(`${argv[0]}: Editing failed`);
    return statSync(file).mtimeMs === before ? null : readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A comment typed in the editor from `text` (Guild's `.GUILD_COMMENT` file): its lines that start
 * with `#` left out, trimmed; not saved, it is `text`'s. An empty one aborts the command.
 */
export function typedComment(text: string): string {
  const typed = (editText(text, '.GUILD_COMMENT') ?? text)
    .split('\n')
    .filter((l) => l.trimEnd().slice(0, 1) !== '#')
    .join('\n')
    .trim();
  if (!typed) throw new GrunError('Aborting due to an empty comment.');
  return typed;
}
