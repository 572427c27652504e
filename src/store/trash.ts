// Delete to trash, restore, purge (guild/var.py): a run moves between `runs/<id>` and
// `trash/runs/<id>` by rename; permanent deletes remove only directories under those two.
import { accessSync, constants, existsSync, mkdirSync, opendirSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { GrunError, systemReason } from './errors.js';
import { moveDir } from './archive.js';
import { runsDir, trashRunsDir } from './home.js';
import type { Run } from './types.js';

function isDirectChild(parent: string, path: string): boolean {
  const p = resolve(path);
  return dirname(p) === resolve(parent) && !p.endsWith(sep);
}

/** The run's current dir, checked to be `<parent>/<id>` so nothing else can be moved or removed. */
function runPathIn(parent: string, run: Run, where: string): string {
  const path = join(parent, run.id);
  if (!isDirectChild(parent, path) || basename(path) !== run.id || resolve(run.dir) !== resolve(path)) {
    throw new GrunError(`run ${run.id} is not in ${where} (${run.dir})`);
  }
  return path;
}

/** Moves `src` to `dest`; an existing `dest` is first renamed aside to `<id>_XXXX` (Guild's `_move`). */
function moveRun(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  if (existsSync(dest)) renameSync(dest, `${dest}_${randomBytes(2).toString('hex')}`);
  moveDir(src, dest); // an export's run may be on another file system
}

function removeRun(parent: string, path: string): void {
  if (!isDirectChild(parent, path)) throw new GrunError(`refusing to remove ${path}: not a run directory under ${parent}`);
  rmSync(path, { recursive: true, force: true });
}

/**
 * Runs `f`, turning what the system refused into the reason: a read-only home is named as such
 * (a recursive mkdir there fails with a misleading ENOENT), a full disk as full.
 */
function changingHome<T>(home: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GrunError) throw e;
    try {
      accessSync(home, constants.W_OK);
    } catch (denied) {
      const why = systemReason(denied);
      if (why) throw new GrunError(`cannot ${what}: ${why}: ${home}`);
    }
    const why = systemReason(e);
    if (why) throw new GrunError(`cannot ${what}: ${why}: ${(e as Error).message}`);
    throw e;
  }
}

/**
 * Moves runs to the trash, or removes them with `permanent`. Returns the ids handled. `from`:
 * the directory they are in, `runs/` or an export's (whose runs only move to the trash).
 */
export function deleteRuns(home: string, runs: Run[], opts: { permanent?: boolean; from?: string } = {}): string[] {
  const from = opts.from ?? runsDir(home);
  if (opts.permanent && resolve(from) !== resolve(runsDir(home))) throw new GrunError(`runs in ${from} are not removed for good: only a home's runs are`);
  const srcs = runs.map((run) => runPathIn(from, run, opts.from ?? 'runs/')); // all checked before any moves
  changingHome(home, 'delete runs', () =>
    runs.forEach((run, i) => {
      if (opts.permanent) removeRun(from, srcs[i]!);
      else moveRun(srcs[i]!, join(trashRunsDir(home), run.id));
    }),
  );
  return runs.map((r) => r.id);
}

/** Whether the trash holds anything (a listing of it reads the whole summary cache; this one name). */
export function trashIsEmpty(home: string): boolean {
  try {
    const dir = opendirSync(trashRunsDir(home));
    try {
      return dir.readSync() === null;
    } finally {
      dir.closeSync();
    }
  } catch {
    return true;
  }
}

/** Moves trashed runs back to `runs/`. A run whose id is in `runs/` already is refused. */
export function restoreRuns(home: string, runs: Run[]): string[] {
  const from = trashRunsDir(home);
  const srcs = runs.map((run) => runPathIn(from, run, 'the trash'));
  for (const run of runs) {
    if (existsSync(join(runsDir(home), run.id))) throw new GrunError(`cannot restore ${run.id}: runs/${run.id} exists`);
  }
  changingHome(home, 'restore runs', () => runs.forEach((run, i) => moveRun(srcs[i]!, join(runsDir(home), run.id))));
  return runs.map((r) => r.id);
}

/** Removes trashed runs for good. */
export function purgeRuns(home: string, runs: Run[]): string[] {
  const from = trashRunsDir(home);
  const paths = runs.map((run) => runPathIn(from, run, 'the trash'));
  changingHome(home, 'purge runs', () => paths.forEach((p) => removeRun(from, p)));
  return runs.map((r) => r.id);
}
