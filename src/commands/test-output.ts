// `grun run OP --test-output-scalars PATH` and `--test-output-attrs PATH`, Guild's `_test_output`:
// each line of PATH (`-`: stdin), then each of the operation's patterns with the groups of its
// matches and what they would log, written as Guild writes them (Python reprs), so that a
// guild.yml pattern can be tried without a run.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { GrunError } from '../store/errors.js';
import { pyStrRepr } from '../store/flagfmt.js';
import { outputTester, type OutputScalarsConfig, type PatternTry } from '../store/output-scalars.js';
import { termSafe } from '../store/terminal-text.js';
import { pyFloatRepr } from '../store/yaml11.js';
import { dim, runText } from './format.js';

/** `[('loss', '0.5')]`: Python's `str` of a list of match groups. */
const groupsRepr = (matches: PatternTry['matches']): string =>
  `[${matches.map((g) => `(${g.map((s) => (s === null ? 'None' : pyStrRepr(s))).join(', ')}${g.length === 1 ? ',' : ''})`).join(', ')}]`;

/** `loss=0.5, step=2.0`: what the matches assign, as Guild's f-string shows each value. */
const assigns = (vals: PatternTry['vals']): string =>
  vals.map(([k, v]) => `${k ?? 'None'}=${typeof v === 'number' ? pyFloatRepr(v) : v}`).join(', ');

export async function testOutput(config: OutputScalarsConfig, kind: 'scalars' | 'attrs', path: string): Promise<void> {
  if (config === false || (Array.isArray(config) && config.length === 0)) {
    process.stderr.write(`Output ${kind} disabled, nothing to test\n`);
    return;
  }
  if (path !== '-' && !existsSync(path)) throw new GrunError(`${path} does not exist`);
  const tester = outputTester(config, kind);
  for (const w of tester.warnings) process.stderr.write(`WARNING: ${termSafe(w)}\n`);
  const typed = path === '-' && process.stdin.isTTY === true;
  if (typed) process.stderr.write('Type patterns and press Enter to test. Use Ctrl-c or empty line to exit.\n');
  const input = path === '-' ? process.stdin : createReadStream(path);
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    const line = raw.trimEnd();
    if (typed && line === '') break;
    const out = [runText(line)];
    for (const t of tester.tryLine(line)) {
      const pattern = pyStrRepr(t.pattern);
      out.push(t.matches.length === 0 ? dim(runText(`  ${pattern}: <no matches>`)) : runText(`  ${pattern}: ${groupsRepr(t.matches)} (${assigns(t.vals)})`));
    }
    process.stdout.write(out.join('\n') + '\n');
  }
}
