// `grun comment [RUN...] -l/--list | -a/--add BODY | -d/--delete INDEX | -c/--clear [-u USER]`
// rewrites `attrs/comments`, a list of `{body, host, time (µs), user}` (Guild's comment command).
import type { Command } from 'commander';
import { checkEdit, editRuns, editTarget, type CommentEdit } from '../engine/edits.js';
import { GrunError } from '../store/errors.js';
import { listRuns, loadRun } from '../store/index.js';
import { addRunFilterOptions } from './filter-options.js';
import type { Run } from '../store/types.js';
import { formatTimestamp, printLines } from './format.js';
import { CHILD_EDIT_HELP, filterRuns, homeOf, intOption, previewLines, runsOp, selectFrom } from './run-args.js';

/** `-u user@host` sets both; `-u user` just the user (the host is this one). */
function author(spec: string): { user: string; host?: string } {
  const at = spec.indexOf('@');
  return at === -1 ? { user: spec } : { user: spec.slice(0, at), host: spec.slice(at + 1) };
}

function listComments(runs: Run[]): void {
  const out: string[] = [];
  runs.forEach((run, i) => {
    out.push(previewLines([run])[0]!.trimStart());
    run.comments.forEach((c, j) => {
      const who = c.host ? `${c.user}@${c.host}` : c.user;
      out.push(`  [${j + 1}] ${who} ${formatTimestamp(c.time)}`, '');
      out.push(...c.body.split('\n').map((l) => `  ${l}`.trimEnd()));
      if (j < run.comments.length - 1) out.push('');
    });
    if (i < runs.length - 1) out.push('');
  });
  printLines(out);
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('comment')
      .description('Add, list or delete run comments')
      .argument('[RUN...]', 'runs (default: 1, the latest)')
      .option('-l, --list', 'list comments')
      .option('-a, --add <body>', 'add a comment')
      .option('-d, --delete <index>', 'delete the comment at INDEX (see --list)', intOption('--delete'))
      .option('-c, --clear', 'delete all comments')
      .option('-u, --user <user>', 'comment author as USER or USER@HOST')
      .option('-y, --yes', 'do not ask for confirmation')
      .addHelpText('after', CHILD_EDIT_HELP),
  ).action(async (specs: string[], opts: Record<string, unknown>, c: Command) => {
    const actions = ['list', 'add', 'delete', 'clear'].filter((k) => opts[k] !== undefined);
    if (actions.length === 0) throw new GrunError('specify --list, --add BODY, --delete INDEX or --clear');
    if (actions.length > 1) throw new GrunError(`${actions.map((a) => `--${a}`).join(' and ')} cannot be used together`);
    const selected = selectFrom(filterRuns(listRuns(homeOf(c)), opts), specs, ['1']);
    // A `grun submit` child's comments are its parent's: list where they were written
    if (opts.list) {
      return listComments(selected.map((r) => {
        const holder = editTarget(r.dir, { kind: 'comment', clear: true });
        return holder === r.dir ? r : loadRun(holder);
      }));
    }
    const body = opts.add as string | undefined;
    const index = opts.delete as number | undefined;
    const user = opts.user as string | undefined;
    const edit: CommentEdit =
      body !== undefined ? { kind: 'comment', add: body, ...(user ? author(user) : {}) }
      : index !== undefined ? { kind: 'comment', delete: index }
      : { kind: 'comment', clear: true };
    checkEdit(edit);
    const what = body !== undefined ? 'add a comment to' : index !== undefined ? `delete comment ${index} from` : 'delete all comments from';
    await runsOp(
      selected,
      { yes: Boolean(opts.yes), preview: `You are about to ${what} the following runs:`, prompt: 'Continue?', noRuns: 'No runs to modify.', defaultYes: true },
      (runs) => {
        editRuns(runs.map((r) => r.dir), edit);
        const done = body !== undefined ? 'Added comment to' : index !== undefined ? 'Deleted comment from' : 'Deleted all comments from';
        process.stdout.write(`${done} ${runs.length} run(s)\n`);
      },
    );
  });
}
