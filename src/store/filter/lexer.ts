// Tokens of the `-F` filter language, as Guild's `guild/filter.py` lexes them: words are
// case-insensitive keywords or identifiers (`loss`, `flag:lr`, `target/.guild#loss`), numbers
// and quoted strings are decoded the way PyYAML (YAML 1.1) decodes them.
import type { YamlValue } from '../types.js';
import { FilterSyntaxError } from './errors.js';

export type TokenType =
  | 'and'
  | 'or'
  | 'not'
  | 'in'
  | 'is'
  | 'contains'
  | 'true'
  | 'false'
  | 'undefined'
  | 'id'
  | 'number'
  | 'string'
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '('
  | ')'
  | '['
  | ']'
  | ',';

export interface Token {
  type: TokenType;
  /** Source text of the token. */
  text: string;
  /** Decoded value of `number` and `string` tokens; the text itself for `id`. */
  value: YamlValue;
  /** Zero-based offset of the token's first character in the expression. */
  pos: number;
}

const KEYWORDS = new Map<string, TokenType>([
  ['and', 'and'],
  ['or', 'or'],
  ['not', 'not'],
  ['in', 'in'],
  ['is', 'is'],
  ['contains', 'contains'],
  ['true', 'true'],
  ['false', 'false'],
  ['undefined', 'undefined'],
]);

// Guild's NUMBER rule: `-?\.?\d+(\.\d+)?(e(\+|-)?(\d+))?`, tried after identifiers.
const NUMBER_RE = /-?\.?\d+(?:\.\d+)?(?:e[+-]?\d+)?/y;
// An identifier starts with a letter and runs to the next space, comparison or bracket char.
const ID_END = new Set([' ', '\t', '\r', '\n', ',', '<', '>', '!', '=', '(', ')', '[', ']']);

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  const n = expr.length;
  let i = 0;
  while (i < n) {
    const c = expr[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    const pos = i;
    const two = expr.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      const type = two === '<>' ? '!=' : (two as TokenType);
      tokens.push({ type, text: two, value: two, pos });
      i += 2;
      continue;
    }
    if ('=<>()[],'.includes(c)) {
      tokens.push({ type: c as TokenType, text: c, value: c, pos });
      i++;
      continue;
    }
    if (isLetter(c)) {
      let j = i + 1;
      while (j < n && !ID_END.has(expr[j]!)) j++;
      const text = expr.slice(i, j);
      const type = KEYWORDS.get(text.toLowerCase()) ?? 'id';
      tokens.push({ type, text, value: text, pos });
      i = j;
      continue;
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(expr);
    if (m) {
      tokens.push({ type: 'number', text: m[0], value: decodeNumber(m[0]), pos });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = stringEnd(expr, i);
      if (end < 0) throw new FilterSyntaxError(expr, pos, 'unterminated string');
      const text = expr.slice(i, end + 1);
      const body = text.slice(1, -1);
      const value = c === '"' ? decodeDoubleQuoted(expr, pos, body) : body;
      tokens.push({ type: 'string', text, value, pos });
      i = end + 1;
      continue;
    }
    throw new FilterSyntaxError(expr, pos, `unexpected character '${c}'`);
  }
  return tokens;
}

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** Index of the closing quote of the string starting at `start`; backslash escapes the next char. */
function stringEnd(expr: string, start: number): number {
  const quote = expr[start];
  for (let i = start + 1; i < expr.length; i++) {
    const c = expr[i];
    if (c === '\n') return -1;
    if (c === '\\') i++;
    else if (c === quote) return i;
  }
  return -1;
}

/**
 * What PyYAML's implicit resolvers make of a NUMBER token: decimal and `0`-prefixed octal ints,
 * floats that have a dot (an exponent needs a sign), and strings for everything else (`1e5`,
 * `09`, `-.5` stay strings in YAML 1.1, so they never equal a number, as in Guild).
 */
function decodeNumber(text: string): YamlValue {
  if (/^-?(?:0|[1-9]\d*)$/.test(text)) return Number(text);
  if (/^-?0[0-7]+$/.test(text)) return (text.startsWith('-') ? -1 : 1) * parseInt(text.replace('-', ''), 8);
  if (/^-?\d+\.\d*(?:e[+-]\d+)?$/.test(text) || /^\.\d+(?:e[+-]\d+)?$/.test(text)) return Number(text);
  return text;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };

/** A YAML double-quoted scalar body (Guild decodes string tokens with YAML). */
function decodeDoubleQuoted(expr: string, pos: number, body: string): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i] ?? '';
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const len = HEX_ESCAPES[e];
    const hex = len ? body.slice(i + 1, i + 1 + len) : '';
    if (!len || !new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
      throw new FilterSyntaxError(expr, pos + 1 + i - 1, `invalid escape '\\${e}' in string`);
    }
    out += String.fromCodePoint(parseInt(hex, 16));
    i += len;
  }
  return out;
}
