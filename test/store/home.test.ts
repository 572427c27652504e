import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveGuildHome } from '../../src/store/home.js';
import { tempDir } from '../helpers/home.js';

test('home resolution follows Guild 0.9 order', () => {
  const user = tempDir();
  const proj = join(user, 'proj', 'sub', 'deep');
  mkdirSync(proj, { recursive: true });
  const env = { HOME: user } as NodeJS.ProcessEnv;
  assert.equal(resolveGuildHome({ env, cwd: proj }), join(user, '.guild'), 'falls back to ~/.guild');
  mkdirSync(join(user, 'proj', '.guild'));
  assert.equal(resolveGuildHome({ env, cwd: proj }), join(user, 'proj', '.guild'), 'nearest .guild up from cwd');
  const venv = join(user, 'venv');
  assert.equal(resolveGuildHome({ env: { ...env, VIRTUAL_ENV: venv }, cwd: proj }), join(user, 'proj', '.guild'), 'venv .guild must exist');
  mkdirSync(join(venv, '.guild'), { recursive: true });
  assert.equal(resolveGuildHome({ env: { ...env, VIRTUAL_ENV: venv }, cwd: proj }), join(venv, '.guild'));
  assert.equal(resolveGuildHome({ env: { ...env, VIRTUAL_ENV: venv, GUILD_HOME: '/g' }, cwd: proj }), '/g');
  assert.equal(resolveGuildHome({ home: 'h', env: { ...env, GUILD_HOME: '/g' }, cwd: '/x' }), '/x/h');
  assert.equal(
    resolveGuildHome({ env: { ...env, GUILD_HOME_SCHEME: 'pre-0.9', CONDA_PREFIX: '/conda' }, cwd: proj }),
    '/conda/.guild',
  );
});

test("a run's own .guild directory is never taken for a home", () => {
  const user = tempDir();
  const runDir = join(user, 'somewhere', 'run1');
  mkdirSync(join(runDir, '.guild'), { recursive: true });
  writeFileSync(join(runDir, '.guild', 'opref'), "script:/p '' '' t.py");
  assert.equal(resolveGuildHome({ env: { HOME: user }, cwd: runDir }), join(user, '.guild'));
});
