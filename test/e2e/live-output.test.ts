// Live output as a terminal shows it: a progress bar redrawn with `\r` is visible while its line
// is still being written (`grun run` in the foreground, `grun watch`, the dashboard's attach and
// output tab), `output`/`output.index` stay as Guild writes them; `grun watch -n`.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome, grunBin, tempDir } from '../helpers/home.js';
import { childEnv, grun, onlyRunDir, project, waitFor } from './engine-helpers.js';
import { TmuxGrun, withTmux, tmuxSkip } from './tmux.js';

const skip = tmuxSkip;

/** Prints `start`, then redraws one stderr line three times, each step waiting for a gate file. */
const PROGRESS = `import os, sys, time
gate = ""
def wait(name):
    path = os.path.join(gate, name)
    while not os.path.exists(path):
        time.sleep(0.05)
print("start", flush=True)
wait("go0")
for k in (1, 2, 3):
    sys.stderr.write("\\rprogress %d/3" % k)
    sys.stderr.flush()
    wait("go%d" % k)
sys.stderr.write("\\n")
`;

/** What the run's output holds, byte for byte, and its index streams (Guild's RunOutput). */
const OUTPUT = 'start\n\rprogress 1/3\rprogress 2/3\rprogress 3/3\n';

function checkStored(runDir: string): void {
  assert.equal(readFileSync(join(runDir, '.guild', 'output'), 'utf8'), OUTPUT);
  const index = readFileSync(join(runDir, '.guild', 'output.index'));
  assert.equal(index.length, 18, 'two records: one per ended line');
  assert.deepEqual([index[8], index[17]], [0, 1], 'stdout line, then the stderr line');
}

const open = (gate: string, name: string): void => writeFileSync(join(gate, name), '');

/** Lets the script step through its redraws, each seen on screen while its line is open. */
async function stepThrough(t: TmuxGrun, gate: string, after?: (k: number) => Promise<void>): Promise<void> {
  await t.waitFor(/start/, 20_000);
  open(gate, 'go0');
  for (const k of [1, 2, 3]) {
    const s = await t.waitFor(new RegExp(`progress ${k}/3`), 15_000);
    if (k > 1) assert.doesNotMatch(s, new RegExp(`progress ${k - 1}/3`), 'redrawn in place');
    await after?.(k);
    open(gate, `go${k}`);
  }
}

/** The progress script started in the background, waiting at its first gate. */
async function backgroundProgress(): Promise<{ home: string; gate: string; runDir: string }> {
  const home = emptyHome();
  const gate = tempDir('grun-gate-');
  const dir = project({ 'prog.py': PROGRESS });
  const r = await grun(['run', 'prog.py', `gate=${gate}`, '-b', '-y'], { cwd: dir, home });
  assert.equal(r.code, 0, r.stderr);
  return { home, gate, runDir: onlyRunDir(home) };
}

describe('a line redrawn with \\r shows live', { skip }, () => {
  test('grun run in the foreground', async () => {
    const home = emptyHome();
    const gate = tempDir('grun-gate-');
    const dir = project({ 'prog.py': PROGRESS });
    await withTmux({ columns: 80, rows: 12, cwd: dir, env: { GUILD_HOME: home }, args: ['run', 'prog.py', `gate=${gate}`, '-y'] }, async (t) => {
      await stepThrough(t, gate);
      const s = await t.waitFor(/EXIT=0/, 15_000);
      assert.match(s, /start\nprogress 3\/3\n/);
    });
    checkStored(onlyRunDir(home));
  });

  test('grun watch, after it says which run it watches', async () => {
    const { home, gate, runDir } = await backgroundProgress();
    const id = runDir.split('/').at(-1)!;
    await withTmux({ columns: 80, rows: 12, env: { GUILD_HOME: home }, args: ['watch'] }, async (t) => {
      await t.waitFor(new RegExp(`^Watching run ${id}\\n`), 15_000);
      await stepThrough(t, gate);
      const s = await t.waitFor(/EXIT=0/, 15_000);
      assert.match(s, new RegExp(`progress 3/3\\nRun ${id} stopped with a status of 'completed'`));
    });
    checkStored(runDir);
  });

  test("the dashboard's attach and output tab", async () => {
    const { home, gate, runDir } = await backgroundProgress();
    await withTmux({ columns: 80, rows: 24, env: { GUILD_HOME: home } }, async (t) => {
      await t.waitFor(/1\/1 runs/, 20_000);
      t.keys('w');
      await stepThrough(t, gate, async (k) => {
        if (k !== 2) return;
        // the same open line in the run's output tab
        t.keys('Escape');
        await t.waitFor(/Enter open/);
        t.keys('Enter');
        await t.waitFor(/overview/i);
        t.keys('4');
        await t.waitFor(/progress 2\/3/);
        t.keys('w');
        await t.waitFor(/progress 2\/3/);
      });
      await waitFor('the run to end', () => existsSync(join(runDir, '.guild', 'attrs', 'exit_status')), 15_000);
      await t.waitFor(/progress 3\/3/);
      t.keys('C-c');
      await t.waitFor(/EXIT=0/);
    });
    checkStored(runDir);
  });
});

describe('grun watch -n/--tail', () => {
  const LINES = 'for i in range(3000):\n    print("line", i)\n';

  async function finishedRun(): Promise<{ home: string; id: string }> {
    const home = emptyHome();
    const dir = project({ 'lines.py': LINES });
    const r = await grun(['run', 'lines.py', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    return { home, id: onlyRunDir(home).split('/').at(-1)! };
  }

  test('piped: -n N prints the last N lines; without -n, all of them; the run watched goes to stderr first', async () => {
    const { home, id } = await finishedRun();
    const five = await grun(['watch', id, '-n', '5'], { cwd: home, home });
    assert.equal(five.code, 0, five.stderr);
    assert.equal(five.stdout, `line 2995\nline 2996\nline 2997\nline 2998\nline 2999\nRun ${id} stopped with a status of 'completed'\n`);
    assert.equal(five.stderr, `Watching run ${id}\n`);
    const all = await grun(['watch', id], { cwd: home, home });
    assert.equal(all.stdout.split('\n').length, 3002);
    const none = await grun(['watch', id, '--tail', '0'], { cwd: home, home });
    assert.equal(none.stdout, `Run ${id} stopped with a status of 'completed'\n`);
    const bad = await grun(['watch', id, '-n', 'many'], { cwd: home, home });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid value 'many' for --tail: expected a whole number/);
  });

  test('piped: the output file byte for byte (CRLF, invalid UTF-8, a last line without LF), while the run writes it', async () => {
    const home = emptyHome();
    const gate = tempDir('grun-gate-');
    const script = `import os, sys, time
sys.stdout.buffer.write(b"crlf\\r\\n\\xff\\xfe bad utf-8\\n")
sys.stdout.flush()
while not os.path.exists(os.path.join(${JSON.stringify(gate)}, "go")):
    time.sleep(0.05)
sys.stdout.buffer.write(b"tab\\there\\nno newline at the end")
sys.stdout.flush()
`;
    const dir = project({ 'bytes.py': script });
    const r = await grun(['run', 'bytes.py', '-b', '-y'], { cwd: dir, home });
    assert.equal(r.code, 0, r.stderr);
    const runDir = onlyRunDir(home);
    const id = runDir.split('/').at(-1)!;
    const out = join(tempDir('grun-watch-'), 'watched');
    const watch = spawn(grunBin, ['watch', id], { cwd: home, env: childEnv(home), stdio: ['ignore', openSync(out, 'w'), 'pipe'] });
    const ended = new Promise<number | null>((res) => watch.on('close', res));
    // the first lines reach the pipe while the run still waits at its gate
    await waitFor('the first lines in the pipe', () => existsSync(out) && readFileSync(out).includes(Buffer.from('bad utf-8\n')), 20_000);
    writeFileSync(join(gate, 'go'), '');
    assert.equal(await ended, 0);
    const stored = readFileSync(join(runDir, '.guild', 'output'));
    assert.ok(stored.includes(Buffer.from([0xff, 0xfe])), 'the run wrote invalid UTF-8');
    const trailer = Buffer.from(`\nRun ${id} stopped with a status of 'completed'\n`);
    assert.deepEqual(readFileSync(out), Buffer.concat([stored, trailer]));
  });

  test('on a terminal: a screenful by default', { skip }, async () => {
    const { home, id } = await finishedRun();
    await withTmux({ columns: 80, rows: 12, env: { GUILD_HOME: home }, args: ['watch', id] }, async (t) => {
      // rows less 3: `Watching run`, the status line and the prompt's row
      await t.waitFor(/EXIT=0/, 15_000);
      const history = t.tmux('capture-pane', '-p', '-S', '-', '-t', 'grun').trimEnd().split('\n');
      assert.deepEqual(history, [
        `Watching run ${id}`,
        ...Array.from({ length: 9 }, (_, i) => `line ${2991 + i}`),
        `Run ${id} stopped with a status of 'completed'`,
        'EXIT=0',
      ]);
    });
  });
});

