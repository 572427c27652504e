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
