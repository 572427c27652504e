// Shard 1 of the 2 that `npm test` runs side by side (see load.ts).
import { loadTests } from './load.js';

await loadTests({ index: 1, count: 2 });
