// The two orders of text Guild sorts by: Python's own (`sorted`, `<` on strings: by code unit,
// `textCompare`) and `util.natsorted`'s (natsort's default key: `natsortCompare`), for names and
// paths: compare columns, `grun ls`, help and the dashboard's flags. A name is text and unsigned integers in turn,
// compared part by part, text by code unit and integers by value: `x2` before `x10`, `B` and
// `README.md` before `a`, `1a` first (its key starts with empty text). Names of equal keys
// (`a07`, `a7`) are equal, and a stable sort keeps their order, as Python's does.

/** Python's order of two strings (by UTF-16 code unit, which is its code point order below U+D800). */
export const textCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function natsortCompare(a: string, b: string): number {
  const x = natKey(a);
  const y = natKey(b);
  for (let i = 0; i < x.length && i < y.length; i++) {
    const c = i % 2 === 0 ? textCompare(x[i]!, y[i]!) : intOrder(x[i]!, y[i]!);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

/** Text, digits, text, …: empty text first where a name starts with digits, none where it ends with them. */
function natKey(s: string): string[] {
  const parts = s.split(/(\d+)/);
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Two runs of digits by the integers they are, however long. */
function intOrder(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  return x.length - y.length || textCompare(x, y);
}
