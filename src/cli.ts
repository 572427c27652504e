#!/usr/bin/env node
// JSX-free entry: nothing here may load React. The dashboard path sets NODE_ENV before it
// imports the UI (src/main.ts), so runs launched by CLI commands never inherit it.
await import('./main.js');
