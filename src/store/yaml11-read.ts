// The YAML 1.1 reader: what PyYAML's `safe_load` (with Guild's float patch) returns.
import type { YamlValue } from './types.js';
import {
  FLOAT_RE,
  INT_RE,
  IntegralFloat,
  YamlError,
  constructFloat,
  constructInt,
  isMarkedFloat,
  markFloat,
  plainTag,
  pyFloatRepr,
  type Tag,
} from './yaml11-resolve.js';

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

/**
 * Bounds against hostile documents (an imported run's attrs are untrusted). Aliases share one
 * parsed value, so parsing a "billion laughs" is cheap, but every reader that walks the value
 * (listing, JSON, YAML out) would expand it: the nodes aliases stand for are counted and capped.
 */
export const MAX_ALIAS_NODES = 100_000;
/** Longest document read, in characters (attrs are small; Guild's largest are a few MB). */
export const MAX_DOCUMENT_CHARS = 32 * 1024 * 1024;

/** Nodes in `v` once every shared value is expanded; `memo` makes it linear in distinct nodes. */
function expandedSize(v: Parsed, memo: Map<object, number>): number {
  if (v === null || typeof v !== 'object' || v instanceof IntegralFloat) return 1;
  const known = memo.get(v);
  if (known !== undefined) return known;
  let n = 1;
  for (const child of Array.isArray(v) ? v : Object.values(v)) {
    n += expandedSize(child as Parsed, memo);
    if (n > MAX_ALIAS_NODES) break;
  }
  memo.set(v, n);
  return n;
}

class Parser {
  private pos = 0;
  private readonly anchors = new Map<string, Parsed>();
  private aliasNodes = 0;
  private readonly sizes = new Map<object, number>();

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
      // PyYAML skips only spaces between tokens: a tab in a line's indentation is an error.
      if (c === '\t' && this.inIndentation()) this.fail("found character '\\t' that cannot start any token");
      if (c === ' ' || c === '\t' || c === '\n') this.pos++;
      else if (c === '#' && (this.pos === 0 || isBlankOrEnd(s[this.pos - 1]))) {
        this.pos = this.lineEnd(this.pos);
      } else return;
    }
  }

  /** Whether only spaces and tabs stand between the line's start and the current position. */
  private inIndentation(): boolean {
    for (let p = this.pos - 1; p >= 0 && this.s[p] !== '\n'; p--) if (this.s[p] !== ' ' && this.s[p] !== '\t') return false;
    return true;
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
    const value = this.anchors.get(name)!;
    this.aliasNodes += expandedSize(value, this.sizes);
    if (this.aliasNodes > MAX_ALIAS_NODES) this.fail(`aliases expand to more than ${MAX_ALIAS_NODES} nodes (an alias bomb?)`, at);
    return value;
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

  /** A plain scalar standing alone, resolved as the parser resolves one (`ONE_PLAIN_LINE`). */
  plainScalar(text: string): Parsed {
    this.pos = text.length; // where the scan would stand: an error names the same column
    return this.construct({ text, plain: true }, undefined);
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
  if (text.length > MAX_DOCUMENT_CHARS) throw new YamlError(`document longer than ${MAX_DOCUMENT_CHARS} characters`, 1, 1);
  if (ONE_PLAIN_LINE.test(text)) return unwrap(new Parser(text).plainScalar(text.trimEnd()));
  let s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  return unwrap(new Parser(s).parse());
}

const unwrap = (value: Parsed): YamlValue => (value instanceof IntegralFloat ? value.value : value) as YamlValue;

/**
 * A document that is one plain scalar on one line (most attrs: a time, an exit status, a label,
 * a host): no indicator, comment, key, quote or space at either end, so the parser would only
 * resolve it; it is resolved by the same `construct`, without the scan.
 */
const ONE_PLAIN_LINE = /^[0-9A-Za-z_](?:[0-9A-Za-z_.+\-=/, ()]*[0-9A-Za-z_.+\-=/,()])?\n?$/;
