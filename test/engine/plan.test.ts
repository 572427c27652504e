import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPERS_DIR } from '../../src/engine/flag-detect.js';
import { PYTHON_API_DIR } from '../../src/engine/python-api.js';
import { restoreFloatMarks } from '../../src/engine/flags.js';
import { planRun, planTrial } from '../../src/engine/plan.js';
import type { ResolvedOperationDep } from '../../src/engine/plan-types.js';
import { encodeYaml, isMarkedFloat, markFloat, parseYaml11 } from '../../src/store/yaml11.js';
import { emptyHome, fixtureHome, tempDir } from '../helpers/home.js';

const SANDBOX_RUN = join(fixtureHome, 'runs/e1cf955019fc498ba318ae5d147456c2'); // train.py lr=0.05 epochs=2
const MNIST_PREPARE = join(fixtureHome, 'runs/5fe4ccc3174c4c9e9a212c98a4f108ec');
const MNIST_TRAIN = join(fixtureHome, 'runs/abacebc867a84360bdcda39bf9cd45a9'); // train lr=0.05 epochs=2

const attrText = (run: string, name: string) => readFileSync(join(run, '.guild/attrs', name), 'utf8');

function sandbox(): string {
  const dir = tempDir('grun-sandbox-');
  copyFileSync(join(SANDBOX_RUN, 'train.py'), join(dir, 'train.py'));
  return dir;
}

function mnist(): string {
  const dir = tempDir('grun-mnist-');
  for (const f of ['guild.yml', 'prepare.py', 'train.py']) copyFileSync(join(MNIST_PREPARE, f), join(dir, f));
  return dir;
}

describe('planRun: a globals train.py (fixture sandbox script)', () => {
  test('flags, label, tags and cmd as Guild recorded them for `train.py lr=0.05 epochs=2`', async () => {
    const cwd = sandbox();
    const home = emptyHome();
    const plan = await planRun({ home, cwd, opspec: 'train.py', flagArgs: ['lr=0.05', 'epochs=2'], runParams: { yes: true } });
    assert.deepEqual(plan.opref, { pkgType: 'script', pkgName: cwd, pkgVersion: '', modelName: '', opName: 'train.py' });
    assert.equal(plan.operation, 'train.py');
    assert.equal(encodeYaml(plan.flags), attrText(SANDBOX_RUN, 'flags'));
    assert.equal(encodeYaml(plan.userFlags), attrText(SANDBOX_RUN, 'user_flags'));
    assert.equal(plan.label, 'epochs=2 fail=no lr=0.05 sleep=0.0');
    assert.deepEqual(plan.tags, ['model']);
    assert.equal(plan.flagsDest, 'globals');
    assert.deepEqual(plan.floatFlags, ['sleep']);
    assert.deepEqual(plan.sweeps, {});
    const guildCmd = parseYaml11(attrText(SANDBOX_RUN, 'cmd')) as string[];
    assert.deepEqual(plan.cmd.slice(1), ['-u', join(HELPERS_DIR, 'globals_main.py'), 'train.py', ...guildCmd.slice(4)]);
    assert.deepEqual(plan.cmdAttr, plan.cmd);
    const guildEnv = parseYaml11(attrText(SANDBOX_RUN, 'env')) as Record<string, string>;
    for (const k of Object.keys(guildEnv).filter((k) => k.startsWith('FLAG'))) assert.equal(plan.env[k], guildEnv[k], k);
    assert.equal(plan.env.GUILD_OP, join(cwd, 'train.py'));
    assert.equal(plan.env.PROJECT_DIR, cwd);
    assert.equal(plan.env.CMD_DIR, cwd);
    assert.equal(plan.env.GUILD_SOURCECODE, '.');
    assert.equal(plan.env.LOG_LEVEL, '20');
    assert.equal(plan.env.PYTHONPATH, ['.', PYTHON_API_DIR, ...(process.env.PYTHONPATH ? [process.env.PYTHONPATH] : [])].join(':'));
    assert.deepEqual(plan.sourcecode, { root: cwd, files: ['train.py'] });
    assert.deepEqual(plan.depsAttr, {});
    assert.equal(plan.label !== null && plan.unstable, false);
    // run_params: the same as Guild's for the same command
    assert.equal(encodeYaml(plan.runParams), attrText(SANDBOX_RUN, 'run_params'));
    // op attr: Guild's, but for grun's env (no Guild plugin, PYTHONPATH '.')
    const guildOp = parseYaml11(attrText(SANDBOX_RUN, 'op')) as Record<string, Record<string, unknown>>;
    guildOp['op-cmd']!['cmd-env'] = { FLAGS_DEST: 'globals', GUILD_PLUGINS: '', PROJECT_DIR: cwd, PYTHONPATH: '.' };
    assert.deepEqual(plan.opAttr, guildOp);
    assert.deepEqual(readdirSync(join(home, 'runs')), [], 'planning writes no run');
  });

  test('the planned command really runs the script with the flag values', async () => {
    const cwd = sandbox();
    const plan = await planRun({ home: emptyHome(), cwd, opspec: 'train.py', flagArgs: ['lr=0.2', 'epochs=1'] });
    const out = execFileSync(plan.cmd[0]!, plan.cmd.slice(1), { cwd, encoding: 'utf8', env: { ...process.env, ...plan.env } });
    assert.equal(out, 'epoch: 0\nloss: 2.0000\nacc: 0.0000\nstatus: done\n');
  });

  test('--label and -t, comment; unknown flag and bad value fail before anything is written', async () => {
    const cwd = sandbox();
    const home = emptyHome();
    const plan = await planRun({ home, cwd, opspec: 'train.py', flagArgs: ['lr=0.3'], label: 'best run', tags: ['exp1', 'fast'], comment: 'c1' });
    assert.equal(plan.label, 'best run');
    assert.deepEqual(plan.tags, ['exp1', 'fast', 'model']);
    assert.equal(plan.comment, 'c1');
    assert.equal((plan.opAttr as Record<string, unknown>)['label-template'], 'best run');
    const unlabeled = await planRun({ home, cwd, opspec: 'train.py', flagArgs: ['lr=0.11', 'epochs=1'], tags: ['tagA', 'tagB'] });
    assert.equal(unlabeled.label, 'tagA tagB epochs=1 fail=no lr=0.11 sleep=0.0');
    await assert.rejects(planRun({ home, cwd, opspec: 'train.py', flagArgs: ['lrr=1'] }), {
      message: "unknown flag 'lrr' for train.py: expected one of epochs, fail, lr, sleep",
    });
    await assert.rejects(planRun({ home, cwd, opspec: 'train.py', flagArgs: ['epochs=many'] }), {
      message: "invalid value many for epochs: invalid value for type 'number'",
    });
    assert.deepEqual(readdirSync(join(home, 'runs')), []);
  });

  test('list values are sweeps; planTrial gives each trial its cmd, env and label', async () => {
    const plan = await planRun({ home: emptyHome(), cwd: sandbox(), opspec: 'train.py', flagArgs: ['lr=[0.1,0.2]', 'epochs=2'] });
    assert.deepEqual(plan.sweeps, { lr: { kind: 'list', values: [0.1, 0.2] } });
    assert.deepEqual(plan.flags.lr, [0.1, 0.2]);
    // through JSON, as the supervisor receives it
    const proto = restoreFloatMarks(JSON.parse(JSON.stringify(plan)));
    assert.equal(isMarkedFloat(proto.flags, 'sleep'), true);
    const trial = planTrial(proto, { lr: 0.2 });
    assert.deepEqual(trial.sweeps, {});
    assert.deepEqual(trial.userFlags, {}, 'as Guild writes for trials');
    assert.equal(trial.label, 'epochs=2 fail=no lr=0.2 sleep=0.0');
    assert.equal(encodeYaml(trial.flags), 'epochs: 2\nfail: false\nlr: 0.2\nsleep: 0.0\n');
    assert.deepEqual(trial.cmd.slice(-8), ['--epochs', '2', '--fail', 'false', '--lr', '0.2', '--sleep', '0.0']);
    assert.equal(trial.env.FLAG_LR, '0.2');
    const marked: Record<string, number> = { lr: 1 };
    markFloat(marked, 'lr');
    assert.deepEqual(planTrial(proto, marked).cmd.slice(-4), ['--lr', '1.0', '--sleep', '0.0']);
    assert.throws(() => planTrial(proto, { nope: 1 }), { message: "unknown flag 'nope' for train.py" });
  });

  test('argparse script: args dest, switches; shell and node scripts take any flag', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'a.py'), 'import argparse\np = argparse.ArgumentParser()\np.add_argument("--n", type=int, default=1)\np.add_argument("--v", action="store_true")\np.parse_args()\n');
    writeFileSync(join(cwd, 'run.sh'), 'echo "$@"\n');
    writeFileSync(join(cwd, 'run.mjs'), 'console.log(process.argv.slice(2).join(" "))\n');
    const home = emptyHome();
    const a = await planRun({ home, cwd, opspec: 'a.py', flagArgs: ['v=yes', 'n=4'] });
    assert.deepEqual(a.cmd.slice(1), ['-u', join(HELPERS_DIR, 'globals_main.py'), '--args', 'a.py', '--n', '4', '--v']);
    assert.equal(a.flagsDest, 'args');
    assert.deepEqual(a.tags, []);
    const sh = await planRun({ home, cwd, opspec: 'run.sh', flagArgs: ['x=1', 'name=abc'] });
    assert.match(sh.cmd[0]!, /\/bash$/);
    assert.deepEqual(sh.cmd.slice(1), ['run.sh', '--name', 'abc', '--x', '1']);
    assert.equal(sh.env.FLAG_X, '1');
    assert.equal(sh.env.PYTHONPATH, undefined);
    const node = await planRun({ home, cwd, opspec: 'run.mjs', flagArgs: ['k=v'] });
    assert.equal(execFileSync(node.cmd[0]!, node.cmd.slice(1), { cwd, encoding: 'utf8' }), '--k v\n');
    const elsewhere = tempDir();
    writeFileSync(join(elsewhere, 'job.py'), 'n = 1\n');
    const abs = await planRun({ home, cwd, opspec: join(elsewhere, 'job.py'), flagArgs: [] });
    assert.deepEqual([abs.opref.pkgName, abs.opref.opName, abs.sourcecode], [elsewhere, 'job.py', { root: elsewhere, files: ['job.py'] }]);
    await assert.rejects(planRun({ home, cwd, opspec: 'nope.py', flagArgs: [] }), {
      message: `cannot find operation 'nope.py' in ${cwd}: expected one of a.py, run.mjs, run.sh`,
    });
  });
});

describe('planRun: the fixture mnist guild.yml project', () => {
  /** A completed prepare run of `project`, as Guild lays one out. */
  function addPrepareRun(home: string, project: string, id: string, started: number): void {
    const hash = createHash('md5').update(readFileSync(join(project, 'guild.yml'))).digest('hex');
    const run = join(home, 'runs', id);
    mkdirSync(join(run, '.guild/attrs'), { recursive: true });
    writeFileSync(join(run, '.guild/opref'), `guildfile:${project}/guild.yml ${hash} '' prepare`);
    writeFileSync(join(run, '.guild/attrs/started'), `${started}\n`);
    writeFileSync(join(run, '.guild/attrs/exit_status'), '0\n');
    writeFileSync(join(run, 'data.txt'), '0\n1\n');
  }

  test('prepare: guildfile opref, python -um main, args dest', async () => {
    const cwd = mnist();
    const plan = await planRun({ home: emptyHome(), cwd, opspec: 'prepare', flagArgs: [] });
    assert.deepEqual(plan.opref, { pkgType: 'guildfile', pkgName: join(cwd, 'guild.yml'), pkgVersion: '8cfb770a1ed28f6ccd4dac912c4a1850', modelName: '', opName: 'prepare' });
    assert.equal(encodeYaml(plan.flags), attrText(MNIST_PREPARE, 'flags'));
    assert.deepEqual(plan.cmd.slice(3), ['--args', '--module', 'prepare', '--size', '10']);
    assert.equal(plan.env.GUILD_OP, 'prepare');
    assert.equal(plan.label, 'size=10');
    assert.deepEqual(plan.tags, []);
    assert.deepEqual(plan.sourcecode!.files, ['guild.yml', 'prepare.py', 'train.py']);
  });

  test('train: depends on the latest prepare run; flags, label, deps and op attr as Guild', async () => {
    const cwd = mnist();
    const home = emptyHome();
    const older = 'aaaa0000000000000000000000000001';
    const newer = 'bbbb0000000000000000000000000002';
    addPrepareRun(home, cwd, older, 1795344680091582);
    addPrepareRun(home, cwd, newer, 1795344683288805);
    const plan = await planRun({ home, cwd, opspec: 'train', flagArgs: ['lr=0.05', 'epochs=2'] });
    assert.deepEqual(plan.flags, { epochs: 2, lr: 0.05, 'operation:prepare': newer, optimizer: 'adam' });
    assert.deepEqual(plan.userFlags, { epochs: 2, lr: 0.05 });
    assert.equal(plan.label, `epochs=2 lr=0.05 operation:prepare=${newer} optimizer=adam`);
    assert.deepEqual(plan.cmd.slice(3), ['--args', '--module', 'train', '--epochs', '2', '--lr', '0.05', '--optimizer', 'adam']);
    assert.equal(plan.env.FLAG_OPERATION_PREPARE, newer);
    assert.deepEqual(plan.deps.map((d) => [d.name, d.kind === 'operation' && d.runId, d.kind === 'operation' && d.links.map((l) => [l.target, l.linkTarget])]), [
      ['operation:prepare', newer, [['data.txt', `../${newer}/data.txt`]]],
    ]);
    assert.deepEqual(plan.outputScalars, [{ step: 'Epoch (\\step)' }, '(\\key)=(\\value)']);
    const guildOp = parseYaml11(attrText(MNIST_TRAIN, 'op')) as Record<string, any>;
    guildOp.deps[0].config['operation:prepare'] = newer;
    guildOp.deps[0].location = cwd;
    guildOp['op-cmd']['cmd-env'] = { FLAGS_DEST: 'args', GUILD_PLUGINS: '', PROJECT_DIR: cwd, PYTHONPATH: '.' };
    assert.deepEqual(plan.opAttr, guildOp);
    const guildDeps = attrText(MNIST_TRAIN, 'deps').replaceAll('5fe4ccc3174c4c9e9a212c98a4f108ec', newer);
    assert.equal(encodeYaml(plan.depsAttr), guildDeps);
    // prepare=PREFIX picks another run; the flag records the full id
    const pinned = await planRun({ home, cwd, opspec: 'train', flagArgs: ['prepare=aaaa'] });
    assert.equal(pinned.flags['operation:prepare'], older);
    assert.deepEqual(pinned.userFlags, { 'operation:prepare': older });
  });

  test('a staged upstream run counts only when staging', async () => {
    const cwd = mnist();
    const home = emptyHome();
    addPrepareRun(home, cwd, 'dddd0000000000000000000000000004', 1);
    addPrepareRun(home, cwd, 'eeee0000000000000000000000000005', 2);
    const staged = join(home, 'runs/eeee0000000000000000000000000005/.guild');
    rmSync(join(staged, 'attrs/exit_status'));
    writeFileSync(join(staged, 'STAGED'), '');
    const plain = await planRun({ home, cwd, opspec: 'train', flagArgs: [] });
    assert.equal((plain.deps[0] as ResolvedOperationDep).runId, 'dddd0000000000000000000000000004');
    const stage = await planRun({ home, cwd, opspec: 'train', flagArgs: [], runParams: { stage: true } });
    assert.equal((stage.deps[0] as ResolvedOperationDep).runId, 'eeee0000000000000000000000000005');
    assert.equal((stage.runParams as Record<string, unknown>).stage, true);
  });

  test('guild.yml validation: min/max, choices, int', async () => {
    const cwd = mnist();
    const home = emptyHome();
    addPrepareRun(home, cwd, 'cccc0000000000000000000000000003', 1);
    for (const [arg, message] of [
      ['lr=2', 'invalid value 2 for lr: out of range (greater than max 1)'],
      ['lr=0.00001', 'invalid value 0.00001 for lr: out of range (less than min 0.0001)'],
      ['optimizer=rmsprop', 'invalid value rmsprop for optimizer: expected one of adam, sgd'],
      ['epochs=1.5', "invalid value 1.5 for epochs: invalid value for type 'int'"],
    ]) {
      await assert.rejects(planRun({ home, cwd, opspec: 'train', flagArgs: [arg!] }), { name: 'GrunError', message: message! });
    }
    // a dependency without a run is the plan's failure, for the launch service to record
    const unresolved = await planRun({ home: emptyHome(), cwd, opspec: 'train', flagArgs: [] });
    assert.deepEqual(unresolved.depFailure, {
      dep: 'operation:prepare',
      message: "run failed because a dependency was not met: could not resolve 'operation:prepare' in operation:prepare resource: no suitable run for prepare",
      warnings: ["cannot find a suitable run for required resource 'operation:prepare'"],
    });
    assert.ok(!('operation:prepare' in unresolved.flags), 'no flag for a dependency without a run (Guild)');
    // a pipeline is planned too: its steps checked, their dependencies left to run time
    assert.deepEqual((await planRun({ home, cwd, opspec: 'pipeline', flagArgs: [] })).steps, ['prepare size=5', { run: 'train', flags: { lr: 0.1 } }]);
  });
});
