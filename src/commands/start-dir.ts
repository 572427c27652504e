// Where grun was started: the global `-C DIR` moves the working directory before a command runs,
// and Guild words some paths from where it was started (`run --test-sourcecode`).
let started: string | null = null;

/** Called once, before `-C` changes the working directory. */
export function noteStartDir(): void {
  started ??= process.cwd();
}

export function startDir(): string {
  return started ?? process.cwd();
}
