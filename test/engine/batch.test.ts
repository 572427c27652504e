import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  createGuildSweep,
  createSubmission,
  finalizeParentIfDone,
} from '../../src/engine/batch.js';
import { runMetadata, withChildren } from '../../src/engine/run-family.js';
import { planOperation, planRun } from '../../src/engine/plan.js';
import { expandRuns } from '../../src/engine/sweep/expand.js';
import { resolveRunDefinition } from '../../src/engine/sweep/rundef.js';
import { childSeeds } from '../../src/engine/sweep/seeds.js';
import { editRun } from '../../src/engine/edits.js';
import { writeAttr } from '../../src/store/attrs.js';
import { listRuns, loadRun } from '../../src/store/index.js';
import type { RunStatus } from '../../src/store/types.js';
import { emptyHome } from '../helpers/home.js';
import { geoiProject, SEED_EXAMPLE } from '../e2e/sweep-helpers.js';
import { aggregateStatus } from '../../src/store/status.js';

const attrText = (dir: string, name: string): string => readFileSync(join(dir, '.guild/attrs', name), 'utf8');

async function submitExample(home: string, cwd: string, text = SEED_EXAMPLE) {
  const proto = (await planOperation(home, cwd, 'geoi'))!;
  const def = resolveRunDefinition({ kind: 'json', text }, {}, () => ({ flags: proto.flagDefs }));
  return createSubmission(home, proto, expandRuns(def), { owner: 'alice' });
}

/** Ends a staged run as its supervisor would have. */
function endRun(dir: string, exitStatus: number): void {
  rmSync(join(dir, '.guild/STAGED'));
  writeAttr(dir, 'exit_status', exitStatus);
  writeAttr(dir, 'stopped', 1);
}

describe('aggregateStatus (Accio parent status)', () => {
  const cases: [RunStatus[], RunStatus][] = [
    [['staged', 'staged'], 'staged'],
    [['running', 'staged'], 'running'],
    [['completed', 'staged'], 'running'],
    [['completed', 'pending'], 'running'],
    [['pending', 'staged'], 'pending'],
    [['pending', 'pending'], 'pending'],
    [['completed', 'completed'], 'completed'],
    [['completed', 'terminated', 'error'], 'terminated'],
    [['completed', 'error'], 'error'],
    [[], 'error'],
  ];
  for (const [children, expected] of cases) {
    test(`${children.join(',') || 'no children'} -> ${expected}`, () => assert.equal(aggregateStatus(children), expected));
  }
});

describe('grun submit: an Accio definition as a Guild batch', () => {
  test('the seed example: one parent, 36 staged children with proto, links, seeds and names', async () => {
    const home = emptyHome();
    const created = await submitExample(home, geoiProject());
    const parent = created.parent!;
    assert.equal(created.children.length, 36);
    assert.equal(readdirSync(join(home, 'runs')).length, 37);
    // Guild's batch layout: builtin opref, proto with the swept values, one relative link per child
    assert.equal(readFileSync(join(parent.dir, '.guild/opref'), 'utf8'), "builtin:guildai 0.9.1 '' +");
    assert.equal(
      attrText(join(parent.dir, '.guild/proto'), 'flags'),
      'epsilon:\n- 1.0e-05\n- 0.0001\n- 0.001\n- 0.01\n- 0.1\n- 1.0\nlevel: 15\nuri:\n- /path/to/geolife\n- /path/to/cabspotting\n',
    );
    for (const c of created.children) {
      assert.equal(readlinkSync(join(parent.dir, c.id)), `../${c.id}`);
      assert.equal(readFileSync(join(c.dir, '.guild/grun-parent'), 'utf8'), parent.id);
      assert.ok(existsSync(join(c.dir, '.guild/STAGED')));
    }
    // Metadata on the parent only; seeds drawn from Random(42) in child order, repeats adjacent
    assert.deepEqual(
      ['label', 'tags', 'notes', 'user', 'random_seed'].map((a) => attrText(parent.dir, a)),
      ['Geo-I sweep\n', '- geoi\n- paper\n', 'epsilon by decade\n', 'alice\n', '42\n'],
    );
    const seeds = childSeeds('42', 36);
    created.children.forEach((c, i) => assert.equal(attrText(c.dir, 'random_seed'), `${seeds[i]}\n`));
    assert.match(readFileSync(join(created.children[0]!.dir, '.guild/ENV'), 'utf8'), new RegExp(`^export SEED=${seeds[0]}$`, 'm'));
    const labels = created.children.map((c) => attrText(c.dir, 'label').trim());
    assert.deepEqual(labels.slice(0, 4), ['epsilon=1.0e-05 uri=geolife', 'epsilon=1.0e-05 uri=geolife', 'epsilon=1.0e-05 uri=geolife', 'epsilon=1.0e-05 uri=cabspotting']);
    assert.equal(attrText(created.children[3]!.dir, 'flags'), 'epsilon: 1.0e-05\nlevel: 15\nuri: /path/to/cabspotting\n');
    assert.ok(!existsSync(join(created.children[0]!.dir, '.guild/attrs/tags')), 'a child has no tags of its own');
    // Listing: FIFO order of creation is child order; the parent aggregates its children
    const runs = listRuns(home);
    assert.equal(runs.find((r) => r.id === parent.id)!.status, 'staged');
    assert.equal(withChildren([loadRun(parent.dir)], listRuns(home)).length, 37);
  });

  test('a child reads and edits its parent\'s metadata; the same seed gives the same children', async () => {
    const home = emptyHome();
    const cwd = geoiProject();
    const a = await submitExample(home, cwd);
    const child = a.children[5]!.dir;
    assert.deepEqual(
      { ...runMetadata(child), created: null },
      { from: a.parent!.id, name: 'Geo-I sweep', notes: 'epsilon by decade', tags: ['geoi', 'paper'], owner: 'alice', created: null },
    );
    assert.equal(editRun(child, { kind: 'meta', name: 'renamed', tags: ['x', 'y'] }), a.parent!.dir);
    assert.equal(attrText(a.parent!.dir, 'label'), 'renamed\n');
    assert.equal(attrText(child, 'label'), 'epsilon=1.0e-05 uri=cabspotting\n', "the child's generated name stays");
    assert.deepEqual(runMetadata(child).tags, ['x', 'y']);
    const b = await submitExample(home, cwd);
    const flagsAndSeeds = (s: typeof a) => s.children.map((c) => attrText(c.dir, 'flags') + attrText(c.dir, 'random_seed'));
    assert.deepEqual(flagsAndSeeds(b), flagsAndSeeds(a));
  });

  test('one resulting run is a single run, with its metadata on itself', async () => {
    const home = emptyHome();
    const text = JSON.stringify({ workflow: 'geoi', name: 'one', seed: '-9223372036854775808', params: { epsilon: 0.5, uri: 'u' } });
    const created = await submitExample(home, geoiProject(), text);
    assert.equal(created.parent, null);
    const dir = created.children[0]!.dir;
    assert.equal(attrText(dir, 'label'), 'one\n');
    assert.equal(attrText(dir, 'random_seed'), '-9223372036854775808\n');
    assert.ok(!existsSync(join(dir, '.guild/grun-parent')));
  });

  test("the parent records its children's outcome when the last one ends", async () => {
    const home = emptyHome();
    const text = JSON.stringify({ workflow: 'geoi', seed: 1, params: { epsilon: { values: [1, 2, 3] }, uri: 'u' } });
    const { parent, children } = await submitExample(home, geoiProject(), text);
    endRun(children[0]!.dir, 0);
    assert.equal(finalizeParentIfDone(children[0]!.dir), null);
    assert.equal(listRuns(home).find((r) => r.id === parent!.id)!.status, 'running');
    endRun(children[1]!.dir, -15);
    endRun(children[2]!.dir, 1);
    assert.equal(finalizeParentIfDone(children[2]!.dir), 'terminated');
    assert.equal(attrText(parent!.dir, 'exit_status'), '-15\n');
    assert.ok(!existsSync(join(parent!.dir, '.guild/PENDING')));
    assert.equal(loadRun(parent!.dir).status, 'terminated', 'Guild\'s own rules now give the same status');
  });
});

test('an operation with a seed flag gets each run\'s seed in it, unless the user set one', async () => {
  const home = emptyHome();
  const cwd = geoiProject();
  const proto = (await planOperation(home, cwd, 'sim'))!;
  const submit = (params: Record<string, unknown>) => {
    const text = JSON.stringify({ workflow: 'sim', seed: 42, repeat: 2, params });
    return createSubmission(home, proto, expandRuns(resolveRunDefinition({ kind: 'json', text }, {}, () => ({ flags: proto.flagDefs }))));
  };
  const seeds = childSeeds('42', 2);
  assert.deepEqual(
    submit({}).children.map((c) => attrText(c.dir, 'flags')),
    seeds.map((s) => `seed: '${s}'\nsize: 1\n`),
  );
  assert.ok(attrText(submit({}).children[0]!.dir, 'cmd').includes(`- '${seeds[0]}'`), 'the exact digits on the command line');
  assert.deepEqual(submit({ seed: 7 }).children.map((c) => attrText(c.dir, 'flags')), ['seed: 7\nsize: 1\n', 'seed: 7\nsize: 1\n']);
});

describe('grun run OP lr=[…]: Guild-syntax sweeps', () => {
  async function trainPlan(home: string, flagArgs: string[]) {
    return planRun({ home, cwd: geoiProject(), opspec: 'train', flagArgs });
  }

  test('a grid makes one trial per combination; a successful batch goes to the trash without --keep-batch', async () => {
    const home = emptyHome();
    const plan = await trainPlan(home, ['lr=[0.1,0.2]', 'epochs=[1,2]']);
    const { parent, children } = createGuildSweep(plan, { home, randomSeed: '7' });
    assert.equal(loadRun(parent!.dir).operation, 'train+');
    assert.deepEqual(
      children.map((c) => attrText(c.dir, 'flags')),
      ['epochs: 1\nlr: 0.1\n', 'epochs: 1\nlr: 0.2\n', 'epochs: 2\nlr: 0.1\n', 'epochs: 2\nlr: 0.2\n'],
    );
    assert.equal(attrText(join(parent!.dir, '.guild/proto'), 'flags'), 'epochs:\n- 1\n- 2\nlr:\n- 0.1\n- 0.2\n');
    for (const c of children) endRun(c.dir, 0);
    assert.equal(finalizeParentIfDone(children[3]!.dir), 'completed');
    assert.ok(existsSync(join(home, 'trash/runs', parent!.id)) && !existsSync(parent!.dir));
  });

  test('-m samples a grid and -o random draws trials, both reproducible from the seed', async () => {
    const home = emptyHome();
    const plan = await trainPlan(home, ['lr=[0.1,0.2,0.3,0.4]', 'epochs=[1,2]']);
    const flagsOf = (s: ReturnType<typeof createGuildSweep>) => s.children.map((c) => attrText(c.dir, 'flags'));
    const a = createGuildSweep(plan, { home, maxTrials: 3, randomSeed: '5', keepBatch: true });
    assert.equal(a.children.length, 3);
    assert.equal(attrText(a.parent!.dir, 'max_trials'), '3\n');
    assert.deepEqual(flagsOf(createGuildSweep(plan, { home, maxTrials: 3, randomSeed: '5' })), flagsOf(a));
    const uniform = await trainPlan(home, ['lr=uniform[0.01:0.99]']);
    const r = createGuildSweep(uniform, { home, maxTrials: 4, randomSeed: '9' });
    assert.equal(loadRun(r.parent!.dir).operation, 'train+skopt:random');
    assert.equal(new Set(flagsOf(r)).size, 4);
    assert.deepEqual(flagsOf(createGuildSweep(uniform, { home, maxTrials: 4, randomSeed: '9' })), flagsOf(r));
  });

  test('a bad trial value fails before any directory exists', async () => {
    const home = emptyHome();
    const plan = await trainPlan(home, ['lr=[0.1,0.2]']);
    assert.throws(() => createGuildSweep(plan, { home, optimizer: 'gp' }), /unsupported optimizer 'gp'/);
    assert.deepEqual(readdirSync(join(home, 'runs')), []);
  });
});
