// `grun runs [list]`, `runs info`, `runs delete|rm`, `runs restore`, `runs purge` (Guild's
// runs_impl). `--json` shapes are stable:
//   runs list --json: [{id, run_dir, opref, exit_status, cmd, comments, marked, label, started,
//     status, stopped, tags, batch_proto?}] as Guild 0.9 (raw attr values, µs ints, null when
//     missing), plus grun's `operation` (display op), `status_reason` (why a run shows error, or
//     null) and `problems` ([{file, message}] for unreadable files).
//   runs info --json: {id, operation, from, status, started, stopped, marked, label,
//     sourcecode_digest, vcs_commit, run_dir, command, exit_status, pid, <other attrs>, tags,
//     flags, proto-flags?, scalars: {key: [last, step]}, attributes?: {name: value}} as Guild,
//     plus `status_reason` and `problems`.
import { join } from 'node:path';
import type { Command } from 'commander';
import { addStopCommand } from './stop.js';
import { readAttr } from '../store/attrs.js';
import { prunedReason } from '../store/pruned.js';
import { GrunError, UsageError } from '../store/errors.js';
// archive, trash, stop, the filters and `runs info` (runs-info.ts) load with the subcommands
// and options that use them: `grun runs` lists without them.
import { encodeOpref } from '../store/opref.js';
import { compareRunsNewestFirst, listRuns, loadRun, RunList } from '../store/index.js';
import { addRunFilterOptions, hasRunFilter } from './filter-options.js';
import type { Run, YamlValue } from '../store/types.js';
import { termSafe } from '../store/terminal-text.js';
import { commentLines, formatCommand, formatDir, formatTable, formatTimestamp, opDesc, printLines, statusWithRemote } from './format.js';
import { homeOf, intOption, onRemote, oneRun, REMOTE_OPTION, runsOp, selectWithChildren } from './run-args.js';
import { registerSetMeta } from './set-meta.js';
import { withExecutorStatus } from '../engine/executor-status.js';
import { reconcileSlurmRuns } from '../engine/slurm/reconcile.js';

const RUNS_PER_GROUP = 20;

export function attrValue(run: { dir: string }, name: string): YamlValue {
  const r = readAttr(run.dir, name);
  return r.kind === 'ok' ? r.value : null;
}

/**
 * Runs the list options name: the home, its trash (`-d`) or an export (`-A`), then filters.
 * `withScalars`: the runs read afresh have their scalars read with them (`compare` of every run).
 */
export async function sourceRuns(cmd: Command, opts: Record<string, unknown>, withScalars = false): Promise<Run[]> {
  const archive = opts.archive as string | undefined;
  if (archive && opts.deleted) throw new GrunError('--archive and --deleted may not both be used');
  // the filter language is loaded only for a filter option
  const filter = async (runs: Run[]): Promise<Run[]> => (hasRunFilter(opts) ? (await import('./run-filter.js')).filterRuns(runs, opts) : runs);
  if (archive) return filter(await (await import('../store/archive.js')).listArchiveRuns(archive));
  // Slurm is asked once for the jobs of unfinished Slurm runs, and the ends it reports recorded, before listing.
  const { runs, view } = await reconcileSlurmRuns(listRuns(homeOf(cmd), { deleted: Boolean(opts.deleted), scalars: withScalars }));
  return filter(withExecutorStatus(runs, view));
}

/**
 * The runs a comparison of `specs` chooses from (`compare`, `api compare`, `select --min`): with
 * no spec and no filter it compares every run, whose scalars are then read as they are listed.
 */
export function sourceComparedRuns(cmd: Command, opts: Record<string, unknown>, specs: readonly string[]): Promise<Run[]> {
  return sourceRuns(cmd, opts, specs.length === 0 && !hasRunFilter(opts));
}

/** The runs a command reads: all of them, or a few rows built as it reads them (`RunList`). */
export interface RunSource {
  total: number;
  /** Run ids, newest first (null where the runs came from an export). */
  ids: string[] | null;
  take(start: number, end: number): Promise<Run[]>;
  all(): Promise<Run[]>;
}

/**
 * `sourceRuns` as rows to take: without a filter, only the runs taken are built (each checked
 * against its directory), so `grun runs` and `runs info` cost what they show; with one, the
 * filter runs over the cache and only the runs it keeps that are taken are built and checked
 * (`RunList.candidates`).
 */
export async function runSource(cmd: Command, opts: Record<string, unknown>, slowRound = true): Promise<RunSource> {
  const fixed = (runs: Run[]): RunSource => ({ total: runs.length, ids: null, take: async (a, b) => runs.slice(a, b), all: async () => runs });
  if (opts.archive) return fixed(await sourceRuns(cmd, opts));
  const filtered = hasRunFilter(opts);
  const list = new RunList(homeOf(cmd), { deleted: Boolean(opts.deleted), buildsAll: filtered || Boolean(opts.all || opts.json), slowRound });
  if (filtered) {
    const { filterRuns, runKeeps } = await import('./run-filter.js');
    // The filter runs over the cache; the rows kept are built as far as they are taken, and what
    // was read afresh is decided on again.
    const kept = list.candidates(runKeeps(opts) ?? (() => true));
    const decide = async (n: number) => {
      const { runs, family, fresh, past, before } = kept.pick(n);
      const current = await statusNow(runs.length, family);
      const again = new Set(filterRuns(current.filter((r) => fresh.has(r.id)), opts));
      const runsNow = current.filter((r) => !fresh.has(r.id) || again.has(r)).sort(compareRunsNewestFirst);
      let ready = 0; // how many are in their final order: those before the rows left unbuilt
      while (ready < runsNow.length && before(runsNow[ready]!)) ready++;
      return { n, runsNow, ready, past };
    };
    let d = await decide(rowsShown(opts));
    // Rows the filter dropped once read afresh leave fewer than asked for: more are built.
    const upTo = async (end: number) => {
      while (d.ready < end && d.past > 0) d = await decide(Math.max(2 * d.n, end));
      return d.runsNow;
    };
    return {
      get total() {
        return d.runsNow.length + d.past;
      },
      ids: null,
      take: async (a, b) => (await upTo(b)).slice(a, b),
      all: () => upTo(Infinity),
    };
  }
  const take = async (start: number, end: number): Promise<Run[]> => {
    const { runs, family } = list.slice(start, end);
    return statusNow(runs.length, family);
  };
  // Every run built: one re-read on the way may have moved (a restart), so sorted again.
  const all = async (): Promise<Run[]> => (await take(0, list.length)).sort(compareRunsNewestFirst);
  return {
    total: list.length,
    get ids() {
      return list.ids; // every id: made only for an id prefix
    },
    take,
    all,
  };
}

/**
 * The first `shown` runs of a family (the runs shown, then the children their status comes
 * from) with the status their executor knows now: Slurm asked once, sweep parents from their
 * children. Both steps keep the runs in their order.
 */
async function statusNow(shown: number, family: Run[]): Promise<Run[]> {
  const { runs, view } = await reconcileSlurmRuns(family);
  return withExecutorStatus(runs, view).slice(0, shown);
}

/**
 * The one run a command shows (`runs info`, `cat`, `ls`): `oneRun` over the runs' source, where an
 * index or an id prefix builds only the run it names. Its listing leaves the slow round to
 * listings of many runs (`grun runs`): one run's command pays for what it shows.
 */
export async function sourcedRun(cmd: Command, opts: Record<string, unknown>, spec: string | undefined): Promise<Run> {
  return oneSourcedRun(await runSource(cmd, opts, false), spec);
}

async function oneSourcedRun(src: RunSource, spec: string | undefined): Promise<Run> {
  const s = spec ?? '1';
  if (/^[1-9]\d*$/.test(s) && Number(s) <= src.total) return (await src.take(Number(s) - 1, Number(s)))[0]!;
  if (src.ids && !s.includes(':') && !/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(s)) {
    const exact = src.ids.indexOf(s);
    const hits = exact >= 0 ? [exact] : src.ids.flatMap((id, i) => (id.startsWith(s) ? [i] : []));
    if (hits.length === 1) return (await src.take(hits[0]!, hits[0]! + 1))[0]!;
  }
  return oneRun(await src.all(), spec); // what selectRuns says of anything else, errors included
}

/** Unreadable files go to stderr; the run still lists, its op marked `[corrupt]`. */
function reportProblems(runs: Run[]): void {
  for (const r of runs) {
    for (const p of r.problems) process.stderr.write(termSafe(`grun: warning: run ${r.id}: ${p.file}: ${p.message}`) + '\n');
  }
}

const listedOp = (r: Run): string => opDesc(r) + (r.problems.length > 0 ? ' [corrupt]' : '');

/** Guild's `format_pkg_name`: where the run's operation came from. */
function fromOf(run: Run): string {
  const o = run.opref;
  if (!o) return '';
  // Guild formats the package name as a directory: for a guild.yml op, the file's own path.
  if (o.pkgType === 'guildfile' || o.pkgType === 'script') return formatDir(o.pkgName);
  if (o.pkgType === 'package') return `${o.pkgName}==${o.pkgVersion}`;
  return o.pkgName;
}

/** RUN_DETAIL fields of `runs -v` and `runs info`, formatted as Guild's `format_run`. */
export function runDetail(run: Run): [string, string | number][] {
  const vcs = attrValue(run, 'vcs_commit');
  const pruned = run.status === 'terminated' ? prunedReason(run.dir) : null;
  return [
    ['id', run.id],
    ['operation', run.operation],
    ['from', fromOf(run)],
    ['status', statusWithRemote(run)],
    ...(run.statusInfo.reason ? ([['status_reason', run.statusInfo.reason]] as [string, string][]) : []),
    ...(pruned ? ([['pruned', pruned]] as [string, string][]) : []),
    ['started', formatTimestamp(run.started)],
    ['stopped', formatTimestamp(run.stopped)],
    ['marked', run.marked ? 'yes' : 'no'],
    ['label', run.label ?? ''],
    ['sourcecode_digest', run.sourcecodeDigest ?? ''],
    ['vcs_commit', typeof vcs === 'string' ? vcs : ''],
    ['run_dir', formatDir(run.dir)],
    ['command', formatCommand(attrValue(run, 'cmd'))],
    ['exit_status', run.exitStatus ?? ''],
    ['pid', run.status === 'running' && run.statusInfo.pid ? run.statusInfo.pid : ''],
  ];
}

/** Guild's `format_run` fields, the names `select --attr` knows before the raw attrs. */
export function formattedRunFields(run: Run): Record<string, string | number> {
  return {
    ...Object.fromEntries(runDetail(run)),
    short_id: run.id.slice(0, 8),
    model: run.opref?.modelName ?? '',
    op_name: run.opref?.opName ?? '',
    status_with_remote: statusWithRemote(run),
  };
}

function listJson(run: Run): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: run.id,
    run_dir: run.dir,
    opref: run.opref ? encodeOpref(run.opref) : '',
    exit_status: run.exitStatus,
    cmd: run.cmd !== undefined ? run.cmd : attrValue(run, 'cmd'),
    // From the summary (no extra reads): Guild gives null for a missing attr.
    comments: run.comments.length > 0 ? run.comments : null,
    marked: run.marked ? true : null,
    label: run.label,
    started: run.started,
    status: run.status,
    stopped: run.stopped,
    tags: run.tags.length > 0 ? run.tags : null,
    operation: run.operation,
    status_reason: run.statusInfo.reason ?? null,
    problems: run.problems,
  };
  if (run.batch) data.batch_proto = listJson(loadRun(join(run.dir, '.guild', 'proto')));
  return data;
}

type ShownOptions = { all?: boolean; json?: boolean; limit?: number; more?: number };

/** How many rows a listing shows: every one (`-a`, `--json`), `-n`'s, else a group of 20 per `-m`. */
function rowsShown(opts: ShownOptions): number {
  if (opts.all || opts.json) return Infinity;
  if (opts.limit !== undefined && opts.limit > 0) return opts.limit;
  return ((opts.more ?? 0) + 1) * RUNS_PER_GROUP;
}

async function limitRuns(src: RunSource, opts: ShownOptions): Promise<Run[]> {
  if (opts.all) {
    if (opts.limit !== undefined) throw new GrunError('--all and --limit cannot both be used');
    return src.all();
  }
  const limited = await src.take(0, rowsShown(opts));
  if (opts.limit !== undefined && opts.limit > 0) return limited;
  if (limited.length < src.total) {
    process.stderr.write(
      `Showing the first ${limited.length} runs (${src.total} total) - use --all to show all or -m to show more\n`,
    );
  }
  return limited;
}

async function listAction(opts: Record<string, unknown>, cmd: Command): Promise<void> {
  if (await onRemote(opts, cmd)) return;
  for (const other of ['verbose', 'json'] as const) {
    if (opts.comments && opts[other]) throw new UsageError(`--comments and --${other} cannot both be specified`);
  }
  const src = await runSource(cmd, opts);
  if (opts.json) {
    if (opts.limit !== undefined || opts.more || opts.all) process.stderr.write('--json option always shows all runs\n');
    process.stdout.write(JSON.stringify((await src.all()).map(listJson)) + '\n');
    return;
  }
  const shown = await limitRuns(src, opts as ShownOptions);
  reportProblems(shown);
  // Guild's `-s`: the index without the id, and no start time.
  const rows = shown.map((r, i) =>
    opts.simplified
      ? [`[${i + 1}]`, listedOp(r), statusWithRemote(r), termSafe(r.label ?? '')]
      : [`[${i + 1}:${r.id.slice(0, 8)}]`, listedOp(r), formatTimestamp(r.started), statusWithRemote(r), termSafe(r.label ?? '')],
  );
  const lines = formatTable(rows);
  if (opts.comments) {
    printLines(shown.flatMap((r, i) => [lines[i]!, ...commentLines(r.comments, false)]));
    return;
  }
  if (!opts.verbose) {
    printLines(lines);
    return;
  }
  const out: string[] = [];
  shown.forEach((r, i) => {
    out.push(lines[i]!);
    for (const [k, v] of runDetail(r)) out.push(termSafe(`  ${k}: ${v}`)); // an empty value keeps its space, as Guild prints it
  });
  printLines(out);
}

async function deleteAction(specs: string[], opts: Record<string, unknown>, cmd: Command): Promise<void> {
  if (await onRemote(opts, cmd)) return;
  const home = homeOf(cmd);
  const permanent = Boolean(opts.permanent);
  // `-A DIR`: the runs of an export, moved to this home's trash as Guild moves them (its
  // `--permanent` there fails on an assertion, and a zip's runs cannot be moved: both refused).
  const archive = opts.archive as string | undefined;
  if (archive && permanent) throw new UsageError('--permanent cannot be used with --archive: runs deleted from an archive go to the trash');
  const { filterRuns } = await import('./run-filter.js');
  const { isZipPath, listArchiveRuns } = await import('../store/archive.js');
  if (archive && isZipPath(archive)) throw new GrunError(`cannot delete runs from zip archive '${archive}': only a directory export's runs can be moved`);
  const selected = selectWithChildren(filterRuns(archive ? await listArchiveRuns(archive) : listRuns(home), opts), specs, [':']);
  const running = selected.filter((r) => r.status === 'running' && !r.statusInfo.remote);
  if (running.length > 0 && !opts.stop) {
    throw new GrunError(
      `${running.length} selected run(s) still running (${running.map((r) => r.id.slice(0, 8)).join(', ')}): ` +
        'stop them first (grun stop) or pass --stop',
    );
  }
  await runsOp(
    selected,
    {
      yes: Boolean(opts.yes),
      preview: permanent
        ? 'WARNING: You are about to permanently delete the following runs:'
        : 'You are about to delete the following runs:',
      prompt: permanent ? 'Permanently delete {count} run(s)?' : 'Delete {count} run(s)?',
      noRuns: 'Nothing to delete.',
      defaultYes: !permanent,
    },
    async (runs) => {
      if (running.length > 0) {
        const reports = await (await import('../engine/stop.js')).stopRuns(running, {}, (run, target) => process.stderr.write(`Stopping ${run.id} (${target})\n`));
        const stuck = reports.filter((r) => r.outcome.kind === 'timed-out').map((r) => r.run.id.slice(0, 8));
        if (stuck.length > 0) throw new GrunError(`could not stop ${stuck.join(', ')}: nothing deleted (try grun stop --force)`);
      }
      const done = (await import('../store/trash.js')).deleteRuns(home, runs, { permanent, from: archive });
      process.stderr.write(`${permanent ? 'Permanently deleted' : 'Deleted'} ${done.length} run(s)\n`);
    },
  );
}

/** `runs restore` and `runs purge`: runs of the trash, chosen by the filters and specs, confirmed, then acted on. */
const trashAction =
  (o: { preview: string; prompt: string; noRuns: string; defaultYes: boolean; done: string }, act: (trash: typeof import('../store/trash.js'), home: string, runs: Run[]) => string[]) =>
  async (specs: string[], opts: Record<string, unknown>, cmd: Command): Promise<void> => {
    if (await onRemote(opts, cmd)) return;
    const home = homeOf(cmd);
    const { filterRuns } = await import('./run-filter.js');
    const selected = selectWithChildren(filterRuns(listRuns(home, { deleted: true }), opts), specs, [':']);
    await runsOp(selected, { yes: Boolean(opts.yes), ...o }, async (runs) => {
      const done = act(await import('../store/trash.js'), home, runs);
      process.stderr.write(`${o.done} ${done.length} run(s)\n`);
    });
  };

const restoreAction = trashAction(
  { preview: 'You are about to restore the following runs:', prompt: 'Restore {count} run(s)?', noRuns: 'Nothing to restore.', defaultYes: true, done: 'Restored' },
  (trash, home, runs) => trash.restoreRuns(home, runs),
);

const purgeAction = trashAction(
  {
    preview: 'WARNING: You are about to permanently delete the following runs:',
    prompt: 'Permanently delete {count} run(s)?',
    noRuns: 'Nothing to purge.',
    defaultYes: false,
    done: 'Permanently deleted',
  },
  (trash, home, runs) => trash.purgeRuns(home, runs),
);

function addListOptions(c: Command): Command {
  return addRunFilterOptions(
    c
      .option('-a, --all', 'show all runs')
      .option('-m, --more', 'show 20 more runs (repeatable)', (_v: string, prev: number) => prev + 1, 0)
      .option('-n, --limit <N>', 'show at most N runs', intOption('--limit'))
      .option('-v, --verbose', 'show run details')
      .option('-s, --simplified', 'show a simplified list (index, operation, status, label)')
      .option('-c, --comments', 'show the comments of each run below it')
      .option('-d, --deleted', 'show deleted runs (the trash)')
      .option('-A, --archive <path>', 'show runs in an export directory or .zip')
      .option(...REMOTE_OPTION)
      .option('--json', "print all runs as JSON: Guild's fields plus operation, status_reason, problems"),
  );
}

export function register(program: Command): void {
  const runs = program.command('runs').description('Show or manage runs');
  addListOptions(runs.command('list', { isDefault: true }).description('List runs (newest first)')).action(listAction);
  addStopCommand(runs);

  addRunFilterOptions(
    runs
      .command('info')
      .description('Show run details')
      .argument('[RUN]', 'run index, range or id prefix (default: 1, the latest)')
      .option('--deleted', 'select from deleted runs')
      .option('-A, --archive <path>', 'select from an export directory or .zip')
      .option('-s, --all-scalars', 'include sys/* scalars')
      .option('-c, --comments', 'show the comments')
      .option('-e, --env', 'show the environment the run was given')
      .option('-d, --deps', 'show the resolved dependencies')
      .option('-m, --manifest', "show the run's manifest: source code files and dependencies")
      .option('-p, --plugins', 'show the plugins')
      .option('--private-attrs', "also show what Guild keeps private: the opref, the op attr, logged attrs named _… (with --json, a batch's proto-run)")
      .option(...REMOTE_OPTION)
      .option('--json', 'print as JSON'),
  ).action(async (spec: string | undefined, opts: Record<string, unknown>, cmd: Command) => (await import('./runs-info.js')).infoAction(spec, opts, cmd));

  addRunFilterOptions(
    runs
      .command('delete')
      .alias('rm')
      .description('Delete runs (move them to the trash)')
      .argument('[RUN...]', 'runs to delete (default: all runs matching the filters)')
      .option('-y, --yes', 'do not ask for confirmation')
      .option('-p, --permanent', 'remove the runs for good instead of moving them to the trash')
      .option('--stop', 'stop selected running runs first')
      .option('-A, --archive <path>', "delete runs of an export directory (they move to this home's trash)")
      .option(...REMOTE_OPTION),
  ).action(deleteAction);

  addRunFilterOptions(
    runs
      .command('restore')
      .description('Restore deleted runs')
      .argument('[RUN...]', 'runs from `grun runs --deleted` (default: all)')
      .option('-y, --yes', 'do not ask for confirmation')
      .option(...REMOTE_OPTION),
  ).action(restoreAction);

  addRunFilterOptions(
    runs
      .command('purge')
      .description('Permanently remove deleted runs')
      .argument('[RUN...]', 'runs from `grun runs --deleted` (default: all)')
      .option('-y, --yes', 'do not ask for confirmation')
      .option(...REMOTE_OPTION),
  ).action(purgeAction);

  registerSetMeta(runs);
}
