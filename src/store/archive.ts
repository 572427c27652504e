// Export runs to a directory or a `.zip` and import them back (Guild's `export`/`import`).
// A directory export holds `.guild-nocopy` and `DEST/<id>` copies made following links; a zip
// holds `<id>/…` entries. Nothing is half-written: each run (or the new zip) is written under a
// temp name beside its destination and renamed into place. Imports refuse entries that would
// land outside the destination (`../`, absolute paths, links pointing out of `runs/`). A staged
// run's `.guild/ENV` (its whole environment, secrets included) is never exported, and a zip is
// created readable by its owner only.
import {
  closeSync,
  copyFileSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type * as Yauzl from 'yauzl';
import type * as Yazl from 'yazl';
import { lazyRequire } from './lazy-require.js';
import { GrunError } from './errors.js';
import { TEMP_PREFIX } from './temp-name.js';
import { runsDir } from './home.js';
import { compareRunsNewestFirst } from './index.js';
import { isRunDir, loadRunSummary, toRun } from './run.js';
import { STAGED_ENV } from './secrets.js';

const yauzl = lazyRequire<typeof Yauzl>('yauzl');
const yazl = lazyRequire<typeof Yazl>('yazl');
import type { Run } from './types.js';

export const NOCOPY_MARKER = '.guild-nocopy';
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

export const isZipPath = (p: string): boolean => p.toLowerCase().endsWith('.zip');
const tempName = (dir: string, what: string): string => join(dir, `${TEMP_PREFIX}${what}-${randomBytes(4).toString('hex')}`);


/** Moves a directory; across filesystems, copies (keeping links) then removes. */
export function moveDir(src: string, dest: string): void {
  try {
    renameSync(src, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    const tmp = tempName(dirname(dest), 'move');
    copyTree(src, tmp, { followLinks: false });
    renameSync(tmp, dest);
    rmSync(src, { recursive: true, force: true });
  }
}

/**
 * Copies a tree. With `followLinks` (Guild's copytree for export), links are replaced by what
 * they point to; a link back into a directory being copied is skipped (no endless loop), and a
 * dangling link is kept as a link.
 */
function copyTree(src: string, dest: string, opts: { followLinks: boolean }, stack: string[] = []): void {
  const real = realpathSync(src);
  mkdirSync(dest, { recursive: true, mode: statSync(src).mode & 0o7777 });
  const inner = [...stack, real];
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const s = join(src, e.name);
    const d = join(dest, e.name);
    if (e.isSymbolicLink()) {
      const target = opts.followLinks ? statOrNull(s) : null;
      if (!target) symlinkSync(readlinkSync(s), d);
      else if (target.isDirectory()) {
        if (!inner.includes(realpathSync(s))) copyTree(s, d, opts, inner);
      } else copyFileSync(s, d);
    } else if (e.isDirectory()) copyTree(s, d, opts, inner);
    else if (e.isFile()) copyFileSync(s, d);
  }
}

function statOrNull(p: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** Files of a tree for a zip, following links as `copyTree` does: [real path, relative name]. */
function zipItems(root: string): { files: [string, string][]; emptyDirs: string[] } {
  const files: [string, string][] = [];
  const emptyDirs: string[] = [];
  const walk = (dir: string, rel: string, stack: string[]): void => {
    const inner = [...stack, realpathSync(dir)];
    const entries = readdirSync(dir, { withFileTypes: true });
    let count = 0;
    for (const e of entries) {
      const p = join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = e.isSymbolicLink() ? statOrNull(p) : lstatSync(p);
      if (!st) continue; // a dangling link has nothing to store
      if (st.isDirectory()) {
        if (inner.includes(realpathSync(p))) continue;
        walk(p, r, inner);
        count++;
      } else if (st.isFile()) {
        files.push([p, r]);
        count++;
      }
    }
    if (count === 0 && rel) emptyDirs.push(rel);
  };
  walk(root, '', []);
  return { files, emptyDirs };
}

// ---------------------------------------------------------------------------------------------
// Zip reading

interface ZipEntryInfo {
  name: string;
  kind: 'file' | 'dir' | 'link';
  mode: number; // permission bits
  rawMode: number; // type and permission bits as stored (0 when the zip has no unix attributes)
  mtime: Date;
  entry: Yauzl.Entry;
}

async function openZip(archive: string): Promise<Yauzl.ZipFile> {
  try {
    return await yauzl().openPromise(archive, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  } catch (e) {
    throw new GrunError(`cannot read zip archive '${archive}': ${(e as Error).message}`);
  }
}

/** Every entry of a zip; yauzl already refuses absolute names, `..` parts and backslashes. */
async function zipEntries(zf: Yauzl.ZipFile, archive: string): Promise<ZipEntryInfo[]> {
  const out: ZipEntryInfo[] = [];
  try {
    for await (const entry of zf.eachEntry()) {
      const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const type = mode & S_IFMT;
      const kind = entry.fileName.endsWith('/') || type === S_IFDIR ? 'dir' : type === S_IFLNK ? 'link' : 'file';
      out.push({ name: entry.fileName.replace(/\/+$/, ''), kind, mode: mode & 0o7777, rawMode: mode, mtime: entry.getLastModDate(), entry });
    }
  } catch (e) {
    throw new GrunError(`refusing zip archive '${archive}': ${(e as Error).message}`);
  }
  return out;
}

async function readEntryText(zf: Yauzl.ZipFile, entry: Yauzl.Entry): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await zf.openReadStreamPromise(entry)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** True when link `target`, placed at `linkPath`, resolves inside `root` (lexically). */
function linkStaysInside(root: string, linkPath: string, target: string): boolean {
  const resolved = isAbsolute(target) ? resolve(target) : resolve(dirname(linkPath), target);
  const rel = relative(resolve(root), resolved);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** Writes the named entries of one run under `dest`, checking every path as it goes. */
async function extractRun(zf: Yauzl.ZipFile, entries: ZipEntryInfo[], id: string, dest: string, linkRoot: string): Promise<void> {
  mkdirSync(dest, { recursive: true });
  for (const e of entries) {
    const rel = e.name.slice(id.length + 1);
    if (rel === '') continue;
    const out = resolve(dest, rel);
    if (!out.startsWith(resolve(dest) + sep)) throw new GrunError(`refusing archive entry '${e.name}': it escapes the run directory`);
    if (e.kind === 'dir') {
      mkdirSync(out, { recursive: true });
      continue;
    }
    mkdirSync(dirname(out), { recursive: true });
    if (e.kind === 'link') {
      const target = await readEntryText(zf, e.entry);
      if (!linkStaysInside(linkRoot, join(linkRoot, id, rel), target)) {
        throw new GrunError(`refusing archive entry '${e.name}': link to '${target}' points outside the runs directory`);
      }
      symlinkSync(target, out);
      continue;
    }
    await pipeline(await zf.openReadStreamPromise(e.entry), createWriteStream(out, { mode: e.mode || 0o644 }));
  }
}

/** Run ids of a zip: top-level names whose `<id>/.guild/opref` entry exists. */
function zipRunIds(entries: ZipEntryInfo[]): string[] {
  const ids = new Set<string>();
  for (const e of entries) {
    const m = /^([^/]+)\/\.guild\/opref$/.exec(e.name);
    if (m && e.kind === 'file') ids.add(m[1]!);
  }
  return [...ids].sort();
}

const entriesOf = (entries: ZipEntryInfo[], id: string): ZipEntryInfo[] =>
  entries.filter((e) => e.name === id || e.name.startsWith(`${id}/`));

// ---------------------------------------------------------------------------------------------
// Export

async function exportToZip(dest: string, runs: Run[], move: boolean): Promise<{ exported: string[]; skipped: string[] }> {
  const zip = new (yazl().ZipFile)();
  const existing = new Set<string>();
  let old: Yauzl.ZipFile | null = null;
  const exported: string[] = [];
  const skipped: string[] = [];
  const tmp = tempName(dirname(resolve(dest)), 'zip');
  try {
    if (existsSync(dest)) {
      old = await openZip(dest);
      // Existing entries are kept as they are (Guild appends to the zip).
      for (const e of await zipEntries(old, dest)) {
        existing.add(e.name.split('/')[0]!);
        const opts = e.rawMode ? { mtime: e.mtime, mode: e.rawMode } : { mtime: e.mtime };
        if (e.kind === 'dir') zip.addEmptyDirectory(e.name, opts);
        else {
          const zf = old;
          zip.addReadStreamLazy(e.name, opts, (cb) => {
            zf.openReadStream(e.entry, (err, stream) => cb(err, stream));
          });
        }
      }
    }
    for (const run of runs) {
      if (existing.has(run.id)) {
        skipped.push(run.id);
        continue;
      }
      const { files, emptyDirs } = zipItems(run.dir);
      for (const [real, rel] of files) if (rel !== STAGED_ENV) zip.addFile(real, `${run.id}/${rel}`);
      for (const d of emptyDirs) zip.addEmptyDirectory(`${run.id}/${d}`);
      exported.push(run.id);
    }
    zip.end();
    // An archive holds whatever the runs hold: only its owner may read it.
    await pipeline(zip.outputStream, createWriteStream(tmp, { mode: 0o600 }));
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    old?.close();
  }
  if (move) for (const run of runs) if (exported.includes(run.id)) rmSync(run.dir, { recursive: true, force: true });
  return { exported, skipped };
}

function exportToDir(dest: string, runs: Run[], move: boolean): { exported: string[]; skipped: string[] } {
  if (existsSync(dest) && !statSync(dest).isDirectory()) throw new GrunError(`'${dest}' is not a directory`);
  mkdirSync(dest, { recursive: true });
  closeSync(openSync(join(dest, NOCOPY_MARKER), 'a'));
  const exported: string[] = [];
  const skipped: string[] = [];
  for (const run of runs) {
    const target = join(dest, run.id);
    if (existsSync(target)) {
      skipped.push(run.id);
      continue;
    }
    if (move) {
      moveDir(run.dir, target);
      rmSync(join(target, STAGED_ENV), { force: true });
    } else {
      const tmp = tempName(dest, run.id.slice(0, 8));
      try {
        copyTree(run.dir, tmp, { followLinks: true });
        rmSync(join(tmp, STAGED_ENV), { force: true });
        renameSync(tmp, target);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
    }
    exported.push(run.id);
  }
  return { exported, skipped };
}

/** Copies (or moves) runs to a directory or a `.zip`; ids already there are skipped. */
export async function exportRuns(
  dest: string,
  runs: Run[],
  opts: { move?: boolean } = {},
): Promise<{ exported: string[]; skipped: string[] }> {
  return isZipPath(dest) ? exportToZip(dest, runs, Boolean(opts.move)) : exportToDir(dest, runs, Boolean(opts.move));
}

// ---------------------------------------------------------------------------------------------
// Listing and import

const extractedDirs: string[] = [];
process.on('exit', () => {
  for (const d of extractedDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The runs of an export, newest first. A zip's run metadata (`.guild/` without the output) is
 * unpacked to a temp dir, removed at exit; those runs' `dir` point there.
 */
export async function listArchiveRuns(archive: string): Promise<Run[]> {
  if (!existsSync(archive)) throw new GrunError(`archive '${archive}' does not exist`);
  if (!isZipPath(archive)) {
    if (!statSync(archive).isDirectory()) throw new GrunError(`invalid archive '${archive}': expected a directory or a .zip file`);
    return readdirSync(archive)
      .map((name) => join(archive, name))
      .filter(isRunDir)
      .map((dir) => toRun(loadRunSummary(dir)))
      .sort(compareRunsNewestFirst);
  }
  const zf = await openZip(archive);
  try {
    const entries = await zipEntries(zf, archive);
    const root = mkdtempSync(join(tmpdir(), 'grun-archive-'));
    extractedDirs.push(root);
    const runs: Run[] = [];
    for (const id of zipRunIds(entries)) {
      const meta = entriesOf(entries, id).filter(
        (e) => e.name.startsWith(`${id}/.guild/`) && !/^[^/]+\/\.guild\/output(\.index)?$/.test(e.name) && e.kind !== 'link',
      );
      await extractRun(zf, meta, id, join(root, id), root);
      runs.push(toRun(loadRunSummary(join(root, id))));
    }
    return runs.sort(compareRunsNewestFirst);
  } finally {
    zf.close();
  }
}

/** Every link under a directory archive's run must point inside the runs directory. */
function checkDirRunLinks(src: string, id: string): void {
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) {
        const target = readlinkSync(join(dir, e.name));
        if (!linkStaysInside('/runs', `/runs/${id}/${r}`, target)) {
          throw new GrunError(`refusing ${id}/${r}: link to '${target}' points outside the runs directory`);
        }
      } else if (e.isDirectory()) walk(join(dir, e.name), r);
    }
  };
  walk(src, '');
}

/**
 * Copies (or with `move`, moves) runs from an export into `runs/`. `ids` limits the runs (all
 * when omitted); ids already in `runs/` are skipped. Every selected run is checked before
 * anything is written, and each lands under a temp name in `runs/` before its final rename.
 */
export async function importRuns(
  home: string,
  archive: string,
  ids?: string[],
  opts: { move?: boolean } = {},
): Promise<{ imported: string[]; skipped: string[] }> {
  if (!existsSync(archive)) throw new GrunError(`archive '${archive}' does not exist`);
  const runs = runsDir(home);
  mkdirSync(runs, { recursive: true });
  const imported: string[] = [];
  const skipped: string[] = [];
  if (isZipPath(archive)) {
    if (opts.move) throw new GrunError('cannot move runs out of a zip archive: import without --move');
    const zf = await openZip(archive);
    try {
      const entries = await zipEntries(zf, archive);
      const available = zipRunIds(entries);
      const wanted = ids ?? available;
      for (const id of wanted) if (!available.includes(id)) throw new GrunError(`run ${id} is not in '${archive}'`);
      // Check every link of the selected runs before writing anything.
      for (const id of wanted) {
        for (const e of entriesOf(entries, id)) {
          if (e.kind !== 'link') continue;
          const target = await readEntryText(zf, e.entry);
          if (!linkStaysInside(runs, join(runs, e.name), target)) {
            throw new GrunError(`refusing archive entry '${e.name}': link to '${target}' points outside the runs directory`);
          }
        }
      }
      for (const id of wanted) {
        if (existsSync(join(runs, id))) {
          skipped.push(id);
          continue;
        }
        const tmp = tempName(runs, id.slice(0, 8));
        try {
          await extractRun(zf, entriesOf(entries, id), id, tmp, runs);
          renameSync(tmp, join(runs, id));
        } catch (e) {
          rmSync(tmp, { recursive: true, force: true });
          throw e;
        }
        imported.push(id);
      }
    } finally {
      zf.close();
    }
    return { imported, skipped };
  }
  if (!statSync(archive).isDirectory()) throw new GrunError(`invalid archive '${archive}': expected a directory or a .zip file`);
  const available = readdirSync(archive).filter((n) => isRunDir(join(archive, n)));
  const wanted = ids ?? available;
  for (const id of wanted) {
    if (!available.includes(id)) throw new GrunError(`run ${id} is not in '${archive}'`);
    checkDirRunLinks(join(archive, id), id);
  }
  for (const id of wanted) {
    const src = join(archive, id);
    const dest = join(runs, id);
    if (existsSync(dest)) {
      skipped.push(id);
      continue;
    }
    if (opts.move) moveDir(src, dest);
    else {
      const tmp = tempName(runs, id.slice(0, 8));
      try {
        copyTree(src, tmp, { followLinks: false });
        renameSync(tmp, dest);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
    }
    imported.push(id);
  }
  return { imported, skipped };
}
