import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGuildSweep } from '../../src/engine/batch.js';
import { planRun } from '../../src/engine/plan.js';
import {
  claimRun,
  isClaimStale,
  pickRuns,
  queuedRuns,
  releaseClaim,
  requestFromConfig,
  runScheduler,
  selfOwner,
  type ClaimOwner,
  type ResourceRequest,
} from '../../src/engine/queue.js';
import { bootId, hostName } from '../../src/store/proc.js';
import { listRuns, loadRun } from '../../src/store/index.js';
import { emptyHome, tempDir } from '../helpers/home.js';

describe('pickRuns: FIFO with backfill', () => {
  const req = (name: string): ResourceRequest => {
    const [slots, gpus] = name.split(':').slice(1).map(Number);
    return { slots: slots!, gpus: gpus! };
  };
  const cap = { slots: 4, gpus: 2 };
  const cases: [string, string[], ResourceRequest, boolean, string[]][] = [
    ['in queue order while slots last', ['a:1:0', 'b:1:0', 'c:1:0'], { slots: 2, gpus: 2 }, false, ['a:1:0', 'b:1:0']],
    ['a run that does not fit is skipped, not waited for', ['big:1:2', 'small:1:1', 'cpu:1:0'], { slots: 4, gpus: 1 }, true, ['small:1:1', 'cpu:1:0']],
    ['the head starts first when it fits', ['big:1:2', 'small:1:1'], { slots: 4, gpus: 2 }, false, ['big:1:2']],
    ['slots are counted per run', ['wide:3:0', 'a:1:0', 'b:1:0'], { slots: 3, gpus: 0 }, false, ['wide:3:0']],
    ['nothing free, nothing started', ['a:1:0'], { slots: 0, gpus: 2 }, true, []],
    ['a request beyond the machine waits while others run', ['huge:1:3', 'a:1:0'], { slots: 3, gpus: 2 }, true, ['a:1:0']],
    ['and runs alone once the machine is idle', ['huge:1:3', 'a:1:0'], { slots: 4, gpus: 2 }, false, ['huge:1:3']],
  ];
  for (const [what, queue, free, busy, expected] of cases) {
    test(what, () => assert.deepEqual(pickRuns(queue, req, free, cap, busy), expected));
  }

  test('resources: from guild.yml', () => {
    assert.deepEqual(requestFromConfig({ gpus: 2, cpus: 3 }), { slots: 3, gpus: 2 });
    assert.deepEqual(requestFromConfig({ data: [{ file: 'x' }] }), { slots: 1, gpus: 0 }, "Guild's dependency resources are no request");
  });
});

describe('claims', () => {
  function runDir(): string {
    const dir = join(tempDir('grun-claim-'), 'run');
    mkdirSync(join(dir, '.guild'), { recursive: true });
    return dir;
  }
  /** A claim owner whose process has exited. */
  function deadOwner(): ClaimOwner {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return { pid: Number(r.stdout), start: 1, host: hostName(), bootId: bootId(), nonce: 'dead' };
  }

  test('one claimer wins; only the owner releases; a dead owner\'s claim is recovered', () => {
    const dir = runDir();
    const a = selfOwner();
    const b = selfOwner();
    assert.equal(claimRun(dir, a), true);
    assert.equal(claimRun(dir, b), false);
    releaseClaim(dir, b);
    assert.equal(claimRun(dir, b), false, "b cannot release a's claim");
    releaseClaim(dir, a);
    assert.equal(claimRun(dir, b), true);

    const stale = runDir();
    writeFileSync(join(stale, '.guild/grun-claim'), JSON.stringify(deadOwner()));
    assert.equal(isClaimStale(join(stale, '.guild/grun-claim')), true);
    assert.equal(claimRun(stale, a), true);
    assert.equal(JSON.parse(readFileSync(join(stale, '.guild/grun-claim'), 'utf8')).nonce, a.nonce);
  });
});

const RECORDER = `#!/bin/sh
# appends "<id> start <ms>" and "<id> end <ms>" around a short sleep
echo "$RUN_ID start $(date +%s%3N)" >> "$PROJECT_DIR/log"
sleep 1
echo "$RUN_ID end $(date +%s%3N)" >> "$PROJECT_DIR/log"
`;

describe('runScheduler (real supervisors)', () => {
  test('staged runs start oldest first, at most --max-parallel at once, and each once', async () => {
    const home = emptyHome();
    const cwd = tempDir('grun-queue-proj-');
    writeFileSync(join(cwd, 'job.sh'), RECORDER);
    const plan = await planRun({ home, cwd, opspec: 'job.sh', flagArgs: ['x=[1,2,3,4]'] });
    const { parent, children } = createGuildSweep(plan, { home, keepBatch: true, stageTrials: true });
    assert.deepEqual(
      queuedRuns(listRuns(home)).map((r) => r.id),
      children.map((c) => c.id),
      'the queue is in creation order and leaves the parent out',
    );
    const started: string[] = [];
    const result = await runScheduler({ home, maxParallel: 2, once: true, pollSeconds: 0.2, onStarted: (r) => started.push(r.id) });
    assert.deepEqual(result.failed, []);
    // Two start at a time, in queue order (which of a pair is ready first varies)
    const ids = children.map((c) => c.id);
    assert.deepEqual([started.slice(0, 2).sort(), started.slice(2).sort()], [ids.slice(0, 2).sort(), ids.slice(2).sort()]);
    const events = readFileSync(join(cwd, 'log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([id, what, t]) => ({ id: id!, delta: what === 'start' ? 1 : -1, t: Number(t) }))
      .sort((x, y) => x.t - y.t || x.delta - y.delta);
    let now = 0;
    let peak = 0;
    for (const e of events) peak = Math.max(peak, (now += e.delta));
    assert.equal(peak, 2, 'two at once, never more');
    assert.equal(events.filter((e) => e.delta === 1).length, 4, 'each child ran once');
    assert.ok(children.every((c) => loadRun(c.dir).status === 'completed'));
    assert.equal(readFileSync(join(parent!.dir, '.guild/attrs/exit_status'), 'utf8'), '0\n', 'the parent is finalized');
    assert.ok(!existsSync(join(children[0]!.dir, '.guild/grun-claim')), 'claims are released');
  });
});

describe('GPU slots', () => {
  test('runs asking for a GPU get distinct ones through CUDA_VISIBLE_DEVICES; others get none', async () => {
    const home = emptyHome();
    const cwd = tempDir('grun-queue-gpu-');
    writeFileSync(
      join(cwd, 'guild.yml'),
      'gpu:\n  main: job\n  flags-dest: args\n  resources: {gpus: 1}\n  flags: {x: 1}\ncpu:\n  main: job\n  flags-dest: args\n  flags: {x: 1}\n',
    );
    writeFileSync(join(cwd, 'job.py'), 'import time\ntime.sleep(0.5)\n');
    for (const op of ['gpu', 'gpu', 'cpu']) {
      createGuildSweep(await planRun({ home, cwd, opspec: op, flagArgs: ['x=[1,2]'] }), { home, keepBatch: true, stageTrials: true, maxTrials: 1 });
    }
    const result = await runScheduler({ home, maxParallel: 3, gpus: ['0', '1'], once: true, pollSeconds: 0.2 });
    assert.equal(result.started.length, 3);
    const env = (id: string) => readFileSync(join(home, 'runs', id, '.guild/attrs/env'), 'utf8');
    const devices = result.started.map((id) => /CUDA_VISIBLE_DEVICES: '?([\d,]*)'?/.exec(env(id))![1]).sort();
    assert.deepEqual(devices, ['', '0', '1']);
  });
});
