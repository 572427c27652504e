// Flag values through the real binary: what a script receives and what the run records.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome } from '../helpers/home.js';
import { attr, grun, onlyRunDir, project } from './engine-helpers.js';

const GLOBALS = `name = 'no'
n = 1
lr = 0.1
print("got", repr(name), repr(n), repr(lr))
`;

describe('quoted flag values (Guild decodes the quotes)', () => {
  test(`name='yes' stores yes, never the quotes; numbers quoted for a number flag are numbers`, async () => {
    const home = emptyHome();
    const dir = project({ 'train.py': GLOBALS });
    const r = await grun(['run', 'train.py', "name='yes'", `n="2"`, "lr='0.5'", '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /got 'yes' 2 0\.5/);
    const run = onlyRunDir(home);
    assert.equal(attr(run, 'flags'), "lr: 0.5\n'n': 2\nname: 'yes'\n");
    assert.equal(attr(run, 'user_flags'), "lr: 0.5\n'n': 2\nname: 'yes'\n");
    assert.equal(attr(run, 'label'), "lr=0.5 n=2 name='yes'\n");
  });

  test(`a quoted list item stays a string: name=['1','yes'] runs trials with '1' and 'yes'`, async () => {
    const home = emptyHome();
    const dir = project({ 'train.py': GLOBALS });
    const r = await grun(['run', 'train.py', "name=['1','yes']", '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /got '1' 1 0\.1/);
    assert.match(r.stdout, /got 'yes' 1 0\.1/);
    const names = readdirSync(join(home, 'runs'))
      .map((id) => attr(join(home, 'runs', id), 'flags') ?? '')
      .filter((f) => !f.includes('$')) // the batch parent holds no script flags
      .map((f) => /name: (.*)/.exec(f)?.[1])
      .filter(Boolean)
      .sort();
    assert.deepEqual(names, ["'1'", "'yes'"]);
  });
});
