// Shard 0 of the 2 that `npm test` runs side by side (see load.ts).
import { loadTests } from './load.js';

await loadTests({ index: 0, count: 2 });
