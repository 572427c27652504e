// Synthetic Guild homes for benchmarks: copies of the fixture's runs under new ids. Files that
// do not differ between copies are hard links, so a 100k-run home costs inodes, not gigabytes.
import { existsSync, linkSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

const fixtureRuns = resolve(import.meta.dirname, '../test/fixtures/guild-home/runs');

/**
 * Completed non-batch fixture runs, the kind a big home is mostly made of, copied beside the
 * homes first so that hard links never cross file systems.
 */
function templates(root: string): string[] {
  const copy = join(root, 'templates');
  if (!existsSync(copy)) {
    mkdirSync(root, { recursive: true });
    execFileSync('cp', ['-a', fixtureRuns, copy]);
  }
  return readdirSync(copy)
    .map((id) => join(copy, id))
    .filter((d) => !existsSync(join(d, '.guild', 'proto')) && existsSync(join(d, '.guild', 'attrs', 'exit_status')));
}

function cloneTree(src: string, dst: string, skip: Set<string>): void {
  mkdirSync(dst, { recursive: true });
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (skip.has(e.name)) continue;
    const s = join(src, e.name);
    const d = join(dst, e.name);
    if (e.isSymbolicLink()) symlinkSync(readlinkSync(s), d);
    else if (e.isDirectory()) cloneTree(s, d, skip);
    else linkSync(s, d);
  }
}

/** Builds (once) and returns a home with `n` runs under `root/home-<n>`. */
export function syntheticHome(root: string, n: number): string {
  const home = join(root, `home-${n}`);
  const done = join(home, '.complete');
  if (existsSync(done)) return home;
  const tpl = templates(root);
  const t0 = Date.UTC(2026, 0, 1) * 1000;
  for (let i = 0; i < n; i++) {
    const id = randomBytes(16).toString('hex');
    const dir = join(home, 'runs', id);
    const src = tpl[i % tpl.length]!;
    cloneTree(src, dir, new Set(['id', 'started', 'initialized', 'stopped']));
    const started = t0 + i * 60_000_000;
    writeFileSync(join(dir, '.guild', 'attrs', 'id'), `${id}\n`);
    writeFileSync(join(dir, '.guild', 'attrs', 'initialized'), `${started - 1000}\n`);
    writeFileSync(join(dir, '.guild', 'attrs', 'started'), `${started}\n`);
    writeFileSync(join(dir, '.guild', 'attrs', 'stopped'), `${started + 2_000_000}\n`);
  }
  writeFileSync(done, `${n}\n`);
  return home;
}
