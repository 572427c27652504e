// Notices in the App: a watched run that ends, and a running run whose objective logs NaN.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/app.js';
import { writeAttr } from '../../src/store/attrs.js';
import { bootId, hostName, selfProcess, writeProcessRecord } from '../../src/store/proc.js';
import { EventFileWriter } from '../../src/store/tfevents.js';
import { copyFixtureHome } from '../helpers/home.js';
import { waitForFrame } from './helpers.js';

const BEST = '4cad94ad746246858852b7eb8736ac22';
const FEED = { debounceMs: 20, pollMs: 200, runningMs: 60_000 };

afterEach(() => cleanup());

describe('dashboard notices', () => {
  test('a running run that logs NaN for loss is said once; its end is said too', async () => {
    const home = copyFixtureHome();
    const dir = join(home, 'runs', BEST);
    rmSync(join(dir, '.guild', 'attrs', 'exit_status'));
    rmSync(join(dir, '.guild', 'attrs', 'stopped'));
    writeProcessRecord(dir, { version: 1, executor: 'local', host: hostName(), bootId: bootId(), supervisor: selfProcess() });
    const { lastFrame, frames } = render(<App home={home} readonly={false} projectDir={home} size={{ columns: 140, rows: 30 }} feed={FEED} env={{ NO_COLOR: '1' }} />);
    await waitForFrame(lastFrame, /▶ running/);
    const w = new EventFileWriter(join(dir, '.guild'), { host: 'h', pid: 2 });
    w.addScalar('loss', NaN, 9);
    w.close();
    // a change the watcher reports: the run's scalars are read again (before or after its new label is)
    writeAttr(dir, 'label', 'diverged');
    await waitForFrame(lastFrame, /run 4cad94ad train\.py \((best run|diverged)\) logged NaN for loss/, 5000);
    writeAttr(dir, 'exit_status', 1);
    writeAttr(dir, 'stopped', 1795000000000000);
    rmSync(join(dir, '.guild', 'grun-proc'));
    await waitForFrame(lastFrame, /run 4cad94ad train\.py \(diverged\) error \(exit 1\)/, 5000);
    assert.equal(frames.filter((f) => /logged NaN/.test(f) && /error \(exit 1\)/.test(f)).length, 0, 'the NaN is not said again');
  });
});
