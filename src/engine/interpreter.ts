// What grun starts: an executable found on PATH and, for Python (flag detection, a run's
// command), the interpreter behind a pyenv shim. A pyenv shim on PATH is a bash script that runs
// `pyenv exec`: some twenty more processes reading version files and hooks, ~0.3 s before Python
// itself starts, paid twice per launch. grun asks the shim once which interpreter it picks and
// what it exports, keeps the answer in the home's cache (`cache/grun/interpreters/<key>`), and
// from then on starts that interpreter directly with that environment. The key holds everything
// pyenv decides from (the shim, PATH, HOME, the PYENV_* variables, the first `.python-version`
// up from the directory the process starts in, the global version file, the plugins and
// versions dirs), so a change to any of them asks the shim again.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
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

function stamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
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

function cacheKey(shim: string, root: string, cwd: string, env: Record<string, string | undefined>): string {
  const vars = Object.entries(env)
    .filter(([k, v]) => v !== undefined && (k === 'PATH' || k === 'HOME' || /^_?PYENV/.test(k)))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const dirs = [cwd, ...(env.PYENV_DIR ? [env.PYENV_DIR] : [])];
  const parts = [
    KEY_VERSION,
    shim,
    stamp(shim),
    vars,
    dirs.map(localVersionFile),
    contents(join(root, 'version')),
    stamp(join(root, 'plugins')),
    stamp(join(root, 'versions')),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

function readEntry(path: string): Entry | null {
  try {
    const e = JSON.parse(readFileSync(path, 'utf8')) as Entry;
    if (typeof e.exe !== 'string' || !isAbsolute(e.exe) || typeof e.env !== 'object' || e.env === null) return null;
    if (!Object.values(e.env).every((v) => typeof v === 'string')) return null;
    if (!Array.isArray(e.cwdVars) || !e.cwdVars.every((v) => typeof v === 'string')) return null;
    return statSync(e.exe).isFile() ? e : null; // a version uninstalled since: ask again
  } catch {
    return null;
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
  const entry = join(opts.home, 'cache', 'grun', 'interpreters', cacheKey(path, root, opts.cwd, opts.env));
  let found = readEntry(entry);
  if (!found) {
    found = await probe(path, opts.cwd, opts.env);
    if (!found) return asIs;
    try {
      mkdirSync(dirname(entry), { recursive: true });
      writeFileAtomicSync(entry, JSON.stringify(found));
    } catch {
      // a read-only home only loses the cache
    }
  }
  // the shim's bash sets PWD to the directory it starts in, whatever it was given
  const env: Record<string, string> = { ...found.env, PWD: opts.cwd };
  for (const k of found.cwdVars) env[k] = opts.cwd;
  return { exe: found.exe, env };
}
