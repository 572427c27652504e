import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandFlagIncludes, findOperation, loadGuildfile } from '../../src/engine/guildfile.js';
import { listOperations } from '../../src/engine/operations.js';
import { isMarkedFloat } from '../../src/store/yaml11.js';
import { fixtureHome, tempDir } from '../helpers/home.js';

const FULL = `- config: common
  operations:
    evaluate:
      main: eval
      flags:
        batch: 32
- config: shared-flags
  flags:
    seed: 1
    scale: 1.0
- model: cnn
  description: A CNN
  extends: common
  resources:
    data:
      - file: data.csv
  operations:
    train:
      description: Train it
      main: cnn_train
      flags:
        $include: shared-flags
        lr: 0.1
- model: ''
  operations:
    prepare:
      main: prepare
`;

describe('guild.yml', () => {
  test('operation-only form (the fixture mnist guild.yml): anonymous model, hash = md5 of bytes', () => {
    const dir = tempDir();
    const text = readFileSync(join(fixtureHome, 'runs/5fe4ccc3174c4c9e9a212c98a4f108ec/guild.yml'));
    writeFileSync(join(dir, 'guild.yml'), text);
    const gf = loadGuildfile(dir)!;
    assert.equal(gf.hash, createHash('md5').update(text).digest('hex'));
    assert.equal(gf.hash, '8cfb770a1ed28f6ccd4dac912c4a1850', 'the version in the fixture oprefs');
    assert.deepEqual(gf.models.map((m) => m.name), ['']);
    assert.deepEqual(Object.keys(gf.models[0]!.operations), ['prepare', 'train', 'pipeline']);
    const train = findOperation(gf, 'train')!;
    assert.equal(train.config.main, 'train');
    assert.deepEqual(train.config.requires, [{ operation: 'prepare', select: 'data.txt' }]);
  });

  test('full form: models, extends of configs, $include of flags, resources', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'guild.yml'), FULL);
    const gf = loadGuildfile(dir)!;
    assert.deepEqual(gf.models.map((m) => m.name), ['cnn', '']);
    const cnn = gf.models[0]!;
    assert.equal(cnn.description, 'A CNN');
    assert.deepEqual(Object.keys(cnn.operations).sort(), ['evaluate', 'train']);
    assert.deepEqual(cnn.resources, { data: [{ file: 'data.csv' }] });
    const train = findOperation(gf, 'cnn:train')!;
    const flags = expandFlagIncludes(gf, train.config.flags);
    assert.deepEqual(flags, { seed: 1, scale: 1, lr: 0.1 });
    assert.equal(isMarkedFloat(flags, 'scale'), true, 'scale: 1.0 stays a float');
    assert.equal(findOperation(gf, 'train')!.model.name, 'cnn');
    assert.equal(findOperation(gf, 'prepare')!.model.name, '');
    assert.equal(findOperation(gf, 'cnn:prepare'), null);
  });

  test('a top-level mapping with model: is one model; errors name the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'guild.yml'), 'model: m\noperations:\n  go: {main: go}\n');
    assert.ok(findOperation(loadGuildfile(dir)!, 'm:go'));
    writeFileSync(join(dir, 'guild.yml'), '- model: m\n  extends: nope\n');
    assert.throws(() => loadGuildfile(dir), /guild\.yml: extends 'nope': expected the name of a '- config:' entry/);
    writeFileSync(join(dir, 'guild.yml'), 'train: [\n');
    assert.throws(() => loadGuildfile(dir), (e: Error) => e.name === 'YamlError' || /guild\.yml/.test(e.message));
    assert.equal(loadGuildfile(tempDir()), null);
  });

  test('listOperations: guild.yml operations then runnable scripts', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'guild.yml'), FULL);
    for (const f of ['train.py', 'run.sh', 'app.js', 'm.mjs', 'notes.txt', '.hidden.py']) writeFileSync(join(dir, f), '');
    const ops = listOperations(dir);
    assert.deepEqual(ops.map((o) => [o.name, o.kind]), [
      ['cnn:evaluate', 'guildfile'],
      ['cnn:train', 'guildfile'],
      ['prepare', 'guildfile'],
      ['app.js', 'script'],
      ['m.mjs', 'script'],
      ['run.sh', 'script'],
      ['train.py', 'script'],
    ]);
    assert.equal(ops.find((o) => o.name === 'cnn:train')!.description, 'Train it');
  });
});
