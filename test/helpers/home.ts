// Temp Guild homes for tests: fixtures are copied (symlinks kept), never used in place.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../..');
export const sharedDir = resolve(projectRoot, '../shared');
export const fixtureHome = join(sharedDir, 'fixtures/guild-home');
export const samplesDir = join(sharedDir, 'fixtures/guild-samples');
export const grunBin = join(projectRoot, 'bin/grun');

const made: string[] = [];
process.on('exit', () => {
  if (process.env.GRUN_KEEP_TMP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh empty directory under the OS temp dir, removed when the test process exits. */
export function tempDir(prefix = 'grun-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A copy of the Guild 0.9.1 fixture home (runs/ and trash/runs/). */
export function copyFixtureHome(): string {
  const home = tempDir('grun-home-');
  execFileSync('cp', ['-a', `${fixtureHome}/.`, home]);
  return home;
}

/** A home whose runs/ is a copy of Guild's `filter-runs` test sample. */
export function copySampleHome(sample = 'filter-runs'): string {
  const home = tempDir('grun-sample-');
  mkdirSync(join(home, 'runs'), { recursive: true });
  execFileSync('cp', ['-a', `${join(samplesDir, sample)}/.`, join(home, 'runs')]);
  return home;
}

/** An empty Guild home with runs/ made. */
export function emptyHome(): string {
  const home = tempDir('grun-empty-');
  mkdirSync(join(home, 'runs'), { recursive: true });
  return home;
}
