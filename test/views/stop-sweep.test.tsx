// The dashboard's stop on a sweep parent stops the whole sweep through the engine's stopRuns:
// its staged children are cancelled (recorded terminated, never started) and the parent ends
// terminated, as `grun stop PARENT` does.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/app.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { grun } from '../e2e/engine-helpers.js';
import { waitFor, waitForFrame } from './helpers.js';


const exitStatus = (dir: string): string | null => {
  const p = join(dir, '.guild/attrs/exit_status');
  return existsSync(p) ? readFileSync(p, 'utf8').trim() : null;
};

describe('dashboard: stop on a sweep parent', () => {
  afterEach(() => cleanup());

  test('x on a staged sweep parent, confirmed: every child cancelled, never started; the parent terminated', async () => {
    const cwd = tempDir('grun-stop-proj-');
    writeFileSync(join(cwd, 'job.py'), 'x = 1\nprint("ran", x)\n');
    const home = emptyHome();
    const sub = await grun(['submit', 'job.py', 'x=1', '--repeat', '2', '--stage', '-y'], { cwd, home });
    assert.equal(sub.code, 0, sub.stderr);
    const dirs = readdirSync(join(home, 'runs')).map((id) => join(home, 'runs', id));
    const parent = dirs.find((d) => existsSync(join(d, '.guild/proto')))!;
    const children = dirs.filter((d) => d !== parent);
    assert.equal(children.length, 2);

    const { lastFrame, stdin } = render(
      <App home={home} readonly={false} projectDir={cwd} size={{ columns: 120, rows: 30 }} feed={{ debounceMs: 20, pollMs: 60_000, runningMs: 60_000 }} env={{}} />,
    );
    await waitForFrame(lastFrame, /› .*◆ staged/);
    stdin.write('x');
    await waitForFrame(lastFrame, /Stop 1 run\?/);
    stdin.write('y');
    await waitFor(() => exitStatus(parent) !== null, 15_000, 'the parent to end');
    assert.equal(exitStatus(parent), '-15', 'the parent is terminated');
    assert.deepEqual(children.map(exitStatus), ['-15', '-15'], 'every child terminated');
    for (const d of children) {
      assert.ok(!existsSync(join(d, '.guild/STAGED')) && !existsSync(join(d, '.guild/grun-proc')) && !existsSync(join(d, '.guild/output')), 'never started');
    }
    await waitForFrame(lastFrame, /› .*■ terminated/, 5000);
  });
});
