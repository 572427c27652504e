// What the caches keep of a run dir's stats, and the tests of them: the key a summary cache line
// keeps (a digest of the stats its summary was read under, and the probe that says which files
// those are), and the stamp its scalars were read under. A module of its own: the key worker
// (key-worker.ts) takes them on another thread and loads only this.
import { statSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import type { CompactSummary } from './summary-codec.js';

/** A path's stat; undefined when it is missing or cannot be stat-ed. */
export function statOrNull(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // ENOTDIR and the like: a stray file in runs/
  }
}

const stamp = (st: Stats | undefined): string => (st ? `${st.mtimeMs}.${st.size}:` : '-:');

/**
 * What a listed field can change without: `.guild` (markers, LOCK, process record) and
 * `.guild/attrs` (attrs written by rename, created or deleted), plus the attrs Guild rewrites
 * in place (label, tags, comments, exit_status) where they exist: creating one changes `.guild/attrs`. The
 * run root (trial and step links) counts only for runs that can still gain links: batches,
 * pipelines, and runs without an exit status.
 */
type KeyedFields = Pick<CompactSummary, 'label' | 'tags' | 'comments' | 'batch' | 'children' | 'exitStatus'>;

const canGainLinks = (s: KeyedFields): boolean =>
  !!s.batch || (s.children?.length ?? 0) > 0 || s.exitStatus === undefined || s.exitStatus === null;

/** The probe column of a summary: settled or not, and which attr files its key stats. */
export function probeOf(s: KeyedFields): string {
  const links = canGainLinks(s);
  return (
    (links ? 'u' : 's') +
    (s.label != null ? 'l' : '') +
    (s.tags?.length ? 't' : '') +
    (s.comments?.length ? 'c' : '') +
    (s.exitStatus != null ? 'x' : '') +
    (links ? 'r' : '')
  );
}

/**
 * 64 bits of FNV-1a and of a multiplicative mix over a string, in base 36: the key a line keeps
 * of a run's stats (a tenth of their text; crypto's hashes cost more per call than the stats).
 */
function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(36) + '.' + (b >>> 0).toString(36);
}

/** The stats key of a run dir for a probe, or null without `.guild`. */
export function cacheKey(dir: string, probe: string): string | null {
  const g = join(dir, '.guild');
  const guild = statOrNull(g);
  if (!guild) return null;
  const attrs = `${g}${sep}attrs`; // joined once: a listing takes thousands of keys
  let key = stamp(guild) + stamp(statOrNull(attrs));
  if (probe.includes('l')) key += 'l' + stamp(statOrNull(`${attrs}${sep}label`));
  if (probe.includes('t')) key += 't' + stamp(statOrNull(`${attrs}${sep}tags`));
  if (probe.includes('c')) key += 'c' + stamp(statOrNull(`${attrs}${sep}comments`));
  if (probe.includes('x')) key += 'x' + stamp(statOrNull(`${attrs}${sep}exit_status`));
  if (probe.includes('r')) key += 'r' + stamp(statOrNull(dir));
  return digest(key);
}

/** What a cached reading of a run's scalars is valid for: dir mtimes and event file sizes. */
export interface ScalarStamp {
  dirs: Record<string, number>;
  files: Record<string, number>;
}

/** A directory's mtime (-1 when it cannot be stat-ed). */
export function dirMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** Whether nothing a stamp covers changed since it was taken. */
export function scalarStampValid(runDir: string, stamp: ScalarStamp): boolean {
  for (const [rel, mtime] of Object.entries(stamp.dirs)) if (dirMtime(rel ? join(runDir, rel) : runDir) !== mtime) return false;
  for (const [rel, size] of Object.entries(stamp.files)) {
    try {
      if (statSync(join(runDir, rel)).size !== size) return false;
    } catch {
      return false;
    }
  }
  return true;
}
