// `.guild/grun-pruned`: why a search pruned a trial (written before the trial is stopped; Guild ignores it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PRUNED_FILE = 'grun-pruned';

/** The reason a trial was pruned, or null. */
export function prunedReason(runDir: string): string | null {
  try {
    return readFileSync(join(runDir, '.guild', PRUNED_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}
