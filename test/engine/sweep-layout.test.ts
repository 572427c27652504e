import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachChild, batchOpref, protoDir, writeBatchRun } from '../../src/engine/sweep/batch-layout.js';
import { gridTrials } from '../../src/engine/sweep/guild-sweep.js';
import { writeAttr } from '../../src/store/attrs.js';
import { listRuns } from '../../src/store/index.js';
import { encodeOpref } from '../../src/store/opref.js';
import { guildPath, loadRunSummary } from '../../src/store/run.js';
import type { Opref } from '../../src/store/types.js';
import { emptyHome } from '../helpers/home.js';

const TRAIN: Opref = { pkgType: 'script', pkgName: '/home/alice/sandbox', pkgVersion: '', modelName: '', opName: 'train.py' };

/** A minimal trial run dir as the engine would stage it. */
function writeTrial(home: string, id: string, flags: Record<string, number>, started: number): string {
  const dir = join(home, 'runs', id);
  mkdirSync(guildPath(dir), { recursive: true });
  writeAttr(dir, 'id', id);
  writeAttr(dir, 'initialized', started);
  writeFileSync(guildPath(dir, 'opref'), encodeOpref(TRAIN));
  writeAttr(dir, 'flags', flags);
  writeAttr(dir, 'started', started);
  writeFileSync(guildPath(dir, 'STAGED'), '');
  return dir;
}

describe('a sweep laid out as a Guild batch', () => {
  test('batch oprefs are the ones Guild 0.9.1 writes', () => {
    assert.equal(encodeOpref(batchOpref('grid')), "builtin:guildai 0.9.1 '' +");
    assert.equal(encodeOpref(batchOpref('random')), 'builtin:guildai 0.9.1 skopt random');
  });

  test('parent with proto and trial links reads back as a batch with its children', () => {
    const home = emptyHome();
    const parentId = 'aaaa0000000000000000000000000001';
    const dir = writeBatchRun({
      home,
      id: parentId,
      kind: 'grid',
      initialized: 1795344661298983,
      proto: { opref: TRAIN, attrs: { flags: { epochs: 2, lr: [0.1, 0.2] }, user_flags: { lr: [0.1, 0.2] } } },
      attrs: { label: 'my sweep', tags: ['geoi'], random_seed: 42 },
      maxTrials: 2,
    });
    assert.equal(readFileSync(guildPath(dir, 'opref'), 'utf8'), "builtin:guildai 0.9.1 '' +");
    assert.equal(readFileSync(guildPath(protoDir(dir), 'opref'), 'utf8'), "script:/home/alice/sandbox '' '' train.py");
    assert.equal(readFileSync(guildPath(protoDir(dir), 'attrs', 'flags'), 'utf8'), 'epochs: 2\nlr:\n- 0.1\n- 0.2\n');
    assert.equal(readFileSync(guildPath(protoDir(dir), 'attrs', 'id'), 'utf8'), 'proto\n');
    assert.ok(existsSync(guildPath(protoDir(dir), 'PENDING')));
    assert.equal(readFileSync(guildPath(dir, 'attrs', 'objective'), 'utf8'), 'loss\n');
    assert.equal(readFileSync(guildPath(dir, 'attrs', 'max_trials'), 'utf8'), '2\n');
    assert.equal(readFileSync(guildPath(dir, 'attrs', 'flags'), 'utf8'), '{}\n');

    const trials = gridTrials({ epochs: 2, lr: [0.1, 0.2] }, { lr: { kind: 'list', values: [0.1, 0.2] } });
    const ids = ['bbbb0000000000000000000000000002', 'cccc0000000000000000000000000003'];
    ids.forEach((id, i) => attachChild(dir, writeTrial(home, id, trials[i] as Record<string, number>, 1795344661400000 + i)));
    for (const id of ids) {
      assert.equal(readlinkSync(join(dir, id)), `../${id}`);
      assert.equal(readFileSync(guildPath(join(home, 'runs', id), 'grun-parent'), 'utf8'), parentId);
    }

    const parent = loadRunSummary(dir);
    assert.deepEqual(
      { batch: parent.batch, children: parent.children, operation: parent.operation, label: parent.label, seed: parent.seed, problems: parent.problems },
      { batch: true, children: ids, operation: 'train.py+', label: 'my sweep', seed: '42', problems: [] },
    );
    const child = loadRunSummary(join(home, 'runs', ids[1]!));
    assert.equal(child.parent, parentId);
    assert.deepEqual(child.flags, { epochs: 2, lr: 0.2 });
    const runs = listRuns(home);
    assert.deepEqual(runs.map((r) => r.id).sort(), [parentId, ...ids]);
    assert.deepEqual(runs.filter((r) => r.parent === parentId).map((r) => r.status), ['staged', 'staged']);
  });

  test('a random batch shows as train.py+skopt:random; a taken id is refused and nothing is left', () => {
    const home = emptyHome();
    const spec = {
      home,
      id: 'dddd0000000000000000000000000004',
      kind: 'random' as const,
      initialized: 1,
      proto: { opref: TRAIN, attrs: { flags: { lr: 'loguniform[1e-4:1e-1]' } } },
      maxTrials: 20,
    };
    const dir = writeBatchRun(spec);
    assert.equal(loadRunSummary(dir).operation, 'train.py+skopt:random');
    assert.equal(readFileSync(guildPath(protoDir(dir), 'attrs', 'flags'), 'utf8'), 'lr: loguniform[1e-4:1e-1]\n');
    assert.throws(() => writeBatchRun(spec), /EEXIST/);
    assert.ok(existsSync(guildPath(dir, 'opref')), 'the existing run is untouched');
    assert.throws(() => writeBatchRun({ ...spec, id: 'eeee', proto: { opref: TRAIN, attrs: { 'bad/name': 1 } } }), /invalid attr name/);
    assert.ok(!existsSync(join(home, 'runs', 'eeee')), 'a failed layout leaves no directory');
  });
});
