// The dashboard never waits for Slurm: with a real `squeue` on PATH that hangs (a script that
// sleeps 20 s), the table shows and keys are answered within 200 ms while the poller's query
// is still in flight.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/app.js';
import { writeSlurmRecord } from '../../src/store/slurm-record.js';
import { copyFixtureHome, tempDir } from '../helpers/home.js';
import { waitFor, waitForFrame } from './helpers.js';

describe('dashboard with a hung squeue', () => {
  let savedPath: string | undefined;
  beforeEach(() => {
    savedPath = process.env.PATH;
  });
  afterEach(() => {
    cleanup(); // the feed stops its poller, which kills the squeue still sleeping
    process.env.PATH = savedPath;
  });

  test('a hung squeue: the runs show and each key is answered within 200 ms while squeue sleeps', async () => {
    const bin = tempDir('grun-fake-slurm-');
    const calls = join(bin, 'calls');
    // Answers (no jobs) until the test says hang: the dashboard is warm before squeue hangs.
    const hang = join(bin, 'hang');
    writeFileSync(join(bin, 'squeue'), `#!/bin/sh\n[ -e '${hang}' ] || exit 0\necho $$ >> '${calls}'\nexec sleep 20\n`);
    chmodSync(join(bin, 'squeue'), 0o755);
    process.env.PATH = `${bin}:${savedPath}`;

    // Three runs of the fixture home, one of them made a Slurm job that waits in the queue.
    const home = copyFixtureHome();
    const keep = ['4cad94ad', '00075496', '13f6d5be'];
    for (const d of readdirSync(join(home, 'runs'))) if (!keep.some((k) => d.startsWith(k))) rmSync(join(home, 'runs', d), { recursive: true });
    const id = readdirSync(join(home, 'runs')).find((d) => d.startsWith('4cad94ad'))!;
    const dir = join(home, 'runs', id);
    for (const a of ['exit_status', 'stopped']) rmSync(join(dir, '.guild', 'attrs', a), { force: true });
    writeFileSync(join(dir, '.guild', 'PENDING'), '');
    writeSlurmRecord(dir, { version: 1, executor: 'slurm', jobId: '4242', cluster: '', submitted: Date.now() });

    const { lastFrame, stdin } = render(
      <App home={home} readonly={false} projectDir={home} size={{ columns: 120, rows: 30 }} feed={{ debounceMs: 20, pollMs: 60_000, runningMs: 60_000, slurmMs: 50 }} env={{}} />,
    );
    await waitForFrame(lastFrame, /3\/3 runs/);
    const press = async (key: string): Promise<number> => {
      const before = selectedLine(lastFrame());
      const t0 = performance.now();
      stdin.write(key);
      await waitFor(() => selectedLine(lastFrame()) !== before, 2000, `'${key}' to move the selection`);
      return performance.now() - t0;
    };
    for (const key of ['j', 'k', 'j', 'k']) await press(key); // first renders of each row compiled
    writeFileSync(hang, '');
    await waitFor(() => existsSync(calls), 10_000, 'the poller to ask squeue again');
    assert.match(lastFrame() ?? '', /4cad94ad.*pending/, 'the queued job shows as its directory says');

    // squeue is asleep now: the dashboard still answers, key after key.
    for (const key of ['j', 'k', 'j', 'k']) {
      const ms = await press(key);
      assert.ok(ms < 200, `'${key}' answered after ${ms.toFixed(0)} ms`);
    }
    const pids = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
    assert.equal(pids.length, 1, 'one squeue call');
    assert.match(readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8'), /^sleep\x0020/, 'and it is still asleep: the keys were answered while it hung');
  });
});

function selectedLine(frame: string | undefined): string {
  return (frame ?? '').split('\n').find((l) => l.startsWith('›')) ?? '';
}
