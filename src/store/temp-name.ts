// The prefix of grun's in-flight copies inside `runs/` (an import lands under it, then is
// renamed): shared by the writer (archive.ts) and the listing, which must never show one.
export const TEMP_PREFIX = '.grun-tmp-';
