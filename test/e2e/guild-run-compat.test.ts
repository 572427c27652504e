// `grun run` as a Guild project expects it: guild.yml run features and Guild's wording, through
// the real binary on small projects of grun's own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { fails, grun, ok } from './cli-helpers.js';

/** A project dir holding the given files. */
function project(files: Record<string, string>): string {
  const dir = tempDir('grun-proj-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const statusesOf = (out: string): string[] => out.trimEnd().split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(1).join(' '));

describe('delete-on-success', () => {
  test('a completed run goes to the trash, --keep-run keeps it, a failed one stays', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'step:\n  main: step\n  delete-on-success: yes\n  flags:\n    code: 0\n',
      'step.py': 'import sys\ncode = 0\nsys.exit(code)\n',
    });
    const r = grun(home, ['run', 'step', '-l', 'first', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^Deleting interim run [0-9a-f]{32} \('step' is configured for deletion on success\)\n$/);
    assert.equal(ok(home, ['runs', '-s']), '');
    assert.deepEqual(statusesOf(ok(home, ['runs', '-s', '-d'], { cwd })), ['step completed first']);
    assert.equal(grun(home, ['run', 'step', '-l', 'kept', '--keep-run', '-y'], { cwd }).err, '');
    assert.equal(grun(home, ['run', 'step', 'code=3', '-l', 'failed', '-y'], { cwd }).code, 3);
    assert.deepEqual(statusesOf(ok(home, ['runs', '-s'], { cwd })), ['step error failed', 'step completed kept']);
    // the run's own `op` attr records the word it ran under
    const kept = ok(home, ['select', '2']).trim();
    assert.match(ok(home, ['cat', '-p', '.guild/attrs/op', kept]), /^delete-on-success: false$/m);
  });
});

describe('run options read the Guild way', () => {
  test("-Fo is run's --opt-flag: refused without an optimizer, before anything is written", () => {
    const home = emptyHome();
    const cwd = project({ 'pass.py': 'x = 1\n' });
    fails(home, ['run', 'pass.py', '-Fo', 'foo=123', '-y'], /^grun: invalid optimizer flag foo=123: no optimizer specified\n/, { cwd });
    assert.equal(ok(home, ['runs', '-s']), '');
  });
});
