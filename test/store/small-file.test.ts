// Reading a run's small files without trusting them: `readListedFile` (no fstat, for files a
// listing showed to be regular) and the run reader that picks it, against real FIFOs, links,
// devices and directories.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRunSummary } from '../../src/store/run.js';
import { readListedFile, readSmallFile } from '../../src/store/small-file.js';
import { tempDir } from '../helpers/home.js';

describe('readListedFile', () => {
  test('reads what readSmallFile reads: small, empty, larger than its buffer, through a link', () => {
    const dir = tempDir();
    const big = 'x'.repeat(200_000) + '\n';
    writeFileSync(join(dir, 'small'), '1767825539999000\n');
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'big'), big);
    symlinkSync('small', join(dir, 'link'));
    for (const name of ['small', 'empty', 'big', 'link']) {
      assert.equal(readListedFile(join(dir, name)).toString(), readSmallFile(join(dir, name)).toString(), name);
    }
    assert.equal(readListedFile(join(dir, 'big')).length, big.length);
  });

  test('a directory, a FIFO with no writer, a device, a missing file: errors, no hang', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'd'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    symlinkSync('/dev/zero', join(dir, 'zero'));
    assert.throws(() => readListedFile(join(dir, 'd')), { code: 'EISDIR' });
    assert.throws(() => readListedFile(join(dir, 'zero')), { code: 'EGRUNNOTFILE' });
    assert.throws(() => readListedFile(join(dir, 'nope')), { code: 'ENOENT' });
    // Only a listing that raced a swap hands it a FIFO: its positioned read fails, never blocks.
    assert.throws(() => readListedFile(join(dir, 'fifo')), { code: 'ESPIPE' });
  });

  test('over the limit is refused', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'f'), 'abcdef');
    assert.throws(() => readListedFile(join(dir, 'f'), 3), { code: 'EGRUNTOOBIG' });
  });
});

describe('loadRunSummary on attrs that are not regular files', () => {
  test('a FIFO, a link to a device and a directory are problems of the run; links to files are read', () => {
    const run = join(tempDir(), 'a'.repeat(32));
    const attrs = join(run, '.guild', 'attrs');
    mkdirSync(attrs, { recursive: true });
    writeFileSync(join(run, '.guild', 'opref'), 'script:/p train.py 0123 train.py\n');
    writeFileSync(join(attrs, 'started'), '1767825539999000\n');
    writeFileSync(join(attrs, 'real-label'), 'epochs=2 lr=0.1\n');
    symlinkSync('real-label', join(attrs, 'label'));
    execFileSync('mkfifo', [join(attrs, 'flags')]);
    symlinkSync('/dev/zero', join(attrs, 'tags'));
    mkdirSync(join(attrs, 'exit_status'));
    const s = loadRunSummary(run);
    assert.equal(s.started, 1767825539999000);
    assert.equal(s.label, 'epochs=2 lr=0.1');
    assert.deepEqual(s.flags, {});
    assert.deepEqual(s.tags, []);
    assert.equal(s.exitStatus, null);
    const files = s.problems.map((p) => p.file).sort();
    assert.deepEqual(files, ['.guild/attrs/exit_status', '.guild/attrs/flags', '.guild/attrs/tags']);
    assert.match(s.problems.find((p) => p.file === '.guild/attrs/flags')!.message, /not a regular file/);
  });
});
