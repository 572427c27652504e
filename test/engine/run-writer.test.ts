// The run writer from a hand-made RunPlan: Guild's files, staging, cleanup on failure; and the
// local executor refusing a command that cannot start without leaving a run behind.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { localTarget } from '../../src/engine/local-executor.js';
import type { RunPlan } from '../../src/engine/plan-types.js';
import {
  finishRunDir,
  guildTimestamp,
  readStagedEnv,
  writeRunDir,
} from '../../src/engine/run-writer.js';
import { readAttr } from '../../src/store/attrs.js';
import { loadRun } from '../../src/store/index.js';
import { emptyHome, tempDir } from '../helpers/home.js';

function handPlan(root: string, over: Partial<RunPlan> = {}): RunPlan {
  return {
    opref: { pkgType: 'script', pkgName: root, pkgVersion: '', modelName: '', opName: 'hello.py' },
    operation: 'hello.py',
    projectDir: root,
    cmd: ['python3', '-u', 'hello.py'],
    cmdAttr: ['python3', '-u', 'hello.py'],
    env: { FLAGS_DEST: 'args', FLAG_N: '1' },
    flags: { n: 1 },
    userFlags: {},
    flagDefs: [{ name: 'n', default: 1 }],
    floatFlags: [],
    flagsDest: 'args',
    label: 'n=1',
    tags: ['t1'],
    comment: 'hello',
    sourcecode: { root, files: ['hello.py'] },
    outputScalars: null,
    outputAttrs: null,
    opAttr: { 'output-scalars': null },
    runParams: { opspec: 'hello.py' },
    deps: [],
    configs: [],
    depsAttr: {},
    sweeps: {},
    unstable: false,
    inputs: {
      target: { kind: 'python-script', script: 'hello.py' },
      isPython: true,
      namesFlagsDest: true,
      guildOp: join(root, 'hello.py'),
      labelTemplate: null,
      userLabel: null,
      requestTags: [],
      opEnv: {},
      cwd: root,
      configSpecs: [],
    },
    ...over,
  };
}

function projectWithHello(): string {
  const root = tempDir('grun-proj-');
  writeFileSync(join(root, 'hello.py'), 'print("hello")\n');
  return root;
}

describe('run writer', () => {
  test('writes a run in Guild order: no PENDING left, source copied, started last', () => {
    const home = emptyHome();
    const root = projectWithHello();
    const dir = writeRunDir(handPlan(root), { home, runId: 'r1' });
    assert.equal(dir, join(home, 'runs', 'r1'));
    assert.ok(!existsSync(join(dir, '.guild', 'PENDING')));
    assert.equal(readFileSync(join(dir, '.guild', 'opref'), 'utf8'), `script:${root} '' '' hello.py`);
    assert.equal(readFileSync(join(dir, 'hello.py'), 'utf8'), 'print("hello")\n');
    assert.match(readFileSync(join(dir, '.guild', 'manifest'), 'utf8'), /^s hello\.py [0-9a-f]{40} hello\.py\n$/);
    const run = loadRun(dir);
    assert.equal(run.status, 'error'); // prepared, never started: no LOCK, no exit status
    assert.equal(run.label, 'n=1');
    assert.deepEqual(run.tags, ['t1']);
    assert.equal(run.comments[0]?.body, 'hello');
    assert.ok(run.started! > run.initialized!);
    assert.equal(readFileSync(join(dir, '.guild', 'attrs', 'deps'), 'utf8'), '{}\n');
    const platform = readAttr(dir, 'platform');
    assert.equal(platform.kind, 'ok');
    // Guild's list of the plugins enabled for the operation: grun runs none
    assert.equal(readFileSync(join(dir, '.guild', 'attrs', 'plugins'), 'utf8'), '[]\n');
    finishRunDir(dir, -15);
    assert.equal(loadRun(dir).status, 'terminated');
    assert.ok(loadRun(dir).stopped! > run.started!);
  });

  test('stage mode writes STAGED and .guild/ENV and nothing of a started process', () => {
    const home = emptyHome();
    const dir = writeRunDir(handPlan(projectWithHello()), { home, runId: 'r2', stage: true });
    assert.equal(loadRun(dir).status, 'staged');
    const env = readStagedEnv(dir);
    assert.equal(env.RUN_ID, 'r2');
    assert.equal(env.RUN_DIR, dir);
    assert.equal(env.FLAG_N, '1');
    assert.equal(env.PWD, undefined);
    for (const a of ['env', 'exit_status', 'stopped']) assert.equal(readAttr(dir, a).kind, 'missing', a);
  });

  test('a failure while writing removes the half-made run dir', () => {
    const home = emptyHome();
    const root = projectWithHello();
    // A dependency link under a copied *file* cannot be made (ENOTDIR) after most attrs exist.
    const link = { target: 'hello.py/data.txt', linkTarget: '../x/data.txt', source: join(root, 'hello.py') };
    const dep = { kind: 'operation' as const, name: 'operation:x', operation: 'x', runId: 'x', runDir: 'x', links: [link], manifestLines: [] };
    assert.throws(() => writeRunDir(handPlan(root, { deps: [dep] }), { home, runId: 'r3' }));
    assert.deepEqual(readdirSync(join(home, 'runs')), []);
  });

  test('timestamps are µs and strictly increasing', () => {
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      const t = guildTimestamp();
      assert.ok(t > last);
      last = t;
    }
    assert.ok(Math.abs(last / 1000 - Date.now()) < 5000);
  });

  test('a command that cannot start is reported and leaves no run dir', async () => {
    const home = emptyHome();
    const root = projectWithHello();
    const plan = handPlan(root, { cmd: ['/nonexistent/grun-test-prog'], cmdAttr: ['/nonexistent/grun-test-prog'] });
    await assert.rejects(localTarget.start(plan, { home }), /cannot start \/nonexistent\/grun-test-prog/);
    assert.deepEqual(readdirSync(join(home, 'runs')), []);
  });
});
