#!/usr/bin/env node
// JSX-free entry: nothing here may load React. The dashboard path sets NODE_ENV before it
// imports the UI (src/main.ts), so runs launched by CLI commands never inherit it.
const argv = process.argv.slice(2);
/** Options of `grun run` that start no local supervisor (they print, or run elsewhere). */
const NO_LOCAL_RUN = /^(--remote|--executor|--print-cmd|--print-env|--print-trials|--save-trials|--help-op|--help-model|--test-flags|--test-sourcecode|--test-output-scalars|--test-output-attrs|-h|--help)(=|$)/;
if (argv.length === 4 && argv[0] === '__supervise' && argv[2] === '--job') {
  // A supervisor (always started so by the engine) skips the command line parser and every
  // command: it is on the path from `grun run` to the command.
  const { supervise } = await import('./engine/supervisor.js');
  process.exitCode = await supervise(argv[1]!, argv[3]!);
} else {
  // `grun run`'s supervisor loads while this process loads and plans (supervisor-process.ts)
  if (argv[0] === 'run' && !argv.some((a) => NO_LOCAL_RUN.test(a))) (await import('./engine/supervisor-process.js')).prestartSupervisor();
  await import('./main.js');
}
