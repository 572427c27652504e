// grun's compatibility package `guild` (`python/guild/`: `guild.summary.SummaryWriter`,
// `guild.util.touch`), so that a project's scripts that import Guild's Python API run unchanged
// without Guild installed. The package hands itself over to a real Guild found elsewhere on
// sys.path (python/guild/__init__.py), so it never shadows one.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `python/` beside `src/` and `dist/` (both two levels above this module): the directory holding `guild/`. */
export const PYTHON_API_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../python');
