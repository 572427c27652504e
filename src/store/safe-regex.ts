// Patterns a user wrote (guild.yml `output-scalars`, `requires` `select`, `-Fo` regexes) run on
// RE2 (re2js, pure JS): matching takes time linear in the text whatever the pattern, so
// `^(a+)+$` cannot stall a supervisor or a listing the way a backtracking engine would. RE2
// cannot run backreferences or lookaround; such a pattern is refused with the feature named.
import type { RE2JS } from 're2js';
import { lazyRequire } from './lazy-require.js';
import { GrunError } from './errors.js';

/** Constructs of Python/JS regexes that RE2 has no linear-time way to run. */
const UNSUPPORTED: [RegExp, string][] = [
  [/\(\?=/, 'lookahead (?=…)'],
  [/\(\?!/, 'negative lookahead (?!…)'],
  [/\(\?<=/, 'lookbehind (?<=…)'],
  [/\(\?<!/, 'negative lookbehind (?<!…)'],
  [/\(\?P=|\\k<|\\[1-9]/, 'backreferences'],
  [/\(\?>/, 'atomic groups (?>…)'],
  [/\(\?\(/, 'conditionals (?(…)…)'],
  [/[*+?}]\+/, 'possessive quantifiers'],
  [/\(\?[a-zA-Z]*x/, 'verbose mode (?x)'],
];

/** A pattern that cannot be used: `feature` names the construct RE2 cannot run, if that is why. */
export class PatternError extends GrunError {
  constructor(
    message: string,
    readonly feature: string | null = null,
  ) {
    super(message);
  }
}

/** Outside a character class and not escaped: where a construct in `source` really is one. */
function unsupportedFeature(source: string): string | null {
  // Blank out escaped characters (but keep `\1`, `\k`) and class bodies so `[(?=]` is no lookahead.
  const plain = source.replace(/\\([^1-9k])/g, '__').replace(/\[(?:\\.|[^\]\\])*\]/g, '_');
  for (const [re, what] of UNSUPPORTED) if (re.test(plain)) return what;
  return null;
}

export interface PatternMatch {
  /** Group 1…n by number (index 0 is the whole match); null for a group that took no part. */
  groups: (string | null)[];
  named: Record<string, string | null>;
}

const re2js = lazyRequire<typeof import('re2js')>('re2js');

/** A compiled user pattern with a linear-time matcher. */
export class SafePattern {
  private constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {}

  /**
   * Compiles `source` (Python `re` syntax: `(?P<n>…)`, `\A`, `\Z`, leading inline flags are
   * understood). Throws `PatternError` naming what RE2 cannot run or why the pattern is bad.
   */
  static compile(source: string, o: { what?: string; ignoreCase?: boolean } = {}): SafePattern {
    const what = o.what ?? 'pattern';
    const feature = unsupportedFeature(source);
    if (feature) {
      throw new PatternError(`${what} '${source}' uses ${feature}, which grun's linear-time regex engine (RE2) does not support`, feature);
    }
    const { RE2JS, RE2JSException } = re2js();
    const re2 = source.replace(/(^|[^\\])((?:\\\\)*)\\Z/g, '$1$2\\z');
    try {
      return new SafePattern(source, RE2JS.compile(re2, o.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0));
    } catch (e) {
      const msg = e instanceof RE2JSException ? e.message.replace(/^error parsing regexp: /, '') : String(e);
      throw new PatternError(`${what} '${source}' is not a valid regex: ${msg}`);
    }
  }

  get groupCount(): number {
    return this.re.groupCount();
  }

  get groupNames(): string[] {
    return Object.keys(this.re.namedGroups());
  }

  /** Whether the pattern matches anywhere in `text`. */
  test(text: string): boolean {
    return this.re.matcher(text).find();
  }

  /** Whether the pattern matches the whole of `text`. */
  fullMatch(text: string): boolean {
    return this.re.matches(text);
  }

  /** Python's `re.sub(pattern, repl, text, count=1)` (`\1`, `\g<name>` in `repl`). */
  replaceFirst(text: string, repl: string): string {
    const js = repl.replace(/\$/g, '$$$$').replace(/\\(?:(\d+)|g<(\w+)>)/g, (_, n: string | undefined, name: string | undefined) => (n ? `$${n}` : `$<${name}>`));
    return this.re.matcher(text).replaceFirst(js);
  }

  /** Every non-overlapping match, left to right, as Python's `finditer`. */
  *matchAll(text: string): Generator<PatternMatch> {
    const m = this.re.matcher(text);
    const names = this.re.namedGroups();
    const n = this.re.groupCount();
    while (m.find()) {
      const groups: (string | null)[] = [];
      for (let i = 0; i <= n; i++) groups.push(m.group(i));
      const named: Record<string, string | null> = {};
      for (const [name, i] of Object.entries(names)) named[name] = groups[i] ?? null;
      yield { groups, named };
    }
  }
}
