// Guild's global `--debug`: grun's own debug messages on stderr, as Guild logs them
// (`DEBUG: [grun] …`), and the runs it starts get LOG_LEVEL 10 (Guild's DEBUG) instead of 20.
let enabled = false;

export function setDebug(on: boolean): void {
  enabled = on;
}

export function debugEnabled(): boolean {
  return enabled;
}

/** One debug message, written only under `--debug`. */
export function debugLog(message: string): void {
  if (enabled) process.stderr.write(`DEBUG: [grun] ${message}\n`);
}
