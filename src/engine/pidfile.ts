// Guild's daemon pidfile: a background run (or batch) that was given no `--pidfile` gets one of
// grun's own, in a temporary directory, which its process removes as it ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const PREFIX = 'grun-pid-';

export function tempPidfile(): string {
  return join(mkdtempSync(join(tmpdir(), PREFIX)), 'pid');
}

/** Removes a pidfile `tempPidfile` made, with its directory (never anything else). */
export function removeTempPidfile(path: string): void {
  if (basename(path) !== 'pid' || !basename(dirname(path)).startsWith(PREFIX)) return;
  rmSync(dirname(path), { recursive: true, force: true });
}
