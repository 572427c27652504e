import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveStatus, type ProcessProbe } from '../../src/store/status.js';
import { loadRun } from '../../src/store/index.js';
import { procStartTime, writeProcessRecord, bootId, hostName } from '../../src/store/proc.js';
import type { RunSummary } from '../../src/store/types.js';
import { emptyHome } from '../helpers/home.js';

const base: RunSummary = {
  id: 'r', dir: '/nowhere/r', deleted: false, opref: null, operation: 'x', initialized: null,
  started: 1_000_000_000_000_000, stopped: null, exitStatus: null, label: null, tags: [], marked: false,
  flags: {}, comments: [], sourcecodeDigest: null, host: null, user: null, seed: null,
  markers: { lockRemote: null, pending: false, staged: false }, lockPid: null, proc: null, slurm: null,
  batch: false, children: [], parent: null, pruned: null, search: null, problems: [],
};

const probe = (over: Partial<ProcessProbe> = {}): ProcessProbe => ({
  host: 'here', bootId: 'boot-1', isAlive: () => false, startedAtMs: () => null, recordAgeMs: () => null, ...over,
});

const rec = { version: 1 as const, executor: 'local', host: 'here', bootId: 'boot-1', supervisor: { pid: 10, start: 5 }, child: { pid: 11, start: 6 } };

describe('status rules (Guild order, then the process record)', () => {
  const cases: [string, Partial<RunSummary>, Partial<ProcessProbe>, string, RegExp?][] = [
    ['LOCK.remote wins over everything', { markers: { lockRemote: 'gpu2', pending: true, staged: true }, exitStatus: 0 }, {}, 'running'],
    ['PENDING beats an exit status', { markers: { lockRemote: null, pending: true, staged: false }, exitStatus: 1 }, {}, 'pending'],
    ['STAGED beats an exit status', { markers: { lockRemote: null, pending: false, staged: true }, exitStatus: 1 }, {}, 'staged'],
    ['exit 0 completed', { exitStatus: 0 }, {}, 'completed'],
    ['negative exit terminated', { exitStatus: -15 }, {}, 'terminated'],
    ['positive exit error', { exitStatus: 3 }, {}, 'error'],
    ['live LOCK pid running', { lockPid: 42 }, { isAlive: () => true, startedAtMs: () => 1_000_000_000_000 }, 'running'],
    ['dead LOCK pid error', { lockPid: 42 }, {}, 'error', /exited without/],
    ['LOCK pid older than the run is reused', { lockPid: 42 }, { isAlive: () => true, startedAtMs: () => 1_000 }, 'error', /reused/],
    ['no LOCK, no exit status', {}, {}, 'error'],
    ['live supervisor with matching start', { proc: rec, lockPid: 11 }, { isAlive: (pid, start) => pid === 10 && start === 5 }, 'running'],
    ['supervisor pid reused', { proc: rec, lockPid: 11 }, { isAlive: (pid, start) => pid === 10 && start === undefined }, 'error', /another process/],
    ['supervisor gone', { proc: rec, lockPid: 11 }, { isAlive: (pid) => pid === 11 }, 'error', /supervisor gone/],
    ['a LOCK of another process than the record\'s child (a later start by Guild) decides', { proc: rec, lockPid: 77 }, { isAlive: (pid) => pid === 77, startedAtMs: () => 1_000_000_000_000 }, 'running'],
    ['rebooted since', { proc: rec }, { bootId: 'boot-2', isAlive: () => true }, 'error', /restarted/],
    ['other host with a fresh heartbeat', { proc: { ...rec, host: 'far' } }, { recordAgeMs: () => 1_000 }, 'running'],
    ['other host gone quiet', { proc: { ...rec, host: 'far' } }, { recordAgeMs: () => 10_000_000 }, 'error', /heartbeat/],
  ];
  for (const [name, over, p, want, reason] of cases) {
    test(name, () => {
      const got = deriveStatus({ ...base, ...over }, probe(p));
      assert.equal(got.status, want);
      if (reason) assert.match(got.reason ?? '', reason);
    });
  }
});

function makeRun(home: string, id: string, started: number): string {
  const dir = join(home, 'runs', id);
  mkdirSync(join(dir, '.guild', 'attrs'), { recursive: true });
  writeFileSync(join(dir, '.guild', 'opref'), "script:/p '' '' train.py");
  writeFileSync(join(dir, '.guild', 'attrs', 'started'), `${started}\n`);
  return dir;
}

describe('status against real processes', () => {
  test('a live supervisor reads running; once killed, error with a reason', async () => {
    const home = emptyHome();
    const dir = makeRun(home, 'aaaa', Date.now() * 1000);
    const sleeper = spawn('sleep', ['30']);
    await new Promise((r) => sleeper.once('spawn', r));
    const pid = sleeper.pid!;
    writeProcessRecord(dir, { version: 1, executor: 'local', host: hostName(), bootId: bootId(), supervisor: { pid, start: procStartTime(pid)! } });
    writeFileSync(join(dir, '.guild', 'LOCK'), String(pid));
    assert.equal(loadRun(dir).status, 'running');
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.once('exit', r));
    const after = loadRun(dir);
    assert.equal(after.status, 'error');
    assert.match(after.statusInfo.reason ?? '', /supervisor gone/);
  });

  test('a Guild LOCK naming a long-lived unrelated pid is not running', () => {
    const home = emptyHome();
    const dir = makeRun(home, 'bbbb', Date.now() * 1000);
    writeFileSync(join(dir, '.guild', 'LOCK'), '1'); // pid 1 started long before this run
    const run = loadRun(dir);
    assert.equal(run.status, 'error');
    assert.match(run.statusInfo.reason ?? '', /reused/);
  });

  test('a Guild LOCK naming the run own live process (RUN_ID in its environment) is running', async () => {
    const home = emptyHome();
    const dir = makeRun(home, 'cccc', (Date.now() - 60_000) * 1000);
    const own = spawn('sleep', ['30'], { stdio: 'ignore', env: { ...process.env, RUN_ID: 'cccc' } });
    try {
      writeFileSync(join(dir, '.guild', 'LOCK'), String(own.pid));
      // Give it a run started long ago, so that the start-time rule cannot decide.
      writeFileSync(join(dir, '.guild', 'attrs', 'started'), '1000000\n');
      assert.equal(loadRun(dir).status, 'running');
      // Another run's process (or none's) under that pid is a reused pid, whenever it started.
      writeFileSync(join(dir, '.guild', 'LOCK'), String(process.pid));
      assert.equal(loadRun(dir).status, 'error');
    } finally {
      own.kill('SIGKILL');
    }
  });
});
