// Export runs to a directory or a `.zip` and import them back (Guild's `export`/`import`).
// A directory export holds `.guild-nocopy` and `DEST/<id>` copies, their links kept as links
// (with `--copy-resources`, a run's dependency links copied as what they point to); a zip holds
// `<id>/…` entries. Nothing is half-written: each run (or the new zip) is written under a
// temp name beside its destination and renamed into place. Imports refuse entries that would
// land outside the destination (`../`, absolute paths, links pointing out of `runs/`). A staged
// run's `.guild/ENV` (its whole environment, secrets included) is never exported, and a zip is
// created readable by its owner only.
import {
  closeSync,
  copyFileSync,
  createWriteStream,
  existsSync,
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
import { readManifest } from './run-files.js';
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
    copyTree(src, tmp);
    renameSync(tmp, dest);
    rmSync(src, { recursive: true, force: true });
  }
}

/** Whether a copy follows the link at `rel` (its path under the tree copied) and `path`. */
type Follow = (rel: string, path: string) => boolean;
const keepLinks: Follow = () => false;

/**
 * With `--copy-resources`: a run's dependency resources, the links its dependencies made (the
 * `d` entries of `.guild/manifest`), are followed; any other link a run holds stays a link.
 * From an archive (`within`), only those whose target is inside the archive are: a link there
 * is untrusted, and may lead anywhere on this machine.
 */
function resourceLinks(runDir: string, within?: string): Follow {
  const deps = new Set((readManifest(runDir) ?? []).filter((e) => e.type === 'd').map((e) => e.path));
  const root = within === undefined ? null : realpathSync(within);
  return (rel, path) => {
    if (!deps.has(rel)) return false;
    if (root === null) return true;
    try {
      return realpathSync(path).startsWith(root + sep);
    } catch {
      return false;
    }
  };
}

interface CopiedEntry {
  kind: 'dir' | 'file' | 'link';
  path: string;
  /** Its path under the tree copied, `/`-separated. */
  rel: string;
}

/**
 * What a copy of `root` holds, parents first: links stay links (Guild's copytree with
 * `symlinks=True`), but those `follow` names stand for what they point to, a file or a
 * directory walked in turn. A followed link into a directory being walked (no endless loop), or
 * to nothing or anything but a file or a directory, stays a link; sockets and fifos are left out.
 */
function* copiedEntries(root: string, follow: Follow, rel = '', stack: string[] = []): Generator<CopiedEntry> {
  const dir = join(root, rel);
  const inner = [...stack, realpathSync(dir)];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const p = join(root, r);
    let kind: CopiedEntry['kind'] | null = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : e.isSymbolicLink() ? 'link' : null;
    if (kind === 'link' && follow(r, p)) {
      const st = statOrNull(p);
      if (st?.isFile()) kind = 'file';
      else if (st?.isDirectory() && !inner.includes(realpathSync(p))) kind = 'dir';
    }
    if (kind === null) continue;
    yield { kind, path: p, rel: r };
    if (kind === 'dir') yield* copiedEntries(root, follow, r, inner);
  }
}

/** Copies a tree as `copiedEntries` says: links kept unless `follow` names them. */
function copyTree(src: string, dest: string, follow: Follow = keepLinks): void {
  const mode = (p: string): number => statSync(p).mode & 0o7777;
  mkdirSync(dest, { recursive: true, mode: mode(src) });
  for (const e of copiedEntries(src, follow)) {
    const d = join(dest, e.rel);
    if (e.kind === 'dir') mkdirSync(d, { mode: mode(e.path) });
    else if (e.kind === 'file') copyFileSync(e.path, d);
    else symlinkSync(readlinkSync(e.path), d);
  }
}

function statOrNull(p: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/**
 * Files of a tree for a zip, as Guild's zip export stores them: [real path, relative name]. A
 * link to a file is stored as the file (zipfile follows it); a link to a directory as an empty
 * directory, unless `follow` names it (`--copy-resources`): then walked as `copyTree` walks it.
 */
function zipItems(root: string, follow: Follow): { files: [string, string][]; emptyDirs: string[] } {
  const files: [string, string][] = [];
  const emptyDirs: string[] = [];
  const entries = [...copiedEntries(root, (rel, path) => statOrNull(path)?.isFile() === true || follow(rel, path))];
  entries.forEach((e, i) => {
    if (e.kind === 'file') files.push([e.path, e.rel]);
    else if (e.kind === 'link') {
      if (statOrNull(e.path)?.isDirectory()) emptyDirs.push(e.rel); // a dangling link has nothing to store
    } else if (!entries[i + 1]?.rel.startsWith(`${e.rel}/`)) emptyDirs.push(e.rel); // parents come first
  });
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

async function exportToZip(dest: string, runs: Run[], move: boolean, copyResources: boolean): Promise<{ exported: string[]; skipped: string[] }> {
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
      const { files, emptyDirs } = zipItems(run.dir, copyResources ? resourceLinks(run.dir) : keepLinks);
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

function exportToDir(dest: string, runs: Run[], move: boolean, copyResources: boolean): { exported: string[]; skipped: string[] } {
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
    if (move && !copyResources) {
      moveDir(run.dir, target);
      rmSync(join(target, STAGED_ENV), { force: true });
    } else {
      // Guild's move with --copy-resources: a copy that follows them, then the run removed.
      const tmp = tempName(dest, run.id.slice(0, 8));
      try {
        copyTree(run.dir, tmp, copyResources ? resourceLinks(run.dir) : keepLinks);
        rmSync(join(tmp, STAGED_ENV), { force: true });
        renameSync(tmp, target);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
      if (move) rmSync(run.dir, { recursive: true, force: true });
    }
    exported.push(run.id);
  }
  return { exported, skipped };
}

/**
 * Copies (or moves) runs to a directory or a `.zip`; ids already there are skipped. Links are
 * kept as links (a zip stores a linked file, and a linked directory as an empty one), but with
 * `copyResources` those a run's dependencies made are copied as what they point to.
 */
export async function exportRuns(
  dest: string,
  runs: Run[],
  opts: { move?: boolean; copyResources?: boolean } = {},
): Promise<{ exported: string[]; skipped: string[] }> {
  const [move, copyResources] = [Boolean(opts.move), Boolean(opts.copyResources)];
  return isZipPath(dest) ? exportToZip(dest, runs, move, copyResources) : exportToDir(dest, runs, move, copyResources);
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

/** Every link a copy of a directory archive's run keeps must point inside the runs directory. */
function checkDirRunLinks(src: string, id: string, follow: Follow): void {
  for (const e of copiedEntries(src, follow)) {
    if (e.kind !== 'link') continue;
    const target = readlinkSync(e.path);
    if (!linkStaysInside('/runs', `/runs/${id}/${e.rel}`, target)) {
      throw new GrunError(`refusing ${id}/${e.rel}: link to '${target}' points outside the runs directory`);
    }
  }
}

/**
 * Copies (or with `move`, moves) runs from an export into `runs/`. `ids` limits the runs (all
 * when omitted); ids already in `runs/` are skipped. Every selected run is checked before
 * anything is written, and each lands under a temp name in `runs/` before its final rename.
 * With `copyResources` (a directory export; a zip holds no links), the links a run's
 * dependencies made that lead inside the archive are copied as what they point to.
 */
export async function importRuns(
  home: string,
  archive: string,
  ids?: string[],
  opts: { move?: boolean; copyResources?: boolean } = {},
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
  const follow = new Map<string, Follow>();
  for (const id of wanted) {
    if (!available.includes(id)) throw new GrunError(`run ${id} is not in '${archive}'`);
    follow.set(id, opts.copyResources ? resourceLinks(join(archive, id), archive) : keepLinks);
    checkDirRunLinks(join(archive, id), id, follow.get(id)!);
  }
  for (const id of wanted) {
    const src = join(archive, id);
    const dest = join(runs, id);
    if (existsSync(dest)) {
      skipped.push(id);
      continue;
    }
    if (opts.move && !opts.copyResources) moveDir(src, dest);
    else {
      const tmp = tempName(runs, id.slice(0, 8));
      try {
        copyTree(src, tmp, follow.get(id)!);
        renameSync(tmp, dest);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        throw e;
      }
      if (opts.move) rmSync(src, { recursive: true, force: true });
    }
    imported.push(id);
  }
  return { imported, skipped };
}
