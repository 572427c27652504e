// `npm run bench [-- NAME...]`: runs the named benchmarks (default: all), one after another.
// Each bench/<name>.ts prints its own figures; the built binary must be current (`npm run build`).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const HELPERS = new Set(['all', 'dashboard-bytes', 'dashboard-start', 'guild', 'measure', 'synthetic-home']);
const available = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .filter((n) => !HELPERS.has(n));
const wanted = process.argv.slice(2);
for (const name of wanted) if (!available.includes(name)) throw new Error(`no benchmark '${name}' (have: ${available.join(', ')})`);
for (const name of wanted.length ? wanted : available) {
  console.log(`\n## ${name}\n`);
  await import(pathToFileURL(join(import.meta.dirname, `${name}.ts`)).href);
}
