// `grun run --restart RUN`, `--restart PARENT` and `--rerun/--proto RUN` with real scripts and the real binary.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/home.js';
import { parseYaml11 } from '../../src/store/yaml11.js';
import { attr, grun, project } from './engine-helpers.js';

const runDirs = (home: string): string[] => readdirSync(join(home, 'runs')).map((id) => join(home, 'runs', id));
const isParent = (dir: string): boolean => existsSync(join(dir, '.guild/proto'));
const flagsOf = (dir: string): Record<string, unknown> => parseYaml11(attr(dir, 'flags')!) as Record<string, unknown>;
const idOf = (dir: string): string => dir.split('/').pop()!;

/**
 * A restart runs the run's own copy of the source (Guild's), so what breaks and gets fixed lies
 * outside it, as a missing input would: the run fails while the file `broken-X` exists in `marks`.
 */
const SCRIPT = 'import os\nx = 1\nmarks = "."\nif os.path.exists(os.path.join(marks, "broken-%s" % x)):\n    raise SystemExit(3)\nprint("loss: %f" % x)\n';
function breakage(xs: number[]): { marks: string; fix: () => void } {
  const marks = tempDir('grun-marks-');
  for (const x of xs) writeFileSync(join(marks, `broken-${x}`), '');
  return { marks, fix: () => xs.forEach((x) => rmSync(join(marks, `broken-${x}`))) };
}

describe('restart and rerun (CLI, real processes)', () => {
  test('a failed run, fixed and restarted, keeps its id and ends completed', async () => {
    const cwd = project({ 'train.py': SCRIPT });
    const home = tempDir('grun-restart-home-');
    const { marks, fix } = breakage([2]);
    assert.equal((await grun(['run', 'train.py', 'x=2', `marks=${marks}`, '-y'], { cwd, home })).code, 3);
    const [dir] = runDirs(home);
    assert.equal(attr(dir!, 'exit_status')?.trim(), '3');
    fix();
    const r = await grun(['run', '--restart', idOf(dir!).slice(0, 8), '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(runDirs(home), [dir], 'the same run, no new one');
    assert.equal(attr(dir!, 'exit_status')?.trim(), '0');
    assert.deepEqual(flagsOf(dir!), { marks, x: 2 });
    assert.match(readFileSync(join(dir!, '.guild/output'), 'utf8'), /^loss: 2\.0+\n$/);
  });

  test('--rerun and --proto start a new run with the run\'s operation and flags, overrides applied, a sweep too', async () => {
    const cwd = project({ 'train.py': 'x = 1\ny = 1\nprint("x=%s y=%s" % (x, y))\n' });
    const home = tempDir('grun-rerun-home-');
    assert.equal((await grun(['run', 'train.py', 'x=5', 'y=7', '-y'], { cwd, home })).code, 0);
    const [first] = runDirs(home);
    const elsewhere = tempDir('grun-elsewhere-');
    const r = await grun(['run', '--rerun', idOf(first!), 'y=8', '-y'], { cwd: elsewhere, home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'x=5 y=8\n');
    const second = runDirs(home).find((d) => d !== first)!;
    assert.deepEqual(flagsOf(second), { x: 5, y: 8 });
    assert.deepEqual(flagsOf(first!), { x: 5, y: 7 }, 'the earlier run is left alone');
    assert.match(readFileSync(join(second, '.guild/opref'), 'utf8'), /train\.py/);
    const sweep = await grun(['run', '--proto', idOf(first!), 'y=[1,2]', '-y'], { cwd: elsewhere, home });
    assert.equal(sweep.code, 0, sweep.stderr);
    const trials = runDirs(home).filter((d) => d !== first && d !== second && !isParent(d));
    assert.deepEqual(trials.map((d) => flagsOf(d)).sort((a, b) => (a.y as number) - (b.y as number)), [{ x: 5, y: 1 }, { x: 5, y: 2 }]);
    const both = await grun(['run', '--rerun', idOf(first!), '--restart', idOf(first!), '-y'], { cwd, home });
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /--restart and --rerun cannot both be used/);
  });

  test('--restart PARENT reruns the failed trials of a sweep in their own directories, the rest untouched', async () => {
    const cwd = project({ 'train.py': SCRIPT });
    const home = tempDir('grun-sweep-restart-home-');
    const { marks, fix } = breakage([2, 3]);
    const first = await grun(['run', 'train.py', 'x=[1,2,3]', `marks=${marks}`, '--keep-batch', '-y'], { cwd, home });
    assert.equal(first.code, 1, first.stdout + first.stderr);
    const parent = runDirs(home).find(isParent)!;
    const trials = runDirs(home).filter((d) => !isParent(d));
    const byX = (x: number) => trials.find((d) => flagsOf(d).x === x)!;
    const started1 = attr(byX(1), 'started');
    assert.equal(attr(parent, 'exit_status')?.trim(), '1');
    fix();
    const r = await grun(['run', '--restart', idOf(parent), '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`Restarting trial ${idOf(byX(2))}`));
    assert.doesNotMatch(r.stdout, new RegExp(idOf(byX(1))));
    assert.equal(runDirs(home).length, 4, 'no new run');
    for (const x of [2, 3]) assert.equal(attr(byX(x), 'exit_status')?.trim(), '0', `x=${x} completed`);
    assert.equal(attr(byX(1), 'started'), started1, 'the completed trial did not run again');
    assert.equal(attr(parent, 'exit_status')?.trim(), '0', 'the sweep ends completed');
    const again = await grun(['run', '--restart', idOf(parent), '-y'], { cwd, home });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /has no trial to restart: each one completed or was pruned/);
  });

  test('--restart PARENT leaves a pruned trial pruned', async () => {
    // a=3 is worse at every step and slower: pruned against a=0; a=9 fails at once, until fixed
    const cwd = project({
      'curve.py':
        'import os, time\na = 0.0\nmarks = "."\nif os.path.exists(os.path.join(marks, "broken-%d" % a)):\n    raise SystemExit(2)\n' +
        'for step in range(1, 21):\n    time.sleep(0.05 + 0.1 * a)\n    print("step: %d" % step)\n    print("loss: %f" % (a + 1.0 / step), flush=True)\n',
    });
    const home = tempDir('grun-prune-restart-home-');
    const { marks, fix } = breakage([9]);
    const args = [`marks=${marks}`, '--prune', 'median', '--prune-flag', 'warmup-steps=2', '--prune-flag', 'startup-trials=1', '--minimize', 'loss', '--max-parallel', '3'];
    const r1 = await grun(['run', 'curve.py', 'a=[0.0,3.0,9.0]', ...args, '-y'], { cwd, home });
    assert.equal(r1.code, 1, r1.stdout + r1.stderr);
    const trials = runDirs(home).filter((d) => !isParent(d));
    const byA = (a: number) => trials.find((d) => flagsOf(d).a === a)!;
    assert.ok(existsSync(join(byA(3), '.guild/grun-pruned')), 'a=3 pruned');
    const pruned = { started: attr(byA(3), 'started'), reason: readFileSync(join(byA(3), '.guild/grun-pruned'), 'utf8') };
    fix();
    const parent = runDirs(home).find(isParent)!;
    const r2 = await grun(['run', '--restart', idOf(parent), '-y'], { cwd, home });
    assert.equal(r2.code, 0, r2.stdout + r2.stderr);
    assert.equal(attr(byA(9), 'exit_status')?.trim(), '0');
    assert.equal(attr(byA(3), 'started'), pruned.started, 'the pruned trial did not run again');
    assert.equal(readFileSync(join(byA(3), '.guild/grun-pruned'), 'utf8'), pruned.reason);
    const info = await grun(['runs', 'info', idOf(byA(3))], { cwd, home });
    assert.match(info.stdout, /^status: terminated$/m);
  });
});
