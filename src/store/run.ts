// Reading one run directory into a RunSummary. Never throws: what cannot be read is listed in
// `problems` and the run still lists, so one bad directory never hides the others.
import { accessSync, constants, existsSync, readlinkSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type AttrRead, readAttrFile } from './attrs.js';
import { listDir, type Listings } from './dir-listing.js';
import { systemReason } from './errors.js';
import { formatOperation, parseOpref } from './opref.js';
import { PROC_RECORD_FILE, readProcessRecord } from './proc.js';
import { PRUNED_FILE, prunedReason } from './pruned.js';
import { readSlurmRecord, SLURM_RECORD_FILE } from './slurm-record.js';
import { readListedFile, readSmallFile } from './small-file.js';
import { deriveStatus } from './status.js';
import { STEPS_FILE, stepProgress, type StepProgress } from './step-records.js';
import { type Comment, type Opref, type ReadProblem, type Run, type RunSummary, type SearchSummary, UNREADABLE_DIR, type YamlValue } from './types.js';

export const PARENT_FILE = 'grun-parent';

export const guildPath = (runDir: string, ...parts: string[]): string => join(runDir, '.guild', ...parts);

export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, '.guild', 'opref'));
}

/**
 * Why a directory in runs/ cannot be read as a run (another user's run with mode 0700), or null
 * when nothing stops it being read (then it is a run or it is not). Such a run is listed as
 * unreadable, with this reason, rather than vanishing from the list.
 */
export function unreadableRunDir(dir: string): string | null {
  try {
    accessSync(join(dir, '.guild', 'opref'), constants.R_OK);
    return null;
  } catch (e) {
    const why = systemReason(e);
    if ((e as NodeJS.ErrnoException).code !== 'EACCES' && (e as NodeJS.ErrnoException).code !== 'EPERM') return null;
    try {
      const st = statSync(dir);
      if (!st.isDirectory()) return null;
      return `unreadable: ${why}: owned by uid ${st.uid} with mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
    } catch {
      return `unreadable: ${why}`;
    }
  }
}

/** `listed`: a directory listing just showed a regular file there (`readListedFile`). */
function readText(path: string, max?: number, listed = false): string | null {
  try {
    const text = (listed ? readListedFile(path) : readSmallFile(path)).toString('utf8');
    return max === undefined ? text : text.slice(0, max);
  } catch {
    return null;
  }
}

function readOprefFile(path: string, problems: ReadProblem[], file: string, listed = false): Opref | null {
  const text = readText(path, undefined, listed);
  if (text === null) {
    problems.push({ file, message: 'cannot read opref' });
    return null;
  }
  try {
    return parseOpref(text);
  } catch (e) {
    problems.push({ file, message: (e as Error).message });
    return null;
  }
}

/**
 * The names in a directory, each with whether it is a regular file (read without an fstat:
 * `readListedFile`), or null when it cannot be listed (then every file is tried).
 */
function listEntries(dir: string, listings?: Listings): Map<string, boolean> | null {
  const entries = listDir(dir, listings);
  return entries && new Map(entries.map((e) => [e.name, e.isFile()]));
}

/** A run's place in a listing, read alone: `started`, else `initialized` (µs), as its summary has them. */
export function runSortTime(dir: string): number {
  const attrs = new AttrReader(guildPath(dir, 'attrs'), []);
  return attrs.int('started') ?? attrs.int('initialized') ?? -Infinity;
}

/**
 * Reads attrs, noting unreadable ones; a value of the wrong shape counts as missing. Names not
 * in the attrs listing are not opened: a listing of thousands of runs skips most failed opens.
 */
class AttrReader {
  /** Name → regular file, per the listing. */
  private readonly present: Map<string, boolean> | null;

  constructor(
    /** The run's `.guild/attrs`. */
    private readonly dir: string,
    readonly problems: ReadProblem[],
  ) {
    this.present = listEntries(dir);
  }

  /** The attr `name` (one of the names this file passes), or undefined when it is not there. */
  private read(name: string): AttrRead | undefined {
    const regular = this.present?.get(name);
    if (this.present && regular === undefined) return undefined;
    return readAttrFile(`${this.dir}/${name}`, regular);
  }

  get(name: string): YamlValue | undefined {
    const r = this.read(name);
    if (r?.kind === 'ok') return r.value ?? undefined;
    if (r?.kind === 'corrupt') this.problems.push({ file: `.guild/attrs/${name}`, message: r.message });
    return undefined;
  }

  /** An attr the listing does not vouch for (an unreadable one is no problem of the run's). */
  quiet(name: string): YamlValue {
    const r = this.read(name);
    return r?.kind === 'ok' ? r.value : null;
  }

  int(name: string): number | null {
    const v = this.get(name);
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'bigint') return Number(v);
    return null;
  }

  str(name: string): string | null {
    const v = this.get(name);
    return typeof v === 'string' ? v : v === undefined || v === null ? null : String(v);
  }
}

function asStringList(v: YamlValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x) => x !== null && typeof x !== 'object').map(String) : [];
}

function asComments(v: YamlValue | undefined): Comment[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((c) =>
    c && typeof c === 'object' && !Array.isArray(c)
      ? [
          {
            body: String(c.body ?? ''),
            host: String(c.host ?? ''),
            time: typeof c.time === 'number' ? c.time : 0,
            user: String(c.user ?? ''),
          },
        ]
      : [],
  );
}

/** Relative links `name -> ../<id>` in the run root: batch trials and pipeline steps, in directory order. */
export function runLinks(dir: string, listings?: Listings): { name: string; run: string }[] {
  const out: { name: string; run: string }[] = [];
  for (const e of listDir(dir, listings) ?? []) {
    if (!e.isSymbolicLink()) continue;
    try {
      const m = /^\.\.\/([^/]+)\/?$/.exec(readlinkSync(join(dir, e.name)));
      if (m) out.push({ name: e.name, run: m[1]! });
    } catch {
      // a link that vanished between readdir and readlink
    }
  }
  return out;
}

const linkedRunIds = (dir: string, listings?: Listings): string[] => runLinks(dir, listings).map((l) => l.run).sort();

function stepSummary(dir: string): { steps?: StepProgress } {
  const steps = stepProgress(dir);
  return steps ? { steps } : {};
}

/**
 * The run in `dir`, or null when `dir` is not a run (no `.guild/opref`) and nothing stops it being
 * read as one (`unreadableRunDir`): the listing of `.guild` that tells is the one the summary
 * reads its markers from, so a listing of many runs pays no probe of each opref. `listings`: the
 * directories listed for this reading, shared with its scalars' (`readScalarData`).
 */
export function readRunDir(dir: string, deleted: boolean, listings?: Listings): RunSummary | null {
  const meta = listEntries(guildPath(dir), listings);
  // an opref that is not a regular file (a link) is a run only where it leads to one, as `isRunDir` says
  const run = meta ? meta.get('opref') === true || (meta.has('opref') && isRunDir(dir)) : false;
  if (!run && !unreadableRunDir(dir)) return null;
  return loadRunSummary(dir, deleted, meta, listings);
}

/** `meta`: the listing of its `.guild` where the caller has made it. */
export function loadRunSummary(dir: string, deleted = false, meta = listEntries(guildPath(dir)), listings?: Listings): RunSummary {
  const problems: ReadProblem[] = [];
  const guild = guildPath(dir);
  const at = (name: string): string => `${guild}/${name}`; // one join a run: 10k runs, 100k paths
  const attrs = new AttrReader(at('attrs'), problems);
  // markers, LOCK, records: one listing (`meta`), not a probe each
  const has = (name: string): boolean => (meta ? meta.has(name) : existsSync(at(name)));
  const opref = readOprefFile(at('opref'), problems, '.guild/opref', meta?.get('opref'));
  const denied = opref === null ? unreadableRunDir(dir) : null;
  if (denied) problems.splice(0, problems.length, { file: UNREADABLE_DIR, message: denied });
  const batch = has('proto') && existsSync(guildPath(dir, 'proto', '.guild', 'opref'));
  const protoOpref = batch
    ? readOprefFile(guildPath(dir, 'proto', '.guild', 'opref'), problems, '.guild/proto/.guild/opref')
    : null;
  const flags = attrs.get('flags');
  const marked = attrs.get('marked');
  const seed = attrs.get('random_seed');
  const lockText = has('LOCK') ? readText(at('LOCK'), 10) : null;
  const lockPid = lockText !== null && /^\s*\d+\s*$/.test(lockText) ? Number(lockText) : null;
  const parent = (has(PARENT_FILE) && readText(at(PARENT_FILE))?.trim()) || null;
  return {
    id: basename(dir),
    dir,
    deleted,
    opref,
    operation: formatOperation(opref, protoOpref),
    initialized: attrs.int('initialized'),
    started: attrs.int('started'),
    stopped: attrs.int('stopped'),
    exitStatus: attrs.int('exit_status'),
    label: attrs.str('label'),
    tags: asStringList(attrs.get('tags')),
    marked: marked === true,
    flags: flags && typeof flags === 'object' && !Array.isArray(flags) ? flags : {},
    comments: asComments(attrs.get('comments')),
    sourcecodeDigest: attrs.str('sourcecode_digest'),
    host: attrs.str('host'),
    user: attrs.str('user'),
    seed: typeof seed === 'number' || typeof seed === 'bigint' ? String(seed) : null,
    markers: {
      lockRemote: has('LOCK.remote') ? (readText(at('LOCK.remote'))?.trim() ?? null) : null,
      pending: has('PENDING'),
      staged: has('STAGED'),
    },
    lockPid,
    proc: has(PROC_RECORD_FILE) ? readProcessRecord(dir) : null,
    slurm: has(SLURM_RECORD_FILE) ? readSlurmRecord(dir) : null,
    batch,
    children: linkedRunIds(dir, listings),
    parent,
    pruned: has(PRUNED_FILE) ? prunedReason(dir) : null,
    search: batch ? searchSummary(attrs) : null,
    problems,
    ...(has(STEPS_FILE) ? stepSummary(dir) : {}),
    cmd: attrs.quiet('cmd'),
    compare: attrs.quiet('compare'),
  };
}

/** A search's batch run: its `grun-optimizer` and `grun-best` attrs, or null for another batch. */
function searchSummary(attrs: AttrReader): SearchSummary | null {
  const opt = attrs.get('grun-optimizer');
  if (!isMap(opt) || typeof opt.name !== 'string') return null;
  const best = attrs.get('grun-best');
  const value = isMap(best) ? Number(best.value) : NaN;
  return {
    optimizer: opt.name,
    objective: typeof opt.objective === 'string' ? opt.objective : '',
    best: isMap(best) && typeof best.run === 'string' && !Number.isNaN(value) ? { run: best.run, value } : null,
  };
}

const isMap = (v: YamlValue | undefined): v is Record<string, YamlValue> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

export function toRun(s: RunSummary): Run {
  const statusInfo = deriveStatus(s);
  // Derived fields first: V8 reads properties of `{...s, x}` clones many times slower, and
  // filters read them over every run on every keystroke.
  return { status: statusInfo.status, statusInfo, ...s };
}
