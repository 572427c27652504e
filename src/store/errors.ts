/** What the system said, in words, with its code: `the disk is full (ENOSPC)`. */
const SYSTEM_REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full (ENOSPC)',
  EDQUOT: 'the disk quota is exceeded (EDQUOT)',
  EROFS: 'the file system is read-only (EROFS)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
};

/** The reason of a failed system call as the user should read it, or null for another error. */
export function systemReason(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? (SYSTEM_REASONS[code] ?? null) : null;
}

/**
 * An error meant for the user: main prints `grun: <message>` (then `hint`, Guild's second line
 * that says what to do, on its own line) and exits with `exitCode`, no stack.
 */
export class GrunError extends Error {
  /** `hint`: a line of grun's own printed under the message (`Use --force-flags to …`). */
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'GrunError';
  }
}

/**
 * A command line that does not make sense (options that exclude each other, a bad option value):
 * main adds Guild's `Try 'grun CMD --help' for more information.`
 */
export class UsageError extends GrunError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'UsageError';
  }
}
