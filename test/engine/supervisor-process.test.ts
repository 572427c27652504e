import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { grunBin, emptyHome } from '../helpers/home.js';
import { childEnv, grun, project, waitFor } from '../e2e/engine-helpers.js';
import { readAttr } from '../../src/store/attrs.js';
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

  test('it starts without NODE_EXTRA_CA_CERTS (node loads that bundle as it starts), and the run gets and records it', async () => {
    const home = emptyHome();
    const cwd = project({});
    const certs = join(cwd, 'extra-ca.pem');
    writeFileSync(certs, ''); // an empty bundle: node loads it without a warning
    const release = join(cwd, 'release');
    writeFileSync(
      join(cwd, 't.py'),
      `import os, time\nprint(sorted(k for k in os.environ if k.endswith("NODE_EXTRA_CA_CERTS")), os.environ.get("NODE_EXTRA_CA_CERTS"), flush=True)\nwhile not os.path.exists(${JSON.stringify(release)}):\n    time.sleep(0.05)\n`,
    );
    const done = grun(['run', 't.py', '-y'], { cwd, home, env: { NODE_EXTRA_CA_CERTS: certs } });
    let sup: number | undefined;
    await waitFor('the run to start', () => ([sup] = supervisorsOf(home)).length === 1 && readdirSync(join(home, 'runs')).length === 1);
    // the env it was started with (what node read as it started), not what it set since
    const startEnv = readFileSync(`/proc/${sup}/environ`, 'utf8').split('\0');
    assert.equal(startEnv.find((kv) => kv.startsWith('NODE_EXTRA_CA_CERTS=')), undefined);
    writeFileSync(release, '');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `['NODE_EXTRA_CA_CERTS'] ${certs}`);
    const env = readAttr(join(home, 'runs', readdirSync(join(home, 'runs'))[0]!), 'env');
    assert.ok(env.kind === 'ok' && env.value && typeof env.value === 'object' && !Array.isArray(env.value));
    assert.equal(env.value.NODE_EXTRA_CA_CERTS, certs);
    assert.deepEqual(Object.keys(env.value).filter((k) => k.endsWith('NODE_EXTRA_CA_CERTS')), ['NODE_EXTRA_CA_CERTS']);
  });
});
