// The naive floor of a full listing: a Node script that reads opref and three attrs of every
// run and prints them as JSON. `grun runs -a --json` is measured against it (bench/listing.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const runs = join(process.argv[2], 'runs');
const read = (p) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
};
const out = [];
for (const id of readdirSync(runs)) {
  const g = join(runs, id, '.guild');
  const opref = read(join(g, 'opref'));
  if (opref === null) continue;
  out.push({ id, opref, started: read(join(g, 'attrs', 'started')), exit_status: read(join(g, 'attrs', 'exit_status')), label: read(join(g, 'attrs', 'label')) });
}
process.stdout.write(JSON.stringify(out));
