// Python's `fnmatch` (`*` and `?` cross `/`; `[seq]`, `[!seq]` classes), as Guild matches
// source code rules and operation specs. Compiled patterns are kept: source walks and filters
// test the same few patterns against many names.

const compiled = new Map<string, RegExp>();

/** The anchored RegExp of an fnmatch pattern. */
export function fnmatchRegExp(pattern: string): RegExp {
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
  rx = new RegExp(`^${re}$`, 's');
  compiled.set(pattern, rx);
  return rx;
}

export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchRegExp(pattern).test(name);
}
