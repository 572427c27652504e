// Guild options and wording that Guild projects and scripts rely on, through the real binary.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureHome, emptyHome, tempDir } from '../helpers/home.js';
import { fails, grun, ok } from './cli-helpers.js';

/** A project dir holding the given files. */
function project(files: Record<string, string>): string {
  const dir = tempDir('grun-proj-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('Guild list and select options', () => {
  test('runs -s lists index, operation, status and label only', () => {
    const home = copyFixtureHome();
    const full = ok(home, ['runs', '-n', '3']).trimEnd().split('\n');
    const simple = ok(home, ['runs', '-s', '-n', '3']).trimEnd().split('\n');
    assert.equal(simple.length, 3);
    assert.match(simple[0]!, /^\[1\] {2}train \(\/home\/alice\/mnist\) +completed {2}epochs=3/);
    for (const line of simple) assert.doesNotMatch(line, /\d{4}-\d\d-\d\d|:[0-9a-f]{8}\]/, line);
    assert.equal(full.length, 3);
  });

  test('--error/--not-error is one switch: the last one given wins', () => {
    const home = copyFixtureHome();
    const errors = ok(home, ['runs', '-a', '--error']);
    assert.ok(errors.length > 0);
    assert.equal(ok(home, ['runs', '-a', '--not-error', '--error']), errors);
    const notErrors = ok(home, ['runs', '-a', '--not-error']);
    assert.equal(ok(home, ['runs', '-a', '--error', '--not-error']), notErrors);
    assert.doesNotMatch(notErrors, / error /);
  });

  test('select --attr knows the formatted fields (run_dir, status) before raw attrs', () => {
    const home = copyFixtureHome();
    const id = ok(home, ['select', '1']).trim();
    assert.equal(ok(home, ['select', '1', '--attr', 'run_dir']).trim(), join(home, 'runs', id));
    assert.equal(ok(home, ['select', '1', '--attr', 'status']).trim(), 'completed');
    assert.equal(ok(home, ['select', '1', '--attr', 'short_id']).trim(), id.slice(0, 8));
    fails(home, ['select', '1', '--attr', 'wombat'], /^grun: no such run attribute 'wombat'\n/);
  });
});

describe('run --run-id and --run-dir', () => {
  test('--run-id names the run; a used id is refused and the run is left alone', () => {
    const home = emptyHome();
    const cwd = project({ 'say.py': 'msg = "hi"\nprint(msg)\n' });
    assert.equal(ok(home, ['run', 'say.py', '--run-id', 'aaa', '-y'], { cwd }).trim(), 'hi');
    assert.equal(ok(home, ['select', '--attr', 'id']).trim(), 'aaa');
    const before = readFileSync(join(home, 'runs', 'aaa', '.guild', 'attrs', 'started'), 'utf8');
    fails(home, ['run', 'say.py', 'msg=again', '--run-id', 'aaa', '-y'], /run ID 'aaa' is already used/, { cwd });
    assert.equal(readFileSync(join(home, 'runs', 'aaa', '.guild', 'attrs', 'started'), 'utf8'), before);
    fails(home, ['run', 'say.py', '--run-id', '../x', '-y'], /invalid run ID '\.\.\/x'/, { cwd });
  });

  test('--run-dir stages into a directory outside the home and says how to start it', () => {
    const home = emptyHome();
    const cwd = project({ 'say.py': 'msg = "hi"\nprint(msg)\n' });
    const runDir = join(tempDir(), 'elsewhere');
    const out = ok(home, ['run', 'say.py', '--stage', '--run-dir', runDir, '-y'], { cwd });
    assert.match(out, new RegExp(`^say\\.py staged in '${runDir}'\\nTo start the operation, use "\\(cd ${runDir} && source \\.guild/ENV && .+say\\.py.*\\)"\\n$`));
    assert.ok(existsSync(join(runDir, '.guild', 'STAGED')));
    assert.ok(existsSync(join(runDir, 'say.py')));
    assert.equal(ok(home, ['runs', '-a']), '', 'not in the home');
    fails(home, ['run', 'say.py', '--stage', '--run-dir', runDir, '-y'], /already holds a run/, { cwd });
    assert.equal(grun(home, ['runs']).code, 0);
  });
});
