// Guild's global `--debug`: grun's debug lines on stderr (the started run's command; its
// environment with DEBUG_ENV=1, secrets left out) and LOG_LEVEL 10 for the run.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome, grunBin, tempDir } from '../helpers/home.js';

function grunEnv(home: string, args: string[], cwd: string, extra: Record<string, string>): { code: number; out: string; err: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GUILD_HOME;
  delete env.DEBUG_ENV;
  Object.assign(env, extra);
  const r = spawnSync(grunBin, ['-H', home, ...args], { encoding: 'utf8', env, cwd, timeout: 60_000 });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
}

describe('--debug', () => {
  const cwd = tempDir('grun-debug-');
  writeFileSync(join(cwd, 'lvl.py'), 'import os\nprint("level", os.environ["LOG_LEVEL"])\n');
  const secret = { MY_PASSWORD: 'hunter2-secret-value', PLAIN_SETTING: 'visible' };

  test("prints the started run's command and, with DEBUG_ENV=1, its environment without secrets; the run logs at level 10", () => {
    const home = emptyHome();
    const r = grunEnv(home, ['--debug', 'run', 'lvl.py', '-y'], cwd, { ...secret, DEBUG_ENV: '1' });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'level 10\n');
    assert.match(r.err, /^DEBUG: \[grun\] starting run [0-9a-f]{32} in .*\nDEBUG: \[grun\] operation command: \['[^']*python[^']*', '-u', '[^']*globals_main\.py', 'lvl\.py'\]\nDEBUG: \[grun\] operation env: \{.*'PLAIN_SETTING': 'visible'.*\}\n$/);
    assert.doesNotMatch(r.err, /MY_PASSWORD|hunter2/);
  });

  test('without DEBUG_ENV the environment is not printed; without --debug nothing is, and the run logs at level 20', () => {
    const home = emptyHome();
    const quiet = grunEnv(home, ['--debug', 'run', 'lvl.py', '-y'], cwd, secret);
    assert.match(quiet.err, /operation command: /);
    assert.doesNotMatch(quiet.err, /operation env/);
    const plain = grunEnv(home, ['run', 'lvl.py', '-y'], cwd, { ...secret, DEBUG_ENV: '1' });
    assert.equal(plain.code, 0, plain.err);
    assert.equal(plain.out, 'level 20\n');
    assert.equal(plain.err, '');
  });
});
