// Pid reuse and shared homes: a LOCK or process-record pid now owned by an unrelated live process
// never reads as `running`, and a run from another host is judged by its own record (heartbeat),
// never by this machine's pid table. Checked through the real CLI and the store.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRun } from '../../src/store/index.js';
import { procStartTime, readProcessRecord, writeProcessRecord } from '../../src/store/proc.js';
import { HEARTBEAT_STALE_MS } from '../../src/store/status.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { runGrun } from './helpers.js';

async function finishedRun(): Promise<{ home: string; dir: string; id: string }> {
  const home = emptyHome();
  const cwd = tempDir('grun-pproj-');
  writeFileSync(join(cwd, 'work.sh'), 'echo hi\n');
  const e = await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd });
  assert.equal(e.code, 0, e.stderr);
  const { readdirSync } = await import('node:fs');
  const id = readdirSync(join(home, 'runs'))[0]!;
  return { home, dir: join(home, 'runs', id), id };
}

/** Makes the run look interrupted: no exit status, no stopped. */
function unfinish(dir: string): void {
  rmSync(join(dir, '.guild', 'attrs', 'exit_status'));
  rmSync(join(dir, '.guild', 'attrs', 'stopped'));
}

async function listedStatus(home: string, id: string): Promise<string> {
  const e = await runGrun(['runs', 'list', '--json'], { home });
  assert.equal(e.code, 0, e.stderr);
  const runs = JSON.parse(e.stdout) as Array<{ id: string; status: string }>;
  return runs.find((r) => r.id === id)!.status;
}

describe('reliability: pid reuse', () => {
  const others: ChildProcess[] = [];
  const unrelated = (): ChildProcess => {
    const p = spawn('sleep', ['60'], { stdio: 'ignore' });
    others.push(p);
    return p;
  };
  after(() => others.forEach((p) => p.kill('SIGKILL')));

  test('a Guild run (LOCK only) whose pid now belongs to a process started after it is not running', async () => {
    const { home, dir, id } = await finishedRun();
    unfinish(dir);
    rmSync(join(dir, '.guild', 'grun-proc')); // as Guild writes it: LOCK alone
    const other = unrelated(); // started after the run: the start-time rule alone cannot tell
    writeFileSync(join(dir, '.guild', 'LOCK'), String(other.pid));
    const run = loadRun(dir);
    assert.notEqual(run.status, 'running', 'an unrelated sleep is not the run');
    assert.equal(run.status, 'error');
    assert.match(run.statusInfo.reason ?? '', /reused|another process/);
    assert.notEqual(await listedStatus(home, id), 'running');
  });

  test('a Guild run whose LOCK pid is its own live process (RUN_ID in its environment) is running', async () => {
    const { dir, id } = await finishedRun();
    unfinish(dir);
    rmSync(join(dir, '.guild', 'grun-proc'));
    const own = spawn('sleep', ['60'], { stdio: 'ignore', env: { ...process.env, RUN_ID: id, RUN_DIR: dir } });
    others.push(own);
    writeFileSync(join(dir, '.guild', 'LOCK'), String(own.pid));
    assert.equal(loadRun(dir).status, 'running');
  });

  test('a process record whose supervisor pid is reused (start time differs) is not running', async () => {
    const { home, dir, id } = await finishedRun();
    unfinish(dir);
    const rec = readProcessRecord(dir)!;
    const other = unrelated();
    writeFileSync(join(dir, '.guild', 'LOCK'), String(other.pid));
    writeProcessRecord(dir, { ...rec, supervisor: { pid: other.pid!, start: (procStartTime(other.pid!) ?? 1) + 7 }, child: { pid: other.pid!, start: 1 } });
    const run = loadRun(dir);
    assert.equal(run.status, 'error');
    assert.match(run.statusInfo.reason ?? '', /another process/);
    assert.equal(await listedStatus(home, id), 'error');
    const s = await runGrun(['stop', '-y', id.slice(0, 8)], { home });
    assert.match(s.stderr, /is not running/);
    assert.equal(other.exitCode, null, 'the unrelated process was not signalled');
  });

  test('a run recorded on another host is judged by its heartbeat, not by the local pid table', async () => {
    const { home, dir, id } = await finishedRun();
    unfinish(dir);
    const rec = readProcessRecord(dir)!;
    const other = unrelated(); // a live local pid that the record names: must not matter
    const remote = { ...rec, host: 'elsewhere.example', bootId: 'another-boot', supervisor: { pid: other.pid!, start: procStartTime(other.pid!)! } };
    writeProcessRecord(dir, remote);
    writeFileSync(join(dir, '.guild', 'LOCK'), String(other.pid));
    const recPath = join(dir, '.guild', 'grun-proc');
    const old = new Date(Date.now() - HEARTBEAT_STALE_MS - 60_000);
    utimesSync(recPath, old, old);
    let run = loadRun(dir);
    assert.equal(run.status, 'error', 'stale heartbeat: not running even though the local pid lives');
    assert.match(run.statusInfo.reason ?? '', /heartbeat.*elsewhere\.example/);
    assert.equal(await listedStatus(home, id), 'error');
    // A fresh heartbeat: running, even with the pid dead here.
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    const now = new Date();
    utimesSync(recPath, now, now);
    run = loadRun(dir);
    assert.equal(run.status, 'running');
    assert.equal(await listedStatus(home, id), 'running');
    // `grun stop` never signals a local pid for a run that lives on another host.
    const s = await runGrun(['stop', '-y', '--no-wait', id.slice(0, 8)], { home });
    assert.doesNotMatch(s.stderr, /Stopping .*\(pid/);
  });
});
