// `grun comment [RUN...] -l/--list | -a/--add BODY | -e/--edit | -d/--delete INDEX | -c/--clear [-u USER]`
// rewrites `attrs/comments`, a list of `{body, host, time (µs), user}` (Guild's comment command).
import type { Command } from 'commander';
import { checkEdit, editRuns, editTarget, type CommentEdit } from '../engine/edits.js';
import { typedComment } from '../engine/external.js';
import { GrunError } from '../store/errors.js';
import { listRuns, loadRun } from '../store/index.js';
import { addRunFilterOptions } from './filter-options.js';
import type { Run } from '../store/types.js';
import { commentLines, formatTable, formatTimestamp, opDesc, printLines, statusWithRemote } from './format.js';
import { termSafe } from '../store/terminal-text.js';
import { CHILD_EDIT_HELP, homeOf, intOption, onRemote, previewLines, REMOTE_OPTION, runsOp, selectFrom } from './run-args.js';
import { filterRuns } from './run-filter.js';

/** `-u user@host` sets both; `-u user` just the user (the host is this one). */
function author(spec: string): { user: string; host?: string } {
  const at = spec.indexOf('@');
  return at === -1 ? { user: spec } : { user: spec.slice(0, at), host: spec.slice(at + 1) };
}

/** Guild's `comment --list`: a row per run (short id, operation, started, status, label), its comments numbered below it. */
function listComments(runs: Run[]): void {
  const rows = formatTable(runs.map((r) => [r.id.slice(0, 8), opDesc(r), formatTimestamp(r.started), statusWithRemote(r), termSafe(r.label ?? '')]));
  printLines(runs.flatMap((r, i) => [rows[i]!, ...commentLines(r.comments, true)]));
}

/** Guild's comment typed in the editor for `runs` (listed under it), `start` its first line. */
function commentTyped(start: string | undefined, runs: Run[]): string {
  return typedComment(
    [
      start ?? '',
      "# Type a comment for the runs below. Lines starting with '#' are ",
      '# ignored. An empty comment aborts the command.',
      '#',
      '# Runs:',
      ...previewLines(runs).map((l) => `#  ${l}`),
    ].join('\n'),
  );
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('comment')
      .description('Add, list or delete run comments')
      .argument('[RUN...]', 'runs (default: 1, the latest)')
      .option('-l, --list', 'list comments')
      .option('-a, --add <body>', 'add a comment')
      .option('-e, --edit', 'type the comment to add in an editor ($VISUAL, $EDITOR), --add its start (also with no action)')
      .option('-d, --delete <index>', 'delete the comment at INDEX (see --list)', intOption('--delete'))
      .option('-c, --clear', 'delete all comments')
      .option('-u, --user <user>', 'comment author as USER or USER@HOST')
      .option('-y, --yes', 'do not ask for confirmation')
      .option(...REMOTE_OPTION)
      .addHelpText('after', CHILD_EDIT_HELP),
  ).action(async (specs: string[], opts: Record<string, unknown>, c: Command) => {
    if (await onRemote(opts, c)) return;
    const actions = ['list', 'add', 'delete', 'clear'].filter((k) => opts[k] !== undefined);
    if (actions.length > 1) throw new GrunError(`${actions.map((a) => `--${a}`).join(' and ')} cannot be used together`);
    // Guild's: no action, or --edit, is a comment typed in the editor
    const typed = actions.length === 0 || (opts.edit === true && actions[0] === 'add');
    if (opts.edit && !typed) throw new GrunError(`--edit and --${actions[0]} cannot be used together`);
    const selected = selectFrom(filterRuns(listRuns(homeOf(c)), opts), specs, ['1']);
    // A `grun submit` child's comments are its parent's: list where they were written
    if (opts.list) {
      return listComments(selected.map((r) => {
        const holder = editTarget(r.dir, { kind: 'comment', clear: true });
        return holder === r.dir ? r : loadRun(holder);
      }));
    }
    const body = typed ? commentTyped(opts.add as string | undefined, selected) : (opts.add as string | undefined);
    const index = opts.delete as number | undefined;
    const user = opts.user as string | undefined;
    const edit: CommentEdit =
      body !== undefined ? { kind: 'comment', add: body, ...(user ? author(user) : {}) }
      : index !== undefined ? { kind: 'comment', delete: index }
      : { kind: 'comment', clear: true };
    checkEdit(edit);
    const what = body !== undefined ? 'add a comment to' : index !== undefined ? `delete comment ${index} from` : 'delete ALL comments from';
    const preview = `${body === undefined && index === undefined ? 'WARNING: ' : ''}You are about to ${what} the following runs:`;
    await runsOp(
      selected,
      // the editor was the prompt
      { yes: Boolean(opts.yes) || typed, preview, prompt: 'Continue?', noRuns: 'No runs to modify.', defaultYes: true },
      (runs) => {
        editRuns(runs.map((r) => r.dir), edit);
        const done = body !== undefined ? 'Added comment to' : index !== undefined ? 'Deleted comment for' : 'Deleted all comments for';
        process.stderr.write(`${done} ${runs.length} run(s)\n`);
      },
    );
  });
}
