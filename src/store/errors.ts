/** An error meant for the user: main prints `grun: <message>` and exits with `exitCode`, no stack. */
export class GrunError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
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
