// Room to finish a run's record on a full disk. A supervisor reserves a little space in the run
// dir when the run starts; if the disk fills up meanwhile, giving the reserve back lets it still
// write `exit_status` and `stopped`, remove LOCK, and leave a note of what it could not record,
// which the foreground `grun run` reads to say why (rather than the run ending as "supervisor
// gone" with its LOCK left behind).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSmallFile } from './small-file.js';

const RESERVE_FILE = join('.guild', 'grun-reserve');
/** What the supervisor could not record, one line (`.guild/grun-failure`). */
export const FAILURE_FILE = join('.guild', 'grun-failure');
/** Enough for the last attrs, their temp files and the note, on file systems with 4 KiB blocks. */
const RESERVE_BYTES = 128 * 1024;

/** Best effort: a disk already full just leaves no reserve. */
export function reserveSpace(runDir: string): void {
  try {
    writeFileSync(join(runDir, RESERVE_FILE), Buffer.alloc(RESERVE_BYTES));
  } catch {
    rmSync(join(runDir, RESERVE_FILE), { force: true });
  }
}

export function releaseSpace(runDir: string): void {
  rmSync(join(runDir, RESERVE_FILE), { force: true });
}

export function writeFailureNote(runDir: string, message: string): void {
  writeFileSync(join(runDir, FAILURE_FILE), message.replace(/\n/g, ' ') + '\n');
}

/** The supervisor's note of what it could not record, or null. */
export function readFailureNote(runDir: string): string | null {
  try {
    return readSmallFile(join(runDir, FAILURE_FILE), 4096).toString('utf8').trim() || null;
  } catch {
    return null;
  }
}
