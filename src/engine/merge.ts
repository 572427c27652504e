// `grun merge`: a run's files copied into a project directory, as Guild's `run_merge` decides:
// its source code back to where it came from, its project-local dependencies to their project
// paths, and (`--all`) what it made; each file unchanged in the target, excluded or skipped is
// said why. Replacing a file is refused unless Git can give it back (committed, unchanged).
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { GrunError } from '../store/errors.js';
import { fnmatch } from '../store/fnmatch.js';
import { readManifest, walkRunFiles, type ManifestEntry } from '../store/run-files.js';
import type { Run } from '../store/types.js';

/** `s` source code, `d` a project-local dependency, `o` anything else (what the run made). */
export type MergeFileType = 's' | 'd' | 'o';

export interface MergeCopy {
  type: MergeFileType;
  runPath: string;
  targetPath: string;
}

/** Why a file is not copied: excluded, source code or dependencies skipped, a dependency from outside the project, unchanged, or not known to the manifest. */
export type SkipReason = 'x' | 's' | 'd' | 'npd' | 'u' | '?';

export interface MergeSkip {
  type: MergeFileType;
  runPath: string;
  /** null for a dependency that is not a project file (an archive's member). */
  targetPath: string | null;
  reason: SkipReason;
}

export interface RunMerge {
  run: Run;
  targetDir: string;
  copy: MergeCopy[];
  skip: MergeSkip[];
}

export interface MergeOptions {
  /** Copy what the run made too (files the manifest does not know). */
  all?: boolean;
  skipSourcecode?: boolean;
  skipDeps?: boolean;
  /** fnmatch patterns of target paths left out. */
  exclude?: string[];
}

export const SKIP_REASONS: Record<SkipReason, string> = {
  x: 'excluded',
  s: 'skipped source code',
  d: 'skipped dependency',
  npd: 'non-project dependency',
  u: 'unchanged',
  '?': 'non-project file',
};

/** Guild's `run_project_dir`: the directory of a run's guild.yml, or a script's project. */
export function runProjectDir(run: Run): string | null {
  const o = run.opref;
  if (o?.pkgType === 'guildfile') return dirname(o.pkgName);
  if (o?.pkgType === 'script') return o.pkgName;
  return null;
}

/** What merging `run` into `targetDir` would copy and skip. Throws GrunError for a run without a manifest. */
export function planMerge(run: Run, targetDir: string, o: MergeOptions = {}): RunMerge {
  const manifest = readManifest(run.dir);
  if (manifest === null) throw new GrunError(`run manifest does not exist for run ${run.id}`);
  const byPath = new Map<string, ManifestEntry>(manifest.map((e) => [e.path, e]));
  const m: RunMerge = { run, targetDir, copy: [], skip: [] };
  const excluded = (path: string): boolean => (o.exclude ?? []).some((p) => fnmatch(path, p));
  const unchanged = (runPath: string, target: string): boolean => !filesDiffer(join(run.dir, runPath), join(targetDir, target));
  /** A file that may be copied: excluded, unchanged, or copied. */
  const consider = (type: MergeFileType, runPath: string, target: string): void => {
    // a manifest is the run's to write: a path that would leave the target is nobody's file
    if (!inside(targetDir, target)) m.skip.push({ type, runPath, targetPath: target, reason: '?' });
    else if (excluded(target)) m.skip.push({ type, runPath, targetPath: target, reason: 'x' });
    else if (unchanged(runPath, target)) m.skip.push({ type, runPath, targetPath: target, reason: 'u' });
    else m.copy.push({ type, runPath, targetPath: target });
  };
  const files = walkRunFiles(run.dir, '', { followLinks: true })
    .filter((f) => !f.dir && isFile(join(run.dir, f.path)))
    .map((f) => f.path)
    .sort();
  for (const path of files) {
    if (path.startsWith('.guild')) continue; // Guild's own files, as Guild leaves them
    const e = byPath.get(path);
    if (e?.type === 's') {
      if (o.skipSourcecode) m.skip.push({ type: 's', runPath: path, targetPath: e.source, reason: 's' });
      else consider('s', path, e.source);
    } else if (e?.type === 'd') {
      // a project file's dependency goes back to its project path; an archive's member has none
      const target = e.member === undefined && e.source.startsWith('file:') ? e.source.slice(5) : null;
      if (o.skipDeps) m.skip.push({ type: 'd', runPath: path, targetPath: target, reason: 'd' });
      else if (target === null) m.skip.push({ type: 'd', runPath: path, targetPath: null, reason: 'npd' });
      else consider('d', path, target);
    } else if (!o.all) m.skip.push({ type: 'o', runPath: path, targetPath: path, reason: '?' });
    else consider('o', path, path);
  }
  // a target both source code and another file: the other (what the run made of it) wins
  const nonSource = new Set(m.copy.filter((c) => c.type !== 's').map((c) => c.targetPath));
  m.copy = m.copy.filter((c) => c.type !== 's' || !nonSource.has(c.targetPath));
  m.copy.sort((a, b) => (a.targetPath < b.targetPath ? -1 : a.targetPath > b.targetPath ? 1 : 0));
  return m;
}

/**
 * What a merge may not replace without `--replace`: with `vcs`, in a Git work tree, nothing Git
 * cannot give back (a file that is not tracked, or tracked with changes not staged); elsewhere
 * (or `--no-replace`), any file.
 */
export function replaceCheck(m: RunMerge, o: { vcs: boolean }): { kind: 'ok' } | { kind: 'replacing' | 'unstaged'; paths: string[] } {
  const replacing = m.copy.map((c) => c.targetPath).filter((p) => existsSync(join(m.targetDir, p)));
  if (replacing.length === 0) return { kind: 'ok' };
  const git = o.vcs ? gitState(m.targetDir) : null;
  if (git === null) return { kind: 'replacing', paths: replacing };
  if (replacing.some((p) => !git.files.has(p))) return { kind: 'replacing', paths: replacing };
  const unstaged = replacing.filter((p) => git.unstaged.some((u) => p.startsWith(u)));
  return unstaged.length ? { kind: 'unstaged', paths: unstaged } : { kind: 'ok' };
}

/** Guild's `vcs_util`: the files Git lists under `dir` (tracked, and untracked not ignored) and the paths with changes not staged; null outside a work tree. */
function gitState(dir: string): { files: Set<string>; unstaged: string[] } | null {
  const git = (args: string[]): string | null => {
    const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    return r.status === 0 ? r.stdout : null;
  };
  const tracked = git(['ls-files']);
  const untracked = git(['ls-files', '--other', '--exclude-standard']);
  const status = git(['status', '--short', '--renames', '.']);
  if (tracked === null || untracked === null || status === null) return null;
  const lines = (s: string): string[] => s.split('\n').filter(Boolean);
  const unstaged = lines(status)
    .filter((l) => l[1] !== ' ')
    .map((l) => {
      const rest = l.slice(3);
      return rest.includes(' -> ') ? rest.slice(rest.indexOf(' -> ') + 4) : rest;
    });
  return { files: new Set([...lines(tracked), ...lines(untracked)]), unstaged };
}

/** Copies the files of a merge into its target dir, `onCopy` told of each first. */
export function applyMerge(m: RunMerge, onCopy: (c: MergeCopy) => void = () => {}): void {
  for (const c of m.copy) {
    onCopy(c);
    const dest = join(m.targetDir, c.targetPath);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(join(m.run.dir, c.runPath), dest);
  }
}

function inside(dir: string, path: string): boolean {
  const r = relative(dir, resolve(dir, path));
  return r !== '' && r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Whether two files differ (a missing target does), compared by size, then by their bytes. */
function filesDiffer(a: string, b: string): boolean {
  if (!isFile(b)) return true;
  if (statSync(a).size !== statSync(b).size) return true;
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  try {
    const ba = Buffer.alloc(64 * 1024);
    const bb = Buffer.alloc(64 * 1024);
    for (let pos = 0; ; pos += ba.length) {
      const na = readSync(fa, ba, 0, ba.length, pos);
      const nb = readSync(fb, bb, 0, bb.length, pos);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return true;
      if (na === 0) return false;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}
