import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteAttr, listAttrNames, readAttr, writeAttr } from '../../src/store/attrs.js';
import { writeFileAtomicSync } from '../../src/store/atomic.js';
import { readListedFile } from '../../src/store/small-file.js';
import { isMarkedFloat } from '../../src/store/yaml11.js';
import { copyFixtureHome, projectRoot, tempDir } from '../helpers/home.js';

const RUN = '5b543c898ff2499a94e8af9b3028f8e2';

describe('attrs', () => {
  test('reads real Guild attrs', () => {
    const run = join(copyFixtureHome(), 'runs', RUN);
    const flags = readAttr(run, 'flags');
    assert.equal(flags.kind, 'ok');
    assert.equal(typeof (flags as { value: unknown }).value, 'object');
    const id = readAttr(run, 'id');
    assert.deepEqual(id, { kind: 'ok', value: RUN });
    assert.deepEqual(readAttr(run, 'no_such_attr'), { kind: 'missing' });
    assert.ok(listAttrNames(run).includes('opref') === false && listAttrNames(run).includes('flags'));
  });

  test('missing run dir or attrs dir reads as missing and lists nothing', () => {
    const dir = join(tempDir(), 'nope');
    assert.deepEqual(readAttr(dir, 'label'), { kind: 'missing' });
    assert.deepEqual(listAttrNames(dir), []);
  });

  test('write → bytes Guild writes → read back, including float marks', () => {
    const run = tempDir();
    writeAttr(run, 'flags', { lr: 0.1, epochs: 3, name: 'yes', seed: 2n ** 64n });
    const path = join(run, '.guild', 'attrs', 'flags');
    assert.equal(readFileSync(path, 'utf8'), "epochs: 3\nlr: 0.1\nname: 'yes'\nseed: 18446744073709551616\n");
    writeAttr(run, 'tags', ['a', 'b']);
    assert.equal(readFileSync(join(run, '.guild', 'attrs', 'tags'), 'utf8'), '- a\n- b\n');
    writeFileSync(join(run, '.guild', 'attrs', 'sleep'), 'sleep: 0.0\n');
    const r = readAttr(run, 'sleep');
    assert.equal(r.kind, 'ok');
    const v = (r as { value: Record<string, number> }).value;
    assert.equal(isMarkedFloat(v, 'sleep'), true);
    writeAttr(run, 'sleep2', v);
    assert.equal(readFileSync(join(run, '.guild', 'attrs', 'sleep2'), 'utf8'), 'sleep: 0.0\n');
    assert.deepEqual(listAttrNames(run), ['flags', 'sleep', 'sleep2', 'tags']);
  });

  test('a corrupt attr names the file and the problem', () => {
    const run = tempDir();
    mkdirSync(join(run, '.guild', 'attrs'), { recursive: true });
    writeFileSync(join(run, '.guild', 'attrs', 'flags'), 'a: b: c\n');
    const r = readAttr(run, 'flags');
    assert.equal(r.kind, 'corrupt');
    const msg = (r as { message: string }).message;
    assert.match(msg, /\.guild\/attrs\/flags: line 1, column 5: mapping values are not allowed here/);
    writeFileSync(join(run, '.guild', 'attrs', 'label'), Buffer.from([0x61, 0xff, 0x0a]));
    assert.match((readAttr(run, 'label') as { message: string }).message, /attrs\/label: not valid UTF-8/);
    mkdirSync(join(run, '.guild', 'attrs', 'dir'));
    assert.match((readAttr(run, 'dir') as { message: string }).message, /cannot read .*attrs\/dir: EISDIR/);
  });

  test('delete is idempotent; bad names are refused', () => {
    const run = tempDir();
    writeAttr(run, 'marked', true);
    deleteAttr(run, 'marked');
    deleteAttr(run, 'marked');
    assert.deepEqual(readAttr(run, 'marked'), { kind: 'missing' });
    assert.throws(() => writeAttr(run, '../x', 1), /invalid attr name '..\/x'/);
  });
});

describe('writeFileAtomicSync', () => {
  test('replaces content, leaves no temp files, honours the umask', () => {
    const dir = tempDir();
    const p = join(dir, 'f');
    writeFileAtomicSync(p, 'one');
    writeFileAtomicSync(p, Buffer.from('two'));
    assert.equal(readFileSync(p, 'utf8'), 'two');
    assert.deepEqual(readdirSync(dir), ['f']);
    const mode = statSync(p).mode & 0o777;
    assert.equal(mode & 0o002, 0, 'never world-writable under the default umask');
    writeFileAtomicSync(join(dir, 'g'), 'x', { mode: 0o600 });
    assert.equal(statSync(join(dir, 'g')).mode & 0o777, 0o600 & ~process.umask());
  });

  test('a failed rename leaves the target intact and no temp file', () => {
    const dir = tempDir();
    const p = join(dir, 'f');
    mkdirSync(p);
    writeFileSync(join(p, 'keep'), 'x');
    assert.throws(() => writeFileAtomicSync(p, 'new'), /EISDIR|ENOTEMPTY|EEXIST/);
    assert.deepEqual(readdirSync(dir), ['f']);
    assert.deepEqual(readdirSync(p), ['keep']);
  });

  test('concurrent writer processes never tear the file', async () => {
    const dir = tempDir();
    const p = join(dir, 'attr');
    const atomicUrl = new URL('../../src/store/atomic.ts', import.meta.url).href;
    const bodies = ['a'.repeat(50000) + '\n', 'b'.repeat(70000) + '\n'];
    const writers = bodies.map((body) => {
      const code = `const { writeFileAtomicSync } = await import(${JSON.stringify(atomicUrl)});
        for (let i = 0; i < 150; i++) writeFileAtomicSync(${JSON.stringify(p)}, ${JSON.stringify(body)});`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: projectRoot, stdio: 'inherit' });
      return new Promise<number | null>((res) => child.on('exit', res));
    });
    let running = true;
    const finished = Promise.all(writers).then((codes) => ((running = false), codes));
    let reads = 0;
    while (running) {
      try {
        const text = readFileSync(p, 'utf8');
        assert.ok(bodies.includes(text), `torn read of ${text.length} bytes`);
        reads++;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.deepEqual(await finished, [0, 0]);
    assert.ok(reads > 0);
    assert.ok(bodies.includes(readFileSync(p, 'utf8')));
    assert.deepEqual(readdirSync(dir), ['attr']);
  });
});

describe('readListedFile', () => {
  test('reads what a listing showed as a file, and anything else now standing there as readSmallFile does, never blocking', () => {
    const dir = tempDir();
    const big = Buffer.alloc(100 * 1024, 'x');
    writeFileSync(join(dir, 'big'), big);
    writeFileSync(join(dir, 'small'), '1767241380000000\n');
    writeFileSync(join(dir, 'empty'), '');
    assert.deepEqual(readListedFile(join(dir, 'big')), big);
    assert.equal(readListedFile(join(dir, 'small')).toString(), '1767241380000000\n');
    assert.equal(readListedFile(join(dir, 'empty')).length, 0);
    assert.throws(() => readListedFile(join(dir, 'small'), 4), /too large \(17 bytes\)/);
    // Replaced since the listing: a directory, a FIFO with no writer (opened without blocking,
    // its positioned read fails), a link to a device.
    mkdirSync(join(dir, 'd'));
    assert.throws(() => readListedFile(join(dir, 'd')), /EISDIR/);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    assert.throws(() => readListedFile(join(dir, 'fifo')), /ESPIPE/);
    symlinkSync('/dev/zero', join(dir, 'zero'));
    assert.throws(() => readListedFile(join(dir, 'zero')), /not a regular file/);
    symlinkSync('/dev/null', join(dir, 'null'));
    assert.throws(() => readListedFile(join(dir, 'null')), /not a regular file/);
  });
});
