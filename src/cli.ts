#!/usr/bin/env node
// JSX-free entry: nothing here may load React. The dashboard path sets NODE_ENV before it
// imports the UI (src/main.ts), so runs launched by CLI commands never inherit it.
// A supervisor (`__supervise RUNDIR --job FILE`, always written so by the engine) skips the
// command line parser and every command: it is on the path from `grun run` to the command.
const argv = process.argv.slice(2);
if (argv.length === 4 && argv[0] === '__supervise' && argv[2] === '--job') {
  const { supervise } = await import('./engine/supervisor.js');
  process.exitCode = await supervise(argv[1]!, argv[3]!);
} else {
  await import('./main.js');
}
