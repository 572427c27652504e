// What grun learns of a Python (`sys.version`, `pip freeze`) is asked once and kept in the home's
// cache while the interpreter and its package dirs are unchanged: a real venv with real pip (else
// a package dir on PYTHONPATH), every Python start in it counted by a sitecustomize.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonFacts } from '../../src/engine/interpreter.js';
import { parseYaml11 } from '../../src/store/yaml11.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { grun, project } from '../e2e/engine-helpers.js';

interface Sandbox {
  python: string;
  /** Where packages are found: the venv's site-packages, else a dir on PYTHONPATH. */
  siteDir: string;
  env: Record<string, string>;
  /** The argv of every Python started in the sandbox so far. */
  starts: () => string[][];
}

function sandbox(): Sandbox {
  const root = tempDir('grun-venv-');
  const counter = join(root, 'starts');
  let python: string;
  let siteDir: string;
  let env: Record<string, string> = {};
  try {
    execFileSync('python3', ['-m', 'venv', join(root, 'venv')], { stdio: 'ignore' });
    python = join(root, 'venv', 'bin', 'python');
    siteDir = execFileSync(python, ['-c', 'import site; print(site.getsitepackages()[0])'], { encoding: 'utf8' }).trim();
  } catch {
    // no venv module here: the system's Python, a package dir on PYTHONPATH
    python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    siteDir = join(root, 'site');
    mkdirSync(siteDir);
    env = { PYTHONPATH: siteDir };
  }
  writeFileSync(
    join(siteDir, 'sitecustomize.py'),
    `import json, sys\nwith open(${JSON.stringify(counter)}, "a") as f:\n    f.write(json.dumps(getattr(sys, "orig_argv", sys.argv)) + "\\n")\n`,
  );
  const starts = (): string[][] => {
    try {
      return readFileSync(counter, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
    } catch {
      return [];
    }
  };
  return { python, siteDir, env, starts };
}

/** A package installed as pip leaves it: its dist-info dir in the site dir. */
function install(siteDir: string, name: string, version: string): void {
  const info = join(siteDir, `${name}-${version}.dist-info`);
  mkdirSync(info);
  writeFileSync(join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
  writeFileSync(join(info, 'RECORD'), '');
}

const pipStarts = (argvs: string[][]): number => argvs.filter((a) => a.includes('pip') && a.includes('freeze')).length;

describe("what grun learns of a run's Python, cached", () => {
  let box: Sandbox;
  before(() => {
    box = sandbox();
  });

  test('a second run reuses the freeze and the version with no Python start; an installed package or a torn cache file asks again', async () => {
    const home = emptyHome();
    const cwd = project({ 'say.py': 'print("hi")\n' });
    const env = { ...box.env, GRUN_PYTHON: box.python, NO_PIP_FREEZE: '0' };
    const run = async (): Promise<{ freeze: string[]; version: string }> => {
      const r = await grun(['run', 'say.py', '-y'], { cwd, home, env });
      assert.equal(r.code, 0, r.stderr);
      const dir = (await grun(['select', '--dir'], { cwd, home })).stdout.trim();
      const attr = (name: string): unknown => parseYaml11(readFileSync(join(dir, '.guild', 'attrs', name), 'utf8'));
      return { freeze: attr('pip_freeze') as string[], version: (attr('platform') as Record<string, string>).python_version! };
    };

    const first = await run();
    assert.ok(Array.isArray(first.freeze) && first.freeze.every((l) => typeof l === 'string'), JSON.stringify(first.freeze));
    assert.equal(first.version, execFileSync(box.python, ['-c', 'import sys; print(sys.version.replace("\\n", ""))'], { encoding: 'utf8' }).trim());
    assert.equal(pipStarts(box.starts()), 1);

    const before2 = box.starts().length;
    const second = await run();
    assert.deepEqual(second, first);
    const during2 = box.starts().slice(before2);
    assert.ok(during2.length > 0 && during2.every((a) => a.some((x) => x.endsWith('say.py'))), `only the run's own command started Python: ${JSON.stringify(during2)}`);

    install(box.siteDir, 'tinypkg', '1.0');
    const third = await run();
    assert.ok(third.freeze.includes('tinypkg==1.0'), JSON.stringify(third.freeze));
    assert.equal(third.version, first.version);
    assert.equal(pipStarts(box.starts()), 2);

    const cacheDir = join(home, 'cache', 'grun', 'interpreters');
    for (const f of readdirSync(cacheDir)) {
      const text = readFileSync(join(cacheDir, f), 'utf8');
      writeFileSync(join(cacheDir, f), text.slice(0, text.length >> 1));
    }
    const fourth = await run();
    assert.deepEqual(fourth, third, 'a torn cache file is asked again');
    assert.equal(pipStarts(box.starts()), 3);
  });

  test('the freeze is kept per PYTHONPATH, and a package added to a dir on it is seen', async () => {
    const home = emptyHome();
    const [a, b] = [tempDir(), tempDir()];
    const facts = (dir: string): ReturnType<typeof pythonFacts> =>
      pythonFacts(box.python, { home, pipFreeze: true, env: { ...process.env, ...box.env, PYTHONPATH: [dir, box.env.PYTHONPATH].filter(Boolean).join(':') } });
    const n0 = box.starts().length;
    install(a, 'alpha', '2.0');
    const fromA = await facts(a);
    assert.ok(fromA.freeze?.includes('alpha==2.0'), JSON.stringify(fromA.freeze));
    assert.equal(box.starts().length - n0, 2, 'asked once, pip once');
    assert.deepEqual(await facts(a), fromA);
    assert.equal(box.starts().length - n0, 2, 'a hit starts no Python');

    const fromB = await facts(b);
    assert.ok(!fromB.freeze?.includes('alpha==2.0'), JSON.stringify(fromB.freeze));
    assert.equal(box.starts().length - n0, 4, 'another PYTHONPATH is asked again');

    install(b, 'beta', '0.3');
    assert.ok((await facts(b)).freeze?.includes('beta==0.3'));
    assert.equal(box.starts().length - n0, 5, 'pip only: the version and the paths are still known');
    assert.deepEqual(await pythonFacts(box.python, { home, pipFreeze: false, env: { ...process.env, ...box.env, PYTHONPATH: [a, box.env.PYTHONPATH].filter(Boolean).join(':') } }), { version: fromA.version });
    assert.equal(box.starts().length - n0, 5);
  });
});
