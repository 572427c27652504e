// Faults around the engine's processes: a supervisor killed -9, a pid reused by an unrelated
// process, grun killed -9 while launching. Status must be right and the run dir must load.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRun } from '../../src/store/index.js';
import { isProcessAlive, readProcessRecord, writeProcessRecord } from '../../src/store/proc.js';
import { emptyHome } from '../helpers/home.js';
import { attr, grun, grunSpawn, onlyRunDir, outputHas, project, runIds, SLEEPER, waitFor } from './engine-helpers.js';

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

describe('engine faults (e2e)', () => {
  test('kill -9 of the supervisor: the run shows error (never running) and says why', async () => {
    const home = emptyHome();
    const cwd = project({ 'sleeper.py': SLEEPER });
    assert.equal((await grun(['run', 'sleeper.py', '-y', '-b'], { cwd, home })).code, 0);
    const dir = onlyRunDir(home);
    await waitFor('ready', () => outputHas(dir, 'ready'));
    const rec = readProcessRecord(dir);
    assert.ok(rec?.child, 'process record with the child');
    try {
      process.kill(rec.supervisor.pid, 'SIGKILL');
      await waitFor('supervisor gone', () => !isProcessAlive(rec.supervisor.pid, rec.supervisor.start));
      const run = loadRun(dir);
      assert.equal(run.status, 'error');
      assert.match(run.statusInfo.reason ?? '', /supervisor/);
      const info = await grun(['runs', 'info', run.id.slice(0, 8)], { cwd, home });
      assert.match(info.stdout, /error/);
      // The orphaned command (its start time matches the record) is still stoppable.
      assert.ok(isProcessAlive(rec.child.pid, rec.child.start));
      const s = await grun(['stop', run.id.slice(0, 8), '-y'], { cwd, home });
      assert.match(s.stderr, new RegExp(`Stopping ${run.id} \\(pid ${rec.child.pid}\\)`));
      assert.ok(!isProcessAlive(rec.child.pid, rec.child.start));
      assert.equal(loadRun(dir).status, 'error');
    } finally {
      killGroup(rec.child.pid);
    }
  });

  test('a process record whose pid now belongs to another process is not running, and is never signalled', async () => {
    const home = emptyHome();
    const cwd = project({ 'sleeper.py': SLEEPER });
    assert.equal((await grun(['run', 'sleeper.py', 'steps=0', '-y'], { cwd, home })).code, 0);
    const dir = onlyRunDir(home);
    const rec = readProcessRecord(dir)!;
    // Make it look interrupted: no exit status, LOCK and record pointing at a live, unrelated process.
    const other = spawn('sleep', ['10'], { stdio: 'ignore' });
    try {
      rmSync(join(dir, '.guild', 'attrs', 'exit_status'));
      rmSync(join(dir, '.guild', 'attrs', 'stopped'));
      writeFileSync(join(dir, '.guild', 'LOCK'), String(other.pid));
      writeProcessRecord(dir, {
        ...rec,
        supervisor: { pid: other.pid!, start: 1 },
        child: { pid: other.pid!, start: 1 },
      });
      const run = loadRun(dir);
      assert.equal(run.status, 'error');
      assert.match(run.statusInfo.reason ?? '', /another process|reused/);
      const s = await grun(['stop', run.id.slice(0, 8), '-y'], { cwd, home });
      assert.match(s.stderr, /is not running/);
      assert.ok(isProcessAlive(other.pid!), 'the unrelated process was not signalled');
    } finally {
      other.kill('SIGKILL');
    }
  });

  test('kill -9 of grun while it launches: the run still goes to its end and loads', async () => {
    const home = emptyHome();
    const cwd = project({ 'sleeper.py': SLEEPER });
    const { proc, done } = grunSpawn(['run', 'sleeper.py', 'steps=3', '-y'], { cwd, home });
    await waitFor('the run dir', () => runIds(home).length === 1, 15_000);
    proc.kill('SIGKILL');
    await done;
    const dir = onlyRunDir(home);
    await waitFor('the run to end', () => attr(dir, 'exit_status') !== null);
    const run = loadRun(dir);
    assert.equal(run.status, 'completed');
    assert.ok(outputHas(dir, 'done'));
  });

  test('SIGTERM to the supervisor is forwarded to the command: the run ends terminated', async () => {
    const home = emptyHome();
    const cwd = project({ 'sleeper.py': SLEEPER });
    assert.equal((await grun(['run', 'sleeper.py', '-y', '-b'], { cwd, home })).code, 0);
    const dir = onlyRunDir(home);
    await waitFor('ready', () => outputHas(dir, 'ready'));
    process.kill(readProcessRecord(dir)!.supervisor.pid, 'SIGTERM');
    await waitFor('the run to end', () => attr(dir, 'exit_status') !== null);
    assert.equal(attr(dir, 'exit_status'), '-15\n');
    assert.equal(loadRun(dir).status, 'terminated');
  });
});
