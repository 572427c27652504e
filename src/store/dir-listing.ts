// Directory listings (names with their types) made once for one reading of a run: where a run's
// summary and its scalars are read together (a cold `compare`), both list the run dir and its
// `.guild`, and each listing is a handful of syscalls a run.
import { readdirSync, type Dirent } from 'node:fs';

/** Listings by path (null: the directory could not be listed), for one reading of one run. */
export type Listings = Map<string, Dirent[] | null>;

/** The entries of `dir`, or null when it cannot be listed; from `memo` where it was listed before. */
export function listDir(dir: string, memo?: Listings): Dirent[] | null {
  let entries = memo?.get(dir);
  if (entries !== undefined) return entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    entries = null;
  }
  memo?.set(dir, entries);
  return entries;
}
