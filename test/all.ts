// One entry that imports every test file: node:test on Node 20 runs each file in its own
// process otherwise, and each process pays about a second to import ink under tsx.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const only = process.env.GRUN_TEST_ONLY; // substring of a path, to run a subset
const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.test\.tsx?$/.test(f))
  .filter((f) => !only || f.includes(only))
  .sort();
for (const f of files) await import(pathToFileURL(join(root, f)).href);
