// Parser for the `-F` filter language, with Guild's grammar (`guild/filter.py`):
//
//   expression := unary (('and' | 'or') expression)?      and/or: same precedence, right-assoc
//   unary      := 'not' unary | '(' expression ')' | runtest | term
//   runtest    := ID ('=' | '!=' | '<>' | '<' | '<=' | '>' | '>=') term
//               | ID 'is' ['not'] term | ID ['not'] 'in' list | ID ['not'] 'contains' term
//   term       := NUMBER | STRING | ID | 'true' | 'false' | 'undefined' | list
//   list       := '[' term (',' term)* ']'
//
// Guild (PLY) gives `and` and `or` one precedence level, associating to the right, so
// `a and b or c` means `a and (b or c)`; grun keeps that so a filter selects the same runs.
// A bare term is an expression too: it selects every run when truthy (`true`, `1`, `cat`).
import type { YamlValue } from '../types.js';
import { FilterSyntaxError } from './errors.js';
import { tokenize, type Token, type TokenType } from './lexer.js';

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A run value reference: `loss`, `attr:label`, `flag:lr`, `scalar:target/.guild#loss`. */
export interface ValueRef {
  /** `auto` resolves attr, then flag, then scalar (Guild's order). */
  source: 'auto' | 'attr' | 'flag' | 'scalar';
  name: string;
}

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'term'; value: YamlValue }
  | { kind: 'compare'; ref: ValueRef; op: CompareOp; value: YamlValue }
  | { kind: 'in'; ref: ValueRef; values: YamlValue[]; negate: boolean }
  | { kind: 'contains'; ref: ValueRef; value: YamlValue; negate: boolean };

const COMPARE_OPS = new Set<TokenType>(['=', '!=', '<', '<=', '>', '>=']);
const TERM_START = new Set<TokenType>(['number', 'string', 'id', 'true', 'false', 'undefined', '[']);
const RUNTEST_OPS = new Set<TokenType>([...COMPARE_OPS, 'is', 'in', 'not', 'contains']);

export function parseFilter(expr: string): FilterNode {
  try {
    return new Parser(expr).parse();
  } catch (e) {
    // The grammar is recursive (parens, `not`, right-associative and/or chains): an expression
    // nested deeply enough overflows the stack, which must read as a bad filter, not a crash.
    if (e instanceof RangeError) throw new FilterSyntaxError(expr.length > 80 ? `${expr.slice(0, 77)}...` : expr, 0, 'expression nested too deeply');
    throw e;
  }
}

function valueRef(text: string): ValueRef {
  for (const source of ['attr', 'flag', 'scalar'] as const) {
    if (text.startsWith(`${source}:`)) return { source, name: text.slice(source.length + 1) };
  }
  return { source: 'auto', name: text };
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  /** Set when the last primary parsed was a bare identifier, to name `loss lt 1` as an operator error. */
  private lastBareId: Token | null = null;

  constructor(private readonly expr: string) {
    this.tokens = tokenize(expr);
  }

  parse(): FilterNode {
    if (this.tokens.length === 0) throw this.error(this.expr.length, 'empty expression');
    const node = this.expression(null);
    const t = this.peek();
    if (t) {
      if (t.type === ')') throw this.error(t.pos, "unmatched ')'");
      if (this.lastBareId && this.tokens[this.i - 1] === this.lastBareId && t.type === 'id') {
        throw this.error(t.pos, `unknown operator '${t.text}'`);
      }
      throw this.error(t.pos, `unexpected '${t.text}'`);
    }
    return node;
  }

  private expression(after: Token | null): FilterNode {
    const left = this.unary(after);
    const t = this.peek();
    if (t && (t.type === 'and' || t.type === 'or')) {
      this.i++;
      return { kind: t.type, left, right: this.expression(t) };
    }
    return left;
  }

  private unary(after: Token | null): FilterNode {
    const t = this.peek();
    if (!t) {
      const detail = after ? `expected an expression after '${after.text}'` : 'expected an expression';
      throw this.error(this.expr.length, detail);
    }
    if (t.type === 'not') {
      this.i++;
      return { kind: 'not', expr: this.unary(t) };
    }
    if (t.type === '(') {
      this.i++;
      const inner = this.expression(t);
      const close = this.peek();
      if (!close) throw this.error(t.pos, "unclosed '('");
      if (close.type !== ')') throw this.error(close.pos, `expected ')' but found '${close.text}'`);
      this.i++;
      return inner;
    }
    const next = this.tokens[this.i + 1];
    if (t.type === 'id' && next && RUNTEST_OPS.has(next.type)) {
      this.i += 2;
      return this.runtest(t, next);
    }
    if (TERM_START.has(t.type)) {
      this.lastBareId = t.type === 'id' ? t : null;
      return { kind: 'term', value: this.term() };
    }
    throw this.error(t.pos, `unexpected '${t.text}'`);
  }

  private runtest(id: Token, op: Token): FilterNode {
    const ref = valueRef(id.text);
    if (COMPARE_OPS.has(op.type)) {
      return { kind: 'compare', ref, op: op.type as CompareOp, value: this.value(op, op.text) };
    }
    if (op.type === 'is') {
      const not = this.peek();
      if (not?.type === 'not') {
        this.i++;
        return { kind: 'compare', ref, op: '!=', value: this.value(not, `${op.text} ${not.text}`) };
      }
      return { kind: 'compare', ref, op: '=', value: this.value(op, op.text) };
    }
    let negate = false;
    let kw = op;
    if (op.type === 'not') {
      const t = this.peek();
      if (!t || (t.type !== 'in' && t.type !== 'contains')) {
        const found = t ? ` but found '${t.text}'` : '';
        throw this.error(t ? t.pos : this.expr.length, `expected 'in' or 'contains' after 'not'${found}`);
      }
      this.i++;
      negate = true;
      kw = t;
    }
    if (kw.type === 'contains') return { kind: 'contains', ref, value: this.value(kw, kw.text), negate };
    const open = this.peek();
    if (open?.type !== '[') {
      const found = open ? ` but found '${open.text}'` : '';
      throw this.error(open ? open.pos : this.expr.length, `expected a list like [a, b] after '${kw.text}'${found}`);
    }
    return { kind: 'in', ref, values: this.list(), negate };
  }

  /** The term after an operator; `desc` names the operator in errors. */
  private value(op: Token, desc: string): YamlValue {
    const t = this.peek();
    if (!t) throw this.error(this.expr.length, `expected a value after '${desc}'`);
    if (TERM_START.has(t.type)) return this.term();
    if (COMPARE_OPS.has(t.type) && t.pos === op.pos + op.text.length) {
      throw this.error(op.pos, `unknown operator '${op.text}${t.text}'`);
    }
    throw this.error(t.pos, `expected a value after '${desc}' but found '${t.text}'`);
  }

  private term(): YamlValue {
    const t = this.tokens[this.i]!;
    switch (t.type) {
      case '[':
        return this.list();
      case 'true':
        this.i++;
        return true;
      case 'false':
        this.i++;
        return false;
      case 'undefined':
        this.i++;
        return null;
      default:
        this.i++;
        return t.value;
    }
  }

  private list(): YamlValue[] {
    const open = this.tokens[this.i++]!;
    const items: YamlValue[] = [];
    let sep = open;
    for (;;) {
      items.push(this.value(sep, sep.text));
      const t = this.peek();
      if (!t) throw this.error(open.pos, "unclosed '['");
      this.i++;
      if (t.type === ']') return items;
      if (t.type !== ',') throw this.error(t.pos, `expected ',' or ']' but found '${t.text}'`);
      sep = t;
    }
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private error(pos: number, detail: string): FilterSyntaxError {
    return new FilterSyntaxError(this.expr, pos, detail);
  }
}
