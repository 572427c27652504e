import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/home.js';
import { parseYaml11 } from '../../src/store/yaml11.js';
import { loadRun } from '../../src/store/index.js';
import { attr, grun, project, waitFor } from './engine-helpers.js';

const runDirs = (home: string): string[] => readdirSync(join(home, 'runs')).map((id) => join(home, 'runs', id));
const isParent = (dir: string): boolean => existsSync(join(dir, '.guild/proto'));
const yamlAttr = (dir: string, name: string): Record<string, unknown> => parseYaml11(attr(dir, name)!) as Record<string, unknown>;

/** The loss a trial of quad.py prints: its minimum 0 at x=0.3, y=-0.2. */
const quad = (x: number, y: number) => (x - 0.3) ** 2 + (y + 0.2) ** 2;

describe('searches that learn and prune (CLI, real processes)', () => {
  test('-o gp --minimize loss --max-trials 12: distinct trials, the best recorded on the batch run', async () => {
    const cwd = project({ 'quad.py': 'x = 0.5\ny = 0.5\nprint("loss: %f" % ((x - 0.3) ** 2 + (y + 0.2) ** 2))\n' });
    const home = tempDir('grun-gp-home-');
    const r = await grun(
      ['run', 'quad.py', 'x=uniform[-1.0:1.0]', 'y=uniform[-1.0:1.0]', '-o', 'gp', '--minimize', 'loss', '--max-trials', '12', '--max-parallel', '2', '--random-seed', '5', '-y'],
      { cwd, home },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const dirs = runDirs(home);
    const parent = dirs.find(isParent)!;
    const children = dirs.filter((d) => !isParent(d));
    assert.equal(children.length, 12);
    assert.match(readFileSync(join(parent, '.guild/opref'), 'utf8'), /skopt gp/);
    const flags = children.map((d) => yamlAttr(d, 'flags') as { x: number; y: number });
    assert.equal(new Set(flags.map((f) => `${f.x},${f.y}`)).size, 12, 'no point proposed twice');
    const losses = flags.map((f) => quad(f.x, f.y));
    const best = yamlAttr(parent, 'grun-best') as { run: string; value: number };
    assert.ok(Math.abs(best.value - Math.min(...losses)) < 1e-5, `best ${best.value} vs ${Math.min(...losses)}`);
    assert.ok(best.value < 0.05, `the gp found loss ${best.value}`);
    const opt = yamlAttr(parent, 'grun-optimizer') as { name: string; objective: string; settings: Record<string, unknown> };
    assert.equal(opt.name, 'gp');
    assert.equal(opt.objective, 'minimize loss');
    assert.equal(opt.settings['acq-func'], 'EI');
    // the value as a 32-bit float reads: its shortest decimal
    const said = new RegExp(`Best trial ${best.run}: loss = (\\S+)\n`).exec(r.stdout)?.[1];
    assert.equal(Math.fround(Number(said)), Math.fround(best.value), r.stdout);
    assert.ok(said!.replace(/e.*$|[-.]/g, '').replace(/^0+/, '').length <= 9, `at most 9 significant digits: ${said}`);
  });

  test('--prune median stops a trial worse than the median; it ends terminated with the reason in runs info', async () => {
    // a=3 is worse at every step and slower, so it is judged against the finished a=0 curve
    const cwd = project({
      'curve.py': 'import time\na = 0.0\nfor step in range(1, 21):\n    time.sleep(0.05 + 0.1 * a)\n    print("step: %d" % step)\n    print("loss: %f" % (a + 1.0 / step), flush=True)\n',
    });
    const home = tempDir('grun-prune-home-');
    const r = await grun(
      ['run', 'curve.py', 'a=[0.0,3.0]', '--prune', 'median', '--prune-flag', 'warmup-steps=2', '--prune-flag', 'startup-trials=1', '--minimize', 'loss', '--max-parallel', '2', '-y'],
      { cwd, home },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const children = runDirs(home).filter((d) => !isParent(d));
    const bad = children.find((d) => (yamlAttr(d, 'flags') as { a: number }).a === 3)!;
    const good = children.find((d) => d !== bad)!;
    assert.equal(attr(good, 'exit_status')?.trim(), '0');
    const reason = readFileSync(join(bad, '.guild/grun-pruned'), 'utf8').trim();
    assert.match(reason, /^pruned at step (\d+): loss 3\.\d+ > median 0\.\d+$/);
    const step = Number(/step (\d+)/.exec(reason)![1]);
    assert.ok(step >= 2 && step < 20, `pruned after the warm-up and before its end (step ${step})`);
    const info = await grun(['runs', 'info', bad.split('/').pop()!], { cwd, home });
    assert.match(info.stdout, /^status: terminated$/m);
    assert.match(info.stdout, new RegExp(`^pruned: ${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    // what the dashboard reads: the trial's reason, the batch's search and best trial
    assert.equal(loadRun(bad).pruned, reason);
    const batch = loadRun(runDirs(home).find(isParent)!);
    assert.deepEqual(batch.search, { optimizer: 'random', objective: 'minimize loss', best: { run: good.split('/').pop(), value: batch.search!.best!.value } });
    assert.ok(Math.abs(batch.search!.best!.value - 0.05) < 1e-6);
  });

  test("guild.yml optimizers: --optimize takes the operation's default section and its settings", async () => {
    const cwd = project({
      'quad.py': 'x = 0.5\nprint("loss: %f" % x)\n',
      'guild.yml': 'quad:\n  main: quad\n  flags:\n    x: 0.5\n  optimizers:\n    fast:\n      algorithm: tpe\n      default: yes\n      random-starts: 2\n',
    });
    const home = tempDir('grun-gy-home-');
    const r = await grun(['run', 'quad', 'x=uniform[0.0:1.0]', '--optimize', '-m', '3', '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const parent = runDirs(home).find(isParent)!;
    const opt = yamlAttr(parent, 'grun-optimizer') as { name: string; objective: string; settings: Record<string, unknown> };
    assert.equal(opt.name, 'tpe');
    assert.equal(opt.settings['random-starts'], 2);
    assert.equal(opt.objective, 'minimize loss', "Guild's default objective");
    assert.equal(runDirs(home).length, 4);
  });

  test('forest and gbrt are refused naming the optimizers that work; bad columns named', async () => {
    const cwd = project({ 'quad.py': 'x = 0.5\nprint("loss: %f" % x)\n' });
    const home = tempDir('grun-refuse-home-');
    const forest = await grun(['run', 'quad.py', 'x=uniform[0.0:1.0]', '-o', 'forest', '-y'], { cwd, home });
    assert.notEqual(forest.code, 0);
    assert.match(forest.stderr, /optimizer 'forest' is not available in grun: use gp \(bayesian, gaussian\), tpe or random/);
    const col = await grun(['run', 'quad.py', 'x=uniform[0.0:1.0]', '-o', 'tpe', '--minimize', 'best of loss', '-y'], { cwd, home });
    assert.notEqual(col.code, 0);
    assert.match(col.stderr, /invalid column 'best of loss' for --minimize/);
    assert.ok(!existsSync(join(home, 'runs')) || readdirSync(join(home, 'runs')).length === 0, 'nothing written');
  });
});

describe("guild.yml optimizers that are operations of the project (Guild's custom optimizers)", () => {
  const guildYml = [
    'train:',
    '  exec: echo train',
    '  flags:',
    '    lr: 0.1',
    '  optimizers:',
    '    quick: tune',
    '    careful:',
    '      algorithm: tune',
    '      default: yes',
    '      depth: 3',
    'probe:',
    '  exec: echo probe',
    '  optimizer:',
    '    algorithm: tune',
    '    depth: 5',
    'plain:',
    '  exec: echo plain',
    '  optimizers: [tune, scan]',
    'tune:',
    '  exec: echo tune ${flag_args}',
    '  default-max-trials: 4',
    '  flags:',
    '    depth: 1',
    '    width: 2',
    'scan:',
    '  exec: echo scan',
    '',
  ].join('\n');

  test('-O, -o NAME and -Fo run the optimizer operation as the batch of the operation, with its prototype and max trials', async () => {
    const cwd = project({ 'guild.yml': guildYml });
    const home = tempDir('grun-optop-home-');
    const run = (...args: string[]) => grun(['run', ...args, '-y'], { cwd, home });
    const latest = () => runDirs(home).sort((a, b) => Number(attr(b, 'started')) - Number(attr(a, 'started')))[0]!;
    let r = await run('train', '-O');
    assert.equal(r.stdout, 'tune --depth 3 --width 2\n', r.stderr);
    const batch = latest();
    assert.match(readFileSync(join(batch, '.guild/opref'), 'utf8'), / tune\n?$/);
    assert.match(readFileSync(join(batch, '.guild/proto/.guild/opref'), 'utf8'), / train\n?$/);
    assert.deepEqual(yamlAttr(join(batch, '.guild/proto'), 'flags'), { lr: 0.1 });
    assert.equal(attr(batch, 'max_trials')?.trim(), '4', "the optimizer's default-max-trials");
    const list = await grun(['runs', '-s'], { cwd, home });
    assert.match(list.stdout, /^\[1\] {2}train\+tune {2}completed {2}depth=3 width=2$/m);
    assert.equal((await run('train', '-o', 'quick', '-Fo', 'width=9', '-m', '2')).stdout, 'tune --depth 1 --width 9\n');
    assert.equal(attr(latest(), 'max_trials')?.trim(), '2');
    assert.equal((await run('probe', '-O', '-Fo', 'depth=6')).stdout, 'tune --depth 6 --width 2\n', 'optimizer: is the default');
    assert.equal((await run('train', '-o', 'scan')).stdout, 'scan\n', 'any operation may be the optimizer');
    r = await run('plain', '-O');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "grun: no default optimizer defined for plain\nSpecify one of the following with '--optimizer': scan, tune\n");
    r = await run('plain', '-o', 'nothing-here');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "grun: operation 'nothing-here' is not defined for this project\nTry 'grun operations' for a list of available operations.\n");
  });

  test('a restart keeps the batch run\'s max trials unless given; --max-trials on one run is ignored with a warning', async () => {
    const cwd = project({ 'guild.yml': guildYml });
    const home = tempDir('grun-optop-restart-home-');
    assert.equal((await grun(['run', 'plain', '-o', 'tune', '-m', '1', '-y'], { cwd, home })).code, 0);
    const [batch] = runDirs(home);
    const id = batch!.split('/').pop()!;
    assert.equal((await grun(['run', '--restart', id, '-y'], { cwd, home })).code, 0);
    assert.equal(attr(batch!, 'max_trials')?.trim(), '1');
    assert.equal((await grun(['run', '--restart', id, '--max-trials', '2', '-y'], { cwd, home })).code, 0);
    assert.equal(attr(batch!, 'max_trials')?.trim(), '2');
    assert.deepEqual(runDirs(home), [batch]);
    const one = await grun(['run', 'plain', '--max-trials', '3', '-y'], { cwd, home });
    assert.equal(one.code, 0);
    assert.equal(one.stderr, 'WARNING: not a batch run - ignoring --max-trials\n');
    assert.equal(one.stdout, 'plain\n');
    assert.ok(runDirs(home).every((d) => d === batch || attr(d, 'max_trials') === null));
  });
});

describe('a search waits for each trial to be over', () => {
  test('a trial that reads ended before its supervisor settled: no trial beside it, the batch ends after it', async () => {
    // Each trial records its own exit status, then goes on 1.5 s: the moment between a
    // supervisor's `exit_status` and its `stopped`, made long enough to be seen every time.
    const cwd = project({
      'early.py':
        'import os, time\nx = 0.5\nprint("loss: %f" % x, flush=True)\n' +
        'open(os.path.join(os.environ["RUN_DIR"], ".guild", "attrs", "exit_status"), "w").write("0\\n")\ntime.sleep(1.5)\n',
    });
    const home = tempDir('grun-search-settle-home-');
    const r = await grun(['run', 'early.py', 'x=uniform[0.0:1.0]', '-o', 'tpe', '-m', '2', '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const parent = runDirs(home).find(isParent)!;
    const children = runDirs(home).filter((d) => !isParent(d));
    assert.equal(children.length, 2);
    await waitFor('the trials\' supervisors to end', () => children.every((d) => !existsSync(join(d, '.guild/LOCK'))), 30_000);
    const times = (d: string) => ({ started: Number(attr(d, 'started')), stopped: Number(attr(d, 'stopped')) });
    const [a, b] = children.map(times).sort((p, q) => p.started - q.started);
    assert.ok(b!.started >= a!.stopped, 'one trial at a time (--max-parallel 1): the second starts after the first is over');
    assert.ok(Number(attr(parent, 'stopped')) >= b!.stopped, 'the batch ends after its last trial');
  });
});

describe('a search in the background', () => {
  const quadPy = 'import time\nx = 0.5\ntime.sleep(0.2)\nprint("loss: %f" % ((x - 0.3) ** 2))\n';

  test('--background returns at once; a detached grun drives the trials, the batch ends after the last one', async () => {
    const cwd = project({ 'quad.py': quadPy });
    const home = tempDir('grun-bg-search-home-');
    const r = await grun(['run', 'quad.py', 'x=uniform[0.0:1.0]', '-o', 'tpe', '-m', '4', '--background', '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Batch (\w+): tpe search of quad\.py, 4 trials, minimizing loss\nSearching in the background \(pid \d+\)\n$/);
    const parent = runDirs(home).find(isParent)!;
    await waitFor('the search to end', () => !existsSync(join(parent, '.guild/grun-search')) && attr(parent, 'exit_status') !== null, 60_000);
    const children = runDirs(home).filter((d) => !isParent(d));
    assert.equal(children.length, 4);
    assert.deepEqual(children.map((d) => attr(d, 'exit_status')?.trim()), ['0', '0', '0', '0']);
    assert.equal(attr(parent, 'exit_status')?.trim(), '0');
    // recorded by the search at its end, not by the first trial to end
    const lastChild = Math.max(...children.map((d) => Number(attr(d, 'stopped'))));
    assert.ok(Number(attr(parent, 'stopped')) >= lastChild, 'the batch ends after its last trial');
    const best = yamlAttr(parent, 'grun-best') as { run: string };
    assert.ok(children.some((d) => d.endsWith(best.run)));
    const output = readFileSync(join(parent, '.guild/output'), 'utf8');
    assert.equal(output.match(/^INFO: \[grun\] Running trial \w+ \(\d\/4\)/gm)?.length, 4, output);
    assert.match(output, new RegExp(`^Best trial ${best.run}: loss = `, 'm'));
  });

  test('stopping the batch run stops the search: no trial after it, the batch terminated', async () => {
    const cwd = project({ 'slow.py': 'import time\nx = 0.5\nfor i in range(100):\n    time.sleep(0.1)\nprint("loss: %f" % x)\n' });
    const home = tempDir('grun-bg-search-stop-home-');
    const r = await grun(['run', 'slow.py', 'x=uniform[0.0:1.0]', '-o', 'gp', '-m', '6', '--background', '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr);
    const parent = runDirs(home).find(isParent)!;
    await waitFor('a trial to run', () => runDirs(home).some((d) => !isParent(d) && existsSync(join(d, '.guild/LOCK'))), 30_000);
    const stop = await grun(['stop', parent.split('/').pop()!, '-y'], { cwd, home });
    assert.equal(stop.code, 0, stop.stderr);
    await waitFor('the search to end', () => !existsSync(join(parent, '.guild/grun-search')), 30_000);
    const children = runDirs(home).filter((d) => !isParent(d));
    assert.equal(children.length, 1, 'no trial proposed after the stop');
    assert.equal(attr(children[0]!, 'exit_status')?.trim(), '-15');
    assert.equal(attr(parent, 'exit_status')?.trim(), '-15');
  });
});

describe('a search from a grun submit definition', () => {
  test('"search" searches the params\' values instead of running them all; bad keys are named', async () => {
    const cwd = project({ 'quad.py': 'x = 0.5\ny = 0\nprint("loss: %f" % ((x - 0.3) ** 2 + y))\n' });
    const home = tempDir('grun-submit-search-home-');
    const def = {
      workflow: 'quad.py',
      seed: 7,
      params: { x: { from: 0.0, to: 1.0, step: 0.1 }, y: 2 },
      search: { optimizer: 'tpe', minimize: 'loss', 'max-trials': 5, 'opt-flags': { 'random-starts': 2 } },
    };
    const r = await grun(['submit', JSON.stringify(def), '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^Batch \w+: tpe search of quad\.py, 5 trials, minimizing loss\nSearching in the background/m, 'submit goes to the background');
    const parent = runDirs(home).find(isParent)!;
    await waitFor('the search to end', () => attr(parent, 'exit_status') !== null, 60_000);
    const children = runDirs(home).filter((d) => !isParent(d));
    assert.equal(children.length, 5, 'five of the eleven values tried');
    const flags = children.map((d) => yamlAttr(d, 'flags') as { x: number; y: number });
    assert.ok(flags.every((f) => f.y === 2), 'a single value stays fixed');
    assert.equal(new Set(flags.map((f) => f.x)).size, 5);
    assert.ok(flags.every((f) => Math.round(f.x * 10) === f.x * 10 && f.x >= 0 && f.x <= 1), 'only the range\'s values');
    const opt = yamlAttr(parent, 'grun-optimizer') as { name: string; settings: Record<string, unknown> };
    assert.equal(opt.name, 'tpe');
    assert.equal(opt.settings['random-starts'], 2);

    const bad = await grun(['submit', JSON.stringify({ ...def, repeat: 2, search: { optimiser: 'gp', 'max-trials': 0 } }), '-y'], { cwd, home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /search\.optimiser: unknown field \(expected one of optimizer, minimize, maximize, max-trials, prune, opt-flags, prune-flags\)/);
    assert.match(bad.stderr, /search\.max-trials: must be an integer >= 1, got 0/);
    assert.match(bad.stderr, /search: a search runs each point once: drop repeat/);
    assert.equal(runDirs(home).length, 6, 'nothing written');
  });
});
