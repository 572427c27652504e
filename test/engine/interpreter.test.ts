import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interpreterFor } from '../../src/engine/interpreter.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { grun, onlyRunDir, project } from '../e2e/engine-helpers.js';

/** The Python behind whatever `python3` is here (itself perhaps a shim). */
const realPython = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

/**
 * A pyenv installation in miniature: a shim as pyenv writes them, and a `pyenv exec` that picks
 * the version as pyenv does (PYENV_VERSION, the first `.python-version` up from PYENV_DIR, else
 * `$PYENV_ROOT/version`), exports what pyenv exports and counts its starts.
 */
function fakePyenv(): { root: string; shims: string; starts: () => number } {
  const root = tempDir('grun-pyenv-');
  for (const v of ['3.A', '3.B']) {
    mkdirSync(join(root, 'versions', v, 'bin'), { recursive: true });
    symlinkSync(realPython, join(root, 'versions', v, 'bin', 'python3'));
  }
  writeFileSync(join(root, 'version'), '3.A\n');
  mkdirSync(join(root, 'libexec'));
  mkdirSync(join(root, 'shims'));
  const pyenv = join(root, 'libexec', 'pyenv');
  writeFileSync(
    pyenv,
    `#!/usr/bin/env bash
echo start >> "$PYENV_ROOT/starts"
[ "$1" = exec ] || exit 2
shift; program="$1"; shift
PYENV_DIR="\${PYENV_DIR:-$PWD}"
v="$PYENV_VERSION"
d="$PYENV_DIR"
while [ -z "$v" ]; do
  if [ -f "$d/.python-version" ]; then v="$(cat "$d/.python-version")"; fi
  [ "$d" = / ] && break
  d="$(dirname "$d")"
done
[ -n "$v" ] || v="$(cat "$PYENV_ROOT/version")"
export PYENV_VERSION="$v" PYENV_DIR
export PATH="$PYENV_ROOT/versions/$v/bin:$PATH"
exec "$PYENV_ROOT/versions/$v/bin/$program" "$@"
`,
  );
  const shim = join(root, 'shims', 'python3');
  writeFileSync(
    shim,
    `#!/usr/bin/env bash
set -e
program="\${0##*/}"

export PYENV_ROOT="${root}"
exec "${root}/libexec/pyenv" exec "$program" "$@"
`,
  );
  chmodSync(pyenv, 0o755);
  chmodSync(shim, 0o755);
  const starts = (): number => {
    try {
      return readFileSync(join(root, 'starts'), 'utf8').split('\n').filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  return { root, shims: join(root, 'shims'), starts };
}

describe('the interpreter behind a pyenv shim', () => {
  test('asked once, then started directly with what the shim exports; a version file or a new global version asks again', async () => {
    const { root, shims, starts } = fakePyenv();
    const home = emptyHome();
    const env = { ...process.env, PATH: `${shims}:${process.env.PATH}` };
    const a = tempDir();
    const first = await interpreterFor('python3', { home, cwd: a, env });
    assert.equal(first.exe, join(root, 'versions', '3.A', 'bin', 'python3'));
    assert.equal(first.env.PYENV_VERSION, '3.A');
    assert.equal(first.env.PYENV_DIR, a);
    assert.equal(first.env.PWD, a);
    assert.equal(first.env.PATH, `${join(root, 'versions', '3.A', 'bin')}:${env.PATH}`);
    assert.equal(starts(), 1);

    // another directory choosing the same way: the cached answer, its own directory
    const b = tempDir();
    const again = await interpreterFor('python3', { home, cwd: b, env });
    assert.deepEqual(again, { ...first, env: { ...first.env, PYENV_DIR: b, PWD: b } });
    assert.equal(starts(), 1, 'the shim is not started again');

    writeFileSync(join(b, '.python-version'), '3.B\n');
    const local = await interpreterFor('python3', { home, cwd: b, env });
    assert.equal(local.exe, join(root, 'versions', '3.B', 'bin', 'python3'));
    assert.equal(starts(), 2);

    writeFileSync(join(root, 'version'), '3.B\n');
    assert.equal((await interpreterFor('python3', { home, cwd: a, env })).exe, join(root, 'versions', '3.B', 'bin', 'python3'));
    assert.equal((await interpreterFor('python3', { home, cwd: a, env: { ...env, PYENV_VERSION: '3.A' } })).exe, join(root, 'versions', '3.A', 'bin', 'python3'));
    assert.equal(starts(), 4);
  });

  test('anything else is started as it is, with nothing added', async () => {
    const home = emptyHome();
    assert.deepEqual(await interpreterFor(realPython, { home, cwd: tempDir(), env: process.env }), { exe: realPython, env: {} });
    const { shims } = fakePyenv();
    const env = { ...process.env, PATH: `${shims}:${process.env.PATH}` };
    // a shim the shim cannot resolve (no such version) is left to report its own error
    writeFileSync(join(shims, '..', 'version'), 'nope\n');
    assert.deepEqual(await interpreterFor('python3', { home, cwd: tempDir(), env }), { exe: 'python3', env: {} });
  });

  test('grun run through a pyenv shim: the run sees what the shim would give it, and the shim runs once for two launches', async () => {
    const { root, shims, starts } = fakePyenv();
    const home = emptyHome();
    const cwd = project({
      'show.py': 'import os, sys\nprint(sys.executable)\nfor k in ("PYENV_VERSION", "PYENV_DIR", "PWD"): print(os.environ.get(k))\nprint(os.getcwd())\n',
    });
    const env = { PATH: `${shims}:${process.env.PATH}` };
    const r = await grun(['run', 'show.py', '-y'], { cwd, home, env });
    assert.equal(r.code, 0, r.stderr);
    const runDir = onlyRunDir(home);
    const [exe, version, pyenvDir, pwd, getcwd] = readFileSync(join(runDir, '.guild', 'output'), 'utf8').trim().split('\n');
    assert.equal(exe, join(root, 'versions', '3.A', 'bin', 'python3'));
    assert.equal(version, '3.A');
    assert.equal(pyenvDir, getcwd);
    assert.equal(pwd, getcwd);
    const second = await grun(['run', 'show.py', '-y'], { cwd, home, env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(starts(), 1, 'one start of the shim, for both launches and both Pythons of each');
  });
});
