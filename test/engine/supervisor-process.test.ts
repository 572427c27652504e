import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { grunBin, emptyHome } from '../helpers/home.js';
import { childEnv, project, waitFor } from '../e2e/engine-helpers.js';
import { supervisorsOf } from '../reliability/helpers.js';

describe('the supervisor grun run starts at once', () => {
  test('it waits while the launcher asks; a launcher that ends without a run leaves no process, temp dir or run', async () => {
    const home = emptyHome();
    const cwd = project({ 't.py': 'print("hi")\n' });
    // on a terminal (script(1)), without -y: the launcher stops at its confirmation
    const launcher = spawn('script', ['-qec', `${grunBin} run t.py`, '/dev/null'], { cwd, env: childEnv(home), stdio: ['pipe', 'pipe', 'pipe'] });
    let shown = '';
    launcher.stdout.on('data', (c: Buffer) => (shown += c.toString()));
    await waitFor('the confirmation', () => shown.includes('Continue?'));
    const [waiting] = supervisorsOf(home);
    assert.ok(waiting, 'a supervisor is already there');
    const argv = readFileSync(`/proc/${waiting}/cmdline`, 'utf8').split('\0').filter(Boolean);
    assert.deepEqual(argv.slice(-4, -1), ['__supervise', '-', '--job']);
    const tmp = dirname(argv.at(-1)!);
    assert.ok(existsSync(tmp));
    launcher.stdin.end('n\n');
    await new Promise((r) => launcher.once('close', r));
    await waitFor('the waiting supervisor to end', () => supervisorsOf(home).length === 0);
    assert.equal(existsSync(tmp), false, 'its temp dir is removed');
    assert.deepEqual(existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : [], []);
  });
});
