// System metrics in the dashboard: the overview's sparklines, the gpu% column, the idle flag.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/app.js';
import { idleTracker, IDLE_AFTER_MS } from '../../src/engine/sys-metrics.js';
import { EventFileWriter } from '../../src/store/tfevents.js';
import { findScalar } from '../../src/views/state/view.js';
import { copyFixtureHome } from '../helpers/home.js';
import { KEY, typeKeys, waitForFrame } from './helpers.js';

const BEST = '4cad94ad746246858852b7eb8736ac22';
const FEED = { debounceMs: 20, pollMs: 60_000, runningMs: 60_000 };

afterEach(() => cleanup());

const g = (util: number, memUsed = 1) => ({ index: 0, util, memUtil: 0, memUsed });

describe('system metrics in the dashboard', () => {
  test('idle: every GPU holding memory under 10% for 10 minutes; busy again clears it', () => {
    const idle = idleTracker();
    assert.equal(idle([g(0.05)], 0), 0);
    assert.equal(idle([g(0.05)], IDLE_AFTER_MS - 1), 0);
    assert.equal(idle([g(0.05)], IDLE_AFTER_MS), 1);
    assert.equal(idle([g(0.5)], IDLE_AFTER_MS + 1), 0);
    assert.equal(idle([g(0.05)], IDLE_AFTER_MS + 2), 0, 'the 10 minutes count again');
    const free = idleTracker();
    assert.equal(free([g(0, 0)], 0), 0);
    assert.equal(free([g(0, 0)], IDLE_AFTER_MS * 2), 0, 'a GPU without memory held is not the run idling');
  });

  test('gpu% is the busiest GPU in percent', () => {
    const s = (tag: string, last: number) => ({ prefix: '', tag, first: last, firstStep: 0, last, lastStep: 0, min: last, minStep: 0, max: last, maxStep: 0, avg: last, total: last, count: 1 });
    assert.equal(findScalar([s('sys/gpu0/util', 0.2), s('sys/gpu1/util', 0.75), s('loss', 1)], 'gpu%')?.last, 75);
    assert.equal(findScalar([s('loss', 1)], 'gpu%'), undefined);
  });

  test('the overview shows sys/ metrics with sparklines and GPU IDLE; :cols gpu% shows the column', async () => {
    const home = copyFixtureHome();
    const w = new EventFileWriter(join(home, 'runs', BEST, '.guild'), { host: 'h', pid: 1 });
    for (let i = 0; i < 8; i++) {
      w.addScalar('sys/cpu/util', i / 8, i);
      w.addScalar('sys/mem_used', (100 + i) * 2 ** 20, i);
      w.addScalar('sys/gpu0/util', 0.05, i);
      w.addScalar('sys/gpu_idle', i === 7 ? 1 : 0, i);
    }
    w.close();
    const { lastFrame, stdin } = render(<App home={home} readonly={false} projectDir={home} size={{ columns: 120, rows: 40 }} feed={FEED} env={{ NO_COLOR: '1' }} />);
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, ':', 'cols gpu%,loss', KEY.enter);
    await waitForFrame(lastFrame, new RegExp(`${BEST.slice(0, 8)} .* 5 +\\S+`));
    await typeKeys(stdin, `/${BEST}`, KEY.enter);
    await waitForFrame(lastFrame, /1\/20 runs/);
    await typeKeys(stdin, KEY.enter);
    const f = await waitForFrame(lastFrame, /system \(sampled by the supervisor\)[\s\S]*sys\/cpu\/util +▁▂▃▄▅▆▇█ +87\.5%/);
    assert.match(f, /sys\/mem_used +▁.*█ +107 MiB/);
    assert.match(f, /GPU IDLE: under 10% for 10 minutes/);
  });
});
