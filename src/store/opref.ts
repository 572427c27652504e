// `.guild/opref`: `PKGTYPE:PKGNAME PKGVERSION MODEL OPNAME`, shell-quoted (guild/opref.py), and
// the operation name Guild displays for it (run_util.format_operation).
import { GrunError } from './errors.js';
import type { Opref } from './types.js';

const SHLEX_UNSAFE = /[^\w@%+=:,./-]/;

/** Python's `shlex.quote`. */
export function shlexQuote(s: string): string {
  if (s === '') return "''";
  if (!SHLEX_UNSAFE.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}

/** Guild's `util.shlex_quote`: `shlex.quote`, a value quoted whole in single quotes written `"'…'"` (`--print-cmd`). */
export function guildShlexQuote(s: string): string {
  const q = shlexQuote(s);
  const start = `''"'"'`;
  const end = `'"'"''`;
  return q.length >= start.length + end.length && q.startsWith(start) && q.endsWith(end) ? `"'${q.slice(start.length, -end.length)}'"` : q;
}

/** Python's `shlex.split(s)` (POSIX mode, no comments). Throws GrunError on unbalanced quotes. */
export function shlexSplit(s: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let inToken = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inToken) tokens.push(token);
      token = '';
      inToken = false;
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new GrunError(`cannot split ${JSON.stringify(s)}: no escaped character after '\\'`);
      token += s[++i];
      inToken = true;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end === -1) throw new GrunError(`cannot split ${JSON.stringify(s)}: no closing quotation`);
      token += s.slice(i + 1, end);
      i = end;
      inToken = true;
    } else if (c === '"') {
      // Inside double quotes a backslash escapes only `"` and `\`.
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        if (s[j] === '\\' && (s[j + 1] === '"' || s[j + 1] === '\\')) j++;
        token += s[j];
      }
      if (j >= s.length) throw new GrunError(`cannot split ${JSON.stringify(s)}: no closing quotation`);
      i = j;
      inToken = true;
    } else {
      token += c;
      inToken = true;
    }
  }
  if (inToken) tokens.push(token);
  return tokens;
}

/** Parses an opref file's text (Guild's `OpRef.parse`). */
export function parseOpref(text: string): Opref {
  const expected = "expected 'PKGTYPE:PKGNAME PKGVERSION MODEL OPNAME'";
  let parts: string[];
  try {
    parts = shlexSplit(text);
  } catch (e) {
    throw new GrunError(`invalid opref ${JSON.stringify(text)}: ${(e as Error).message.replace(/^cannot split .*?: /, '')}`);
  }
  if (parts.length !== 4) {
    throw new GrunError(`invalid opref ${JSON.stringify(text)}: ${expected}, found ${parts.length} token(s)`);
  }
  const [typeAndName, pkgVersion, modelName, opName] = parts;
  const colon = typeAndName.indexOf(':');
  if (colon === -1) throw new GrunError(`invalid opref ${JSON.stringify(text)}: ${expected}, no ':' in '${typeAndName}'`);
  return { pkgType: typeAndName.slice(0, colon), pkgName: typeAndName.slice(colon + 1), pkgVersion, modelName, opName };
}

/** The opref file's text, without a trailing newline, as Guild's `str(opref)`. */
export function encodeOpref(o: Opref): string {
  const q = guildShlexQuote;
  return `${q(o.pkgType)}:${q(o.pkgName)} ${q(o.pkgVersion)} ${q(o.modelName)} ${q(o.opName)}`;
}

function baseOperation(o: Opref): string {
  const full = o.modelName ? `${o.modelName}:${o.opName}` : o.opName;
  switch (o.pkgType) {
    case 'guildfile':
    case 'script':
    case 'builtin':
    case 'test':
    case 'import':
      return full;
    case 'package':
      return o.modelName ? `${o.pkgName}/${o.modelName}:${o.opName}` : `${o.pkgName}/${o.opName}`;
    case 'pending':
      return o.opName;
    case 'func':
      return `${o.opName}()`;
    default:
      return '?';
  }
}

/**
 * The operation as `guild runs` shows it. A batch run (one with a proto) shows the proto's
 * operation, then `+` unless its own starts with one, then its own: `train.py+`,
 * `train.py+skopt:random`.
 */
export function formatOperation(o: Opref | null, proto?: Opref | null): string {
  const base = o ? baseOperation(o) : '?';
  if (!proto) return base;
  return baseOperation(proto) + (base.startsWith('+') ? '' : '+') + base;
}
