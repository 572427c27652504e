// Hang-ups: a run started from a terminal keeps running when the terminal goes away (SIGHUP to
// grun and to its whole session, as when an SSH connection drops), whether it was started in the
// foreground or with -b; the dashboard leaves the alternate screen on SIGHUP and SIGTERM.
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRun } from '../../src/store/index.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { TmuxGrun, tmuxAvailable } from '../e2e/tmux.js';
import { bin, childEnv, kill, killAllOf, waitUntil, supervisorsOf } from './helpers.js';

// Prints, then goes on for ~1.5 s after the hang-up; `done` proves it was not cut short.
const WORK_SH = `echo ready
i=0; while [ $i -lt 15 ]; do echo "tick $i"; i=$((i+1)); sleep 0.1; done
echo done
`;

function runDirOf(home: string): string {
  const ids = readdirSync(join(home, 'runs'));
  assert.equal(ids.length, 1, 'one run');
  return join(home, 'runs', ids[0]!);
}

async function endsCompleted(home: string): Promise<void> {
  await waitUntil('a run dir', () => readdirSync(join(home, 'runs')).length === 1, 15_000);
  const dir = runDirOf(home);
  await waitUntil('the run to end', () => loadRun(dir).status !== 'running' && supervisorsOf(home).length === 0, 30_000);
  const run = loadRun(dir);
  assert.equal(run.status, 'completed', `the run survived the hang-up (${run.statusInfo.reason ?? ''})`);
}

describe('reliability: hang-ups', () => {
  const homes: string[] = [];
  after(() => homes.forEach(killAllOf));

  for (const mode of ['foreground', 'background'] as const) {
    test(`SIGHUP to a ${mode} grun run and its whole session: the run goes on to its end`, async () => {
      const home = emptyHome();
      homes.push(home);
      const cwd = tempDir('grun-hproj-');
      writeFileSync(join(cwd, 'work.sh'), WORK_SH);
      // Its own session, as a login shell's job: setsid makes grun a session leader.
      const args = ['run', '-y', ...(mode === 'background' ? ['-b'] : []), 'work.sh'];
      const p = spawn('setsid', [bin, ...args], { cwd, env: childEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout!.on('data', (c: Buffer) => (out += c));
      p.stderr!.on('data', (c: Buffer) => (out += c));
      if (mode === 'foreground') await waitUntil('output', () => out.includes('ready'), 15_000);
      else await waitUntil('the launch', () => /background/.test(out), 15_000);
      kill(-p.pid!, 'SIGHUP'); // the session's process group, as the kernel does on hang-up
      kill(p.pid!, 'SIGHUP');
      // The supervisor has its own session; a HUP sent to it anyway is ignored.
      for (const pid of supervisorsOf(home)) kill(pid, 'SIGHUP');
      await endsCompleted(home);
    });
  }

  test('a foreground run in tmux survives the terminal going away (tmux server killed)', { skip: !tmuxAvailable && 'tmux is not installed' }, async () => {
    const home = emptyHome();
    homes.push(home);
    const cwd = tempDir('grun-hproj-');
    writeFileSync(join(cwd, 'work.sh'), WORK_SH);
    const t = new TmuxGrun({ columns: 100, rows: 30, cwd, env: { GUILD_HOME: home }, args: ['run', '-y', 'work.sh'] });
    try {
      await t.waitFor(/tick 1/, 15_000);
    } finally {
      t.close(); // every process of the pane's session gets SIGHUP
    }
    await endsCompleted(home);
  });

  for (const sig of ['SIGHUP', 'SIGTERM'] as const) {
    test(`the dashboard in tmux ends on ${sig} and leaves the alternate screen`, { skip: !tmuxAvailable && 'tmux is not installed' }, async () => {
      const home = emptyHome();
      const t = new TmuxGrun({ columns: 100, rows: 30, env: { GUILD_HOME: home } });
      try {
        await t.waitFor(/\S/, 15_000);
        await waitUntil('the alternate screen', () => t.format('#{alternate_on}') === '1', 15_000);
        await sleep(200);
        process.kill(t.grunPid(), sig);
        await t.waitFor(/EXIT=/, 10_000);
        assert.equal(t.format('#{alternate_on}'), '0');
      } finally {
        t.close();
      }
    });
  }
});
