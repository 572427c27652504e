import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { grunBin } from './helpers/home.js';

test('the built binary starts', () => {
  const out = execFileSync(grunBin, ['--version'], { encoding: 'utf8' });
  assert.match(out, /^\d+\.\d+\.\d+/);
});
