// Temp Guild homes for tests: fixtures are copied (symlinks kept), never used in place.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../..');
const fixturesDir = join(projectRoot, 'test/fixtures');
export const fixtureHome = join(fixturesDir, 'guild-home');
export const samplesDir = join(fixturesDir, 'guild-samples');
export const grunBin = join(projectRoot, 'bin/grun');

// As Guild's own test runner: no `pip freeze` per Python run (seconds each) unless a test asks.
process.env.NO_PIP_FREEZE ??= '1';

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

/**
 * The fixture stores Guild's relative run links (batch trials, pipeline steps, dependency
 * files) as small regular files holding the link text; a copy turns them back into symlinks.
 */
function restoreLinks(runs: string): void {
  for (const id of readdirSync(runs)) {
    const dir = join(runs, id);
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (!st.isFile() || st.size > 200) continue;
      const text = readFileSync(p, 'utf8');
      if (/^\.\.\/[^\n]+$/.test(text)) {
        unlinkSync(p);
        symlinkSync(text, p);
      }
    }
  }
}

function copyInto(src: string, dst: string): void {
  execFileSync('cp', ['-a', `${src}/.`, dst]);
  execFileSync('chmod', ['-R', 'u+w', dst]); // a checkout may be read-only
}

/** A copy of the Guild 0.9.1 fixture home (runs/ and trash/runs/), with its links restored. */
export function copyFixtureHome(): string {
  const home = tempDir('grun-home-');
  copyInto(fixtureHome, home);
  restoreLinks(join(home, 'runs'));
  return home;
}

/** A home whose runs/ is a copy of Guild's `filter-runs` test sample. */
export function copySampleHome(sample = 'filter-runs'): string {
  const home = tempDir('grun-sample-');
  mkdirSync(join(home, 'runs'), { recursive: true });
  copyInto(join(samplesDir, sample), join(home, 'runs'));
  return home;
}

/** An empty Guild home with runs/ made. */
export function emptyHome(): string {
  const home = tempDir('grun-empty-');
  mkdirSync(join(home, 'runs'), { recursive: true });
  return home;
}
