// Python's `fnmatch` (`*` and `?` cross `/`; `[seq]`, `[!seq]` classes), as Guild matches
// source code rules and operation specs. Compiled patterns are kept: source walks and filters
// test the same few patterns against many names. A pattern with more than two `*` runs on RE2
// (safe-regex.ts): `*a*a*a*a*a*a*b` backtracks for minutes in a JS RegExp; with one or two a JS
// RegExp is at worst quadratic in a name and many times faster, so the usual rules stay native.
import { SafePattern } from './safe-regex.js';

const compiled = new Map<string, { test(name: string): boolean }>();

/** The anchored pattern of an fnmatch pattern. */
export function fnmatchPattern(pattern: string): { test(name: string): boolean } {
  let rx = compiled.get(pattern);
  if (rx) return rx;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\/\]]/g, '\\$&');
  }
  const stars = pattern.split('*').length - 1;
  rx = stars > 2 ? SafePattern.compile(`(?s)^${re}$`, { what: `pattern '${pattern}' as the regex` }) : new RegExp(`^${re}$`, 's');
  compiled.set(pattern, rx);
  return rx;
}

export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchPattern(pattern).test(name);
}
