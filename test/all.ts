// Every test file in this one process (`GRUN_TEST_ONLY=substring` for a subset).
import { loadTests } from './load.js';

await loadTests();
