import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/app.js';
import { rmSync } from 'node:fs';
import { writeAttr } from '../../src/store/attrs.js';
import { bootId, hostName, selfProcess, writeProcessRecord } from '../../src/store/proc.js';
import { copyFixtureHome } from '../helpers/home.js';
import { KEY, typeKeys, waitForFrame } from './helpers.js';

const BEST = '4cad94ad746246858852b7eb8736ac22';
const FEED = { debounceMs: 20, pollMs: 200, runningMs: 60_000 };

afterEach(() => cleanup());

describe('dashboard: values across refreshes', () => {
  test('a run that changes keeps its metric cells while its scalars are read again', async () => {
    const home = copyFixtureHome();
    // a running run (this process its supervisor): the watcher follows its attrs
    const dir = join(home, 'runs', BEST);
    rmSync(join(dir, '.guild', 'attrs', 'exit_status'));
    rmSync(join(dir, '.guild', 'attrs', 'stopped'));
    writeProcessRecord(dir, { version: 1, executor: 'local', host: hostName(), bootId: bootId(), supervisor: selfProcess() });
    const { lastFrame, stdin, frames } = render(
      <App home={home} readonly={false} projectDir={home} size={{ columns: 120, rows: 30 }} feed={FEED} env={{ NO_COLOR: '1' }} />,
    );
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, ':', 'sort loss', KEY.enter);
    const row = (f: string) => f.split('\n').find((l) => l.includes(BEST.slice(0, 8))) ?? '';
    // the label column comes after status, then the metrics
    const label = '(?:best run|refresh \\d)';
    const first = await waitForFrame(lastFrame, new RegExp(`${BEST.slice(0, 8)}.*running +${label} +\\d`), 5000);
    const cell = new RegExp(`running +${label} +(\\S+)`).exec(row(first))![1]!;
    const from = frames.length;
    for (let i = 1; i <= 6; i++) {
      writeAttr(dir, 'label', `refresh ${i}`);
      await waitForFrame(lastFrame, new RegExp(`refresh ${i}`), 5000);
    }
    const shown = frames.slice(from).map(row).filter((l) => l !== '');
    assert.ok(shown.length >= 6, `frames with the run: ${shown.length}`);
    for (const l of shown) assert.match(l, new RegExp(`running +${label} +${cell.replace('.', '\\.')}(?: |$)`), `a refresh blanked the cell:\n${l}`);
  });
});
