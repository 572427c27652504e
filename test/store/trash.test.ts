import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listRuns } from '../../src/store/index.js';
import { deleteRuns, purgeRuns, restoreRuns } from '../../src/store/trash.js';
import type { Run } from '../../src/store/types.js';
import { copyFixtureHome } from '../helpers/home.js';

const ID = 'e1cf955019fc498ba318ae5d147456c2';
const TRASHED = '5cc3ae6b0fe44a25a83c9eaa6a0a3a45';

const byId = (runs: Run[], id: string): Run => {
  const r = runs.find((x) => x.id === id);
  assert.ok(r, `run ${id} listed`);
  return r;
};

describe('trash', () => {
  test('delete moves a run to trash/runs, restore moves it back, purge removes it', () => {
    const home = copyFixtureHome();
    const flagsBefore = readFileSync(join(home, 'runs', ID, '.guild/attrs/flags'));
    assert.deepEqual(deleteRuns(home, [byId(listRuns(home), ID)]), [ID]);
    assert.ok(!existsSync(join(home, 'runs', ID)));
    assert.deepEqual(readFileSync(join(home, 'trash/runs', ID, '.guild/attrs/flags')), flagsBefore);
    assert.ok(!listRuns(home).some((r) => r.id === ID));
    const trashed = listRuns(home, { deleted: true });
    assert.deepEqual(trashed.map((r) => r.id).sort(), [TRASHED, ID].sort());

    assert.deepEqual(restoreRuns(home, [byId(trashed, ID)]), [ID]);
    assert.deepEqual(readFileSync(join(home, 'runs', ID, '.guild/attrs/flags')), flagsBefore);
    assert.ok(!existsSync(join(home, 'trash/runs', ID)));

    assert.deepEqual(purgeRuns(home, [byId(listRuns(home, { deleted: true }), TRASHED)]), [TRASHED]);
    assert.deepEqual(readdirSync(join(home, 'trash/runs')), []);
  });

  test('permanent delete removes the directory', () => {
    const home = copyFixtureHome();
    deleteRuns(home, [byId(listRuns(home), ID)], { permanent: true });
    assert.ok(!existsSync(join(home, 'runs', ID)));
    assert.ok(!existsSync(join(home, 'trash/runs', ID)));
  });

  test('a run already in the trash is set aside under <id>_XXXX, not overwritten', () => {
    const home = copyFixtureHome();
    mkdirSync(join(home, 'trash/runs', ID, 'old'), { recursive: true });
    deleteRuns(home, [byId(listRuns(home), ID)]);
    const names = readdirSync(join(home, 'trash/runs'));
    assert.ok(existsSync(join(home, 'trash/runs', ID, '.guild/opref')));
    const aside = names.filter((n) => n.startsWith(`${ID}_`));
    assert.equal(aside.length, 1);
    assert.ok(existsSync(join(home, 'trash/runs', aside[0]!, 'old')));
  });

  test('refuses runs outside the expected directory, before touching any', () => {
    const home = copyFixtureHome();
    const live = byId(listRuns(home), ID);
    const trashed = byId(listRuns(home, { deleted: true }), TRASHED);
    assert.throws(() => deleteRuns(home, [live, trashed]), /is not in runs\//);
    assert.ok(existsSync(join(home, 'runs', ID)), 'first run not moved');
    assert.throws(() => purgeRuns(home, [live]), /is not in the trash/);
    assert.ok(existsSync(join(home, 'runs', ID)));
  });

  test('restore refuses when the id is in runs/ already', () => {
    const home = copyFixtureHome();
    mkdirSync(join(home, 'runs', TRASHED));
    assert.throws(() => restoreRuns(home, [byId(listRuns(home, { deleted: true }), TRASHED)]), /runs\/5cc3ae6b.* exists/);
    assert.ok(existsSync(join(home, 'trash/runs', TRASHED, '.guild/opref')));
  });
});
