import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { walkRunFiles } from '../../src/store/run-files.js';
import { natsortCompare } from '../../src/store/natsort.js';
import { tempDir } from '../helpers/home.js';

describe("a run's files in natural order (Guild's natsort)", () => {
  test('numbers inside names compare as numbers, in every directory', () => {
    const run = tempDir();
    for (const n of [10, 2, 1, 0, 11]) writeFileSync(join(run, `img${n}.png`), '');
    mkdirSync(join(run, 'ep'));
    for (const n of [9, 10, 100]) writeFileSync(join(run, 'ep', `step-${n}`), '');
    writeFileSync(join(run, '3d'), '');
    assert.deepEqual(
      walkRunFiles(run).map((e) => e.path),
      ['3d', 'ep', 'ep/step-9', 'ep/step-10', 'ep/step-100', 'img0.png', 'img1.png', 'img2.png', 'img10.png', 'img11.png'],
    );
  });

  test('text compares as text; a shorter name first when it is a prefix', () => {
    const names = ['b1', 'a10', 'a2', 'a', 'A3', 'a2b'];
    assert.deepEqual([...names].sort(natsortCompare), ['A3', 'a', 'a2', 'a2b', 'a10', 'b1']);
  });
});
