// The naive floor of a cold `compare`: a Node script that reads what any comparison of a Guild
// home must, for every run: its opref, the five attrs compare shows (flags, started, stopped,
// exit_status, label), and the bytes of every event file under its dir (found by walking it, as
// Guild does), undecoded, and prints a line a run. `grun compare --csv`, 1k cold, is measured
// beside it (bench/listing.ts): what is left above it is grun's own work.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const runs = join(process.argv[2], 'runs');
const read = (p) => {
  try {
    return readFileSync(p);
  } catch {
    return null;
  }
};
const eventBytes = (dir) => {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += eventBytes(join(dir, e.name));
    else if (e.isFile() && e.name.includes('.tfevents.')) n += read(join(dir, e.name))?.length ?? 0;
  }
  return n;
};
const out = [];
for (const id of readdirSync(runs)) {
  const dir = join(runs, id);
  const g = join(dir, '.guild');
  const opref = read(join(g, 'opref'));
  if (opref === null) continue;
  const attrs = ['flags', 'started', 'stopped', 'exit_status', 'label'].map((a) => read(join(g, 'attrs', a))?.length ?? 0);
  out.push(`${id},${opref.length},${attrs.join(',')},${eventBytes(dir)}`);
}
process.stdout.write(out.join('\n') + '\n');
