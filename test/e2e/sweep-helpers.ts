// Shared by the sweep tests: the seed document's operation and run definition.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/home.js';

/** The seed document's operation: epsilon and uri required, level defaulted. */
export const GEOI_GUILD_YML = `geoi:
  main: geoi
  flags-dest: args
  flags:
    epsilon: {type: float, required: yes}
    uri: {type: string, required: yes}
    level: {type: int, default: 15}
train:
  main: train
  flags-dest: args
  flags:
    lr: 0.1
    epochs: 1
sim:
  main: train
  flags-dest: args
  flags:
    size: 1
    seed: {type: int, default: 0}
`;

/** The seed document's example: 3 repeats x log epsilon (6 values) x 2 uris = 36 children. */
export const SEED_EXAMPLE = JSON.stringify({
  workflow: 'geoi',
  name: 'Geo-I sweep',
  notes: 'epsilon by decade',
  tags: ['geoi', 'paper'],
  seed: 42,
  repeat: 3,
  params: {
    epsilon: { from: 0.00001, to: 1, log: true },
    uri: { values: ['/path/to/geolife', '/path/to/cabspotting'] },
  },
});

export function geoiProject(): string {
  const dir = tempDir('grun-geoi-');
  writeFileSync(join(dir, 'guild.yml'), GEOI_GUILD_YML);
  writeFileSync(join(dir, 'geoi.py'), 'print("ok")\n');
  writeFileSync(join(dir, 'train.py'), 'print("ok")\n');
  return dir;
}
