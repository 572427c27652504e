// Facts grun learns of an interpreter, kept in the home's cache (`cache/grun/interpreters/<key>`,
// one JSON file per key, written atomically; a torn or foreign file reads as a miss):
// - What grun starts: an executable found on PATH and, for Python (flag detection, a run's
//   command), the interpreter behind a pyenv shim. A pyenv shim on PATH is a bash script that runs
//   `pyenv exec`: some twenty more processes reading version files and hooks, ~0.3 s before Python
//   itself starts, paid twice per launch. grun asks the shim once which interpreter it picks and
//   what it exports and from then on starts that interpreter directly with that environment. The
//   key holds everything pyenv decides from (the shim, PATH, HOME, the PYENV_* variables, the
//   first `.python-version` up from the directory the process starts in, the global version file,
//   the plugins and versions dirs), so a change to any of them asks the shim again.
// - What a Python run records of its Python (python-attrs.ts): `sys.version` and `pip freeze`.
//   `pip freeze` costs seconds of CPU per run; a cache hit costs only stats. See `pythonFacts`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';
import { writeFileAtomicSync } from '../store/atomic.js';

/** Absolute path of an executable on PATH (what the `cmd` attr records), or the name itself. */
export function resolveExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string {
  if (isAbsolute(name) || name.includes('/')) return name;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return name;
}

/** Whether a program of that name is on PATH. */
export const onPath = (name: string, env: NodeJS.ProcessEnv = process.env): boolean => !name.includes('/') && resolveExecutable(name, env) !== name;

/** The Python grun runs: `GRUN_PYTHON`, else `python3` on PATH. */
export function pythonExe(env: NodeJS.ProcessEnv = process.env): string {
  return env.GRUN_PYTHON || 'python3';
}

/** What to spawn instead of a shim: the interpreter and the variables the shim would export. */
export interface Interpreter {
  exe: string;
  env: Record<string, string>;
}

/** A cache entry: what the shim exported, less the variables set to the directory it ran in. */
interface Entry extends Interpreter {
  cwdVars: string[];
}

/** Bumped when the key or the entry changes shape. */
const KEY_VERSION = '1';
/** Variables bash sets for any script: bookkeeping of the shim's shell, not pyenv's choice. */
const SHELL_VARS = new Set(['PWD', 'OLDPWD', 'SHLVL', '_']);
const PROBE = 'import json, os, sys; json.dump({"exe": sys.executable, "env": dict(os.environ)}, sys.stdout)';

function head(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** PYENV_ROOT of a pyenv shim (`export PYENV_ROOT="…"` then `exec "…/pyenv" exec …`), else null. */
function pyenvShimRoot(path: string): string | null {
  let text: string;
  try {
    text = head(path, 4096);
  } catch {
    return null;
  }
  if (!text.startsWith('#!') || !/\bpyenv"? exec\b/.test(text)) return null;
  return /export PYENV_ROOT="([^"$`\\]+)"/.exec(text)?.[1] ?? null;
}

/** A file's or directory's identity and last change (a directory's: an entry added or removed). */
function stamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    return '-';
  }
}

function contents(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The first `.python-version` from `dir` up (pyenv's `version-file`), with its text. */
function localVersionFile(dir: string): [string, string] | null {
  for (let d = dir; ; d = dirname(d)) {
    const text = contents(join(d, '.python-version'));
    if (text !== null) return [d, text];
    if (dirname(d) === d) return null;
  }
}

/** The cache file for a key's parts (each part JSON-able; the first names what is cached). */
function cacheFile(home: string, parts: unknown[]): string {
  return join(home, 'cache', 'grun', 'interpreters', createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32));
}

/** A cache entry as `valid` accepts it, else null (missing, torn, written by another version). */
function readCached<T>(path: string, valid: (v: unknown) => v is T): T | null {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return valid(v) ? v : null;
  } catch {
    return null;
  }
}

function writeCached(path: string, value: unknown): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomicSync(path, JSON.stringify(value));
  } catch {
    // a read-only home only loses the cache
  }
}

function shimKey(shim: string, root: string, cwd: string, env: Record<string, string | undefined>): unknown[] {
  const vars = Object.entries(env)
    .filter(([k, v]) => v !== undefined && (k === 'PATH' || k === 'HOME' || /^_?PYENV/.test(k)))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const dirs = [cwd, ...(env.PYENV_DIR ? [env.PYENV_DIR] : [])];
  return [
    KEY_VERSION,
    shim,
    stamp(shim),
    vars,
    dirs.map(localVersionFile),
    contents(join(root, 'version')),
    stamp(join(root, 'plugins')),
    stamp(join(root, 'versions')),
  ];
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function isEntry(v: unknown): v is Entry {
  const e = v as Entry;
  if (typeof e !== 'object' || e === null || typeof e.exe !== 'string' || !isAbsolute(e.exe)) return false;
  if (typeof e.env !== 'object' || e.env === null || !Object.values(e.env).every((x) => typeof x === 'string')) return false;
  if (!strings(e.cwdVars)) return false;
  try {
    return statSync(e.exe).isFile(); // a version uninstalled since: ask again
  } catch {
    return false;
  }
}

/** Runs the shim once: the interpreter it execs and the variables it adds or changes. */
function probe(shim: string, cwd: string, env: Record<string, string | undefined>): Promise<Entry | null> {
  return new Promise((ok) => {
    execFile(shim, ['-c', PROBE], { cwd, env, encoding: 'utf8', timeout: 30_000 }, (err, stdout) => {
      if (err) return ok(null);
      try {
        const seen = JSON.parse(stdout) as { exe: unknown; env: Record<string, string> };
        if (typeof seen.exe !== 'string' || !isAbsolute(seen.exe)) return ok(null);
        const added: Record<string, string> = {};
        const cwdVars: string[] = []; // PYENV_DIR: the directory of this start, not of the next
        for (const [k, v] of Object.entries(seen.env)) {
          if (SHELL_VARS.has(k) || env[k] === v) continue;
          if (v === cwd) cwdVars.push(k);
          else added[k] = v;
        }
        // a variable the shim removed cannot be mimicked by adding: keep starting the shim
        for (const k of Object.keys(env)) if (!SHELL_VARS.has(k) && env[k] !== undefined && !(k in seen.env)) return ok(null);
        ok({ exe: seen.exe, env: added, cwdVars });
      } catch {
        ok(null);
      }
    });
  });
}

/**
 * What to start for `exe` in `cwd` with `env`: the interpreter behind a pyenv shim (through the
 * home's cache), or `exe` itself with nothing added — anything else on PATH, and any shim that
 * cannot be resolved, is started as it is.
 */
export async function interpreterFor(
  exe: string,
  opts: { home: string; cwd: string; env: Record<string, string | undefined> },
): Promise<Interpreter> {
  const asIs: Interpreter = { exe, env: {} };
  const path = resolveExecutable(exe, opts.env as NodeJS.ProcessEnv);
  // only Python's own shims: another program's (pip, a console script) takes no `-c`
  if (!isAbsolute(path) || !/^python(\d+(\.\d+)*)?$/.test(basename(path))) return asIs;
  const root = pyenvShimRoot(path);
  if (root === null) return asIs;
  const entry = cacheFile(opts.home, shimKey(path, root, opts.cwd, opts.env));
  let found = readCached(entry, isEntry);
  if (!found) {
    found = await probe(path, opts.cwd, opts.env);
    if (!found) return asIs;
    writeCached(entry, found);
  }
  // the shim's bash sets PWD to the directory it starts in, whatever it was given
  const env: Record<string, string> = { ...found.env, PWD: opts.cwd };
  for (const k of found.cwdVars) env[k] = opts.cwd;
  return { exe: found.exe, env };
}

/**
 * The first start of an interpreter prints its `sys.version` and every path its packages and
 * pip's settings are read from: `sys.path` as `site` left it (site-packages, the user site, what
 * `.pth` files added; not the directory Python starts in, which is grun's cache dir), the user
 * site even where it does not exist yet, the `.pth` files of the site dirs, pip's config files.
 */
const FACTS_PROBE = `
import json, os, site, sys
cwd = os.getcwd()
watch = set(os.path.abspath(p) for p in sys.path if p and os.path.abspath(p) != cwd)
sites = list(getattr(site, "getsitepackages", list)())
user = getattr(site, "getusersitepackages", lambda: None)()
if user:
    watch.add(user)
    sites.append(user)
for d in sites:
    try:
        watch.update(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".pth"))
    except OSError:
        pass
home = os.path.expanduser("~")
conf = [sys.prefix, os.path.join(home, ".pip"), "/etc",
        os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"), "pip"),
        os.path.join(home, "Library", "Application Support", "pip")]
conf += [os.path.join(d, "pip") for d in (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep) if d]
watch.update(os.path.join(d, "pip.conf") for d in conf)
if os.environ.get("PIP_CONFIG_FILE"):
    watch.add(os.path.abspath(os.environ["PIP_CONFIG_FILE"]))
json.dump({"version": sys.version.replace("\\n", ""), "watch": sorted(watch)}, sys.stdout)
`;

/** What one interpreter, started with one environment, said of itself. */
interface PythonEntry {
  version: string;
  watch: string[];
  /** `pip freeze`'s lines while the watched paths had these stamps. */
  freeze?: { stamps: string; lines: string[] };
}

function isPythonEntry(v: unknown): v is PythonEntry {
  const e = v as PythonEntry;
  if (typeof e !== 'object' || e === null || typeof e.version !== 'string' || !strings(e.watch)) return false;
  return e.freeze === undefined || (typeof e.freeze === 'object' && e.freeze !== null && typeof e.freeze.stamps === 'string' && strings(e.freeze.lines));
}

/** Of the environment, what can change `sys.path`, the version's start or pip's settings. */
const pythonEnvVar = (k: string): boolean => /^(PYTHON|PIP_)/.test(k) || ['HOME', 'XDG_CONFIG_HOME', 'XDG_CONFIG_DIRS'].includes(k);

/**
 * The cache file of an interpreter's facts: its path as started (a venv's `bin/python` links to
 * the base interpreter but has its own `sys.path`), the file it is (real path and stamp: a
 * rebuilt or upgraded Python is a new file), the venv's `pyvenv.cfg`, and the variables that
 * change what it says. Null where the interpreter is not found; nothing is written for a script
 * (a wrapper that may start any interpreter, a pyenv shim).
 */
function pythonCacheFile(home: string, path: string, env: NodeJS.ProcessEnv): { file: string; write: (e: PythonEntry) => void } | null {
  if (!isAbsolute(path)) return null;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return null;
  }
  const vars = Object.entries(env)
    .filter(([k, v]) => v !== undefined && pythonEnvVar(k))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const cfgs = [dirname(path), dirname(dirname(path))].map((d) => stamp(join(d, 'pyvenv.cfg')));
  const file = cacheFile(home, ['python', KEY_VERSION, path, real, stamp(real), cfgs, vars]);
  // checked as it is written: the key's stamp of the file keeps a hit to what was checked
  const write = (e: PythonEntry): void => {
    try {
      if (head(real, 2) === '#!') return;
    } catch {
      return;
    }
    writeCached(file, e);
  };
  return { file, write };
}

const TIMEOUT_MS = 120_000;

function python(exe: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(exe, args, { cwd, env, timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => resolve(err ? null : stdout));
  });
}

function parseProbe(out: string | null): PythonEntry | null {
  try {
    const v: unknown = out === null ? null : JSON.parse(out);
    return isPythonEntry(v) ? { version: v.version, watch: v.watch } : null;
  } catch {
    return null;
  }
}

/** An editable install's line names its project's VCS commit, which no watched path stamps. */
const editable = (line: string): boolean => line.startsWith('-e ') || line.startsWith('# Editable');

/** `sys.version` (null: it could not be asked) and, when asked for, `pip freeze`'s lines (null: pip failed). */
export interface PythonFacts {
  version: string | null;
  freeze?: string[] | null;
}

/**
 * `sys.version` and `pip freeze` of `exe` started with `env` (Python in grun's cache dir, so that
 * the directory it starts in adds nothing to `sys.path`), from the home's cache where it holds
 * them: the version while the interpreter's file and the key's variables are unchanged, the
 * freeze while, besides, no watched path changed — installing, upgrading or removing a package
 * adds or removes entries in a site dir (its mtime and ctime change), a `.pth` file or pip's
 * config edited is stamped itself. A freeze with an editable install is not cached, and nor is
 * anything that failed. On a hit no Python starts: a few stats and one small read.
 */
export async function pythonFacts(exe: string, o: { home: string; pipFreeze: boolean; env?: NodeJS.ProcessEnv }): Promise<PythonFacts> {
  const env = o.env ?? process.env;
  const path = resolveExecutable(exe, env);
  const cache = pythonCacheFile(o.home, path, env);
  const cwd = join(o.home, 'cache', 'grun', 'interpreters');
  try {
    mkdirSync(cwd, { recursive: true });
  } catch {
    // a read-only home: nothing is cached, and Python starts in a directory that holds no packages
  }
  const at = statSync(cwd, { throwIfNoEntry: false })?.isDirectory() ? cwd : '/';
  const cached = cache ? readCached(cache.file, isPythonEntry) : null;
  const entry = cached ?? parseProbe(await python(path, ['-c', FACTS_PROBE], env, at));
  if (!o.pipFreeze) {
    if (entry && !cached) cache?.write(entry);
    return { version: entry?.version ?? null };
  }
  // stamped before pip reads them: a package installed meanwhile makes the next call miss
  const stamps = entry ? createHash('sha256').update(JSON.stringify(entry.watch.map(stamp))).digest('hex') : null;
  if (entry?.freeze && entry.freeze.stamps === stamps) return { version: entry.version, freeze: entry.freeze.lines };
  const out = await python(path, ['-m', 'pip', 'freeze'], env, at);
  const lines = out === null ? null : out.split(/\r?\n/).filter((l) => l !== '');
  if (entry && stamps) {
    if (lines && !lines.some(editable)) cache?.write({ ...entry, freeze: { stamps, lines } });
    else if (!cached) cache?.write({ version: entry.version, watch: entry.watch });
  }
  return { version: entry?.version ?? null, freeze: lines };
}
