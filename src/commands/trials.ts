// `grun run --print-trials` and `--save-trials PATH`: the trials a sweep would run, as Guild's
// `batch_util` shows them (`#` and each flag, values as `encode_flag_val`) or saves them (CSV
// of the same text, or JSON of the values), without running any.
import { writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { csvQuote } from '../engine/compare.js';
import type { RunPlan } from '../engine/plan-types.js';
import { GrunError } from '../store/errors.js';
import { encodeFlagVal, pyJson } from '../store/flagfmt.js';
import { termSafe } from '../store/terminal-text.js';
import { isMarkedFloat } from '../store/yaml11.js';
import { formatDir, formatTable, printLines } from './format.js';

/** The flag names of the trials (sorted), and each trial's values as Guild encodes them. */
function table(trials: RunPlan[]): { names: string[]; rows: string[][] } {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.flags)))].sort();
  const rows = trials.map((t) => names.map((n) => (Object.hasOwn(t.flags, n) ? encodeFlagVal(t.flags[n]!, isMarkedFloat(t.flags, n)) : '')));
  return { names, rows };
}

export function printTrials(trials: RunPlan[]): void {
  if (trials.length === 0) return;
  const { names, rows } = table(trials);
  printLines(formatTable([['#', ...names], ...rows.map((r, i) => [String(i + 1), ...r])].map((r) => r.map(termSafe))));
}

/** Writes the trials to `path` (`.csv`, `.json`, or no extension: CSV), relative to the working directory. */
export function saveTrials(trials: RunPlan[], path: string): void {
  const ext = extname(path).toLowerCase();
  if (!['.csv', '.json', ''].includes(ext)) throw new GrunError(`Unsupported extension '${extname(path)}' - use '.csv', '.json', or no extension`);
  const dest = resolve(path);
  process.stdout.write(`Saving trials to ${formatDir(dest)}\n`);
  let text: string;
  if (ext === '.json') {
    text = `[${trials.map((t) => pyJson(t.flags)).join(', ')}]`;
  } else {
    const { names, rows } = table(trials);
    text = [names, ...rows].map((r) => r.map(csvQuote).join(',') + '\n').join('');
  }
  writeFileSync(dest, text);
}
