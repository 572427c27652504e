import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeStagedRun } from '../../src/engine/batch.js';
import { memoCachePath, memoChildWriter, MemoIndex, planMemoKey, planSourceDigest } from '../../src/engine/memo.js';
import { planRun } from '../../src/engine/plan.js';
import type { RunPlan } from '../../src/engine/plan-types.js';
import { writeRunDir } from '../../src/engine/run-writer.js';
import { writeAttr } from '../../src/store/attrs.js';
import { loadRun } from '../../src/store/index.js';
import { emptyHome, tempDir } from '../helpers/home.js';

const GUILD_YML = `sim:
  main: sim
  flags-dest: args
  unstable: yes
  flags:
    n: 1
prep:
  main: prep
  flags-dest: args
  flags:
    n: 1
`;

function project(): string {
  const dir = tempDir('grun-memo-proj-');
  writeFileSync(join(dir, 'guild.yml'), GUILD_YML);
  writeFileSync(join(dir, 'sim.py'), 'print(1)\n');
  writeFileSync(join(dir, 'prep.py'), 'print(2)\n');
  return dir;
}

/** Completes a staged run as if it had run: an output file, its log, exit 0. */
function complete(dir: string): void {
  rmSync(join(dir, '.guild/STAGED'));
  writeFileSync(join(dir, 'result.txt'), 'answer 42\n');
  writeFileSync(join(dir, '.guild/output'), 'done\n');
  writeAttr(dir, 'exit_status', 0);
  writeAttr(dir, 'stopped', 2);
}

describe('memoization', () => {
  test('keys: flags and source always count; the seed only for unstable operations', async () => {
    const home = emptyHome();
    const cwd = project();
    const index = MemoIndex.open(home);
    const plan = (op: string, n: number) => planRun({ home, cwd, opspec: op, flagArgs: [`n=${n}`] });
    const prep1 = await plan('prep', 1);
    const sim1 = await plan('sim', 1);
    assert.equal(sim1.unstable, true);
    assert.equal(planMemoKey(prep1, '1', index), planMemoKey(await plan('prep', 1), '2', index), 'stable: any seed');
    assert.notEqual(planMemoKey(prep1, '1', index), planMemoKey(await plan('prep', 2), '1', index));
    assert.notEqual(planMemoKey(sim1, '1', index), planMemoKey(sim1, '2', index), 'unstable: the seed counts');
    assert.equal(planMemoKey(sim1, '1', index), planMemoKey(await plan('sim', 1), '1', index));
    assert.notEqual(planMemoKey(prep1, '1', index), planMemoKey(sim1, '1', index), 'the operation counts');
    const before = planMemoKey(prep1, '1', index);
    writeFileSync(join(cwd, 'prep.py'), 'print(3)\n');
    const edited = await plan('prep', 1);
    assert.notEqual(planMemoKey(edited, '1', index), before, 'the source digest counts');
    const dir = writeRunDir(edited, { home, runId: 'a1' });
    assert.equal(readFileSync(join(dir, '.guild/attrs/sourcecode_digest'), 'utf8'), `${planSourceDigest(edited)}\n`);
  });

  test('a hit is a completed run with copies of the original\'s outputs (never links) and memo_of; a miss is staged', async () => {
    const home = emptyHome();
    const cwd = project();
    const prep: RunPlan = await planRun({ home, cwd, opspec: 'prep', flagArgs: [] });
    const first = memoChildWriter(home, { reuse: true })(home, null, { plan: prep, seed: '1' });
    assert.equal(first.memoOf, undefined);
    assert.equal(loadRun(first.dir).status, 'staged');
    complete(first.dir);

    const hit = memoChildWriter(home, { reuse: true })(home, null, { plan: prep, seed: '2' });
    assert.equal(hit.memoOf, first.id);
    const run = loadRun(hit.dir);
    assert.equal(run.status, 'completed');
    assert.equal(readFileSync(join(hit.dir, '.guild/attrs/memo_of'), 'utf8'), `${first.id}\n`);
    assert.notEqual(statSync(join(hit.dir, 'result.txt')).ino, statSync(join(first.dir, 'result.txt')).ino, 'copied, not linked');
    // an edit of the copy leaves the original as it was
    const before = readFileSync(join(first.dir, 'result.txt'), 'utf8');
    writeFileSync(join(hit.dir, 'result.txt'), 'edited\n');
    assert.equal(readFileSync(join(first.dir, 'result.txt'), 'utf8'), before);
    assert.equal(readFileSync(join(hit.dir, '.guild/output'), 'utf8'), 'done\n');
    assert.equal(readFileSync(join(hit.dir, '.guild/attrs/random_seed'), 'utf8'), '2\n');
    assert.ok(existsSync(memoCachePath(home)));

    const forced = memoChildWriter(home, { reuse: false })(home, null, { plan: prep, seed: '3' });
    assert.equal(loadRun(forced.dir).status, 'staged', '--no-memo runs anyway');

    const sim = await planRun({ home, cwd, opspec: 'sim', flagArgs: [] });
    const s1 = memoChildWriter(home, { reuse: true })(home, null, { plan: sim, seed: '7' });
    complete(s1.dir);
    assert.equal(memoChildWriter(home, { reuse: true })(home, null, { plan: sim, seed: '8' }).memoOf, undefined, 'unstable, other seed: miss');
    assert.equal(memoChildWriter(home, { reuse: true })(home, null, { plan: sim, seed: '7' }).memoOf, s1.id, 'unstable, same seed: hit');
  });

  test('the index is rebuilt from run dirs, also from runs that recorded no key; a deleted original is no hit', async () => {
    const home = emptyHome();
    const cwd = project();
    const prep = await planRun({ home, cwd, opspec: 'prep', flagArgs: ['n=5'] });
    // A run `grun run` (or Guild) made: no memo key of its own
    const dir = writeRunDir(prep, { home, runId: 'b2' });
    writeFileSync(join(dir, 'result.txt'), 'x\n');
    writeAttr(dir, 'exit_status', 0);
    rmSync(memoCachePath(home), { force: true });
    const hit = memoChildWriter(home, { reuse: true })(home, null, { plan: prep, seed: '1' });
    assert.equal(hit.memoOf, 'b2');
    rmSync(memoCachePath(home));
    rmSync(dir, { recursive: true });
    rmSync(hit.dir, { recursive: true });
    const again = memoChildWriter(home, { reuse: true })(home, null, { plan: prep, seed: '1' });
    assert.equal(again.memoOf, undefined);
    assert.equal(loadRun(again.dir).status, 'staged');
  });

  test('a failed run is never reused', async () => {
    const home = emptyHome();
    const prep = await planRun({ home, cwd: project(), opspec: 'prep', flagArgs: [] });
    const dir = writeStagedRun(home, null, { plan: prep, seed: '1' });
    rmSync(join(dir, '.guild/STAGED'));
    writeAttr(dir, 'exit_status', 1);
    assert.equal(memoChildWriter(home, { reuse: true })(home, null, { plan: prep, seed: '1' }).memoOf, undefined);
  });
});
