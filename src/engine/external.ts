// A program run in the user's terminal while the dashboard steps aside: `$SHELL` in a run's
// directory, `$EDITOR`/`$PAGER` on one of its files. It has the terminal (stdio inherited) until
// it exits; what it exits with is its own business.
import { spawnSync } from 'node:child_process';

/** The command line opening `file` (in `$EDITOR`, else `$PAGER`, else less), or `$SHELL` with none. */
export function externalCommand(env: NodeJS.ProcessEnv, file: string | null): string[] {
  if (file === null) return [env.SHELL || '/bin/sh'];
  const tool = env.EDITOR || env.PAGER || 'less';
  // $EDITOR may carry options (`code -w`): split on blanks as a shell would, without its quoting
  return [...tool.split(/\s+/).filter(Boolean), file];
}

/** Runs `argv` in `cwd` on this terminal and waits for it; an error (no such program) is returned. */
export function runInTerminal(argv: string[], cwd: string): string | null {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, stdio: 'inherit' });
  return r.error ? `cannot run ${argv[0]}: ${r.error.message}` : null;
}
