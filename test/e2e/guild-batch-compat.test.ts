// Batches, labels and stops as a Guild project expects them: the real binary on small projects
// of grun's own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { grun, outputHas, project, SLEEPER, waitFor } from './engine-helpers.js';

/** `[N]  op  status  label` lines of `runs -s`, whitespace collapsed. */
const listing = (home: string, cwd: string): string[] =>
  ok(home, ['runs', '-s'], { cwd })
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' '));

describe('a batch in the background', () => {
  test("runs as the batch's own process: trials pending until it starts them; stopping it stops the running trial and leaves the pending one", async () => {
    const home = emptyHome();
    const cwd = project({ 'nap.py': SLEEPER });
    const r = await grun(['run', 'nap.py', 'steps=[300,301]', '--background', '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr);
    const m = /^nap\.py\+ started in background as ([0-9a-f]{32}) \(pidfile (\S+)\)$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    const [, batchId, pidfile] = m;
    const batchDir = join(home, 'runs', batchId!);
    const pid = Number(readFileSync(pidfile!, 'utf8'));
    assert.ok(existsSync(`/proc/${pid}`), 'the pidfile names the live batch process');
    await waitFor('the first trial to run', () => outputHas(batchDir, 'Running trial'), 30_000);
    assert.deepEqual(listing(home, cwd), ['[1] nap.py running steps=300', '[2] nap.py pending steps=301', '[3] nap.py+ running']);
    const stop = await grun(['stop', batchId!, '-y'], { cwd, home });
    assert.equal(stop.code, 0, stop.stderr);
    assert.deepEqual(listing(home, cwd), ['[1] nap.py terminated steps=300', '[2] nap.py pending steps=301', '[3] nap.py+ terminated']);
    const out = readFileSync(join(batchDir, '.guild', 'output'), 'utf8');
    assert.match(out, /^INFO: \[grun\] Running trial [0-9a-f]{32}: nap\.py \(steps=300\)$/m);
    assert.match(out, /^INFO: \[grun\] Stopping trial [0-9a-f]{32}$/m);
    assert.match(out, /^INFO: \[grun\] Stopping batch \(pending trials can be started as needed\)$/m);
    assert.ok(!existsSync(pidfile!), 'the batch removed the pidfile it was given by grun');
  });
});

describe('a staged batch', () => {
  test('--stage stages the batch run itself (-o + makes one of a single trial); --start makes its trials and runs them', async () => {
    const home = emptyHome();
    const cwd = project({ 'op.py': 'id = 0\nprint("id", id)\n' });
    const staged = await grun(['run', 'op.py', '-o', '+', '--keep-batch', '--stage', '-y'], { cwd, home });
    assert.equal(staged.code, 0, staged.stderr);
    const id = /^op\.py\+ staged as ([0-9a-f]{32})\nTo start the operation, use 'grun run --start \1'\n$/.exec(staged.stdout)?.[1];
    assert.ok(id, staged.stdout);
    assert.deepEqual(listing(home, cwd), ['[1] op.py+ staged']);
    const started = await grun(['run', '--start', id, '-y'], { cwd, home });
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^INFO: \[grun\] Running trial [0-9a-f]{32}: op\.py \(id=0\)\nid 0\n$/);
    assert.deepEqual(listing(home, cwd), ['[1] op.py completed id=0', '[2] op.py+ completed']);

    // a sweep staged, then started in the background: the batch's own process runs its trials
    const sweep = await grun(['run', 'op.py', 'id=[1,2]', '--keep-batch', '--stage', '-y'], { cwd, home });
    assert.equal(sweep.code, 0, sweep.stderr);
    const batchId = /^op\.py\+ staged as ([0-9a-f]{32})$/m.exec(sweep.stdout)![1]!;
    const bg = await grun(['run', '--start', batchId, '--background', '-y'], { cwd, home });
    assert.equal(bg.code, 0, bg.stderr);
    assert.match(bg.stdout, new RegExp(`^op\\.py\\+ started in background as ${batchId} \\(pidfile \\S+\\)\n$`));
    const batchDir = join(home, 'runs', batchId);
    await waitFor('the batch to end', () => existsSync(join(batchDir, '.guild', 'attrs', 'exit_status')), 30_000);
    const runs = listing(home, cwd);
    assert.deepEqual(runs.slice(0, 2).sort(), ['[1] op.py completed id=2', '[2] op.py completed id=1']);
    assert.ok(runs.includes('[5] op.py+ completed'), runs.join('\n'));
  });
});

describe('a batch in the foreground', () => {
  const cwd = (): string =>
    project({
      'guild.yml': [
        'up:',
        '  main: up',
        '  flags:',
        '    lr: 0.1',
        'down:',
        '  main: down',
        '  flags:',
        '    seed: 1',
        '  requires:',
        '    - operation: up',
        '  label: up=${operation:up} seed=${seed}',
        '',
      ].join('\n'),
      'up.py': 'lr = 0.1\nprint("lr", lr)\n',
      'down.py': 'seed = 1\nprint("seed", seed)\n',
    });

  test("what the trials print is the batch run's output too, as Guild's batch run keeps it (--keep-batch)", async () => {
    const home = emptyHome();
    const dir = cwd();
    const r = await grun(['run', 'up', 'lr=[0.5,0.25]', '--keep-batch', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    const batch = ok(home, ['select', '-Fo', 'up+']).trim();
    const expected = /^INFO: \[grun\] Running trial [0-9a-f]{32}: up \(lr=0\.5\)\nlr 0\.5\nINFO: \[grun\] Running trial [0-9a-f]{32}: up \(lr=0\.25\)\nlr 0\.25\n$/;
    assert.match(r.stdout, expected);
    assert.match(ok(home, ['cat', '--output', batch]), expected);
  });

  test("each trial is named by its flags, floats whole, and says what it resolves, as Guild's batch does", async () => {
    const home = emptyHome();
    const dir = cwd();
    const up = await grun(['run', 'up', 'lr=[0.123456789,0.2]', '-y'], { cwd: dir, home });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^INFO: \[grun\] Running trial [0-9a-f]{32}: up \(lr=0\.123456789\)\nlr 0\.123456789\n/m);
    const upId = ok(home, ['select', '-Fo', 'up']).trim();
    const down = await grun(['run', 'down', 'seed=[1,2]', '-y'], { cwd: dir, home });
    assert.equal(down.code, 0, down.stderr);
    const trial = (seed: number): string =>
      `INFO: \\[grun\\] Running trial [0-9a-f]{32}: down \\(operation:up=${upId}, seed=${seed}\\)\n` +
      `INFO: \\[grun\\] Resolving operation:up\nINFO: \\[grun\\] Using run ${upId} for operation:up\nseed ${seed}\n`;
    assert.match(down.stdout, new RegExp(`^${trial(1)}${trial(2)}$`));
  });

  test('a label template naming a flag without a value (a dependency never resolved) leaves it empty', async () => {
    const home = emptyHome();
    const dir = cwd();
    const down = await grun(['run', 'down', '-y'], { cwd: dir, home });
    assert.equal(down.code, 1);
    assert.deepEqual(listing(home, dir), ['[1] down error up= seed=1']);
  });
});

describe('a run in the background and its stop', () => {
  const STUBBORN = [
    'import signal, time',
    'signal.signal(signal.SIGTERM, lambda *a: print("NO", flush=True))',
    'print("ready", flush=True)',
    'for _ in range(300):',
    '    time.sleep(0.1)',
    '',
  ].join('\n');

  test('has a pidfile of its own unless given one; a run that does not stop in time is named, and --force ends it', async () => {
    const home = emptyHome();
    const cwd = project({ 'stubborn.py': STUBBORN });
    const r = await grun(['run', 'stubborn.py', '--background', '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr);
    const m = /^stubborn\.py started in background as ([0-9a-f]{32}) \(pidfile (\S+)\)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const [, id, pidfile] = m;
    const runDir = join(home, 'runs', id!);
    const supervisor = Number(readFileSync(pidfile!, 'utf8'));
    assert.ok(existsSync(`/proc/${supervisor}`), 'the pidfile names the live supervisor');
    await waitFor('the script to be ready', () => outputHas(runDir, 'ready'), 30_000);
    const stop = await grun(['stop', '--timeout', '1', '-y'], { cwd, home });
    assert.equal(stop.code, 1);
    // all on stderr, as Guild says it
    assert.match(stop.stderr, new RegExp(`^Stopping ${id} \\(pid \\d+\\)\\nThe following processes did not stop as expected: \\d+ \\(run ${id}\\)\\nStill running after 1 seconds: use --force to kill it\\n$`));
    const forced = await grun(['stop', '--force', '--timeout', '1', '-y'], { cwd, home });
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(listing(home, cwd), ['[1] stubborn.py terminated']);
    await waitFor('the supervisor to remove its pidfile', () => !existsSync(pidfile!));
  });
});
