import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/home.js';
import { grun, waitFor } from './engine-helpers.js';

/** An operation that appends its run id to `$JOB_LOG` (outside the project: a source file would change its digest). */
function loggerProject(after = ''): { cwd: string; log: string; env: Record<string, string> } {
  const dir = tempDir('grun-sweep-proj-');
  const log = join(tempDir('grun-sweep-log-'), 'log');
  writeFileSync(
    join(dir, 'guild.yml'),
    'job:\n  main: job\n  flags-dest: args\n  flags:\n    x: 1\n',
  );
  writeFileSync(
    join(dir, 'job.py'),
    'import os\nwith open(os.environ["JOB_LOG"], "a") as f:\n    f.write(os.environ["RUN_ID"] + "\\n")\nprint("result: 1")\n' + after,
  );
  return { cwd: dir, log, env: { JOB_LOG: log } };
}

const runDirs = (home: string): string[] => readdirSync(join(home, 'runs')).map((id) => join(home, 'runs', id));
const isParent = (dir: string): boolean => existsSync(join(dir, '.guild/proto'));
const exitStatus = (dir: string): string | null => {
  const p = join(dir, '.guild/attrs/exit_status');
  return existsSync(p) ? readFileSync(p, 'utf8').trim() : null;
};

describe('sweeps and the queue (CLI, real processes)', () => {
  test('two schedulers racing on one home start every run exactly once', async () => {
    const { cwd, log, env } = loggerProject();
    const home = tempDir('grun-race-home-');
    const sub = await grun(['submit', 'job', 'x=1', '--repeat', '8', '--no-memo', '--stage', '-y'], { cwd, home, env });
    assert.equal(sub.code, 0, sub.stderr);
    const [a, b] = await Promise.all([
      grun(['queue', '--once', '--max-parallel', '2', '--poll', '0.1'], { cwd, home, env }),
      grun(['queue', '--once', '--max-parallel', '2', '--poll', '0.1'], { cwd, home, env }),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const started = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(started.length, 8);
    assert.equal(new Set(started).size, 8, 'no run started twice');
    const count = (out: string) => Number(/(\d+) started/.exec(out)![1]);
    assert.equal(count(a.stdout) + count(b.stdout), 8);
    const children = runDirs(home).filter((d) => !isParent(d));
    assert.deepEqual(children.map(exitStatus), Array(8).fill('0'));
    assert.equal(exitStatus(runDirs(home).find(isParent)!), '0', 'the parent is completed');
  });

  test('submit runs its sweep in the background; the same definition again is all memo hits', async () => {
    const { cwd, log, env } = loggerProject();
    const home = tempDir('grun-bg-home-');
    const def = JSON.stringify({ workflow: 'job', seed: 3, params: { x: { values: [1, 2, 3] } } });
    const first = await grun(['submit', def, '-y', '--max-parallel', '2'], { cwd, home, env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Scheduling 3 run\(s\) in the background/);
    const parent = runDirs(home).find(isParent)!;
    await waitFor('the sweep to end', () => exitStatus(parent) !== null, 30_000);
    assert.equal(exitStatus(parent), '0');
    assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 3);

    const again = await grun(['submit', def, '-y'], { cwd, home, env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.match(/memoized: outputs of [0-9a-f]{32}/g)?.length, 3);
    assert.doesNotMatch(again.stdout, /Scheduling/);
    const parents = runDirs(home).filter(isParent);
    assert.equal(parents.length, 2);
    assert.deepEqual(parents.map(exitStatus), ['0', '0'], 'an all-memoized sweep is completed at once');
    assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 3, 'nothing ran again');
  });

  test('a repeat that waits behind its completed twin is memoized when its turn comes', async () => {
    const { cwd, log, env } = loggerProject();
    const home = tempDir('grun-memo-home-');
    const sub = await grun(['submit', 'job', 'x=1', '--repeat', '3', '--stage', '-y'], { cwd, home, env });
    assert.equal(sub.code, 0, sub.stderr);
    const q = await grun(['queue', '--once', '--poll', '0.1'], { cwd, home, env });
    assert.equal(q.code, 0, q.stderr);
    assert.equal(q.stdout.match(/Memoized [0-9a-f]{32}: outputs of/g)?.length, 2);
    const ran = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(ran.length, 1, 'the operation ran once');
    const memoOf = runDirs(home)
      .filter((d) => !isParent(d))
      .map((d) => (existsSync(join(d, '.guild/attrs/memo_of')) ? readFileSync(join(d, '.guild/attrs/memo_of'), 'utf8').trim() : null));
    assert.deepEqual(memoOf.filter((m) => m !== null), [ran[0], ran[0]]);
    assert.equal(exitStatus(runDirs(home).find(isParent)!), '0');
  });

  test('grun stop PARENT stops the whole sweep: the running child stopped, the staged ones never started, the parent terminated', async () => {
    const { cwd, log, env } = loggerProject('import time\ntime.sleep(60)\n');
    const home = tempDir('grun-stop-sweep-home-');
    const sub = await grun(['submit', 'job', 'x=1', '--repeat', '3', '--no-memo', '--max-parallel', '1', '-y'], { cwd, home, env });
    assert.equal(sub.code, 0, sub.stderr);
    const scheduler = Number(/scheduler pid (\d+)/.exec(sub.stdout)![1]);
    await waitFor('the first child to run', () => existsSync(log) && readFileSync(log, 'utf8').trim() !== '', 30_000);
    const parent = runDirs(home).find(isParent)!;
    const stop = await grun(['stop', parent.split('/').pop()!, '-y', '--timeout', '10'], { cwd, home, env });
    assert.equal(stop.code, 0, stop.stderr);
    // The scheduler finds nothing left to start and exits: only then is "never started" known.
    await waitFor('the scheduler to exit', () => !existsSync(`/proc/${scheduler}`) || readFileSync(`/proc/${scheduler}/stat`, 'utf8').split(' ')[2] === 'Z', 15_000);
    const ran = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(ran.length, 1, 'only the first child ever ran');
    const children = runDirs(home).filter((d) => !isParent(d));
    assert.deepEqual(children.map(exitStatus), ['-15', '-15', '-15'], 'every child terminated');
    const neverStarted = children.filter((d) => !ran.includes(d.split('/').pop()!));
    assert.equal(neverStarted.length, 2);
    for (const d of neverStarted) {
      assert.ok(!existsSync(join(d, '.guild/grun-proc')) && !existsSync(join(d, '.guild/STAGED')), `${d} never started, no longer staged`);
    }
    assert.equal(exitStatus(parent), '-15', 'the parent is terminated');
    const listed = JSON.parse((await grun(['runs', '--json'], { cwd, home, env })).stdout) as { status: string }[];
    assert.deepEqual(listed.map((r) => r.status), ['terminated', 'terminated', 'terminated', 'terminated']);
  });
});
