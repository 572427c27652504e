// The YAML emitter: the exact bytes of PyYAML's `safe_dump` as Guild's `encode_yaml` writes attrs.
import type { YamlValue } from './types.js';
import { GrunError } from './errors.js';
import { isMarkedFloat, plainTag, pyFloatRepr } from './yaml11-resolve.js';

// A port of PyYAML's representer, serializer and emitter for `safe_dump(value,
// default_flow_style=False, indent=2)`, with Guild's `encode_yaml` trimming.


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

