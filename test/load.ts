// Imports the test files: all of them (test/all.ts), or one of the shards `npm test` runs side by
// side (test/shard-*.ts). node:test on Node 20 runs each file given to it in its own process, and
// each process pays about a second to import ink under tsx: so a few entries, each importing many.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** Tests of the one Slurm node and the one loopback sshd: in one shard, so they never queue behind each other. */
const sharesCluster = (f: string): boolean => /slurm|remote/.test(f);

export async function loadTests(shard?: { index: number; count: number }): Promise<void> {
  const only = process.env.GRUN_TEST_ONLY; // substring of a path, to run a subset
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.test\.tsx?$/.test(f))
    .filter((f) => !only || f.includes(only))
    .sort();
  const rest = files.filter((f) => !sharesCluster(f));
  // the cluster's tests in shard 0, the others dealt out in turn from the last shard on
  const inShard = (f: string): boolean =>
    !shard || (sharesCluster(f) ? shard.index === 0 : (shard.count - 1 - (rest.indexOf(f) % shard.count)) === shard.index);
  for (const f of files.filter(inShard)) await import(pathToFileURL(join(root, f)).href);
}
