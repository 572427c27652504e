// `grun run OP --test-sourcecode`: the engine's source code decision as Guild prints it
// (`run_impl._test_sourcecode`), paths relative to where grun was started.
import { join, relative } from 'node:path';
import { ruleText, type SourceCodeDecision } from '../engine/sourcecode.js';
import { termSafe } from '../store/terminal-text.js';

export function sourceCodeReportLines(d: SourceCodeDecision, from: string): string[] {
  const root = relative(from, d.root) || '.';
  const path = (p: string): string => `  ${termSafe(join(root, p))}`;
  const head = [`Copying from ${root === '.' ? 'the current directory' : `'${termSafe(root)}'`}`, 'Rules:', ...d.rules.map((r) => `  ${termSafe(ruleText(r))}`)];
  if (d.disabled) return [...head, 'Source code copy disabled'];
  return [...head, 'Selected for copy:', ...d.selected.map(path), 'Skipped:', ...d.skipped.map(path)];
}
