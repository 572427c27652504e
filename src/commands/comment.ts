// `grun comment [RUN...] -l/--list | -a/--add BODY | -d/--delete INDEX | -c/--clear [-u USER]`
// rewrites `attrs/comments`, a list of `{body, host, time (µs), user}` (Guild's comment command).
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { deleteAttr, readAttr, writeAttr } from '../store/attrs.js';
import { GrunError } from '../store/errors.js';
import { listRuns } from '../store/index.js';
import { hostName } from '../store/proc.js';
import { addRunFilterOptions } from '../store/run-filters.js';
import { withRunLock } from '../store/run-lock.js';
import type { Run, YamlValue } from '../store/types.js';
import { formatTimestamp, printLines } from './format.js';
import { filterRuns, homeOf, intOption, previewLines, runsOp, selectFrom } from './run-args.js';

/** Python's `getpass.getuser()`: LOGNAME, USER, LNAME, USERNAME, then the password database. */
function currentUser(): string {
  for (const v of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) if (process.env[v]) return process.env[v]!;
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** `-u user@host` sets both; `-u user` just the user. */
function author(spec: string | undefined): { user: string; host: string } {
  if (!spec) return { user: currentUser(), host: hostName() };
  const at = spec.indexOf('@');
  return at === -1 ? { user: spec, host: hostName() } : { user: spec.slice(0, at), host: spec.slice(at + 1) };
}

/** The comments attr as stored (entries kept byte-for-byte as they were read). */
function rawComments(run: Run): YamlValue[] {
  const r = readAttr(run.dir, 'comments');
  return r.kind === 'ok' && Array.isArray(r.value) ? r.value : [];
}

let lastTime = 0;
/** µs timestamp, strictly increasing within the process as Guild's `run.timestamp()`. */
function nowMicros(): number {
  const t = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastTime = t > lastTime ? t : lastTime + 1;
  return lastTime;
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
      .option('-y, --yes', 'do not ask for confirmation'),
  ).action(async (specs: string[], opts: Record<string, unknown>, c: Command) => {
    const actions = ['list', 'add', 'delete', 'clear'].filter((k) => opts[k] !== undefined);
    if (actions.length === 0) throw new GrunError('specify --list, --add BODY, --delete INDEX or --clear');
    if (actions.length > 1) throw new GrunError(`${actions.map((a) => `--${a}`).join(' and ')} cannot be used together`);
    const selected = selectFrom(filterRuns(listRuns(homeOf(c)), opts), specs, ['1']);
    if (opts.list) return listComments(selected);
    const body = opts.add as string | undefined;
    if (body !== undefined && body.trim() === '') throw new GrunError('a comment cannot be empty');
    const index = opts.delete as number | undefined;
    const what = body !== undefined ? 'add a comment to' : index !== undefined ? `delete comment ${index} from` : 'delete all comments from';
    await runsOp(
      selected,
      { yes: Boolean(opts.yes), preview: `You are about to ${what} the following runs:`, prompt: 'Continue?', noRuns: 'No runs to modify.', defaultYes: true },
      (runs) => {
        // Each run under its lock: two grun adding a comment at once must keep both.
        for (const run of runs) withRunLock(run.dir, () => {
          const comments = rawComments(run);
          if (body !== undefined) {
            comments.push({ body, ...author(opts.user as string | undefined), time: nowMicros() });
            writeAttr(run.dir, 'comments', comments);
          } else if (index !== undefined) {
            if (index < 1 || index > comments.length) {
              throw new GrunError(`run ${run.id.slice(0, 8)} has no comment ${index} (it has ${comments.length})`);
            }
            comments.splice(index - 1, 1);
            if (comments.length > 0) writeAttr(run.dir, 'comments', comments);
            else deleteAttr(run.dir, 'comments');
          } else deleteAttr(run.dir, 'comments');
        });
        const done = body !== undefined ? 'Added comment to' : index !== undefined ? 'Deleted comment from' : 'Deleted all comments from';
        process.stdout.write(`${done} ${runs.length} run(s)\n`);
      },
    );
  });
}
