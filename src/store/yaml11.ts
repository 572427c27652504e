// YAML 1.1 exactly as Guild 0.9 reads and writes attr files: PyYAML `safe_load` / `safe_dump`
// plus the two patches `guild/yaml_util.py` applies (floats without a dot such as `1e-05`;
// strict quoting of single-char `y/Y/n/N` when writing).
// Hand-written rather than built on the `yaml` package: attrs need PyYAML's exact emitter bytes
// (quoting, folding at column 80, key sorting) and 1.1 resolution, which no JS library reproduces.
import { GrunError } from './errors.js';
import type { YamlValue } from './types.js';

/** Unparsable YAML. `line` and `column` are 1-based. */
export class YamlError extends GrunError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'YamlError';
  }
}

// ---------------------------------------------------------------------------------------------
// Integral floats. JS has one number type, Python two: `0.0` and `0` must survive a round trip.
// The reader records which entries of a map or list are integral floats under a hidden symbol;
// the encoder writes those entries as floats. Spreading or copying a container drops the marks.

const FLOATS = Symbol('grun.yamlFloats');
type Container = { [key: string]: unknown } | unknown[];
type Marked = Container & { [FLOATS]?: Set<string | number> };

/** Marks `container[key]` (an integral number) as a Python float: encoded `1.0`, not `1`. */
export function markFloat(container: Container, key: string | number): void {
  const c = container as Marked;
  let set = c[FLOATS];
  if (!set) {
    set = new Set();
    Object.defineProperty(c, FLOATS, { value: set, enumerable: false });
  }
  set.add(Array.isArray(container) ? Number(key) : String(key));
}

/** Whether `container[key]` was read as (or marked) a float. */
export function isMarkedFloat(container: Container, key: string | number): boolean {
  const set = (container as Marked)[FLOATS];
  return set !== undefined && set.has(Array.isArray(container) ? Number(key) : String(key));
}

/** A float whose value is integral, in flight inside the parser until its container marks it. */
class IntegralFloat {
  constructor(readonly value: number) {}
}

// ---------------------------------------------------------------------------------------------
// Implicit resolution (PyYAML `resolver.py`, with Guild's patched float pattern).

type Tag = 'str' | 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'merge' | 'value';

const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
// Guild's `patch_yaml_resolver` pattern; it is a superset of PyYAML's own float pattern.
const FLOAT_RE =
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP_RE =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;

/** The tag a plain scalar resolves to. `strictBools` adds `y/Y/n/N` (Guild's encoder patch). */
function plainTag(s: string, strictBools: boolean): Tag {
  if (s === '') return 'null';
  const c = s[0];
  switch (c) {
    case '~':
      return s === '~' ? 'null' : 'str';
    case '<':
      return s === '<<' ? 'merge' : 'str';
    case '=':
      return s === '=' ? 'value' : 'str';
    case 'n':
    case 'N':
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case 'f':
    case 'F':
    case 'o':
    case 'O':
      if (s === 'null' || s === 'Null' || s === 'NULL') return 'null';
      if (BOOL_RE.test(s)) return 'bool';
      if (strictBools && s.length === 1 && 'yYnN'.includes(c)) return 'bool';
      return 'str';
    default:
      if ((c >= '0' && c <= '9') || c === '-' || c === '+' || c === '.') {
        if (c !== '.' && INT_RE.test(s)) return 'int';
        if (FLOAT_RE.test(s)) return 'float';
        if (c >= '0' && c <= '9' && TIMESTAMP_RE.test(s)) return 'timestamp';
      }
      return 'str';
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function constructInt(text: string): number | bigint | undefined {
  let v = text.replace(/_/g, '');
  let sign = 1n;
  if (v[0] === '-') sign = -1n;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  let n: bigint;
  if (v === '0') return 0;
  if (v.startsWith('0b') || v.startsWith('0x')) {
    if (v.length === 2) return undefined; // `0x_`: Python's int() rejects it too
    n = BigInt(v);
  } else if (v[0] === '0') {
    n = BigInt('0o' + v.slice(1));
  } else if (v.includes(':')) {
    n = 0n;
    for (const part of v.split(':')) n = n * 60n + BigInt(part);
  } else {
    n = BigInt(v);
  }
  n *= sign;
  return n > MAX_SAFE || n < -MAX_SAFE ? n : Number(n);
}

function constructFloat(text: string): number | undefined {
  let v = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v[0] === '-') sign = -1;
  if (v[0] === '-' || v[0] === '+') v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) {
    let n = 0;
    for (const part of v.split(':')) n = n * 60 + Number(part);
    return sign * n;
  }
  const n = Number(v);
  return Number.isNaN(n) ? undefined : sign * n; // `._` matches the pattern but is no number
}

// ---------------------------------------------------------------------------------------------
// Reader.

type Parsed = YamlValue | bigint | IntegralFloat;

const isBlankOrEnd = (c: string | undefined): boolean =>
  c === undefined || c === ' ' || c === '\t' || c === '\n';
const FLOW_INDICATORS = ',[]{}';
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\x08',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\x0b',
  f: '\x0c',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '\\': '\\',
  '/': '/',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_ESCAPES: Record<string, number> = { x: 2, u: 4, U: 8 };
const NON_PRINTABLE = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** A mapping key as scanned: `merge` for a plain `<<` (YAML 1.1 merge key). */
interface Key {
  key: string;
  merge: boolean;
}

/** A scalar as scanned, before tag resolution. */
interface Scalar {
  text: string;
  plain: boolean;
}

class Parser {
  private pos = 0;
  private readonly anchors = new Map<string, Parsed>();

  constructor(private readonly s: string) {}

  parse(): Parsed {
    const bad = NON_PRINTABLE.exec(this.s);
    if (bad) {
      const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      this.fail(`special characters are not allowed (#x${code})`, bad.index);
    }
    this.skipBlank();
    while (this.s[this.pos] === '%' && this.col() === 0) {
      this.pos = this.lineEnd(this.pos);
      this.skipBlank();
    }
    let explicit = false;
    if (this.atMarker('---')) {
      this.pos += 3;
      explicit = true;
    }
    const value = this.blockNode(-1, explicit, true, false);
    this.skipBlank();
    if (this.atMarker('...')) {
      this.pos += 3;
      this.skipBlank();
    }
    if (this.pos < this.s.length) {
      this.fail(
        this.atMarker('---') ? 'expected a single document in the stream' : 'expected <document end>',
      );
    }
    return value;
  }

  // -- positions and errors --

  private fail(message: string, at = this.pos): never {
    let line = 1;
    let start = 0;
    for (let i = this.s.indexOf('\n'); i !== -1 && i < at; i = this.s.indexOf('\n', i + 1)) {
      line++;
      start = i + 1;
    }
    throw new YamlError(message, line, at - start + 1);
  }

  private col(at = this.pos): number {
    return at === 0 ? 0 : at - (this.s.lastIndexOf('\n', at - 1) + 1);
  }

  private lineEnd(at: number): number {
    const i = this.s.indexOf('\n', at);
    return i === -1 ? this.s.length : i;
  }

  /** `---` or `...` at column 0, followed by a blank or the end. */
  private atMarker(marker?: '---' | '...', at = this.pos): boolean {
    const m = this.s.slice(at, at + 3);
    return (
      (marker ? m === marker : m === '---' || m === '...') &&
      this.col(at) === 0 &&
      isBlankOrEnd(this.s[at + 3])
    );
  }

  /** Skips spaces, comments and line breaks. */
  private skipBlank(): void {
    const s = this.s;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n') this.pos++;
      else if (c === '#' && (this.pos === 0 || isBlankOrEnd(s[this.pos - 1]))) {
        this.pos = this.lineEnd(this.pos);
      } else return;
    }
  }

  private newlineSince(at: number): boolean {
    const i = this.s.lastIndexOf('\n', this.pos - 1);
    return i >= at;
  }

  /** After a value in block context only a comment may follow on its line. */
  private endOfLine(): void {
    const s = this.s;
    while (s[this.pos] === ' ' || s[this.pos] === '\t') this.pos++;
    const c = s[this.pos];
    if (c === '#' && isBlankOrEnd(s[this.pos - 1])) this.pos = this.lineEnd(this.pos);
    else if (c === ':' && isBlankOrEnd(s[this.pos + 1])) this.fail('mapping values are not allowed here');
    else if (c !== undefined && c !== '\n') this.fail(`unexpected character '${c}' after a value`);
  }

  private isKeyNext(): boolean {
    let p = this.pos;
    while (this.s[p] === ' ' || this.s[p] === '\t') p++;
    if (this.s[p] === ':' && isBlankOrEnd(this.s[p + 1])) {
      this.pos = p;
      return true;
    }
    return false;
  }

  // -- block context --

  /**
   * A node whose content is indented more than `indent` (the enclosing block's column), or
   * starts on the current line after an indicator (`inline`). `compact` allows a collection to
   * start on that line (after `- `); `seqAtIndent` allows a `- ` sequence at `indent` itself
   * (a mapping value).
   */
  private blockNode(indent: number, inline: boolean, compact: boolean, seqAtIndent: boolean): Parsed {
    const lineStart = this.pos;
    this.skipBlank();
    let sameLine = inline && !this.newlineSince(lineStart);
    if (!sameLine && !this.startsBlockContent(indent, seqAtIndent)) return null;
    let anchor: string | undefined;
    let tag: string | undefined;
    for (;;) {
      const c = this.s[this.pos];
      if (c === '&' && anchor === undefined) anchor = this.name();
      else if (c === '!' && tag === undefined) tag = this.tag();
      else break;
      const before = this.pos;
      this.skipBlank();
      if (this.newlineSince(before)) {
        sameLine = false;
        if (!this.startsBlockContent(indent, seqAtIndent)) {
          return this.finish(anchor, tag ? this.construct({ text: '', plain: false }, tag) : null);
        }
      }
    }
    const s = this.s;
    const c = s[this.pos];
    const col = this.col();
    const next = s[this.pos + 1];
    let value: Parsed;
    if (c === '-' && isBlankOrEnd(next)) {
      if (sameLine && !compact) this.fail('block sequence entries are not allowed here');
      value = this.checkTag(this.blockSeq(col), tag, 'seq');
    } else if (c === '?' && isBlankOrEnd(next)) {
      if (sameLine && !compact) this.fail('mapping values are not allowed here');
      value = this.checkTag(this.blockMap(col, undefined), tag, 'map');
    } else if (c === '[' || c === '{') {
      value = this.flowCollection(tag);
      this.endOfLine();
    } else if (c === '|' || c === '>') {
      value = this.construct({ text: this.blockScalar(indent), plain: false }, tag);
    } else {
      const target = c === '*' ? this.alias() : undefined;
      const scalar =
        c === '*' ? undefined : c === '"' || c === "'" ? { text: this.quoted(), plain: false } : this.plainFirstLine();
      if (this.isKeyNext()) {
        if (sameLine && !compact) this.fail('mapping values are not allowed here');
        const key = scalar ? scalar.text : this.keyString(target!);
        const merge = scalar?.plain === true && key === '<<';
        value = this.checkTag(this.blockMap(col, { key, merge }), tag, 'map');
      } else {
        if (scalar?.plain) scalar.text += this.plainContinuation(indent, false);
        value = scalar ? this.construct(scalar, tag) : target!;
        this.endOfLine();
      }
    }
    return this.finish(anchor, value);
  }

  private startsBlockContent(indent: number, seqAtIndent: boolean): boolean {
    if (this.pos >= this.s.length || this.atMarker()) return false;
    const col = this.col();
    if (col > indent) return true;
    return col === indent && seqAtIndent && this.s[this.pos] === '-' && isBlankOrEnd(this.s[this.pos + 1]);
  }

  private finish(anchor: string | undefined, value: Parsed): Parsed {
    if (anchor !== undefined) this.anchors.set(anchor, value);
    return value;
  }

  private blockSeq(col: number): YamlValue[] {
    const list: YamlValue[] = [];
    for (;;) {
      const entry = this.pos;
      this.pos++; // '-'
      addItem(list, this.blockNode(col, true, true, false));
      this.skipBlank();
      if (this.pos >= this.s.length || this.atMarker()) break;
      if (!this.newlineSince(entry)) this.fail('expected a new line after a sequence entry');
      const c = this.col();
      if (c < col) break;
      if (c > col) this.fail('bad indentation of a sequence entry');
      // An indentless sequence ends where its parent mapping's next key starts.
      if (!(this.s[this.pos] === '-' && isBlankOrEnd(this.s[this.pos + 1]))) break;
    }
    return list;
  }

  /** A block mapping at `col`; `firstKey` when its first key was already scanned (at the `:`). */
  private blockMap(col: number, firstKey: Key | undefined): Record<string, YamlValue> {
    const map = new MapBuilder();
    let key = firstKey;
    for (;;) {
      const entry = this.pos;
      let value: Parsed;
      if (key === undefined && this.s[this.pos] === '?' && isBlankOrEnd(this.s[this.pos + 1])) {
        this.pos++;
        key = { key: this.keyString(this.blockNode(col, true, true, false)), merge: false };
        this.skipBlank();
        if (this.col() === col && this.s[this.pos] === ':' && isBlankOrEnd(this.s[this.pos + 1])) {
          this.pos++;
          value = this.blockNode(col, true, true, true);
        } else {
          value = null;
        }
      } else {
        if (key === undefined) key = this.implicitKey();
        this.pos++; // ':'
        value = this.blockNode(col, true, false, true);
      }
      map.set(key.key, value, key.merge);
      key = undefined;
      this.skipBlank();
      if (this.pos >= this.s.length || this.atMarker()) break;
      if (!this.newlineSince(entry)) this.fail('expected a new line after a mapping entry');
      const c = this.col();
      if (c < col) break;
      if (c > col) this.fail('bad indentation of a mapping entry');
      if (this.s[this.pos] === '-' && isBlankOrEnd(this.s[this.pos + 1])) {
        this.fail('expected a mapping key, found a sequence entry');
      }
    }
    return map.done();
  }

  /** A single-line key (plain, quoted or alias); leaves `pos` at its `:`. */
  private implicitKey(): Key {
    const c = this.s[this.pos];
    let key: Key;
    if (c === '*') key = { key: this.keyString(this.alias()), merge: false };
    else if (c === '"' || c === "'") key = { key: this.quoted(), merge: false };
    else if (c === '[' || c === '{') this.fail('flow collections as mapping keys are not supported');
    else {
      const text = this.plainFirstLine().text;
      key = { key: text, merge: text === '<<' };
    }
    if (!this.isKeyNext()) this.fail("could not find expected ':'");
    return key;
  }

  // -- scalars --

  private plainFirstLine(): Scalar {
    this.checkPlainStart(false);
    return { text: this.plainRun(false), plain: true };
  }

  private checkPlainStart(flow: boolean): void {
    const c = this.s[this.pos];
    const next = this.s[this.pos + 1];
    if ('-?:'.includes(c)) {
      if (!isBlankOrEnd(next) && !(flow && FLOW_INDICATORS.includes(next))) return;
    } else if (!'#,[]{}&*!|>\'"%@`'.includes(c)) {
      return;
    }
    this.fail(`found character '${c}' that cannot start any token`);
  }

  /** The plain text on the current line, up to `: `, ` #`, a flow indicator or the line end. */
  private plainRun(flow: boolean): string {
    const s = this.s;
    const start = this.pos;
    let p = start;
    let end = start;
    while (p < s.length) {
      const c = s[p];
      if (c === '\n') break;
      if (c === ' ' || c === '\t') {
        p++;
        continue;
      }
      if (c === '#' && p > start && (s[p - 1] === ' ' || s[p - 1] === '\t')) break;
      if (c === ':' && (isBlankOrEnd(s[p + 1]) || (flow && FLOW_INDICATORS.includes(s[p + 1])))) break;
      if (flow && (FLOW_INDICATORS.includes(c) || c === '?')) break;
      p++;
      end = p;
    }
    this.pos = end;
    return s.slice(start, end);
  }

  /** Continuation lines of a plain scalar, folded as YAML does (`indent`: enclosing block). */
  private plainContinuation(indent: number, flow: boolean): string {
    const s = this.s;
    let out = '';
    for (;;) {
      let p = this.pos;
      while (s[p] === ' ' || s[p] === '\t') p++;
      if (s[p] !== '\n') return out;
      let breaks = 0;
      let lineStart = p;
      while (s[p] === '\n') {
        breaks++;
        p++;
        lineStart = p;
        while (s[p] === ' ') p++;
        if (s[p] === '\t') while (s[p] === ' ' || s[p] === '\t') p++;
      }
      const c = s[p];
      if (c === undefined || c === '#' || this.atMarker(undefined, lineStart)) return out;
      if (!flow && p - lineStart <= indent) return out;
      const save = this.pos;
      this.pos = p;
      if (flow && (FLOW_INDICATORS.includes(c) || (c === ':' && isBlankOrEnd(s[p + 1])))) {
        this.pos = save;
        return out;
      }
      const run = this.plainRun(flow);
      if (run === '') {
        this.pos = save;
        return out;
      }
      out += (breaks === 1 ? ' ' : '\n'.repeat(breaks - 1)) + run;
    }
  }

  private quoted(): string {
    const s = this.s;
    const start = this.pos;
    const double = s[start] === '"';
    this.pos++;
    let out = '';
    for (;;) {
      let p = this.pos;
      while (p < s.length) {
        const c = s[p];
        if (c === "'" || c === '"' || c === '\\' || c === ' ' || c === '\t' || c === '\n') break;
        p++;
      }
      out += s.slice(this.pos, p);
      this.pos = p;
      const c = s[p];
      if (c === undefined) this.fail('found unexpected end of stream while scanning a quoted scalar', start);
      if (!double && c === "'" && s[p + 1] === "'") {
        out += "'";
        this.pos += 2;
      } else if ((double && c === "'") || (!double && (c === '"' || c === '\\'))) {
        out += c;
        this.pos++;
      } else if (double && c === '\\') {
        out += this.escape();
      } else if (c === ' ' || c === '\t' || c === '\n') {
        let q = p;
        while (s[q] === ' ' || s[q] === '\t') q++;
        if (q >= s.length) this.fail('found unexpected end of stream while scanning a quoted scalar', start);
        if (s[q] === '\n') {
          this.pos = q + 1;
          const breaks = this.flowBreaks();
          out += breaks === '' ? ' ' : breaks;
        } else {
          out += s.slice(p, q);
          this.pos = q;
        }
      } else {
        this.pos++; // closing quote
        return out;
      }
    }
  }

  private escape(): string {
    const s = this.s;
    const e = s[this.pos + 1];
    if (e !== undefined && e in ESCAPES) {
      this.pos += 2;
      return ESCAPES[e];
    }
    if (e !== undefined && e in HEX_ESCAPES) {
      const n = HEX_ESCAPES[e];
      const hex = s.slice(this.pos + 2, this.pos + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) {
        this.fail(`expected escape sequence of ${n} hexadecimal numbers`);
      }
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) this.fail(`invalid unicode escape \\${e}${hex}`);
      this.pos += 2 + n;
      return code > 0xffff ? String.fromCodePoint(code) : String.fromCharCode(code);
    }
    if (e === '\n') {
      this.pos += 2;
      return this.flowBreaks();
    }
    this.fail(`found unknown escape character '${e ?? ''}'`);
  }

  /** Blank lines inside a quoted scalar, each kept as `\n`. */
  private flowBreaks(): string {
    const s = this.s;
    let out = '';
    for (;;) {
      if (this.atMarker()) this.fail('found unexpected document separator');
      while (s[this.pos] === ' ' || s[this.pos] === '\t') this.pos++;
      if (s[this.pos] !== '\n') return out;
      out += '\n';
      this.pos++;
    }
  }

  /** `|` and `>` scalars (PyYAML `scan_block_scalar`). */
  private blockScalar(indent: number): string {
    const s = this.s;
    const folded = s[this.pos] === '>';
    this.pos++;
    let chomp: boolean | undefined;
    let increment: number | undefined;
    for (let i = 0; i < 2; i++) {
      const c = s[this.pos];
      if ((c === '+' || c === '-') && chomp === undefined) {
        chomp = c === '+';
        this.pos++;
      } else if (c >= '1' && c <= '9' && increment === undefined) {
        increment = Number(c);
        this.pos++;
      } else if (c === '0') {
        this.fail('expected indentation indicator in the range 1-9, but found 0');
      }
    }
    this.endOfLine();
    if (this.pos < s.length) this.pos++;
    const minIndent = Math.max(indent + 1, 1);
    let breaks = '';
    let blockIndent: number;
    if (increment === undefined) {
      let maxIndent = 0;
      while (s[this.pos] === ' ' || s[this.pos] === '\n') {
        if (s[this.pos] === '\n') breaks += '\n';
        this.pos++;
        if (s[this.pos - 1] === ' ') maxIndent = Math.max(maxIndent, this.col());
      }
      blockIndent = Math.max(minIndent, maxIndent);
    } else {
      blockIndent = minIndent + increment - 1;
      breaks = this.blockBreaks(blockIndent);
    }
    let out = '';
    let lineBreak = '';
    while (this.col() === blockIndent && this.pos < s.length) {
      out += breaks;
      const leadingNonSpace = s[this.pos] !== ' ' && s[this.pos] !== '\t';
      const end = this.lineEnd(this.pos);
      out += s.slice(this.pos, end);
      this.pos = end;
      lineBreak = end < s.length ? '\n' : '';
      if (lineBreak) this.pos++;
      breaks = this.blockBreaks(blockIndent);
      if (!(this.col() === blockIndent && this.pos < s.length)) break;
      if (folded && lineBreak === '\n' && leadingNonSpace && s[this.pos] !== ' ' && s[this.pos] !== '\t') {
        if (breaks === '') out += ' ';
      } else {
        out += lineBreak;
      }
    }
    if (chomp !== false) out += lineBreak;
    if (chomp === true) out += breaks;
    return out;
  }

  private blockBreaks(blockIndent: number): string {
    const s = this.s;
    let out = '';
    while (this.col() < blockIndent && s[this.pos] === ' ') this.pos++;
    while (s[this.pos] === '\n') {
      out += '\n';
      this.pos++;
      while (this.col() < blockIndent && s[this.pos] === ' ') this.pos++;
    }
    return out;
  }

  // -- flow context --

  private flowCollection(tag: string | undefined): Parsed {
    const start = this.pos;
    const seq = this.s[this.pos] === '[';
    const close = seq ? ']' : '}';
    this.pos++;
    const list: YamlValue[] = [];
    const map = new MapBuilder();
    for (;;) {
      this.skipBlank();
      const c = this.s[this.pos];
      if (c === undefined) this.fail(`unterminated flow collection (expected '${close}')`, start);
      if (c === close) {
        this.pos++;
        break;
      }
      let key: Parsed;
      let explicit = false;
      if (c === '?' && isBlankOrEnd(this.s[this.pos + 1])) {
        this.pos++;
        explicit = true;
      }
      key = this.flowNode();
      this.skipBlank();
      let value: Parsed | undefined;
      if (this.s[this.pos] === ':') {
        this.pos++;
        value = this.flowNode();
        this.skipBlank();
      } else if (explicit || !seq) {
        value = null;
      }
      if (!seq) map.set(this.keyString(key), value!);
      else if (value === undefined) addItem(list, key);
      else {
        const pair = new MapBuilder();
        pair.set(this.keyString(key), value);
        list.push(pair.done());
      }
      const after = this.s[this.pos];
      if (after === ',') this.pos++;
      else if (after !== close) this.fail(`expected ',' or '${close}'`);
    }
    return this.checkTag(seq ? list : map.done(), tag, seq ? 'seq' : 'map');
  }

  private flowNode(): Parsed {
    this.skipBlank();
    let anchor: string | undefined;
    let tag: string | undefined;
    for (;;) {
      const c = this.s[this.pos];
      if (c === '&' && anchor === undefined) anchor = this.name();
      else if (c === '!' && tag === undefined) tag = this.tag();
      else break;
      this.skipBlank();
    }
    const c = this.s[this.pos];
    let value: Parsed;
    if (c === '[' || c === '{') value = this.flowCollection(tag);
    else if (c === '*') value = this.alias();
    else if (c === '"' || c === "'") value = this.construct({ text: this.quoted(), plain: false }, tag);
    else if (c === undefined || FLOW_INDICATORS.includes(c) || (c === ':' && isBlankOrEnd(this.s[this.pos + 1]))) {
      value = tag ? this.construct({ text: '', plain: false }, tag) : null;
    } else {
      this.checkPlainStart(true);
      const text = this.plainRun(true) + this.plainContinuation(-1, true);
      value = this.construct({ text, plain: true }, tag);
    }
    return this.finish(anchor, value);
  }

  // -- properties --

  private name(): string {
    const start = ++this.pos;
    while (/[0-9A-Za-z_-]/.test(this.s[this.pos] ?? '')) this.pos++;
    if (this.pos === start) this.fail('expected an anchor or alias name');
    return this.s.slice(start, this.pos);
  }

  private alias(): Parsed {
    const at = this.pos;
    const name = this.name();
    if (!this.anchors.has(name)) this.fail(`found undefined alias '${name}'`, at);
    return this.anchors.get(name)!;
  }

  private tag(): string {
    const s = this.s;
    const start = this.pos;
    if (s[start + 1] === '<') {
      const end = s.indexOf('>', start);
      if (end === -1) this.fail("expected '>' to end a verbatim tag");
      this.pos = end + 1;
      return s.slice(start + 2, end);
    }
    while (this.pos < s.length && !isBlankOrEnd(s[this.pos])) this.pos++;
    const raw = s.slice(start, this.pos);
    return raw.startsWith('!!') ? 'tag:yaml.org,2002:' + raw.slice(2) : raw;
  }

  /** Non-string keys become text: JS object keys are strings. */
  private keyString(key: Parsed): string {
    if (key instanceof IntegralFloat) return pyFloatRepr(key.value);
    if (key === null) return 'null';
    if (typeof key === 'object') this.fail('collections as mapping keys are not supported');
    return String(key);
  }

  private checkTag(value: Parsed, tag: string | undefined, kind: 'seq' | 'map'): Parsed {
    if (tag !== undefined && tag !== `tag:yaml.org,2002:${kind}`) {
      this.fail(`could not determine a constructor for the tag '${tag}'`);
    }
    return value;
  }

  private construct(scalar: Scalar, tag: string | undefined): Parsed {
    let t: Tag;
    if (tag === undefined) t = scalar.plain ? plainTag(scalar.text, false) : 'str';
    else if (tag === '!') t = 'str';
    else if (tag.startsWith('tag:yaml.org,2002:')) t = tag.slice(18) as Tag;
    else this.fail(`could not determine a constructor for the tag '${tag}'`);
    const text = scalar.text;
    switch (t) {
      case 'str':
      case 'timestamp': // Guild attrs never rely on datetimes; keep the text
      case 'merge':
        return text;
      case 'null':
        return null;
      case 'bool': {
        const b = { yes: true, true: true, on: true, no: false, false: false, off: false }[text.toLowerCase()];
        if (b === undefined) this.fail(`invalid boolean '${text}'`);
        return b;
      }
      case 'int': {
        const n = INT_RE.test(text) ? constructInt(text) : undefined;
        if (n === undefined) this.fail(`invalid integer '${text}'`);
        return n;
      }
      case 'float': {
        const n = FLOAT_RE.test(text) || INT_RE.test(text) ? constructFloat(text) : undefined;
        if (n === undefined) this.fail(`invalid float '${text}'`);
        return Number.isInteger(n) ? new IntegralFloat(n) : n;
      }
      default:
        this.fail(`could not determine a constructor for the tag '${tag ?? 'tag:yaml.org,2002:' + t}'`);
    }
  }
}

function addItem(list: YamlValue[], value: Parsed): void {
  if (value instanceof IntegralFloat) {
    markFloat(list, list.length);
    list.push(value.value);
  } else {
    list.push(value as YamlValue);
  }
}

/** Builds a mapping: last duplicate wins (as PyYAML), `<<` merges, `__proto__` stays a key. */
class MapBuilder {
  private readonly map: Record<string, YamlValue> = {};
  private readonly merges: Parsed[] = [];

  set(key: string, value: Parsed, merge = false): void {
    if (merge && value !== null && typeof value === 'object' && !(value instanceof IntegralFloat)) {
      this.merges.push(value);
      return;
    }
    put(this.map, key, value);
  }

  done(): Record<string, YamlValue> {
    if (this.merges.length === 0) return this.map;
    // Earlier merge sources win over later ones; explicit keys win over all.
    const sources: Record<string, YamlValue>[] = [];
    for (const m of this.merges) {
      if (Array.isArray(m)) sources.push(...(m.filter((x) => x && typeof x === 'object') as Record<string, YamlValue>[]));
      else sources.push(m as Record<string, YamlValue>);
    }
    const merged: Record<string, YamlValue> = {};
    for (const src of sources.reverse()) {
      for (const k of Object.keys(src)) put(merged, k, isMarkedFloat(src, k) ? new IntegralFloat(src[k] as number) : src[k]);
    }
    for (const k of Object.keys(this.map)) {
      put(merged, k, isMarkedFloat(this.map, k) ? new IntegralFloat(this.map[k] as number) : this.map[k]);
    }
    return merged;
  }
}

function put(map: Record<string, YamlValue>, key: string, value: Parsed): void {
  const v = value instanceof IntegralFloat ? value.value : (value as YamlValue);
  if (key === '__proto__') Object.defineProperty(map, key, { value: v, enumerable: true, writable: true, configurable: true });
  else map[key] = v;
  if (value instanceof IntegralFloat) markFloat(map, key);
}

/**
 * Parses one YAML document as PyYAML's `safe_load` (with Guild's float patch) would.
 * Ints beyond ±(2^53-1) come back as `bigint`; timestamps stay strings; non-string mapping keys
 * become their source text. Throws `YamlError` on bad input.
 */
export function parseYaml11(text: string): YamlValue {
  let s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  const value = new Parser(s).parse();
  return (value instanceof IntegralFloat ? value.value : value) as YamlValue;
}

// ---------------------------------------------------------------------------------------------
// Encoder: a port of PyYAML's representer, serializer and emitter for `safe_dump(value,
// default_flow_style=False, indent=2)`, with Guild's `encode_yaml` trimming.

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  const neg = mantissa[0] === '-';
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = exp + 1; // digits before the decimal point
  let body: string;
  if (point > -4 && point <= 16) {
    if (point <= 0) body = '0.' + '0'.repeat(-point) + digits;
    else if (point >= digits.length) body = digits + '0'.repeat(point - digits.length) + '.0';
    else body = digits.slice(0, point) + '.' + digits.slice(point);
  } else {
    const frac = digits.length > 1 ? '.' + digits.slice(1) : '';
    body = digits[0] + frac + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  }
  return (neg ? '-' : '') + body;
}

interface ScalarNode {
  kind: 'scalar';
  tag: 'str' | 'other';
  value: string;
}
interface SeqNode {
  kind: 'seq';
  items: Node[];
}
interface MapNode {
  kind: 'map';
  pairs: [ScalarNode, Node][];
}
type Node = ScalarNode | SeqNode | MapNode;

/** Python sorts str keys by code point; JS compares UTF-16 units (differs past U+FFFF). */
function compareKeys(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function floatText(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Infinity) return '.inf';
  if (n === -Infinity) return '-.inf';
  const r = pyFloatRepr(n);
  return !r.includes('.') && r.includes('e') ? r.replace('e', '.0e') : r;
}

class Representer {
  private readonly seen = new Map<object, Node>();

  node(v: unknown, isFloat = false): Node {
    if (v === null || v === undefined) return { kind: 'scalar', tag: 'other', value: 'null' };
    switch (typeof v) {
      case 'boolean':
        return { kind: 'scalar', tag: 'other', value: v ? 'true' : 'false' };
      case 'bigint':
        return { kind: 'scalar', tag: 'other', value: v.toString() };
      case 'number': {
        const asInt = Number.isInteger(v) && !isFloat && !Object.is(v, -0);
        const text = !asInt ? floatText(v) : Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
        return { kind: 'scalar', tag: 'other', value: text };
      }
      case 'string':
        return { kind: 'scalar', tag: 'str', value: v };
      case 'object':
        break;
      default:
        throw new GrunError(`cannot encode a ${typeof v} as YAML`);
    }
    const obj = v as object;
    const prior = this.seen.get(obj);
    if (prior) return prior;
    if (Array.isArray(obj)) {
      const node: SeqNode = { kind: 'seq', items: [] };
      this.seen.set(obj, node);
      obj.forEach((item, i) => node.items.push(this.node(item, isMarkedFloat(obj, i))));
      return node;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      throw new GrunError(`cannot encode a ${proto?.constructor?.name ?? 'object'} as YAML`);
    }
    const node: MapNode = { kind: 'map', pairs: [] };
    this.seen.set(obj, node);
    const rec = obj as Record<string, unknown>;
    for (const k of Object.keys(rec).sort(compareKeys)) {
      node.pairs.push([{ kind: 'scalar', tag: 'str', value: k }, this.node(rec[k], isMarkedFloat(rec, k))]);
    }
    return node;
  }
}

/** PyYAML `Serializer.anchor_node`: collections met twice get `id001`… in order of second meeting. */
function assignAnchors(root: Node): Map<Node, string> {
  const met = new Set<Node>();
  const anchors = new Map<Node, string>();
  const visit = (n: Node): void => {
    if (met.has(n)) {
      if (!anchors.has(n)) anchors.set(n, 'id' + String(anchors.size + 1).padStart(3, '0'));
      return;
    }
    met.add(n);
    if (n.kind === 'seq') n.items.forEach(visit);
    else if (n.kind === 'map') for (const [k, v] of n.pairs) (visit(k), visit(v));
  };
  visit(root);
  return anchors;
}

interface Analysis {
  chars: string[];
  empty: boolean;
  multiline: boolean;
  allowFlowPlain: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

const BREAK_CHARS = '\n\x85\u2028\u2029';
const BLANK_CHARS = '\0 \t\r\n\x85\u2028\u2029';

/** PyYAML `Emitter.analyze_scalar` with `allow_unicode=False`. */
function analyzeScalar(scalar: string): Analysis {
  const chars = Array.from(scalar);
  if (chars.length === 0) {
    return { chars, empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingleQuoted: true };
  }
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (scalar.startsWith('---') || scalar.startsWith('...')) blockIndicators = flowIndicators = true;
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || BLANK_CHARS.includes(chars[1]);
  let previousSpace = false;
  let previousBreak = false;
  const last = chars.length - 1;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) flowIndicators = blockIndicators = true;
      if (ch === '?' || ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '-' && followedByWhitespace) flowIndicators = blockIndicators = true;
    } else {
      if (',?[]{}'.includes(ch)) flowIndicators = true;
      if (ch === ':') {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      }
      if (ch === '#' && precededByWhitespace) flowIndicators = blockIndicators = true;
    }
    const isBreak = BREAK_CHARS.includes(ch);
    if (isBreak) lineBreaks = true;
    const cp = ch.codePointAt(0)!;
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e))) special = true; // any non-ASCII: allow_unicode=False
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak) {
      if (i === 0) leadingBreak = true;
      if (i === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWhitespace = BLANK_CHARS.includes(ch);
    followedByWhitespace = i + 2 >= chars.length || BLANK_CHARS.includes(chars[i + 2]);
  }
  let allowFlowPlain = true;
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowFlowPlain = allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowIndicators) allowFlowPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { chars, empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingleQuoted };
}

const ESCAPE_OUT: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\t': 't',
  '\n': 'n',
  '\x0b': 'v',
  '\x0c': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

/** PyYAML's `Emitter` state machine, unrolled into recursion for one block-style document. */
class Emitter {
  out = '';
  private indents: (number | null)[] = [];
  private indent: number | null = null;
  private flowLevel = 0;
  private rootContext = false;
  private mappingContext = false;
  private simpleKeyContext = false;
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private readonly serialized = new Set<Node>();

  constructor(
    private readonly anchors: Map<Node, string>,
    private readonly strict: boolean,
  ) {}

  document(root: Node): void {
    this.node(root, true, false, false);
    this.writeIndent(); // document end
    if (this.openEnded) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
  }

  private node(n: Node, root: boolean, mapping: boolean, simpleKey: boolean): void {
    this.rootContext = root;
    this.mappingContext = mapping;
    this.simpleKeyContext = simpleKey;
    const anchor = this.anchors.get(n);
    if (this.serialized.has(n)) {
      this.writeIndicator('*' + anchor, true);
      return;
    }
    this.serialized.add(n);
    if (anchor) this.writeIndicator('&' + anchor, true);
    if (n.kind === 'scalar') {
      this.increaseIndent(true, false);
      this.scalar(n);
      this.indent = this.indents.pop()!;
    } else if (n.kind === 'seq') {
      if (this.flowLevel || n.items.length === 0) this.emptyFlow('[', ']');
      else this.blockSequence(n);
    } else if (this.flowLevel || n.pairs.length === 0) {
      this.emptyFlow('{', '}');
    } else {
      this.blockMapping(n);
    }
  }

  // Non-empty collections are always block style here (default_flow_style=False).
  private emptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true);
    this.writeIndicator(close, false);
  }

  private blockSequence(n: SeqNode): void {
    const indentless = this.mappingContext && !this.indention;
    this.increaseIndent(false, indentless);
    for (const item of n.items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, false, false, false);
    }
    this.indent = this.indents.pop()!;
  }

  private blockMapping(n: MapNode): void {
    this.increaseIndent(false, false);
    for (const [key, value] of n.pairs) {
      this.writeIndent();
      const a = analyzeScalar(key.value);
      // check_simple_key counts the prepared `!!str` tag (5 chars) too.
      if (5 + a.chars.length < 128 && !a.empty && !a.multiline) {
        this.node(key, false, true, true);
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(key, false, true, false);
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(value, false, true, false);
    }
    this.indent = this.indents.pop()!;
  }

  private scalar(n: ScalarNode): void {
    const a = analyzeScalar(n.value);
    // implicit[0]: the text resolves back to its own tag when written plain.
    const implicit = n.tag !== 'str' || plainTag(n.value, this.strict) === 'str';
    const split = !this.simpleKeyContext;
    if (
      implicit &&
      !(this.simpleKeyContext && (a.empty || a.multiline)) &&
      (this.flowLevel ? a.allowFlowPlain : a.allowBlockPlain)
    ) {
      this.writePlain(a.chars, split);
    } else if (a.allowSingleQuoted && !(this.simpleKeyContext && a.multiline)) {
      this.writeSingleQuoted(a.chars, split);
    } else {
      this.writeDoubleQuoted(a.chars, split);
    }
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private write(data: string, length = data.length): void {
    this.out += data;
    this.column += length;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ' ' + indicator;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
    this.write(data);
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) {
      this.writeLineBreak();
    }
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  private writePlain(text: string[], split: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (text.length === 0) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    // Plain scalars never hold line breaks (analyze_scalar forbids it), only spaces to fold at.
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(text.slice(start, end).join(''), end - start);
          }
          start = end;
        }
      } else if (ch === null || ch === ' ') {
        this.write(text.slice(start, end).join(''), end - start);
        start = end;
      }
      if (ch !== null) spaces = ch === ' ';
    }
  }

  private writeSingleQuoted(text: string[], split: boolean): void {
    this.writeIndicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : null;
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== text.length) {
            this.writeIndent();
          } else {
            this.write(text.slice(start, end).join(''), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAK_CHARS.includes(ch)) {
          if (text[start] === '\n') this.writeLineBreak();
          for (const br of text.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ch === ' ' || BREAK_CHARS.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = BREAK_CHARS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string[], split: boolean): void {
    this.writeIndicator('"', true);
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = end < text.length ? text[end] : null;
      const cp = ch === null ? 0 : ch.codePointAt(0)!;
      if (ch === null || '"\\\x85\u2028\u2029\ufeff'.includes(ch) || !(cp >= 0x20 && cp <= 0x7e)) {
        if (start < end) {
          this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
        if (ch !== null) {
          const hex = cp.toString(16).toUpperCase();
          const data =
            ch in ESCAPE_OUT
              ? '\\' + ESCAPE_OUT[ch]
              : cp <= 0xff
                ? '\\x' + hex.padStart(2, '0')
                : cp <= 0xffff
                  ? '\\u' + hex.padStart(4, '0')
                  : '\\U' + hex.padStart(8, '0');
          this.write(data);
          start = end + 1;
        }
      }
      if (0 < end && end < text.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        const data = text.slice(start, end).join('') + '\\';
        const length = end - start + 1;
        if (start < end) start = end;
        this.write(data, length);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === ' ') this.write('\\');
      }
    }
    this.writeIndicator('"', false);
  }
}

/**
 * The exact text Guild writes for an attr value: PyYAML `safe_dump(value,
 * default_flow_style=False, indent=2)`, stripped, a trailing `\n...` removed, then `\n`.
 * Integral numbers are ints unless marked (`markFloat`) or read as floats; `bigint` is an int.
 * `strict` (Guild's `encode_yaml(strict=True)`, used for attrs) quotes `y/Y/n/N`; flag value
 * formatting uses `strict: false`.
 */
export function encodeYaml(value: YamlValue | bigint, opts: { strict?: boolean } = {}): string {
  const root = new Representer().node(value);
  const emitter = new Emitter(assignAnchors(root), opts.strict ?? true);
  emitter.document(root);
  let out = emitter.out.trim();
  if (out.endsWith('\n...')) out = out.slice(0, -4);
  return out + '\n';
}
