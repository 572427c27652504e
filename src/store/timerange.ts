// `-Fs, --started RANGE` specs, as Guild's `guild/timerange` reads them:
//
//   spec       := unit-range | (before|after) (unit-range | datetime) | last [N] (minute|hour|day)
//               | between range and range | datetime
//   unit-range := today | yesterday | this UNIT | N UNIT ago      UNIT: minute hour day week month year
//   range      := unit-range | (before|after) … | datetime
//   datetime   := date [time] | time        date: YYYY-M-D, YY-M-D, M-D   time: H:MM, H:MM:SS
//
// Times are local wall-clock times, with Guild's arithmetic on them (`last 2 days` is the same
// clock time two days back; `this month` ends at 00:00 of the month's last day, as in Guild).
// A lone datetime is the day, minute or second it names.
import { GrunError } from './errors.js';

export interface TimeRange {
  /** Inclusive start, µs since the epoch. */
  start?: number;
  /** Exclusive end, µs since the epoch. */
  end?: number;
}

/** Guild's pointer to its help on ranges, under a range that does not parse. */
const RANGE_HINT = "Try 'grun runs list --help' for help specifying time ranges.";

export function parseTimeRange(spec: string, now: Date = new Date()): TimeRange {
  let parsed: Range;
  try {
    parsed = new RangeParser(spec, now).parse();
  } catch (e) {
    if (e instanceof RangeError) throw new GrunError(`invalid RANGE '${spec}': ${e.message}`, 1, RANGE_HINT);
    throw e;
  }
  const { start, end } = parsed;
  const range: TimeRange = {};
  if (start) range.start = start.getTime() * 1000;
  if (end) range.end = end.getTime() * 1000;
  return range;
}

/** Whether a run timestamp (µs) falls in a range, compared at whole seconds as Guild does. */
export function inTimeRange(us: number, range: TimeRange): boolean {
  const t = Math.floor(us / 1e6) * 1e6;
  return (range.start === undefined || t >= range.start) && (range.end === undefined || t < range.end);
}

type Kw = 'today' | 'yesterday' | 'this' | 'last' | 'ago' | 'before' | 'after' | 'between' | 'and';
type Unit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
type TokType = Kw | Unit | 'number' | 'longdate' | 'mediumdate' | 'shortdate' | 'longtime' | 'shorttime';

interface Tok {
  type: TokType;
  text: string;
  nums: number[];
  pos: number;
}

const KEYWORDS = new Set<string>(['today', 'yesterday', 'this', 'last', 'ago', 'before', 'after', 'between', 'and']);

// Guild's token rules in Guild's order (the first that matches wins), case-insensitive.
const RULES: [TokType | 'word', RegExp][] = [
  ['longdate', /(\d{4})-(\d{1,2})-(\d{1,2})/iy],
  ['mediumdate', /(\d{2})-(\d{1,2})-(\d{1,2})/iy],
  ['shortdate', /(\d{1,2})-(\d{1,2})/iy],
  ['longtime', /(\d{1,2}):(\d{2}):(\d{2})/iy],
  ['shorttime', /(\d{1,2}):(\d{2})/iy],
  ['day', /days?/iy],
  ['week', /weeks?/iy],
  ['month', /months?/iy],
  ['year', /years?/iy],
  ['number', /\d+/iy],
  ['hour', /hours?|hr/iy],
  ['minute', /minutes?|min/iy],
  ['word', /[a-z]+/iy],
];

interface Range {
  start: Date | null;
  end: Date | null;
}

/** A naive local datetime, with Guild's distinction of what precision the user gave. */
interface Stamp {
  date: Date;
  precision: 'day' | 'minute' | 'second';
}

class RangeParser {
  private readonly toks: Tok[];
  private i = 0;

  constructor(
    private readonly spec: string,
    private readonly ref: Date,
  ) {
    this.toks = this.tokenize();
  }

  parse(): Range {
    if (this.toks.length === 0) throw this.error('the range is empty');
    const t = this.peek()!;
    let range: Range;
    if (t.type === 'last') range = this.lastUnit();
    else if (t.type === 'between') range = this.between();
    else if (isDateTime(t)) range = stampRange(this.datetime());
    else range = this.range();
    const extra = this.peek();
    if (extra) throw this.unexpected(extra);
    return range;
  }

  private tokenize(): Tok[] {
    const toks: Tok[] = [];
    const s = this.spec;
    let i = 0;
    scan: while (i < s.length) {
      if (' \t\n'.includes(s[i]!)) {
        i++;
        continue;
      }
      for (const [type, re] of RULES) {
        re.lastIndex = i;
        const m = re.exec(s);
        if (!m) continue;
        const text = m[0];
        if (type === 'word') {
          const kw = text.toLowerCase();
          if (!KEYWORDS.has(kw)) throw this.error(`unexpected '${text}' at position ${i}`);
          toks.push({ type: kw as Kw, text, nums: [], pos: i });
        } else {
          const nums = type === 'number' ? [Number(text)] : m.slice(1).map(Number);
          toks.push({ type, text, nums, pos: i });
        }
        i += text.length;
        continue scan;
      }
      throw this.error(`unexpected '${s.slice(i)}' at position ${i}`);
    }
    return toks;
  }

  /** unit-range | operator-range | datetime (as a zero-length range, inside `between`). */
  private range(): Range {
    const t = this.next('a time range');
    switch (t.type) {
      case 'today':
        return dayRange(this.ref, 0);
      case 'yesterday':
        return dayRange(this.ref, -1);
      case 'this':
        return unitRange(this.unit(t, ALL_UNITS).type as Unit, this.ref, 0);
      case 'number': {
        const unit = this.unit(t, ALL_UNITS);
        this.expect('ago', unit);
        return unitRange(unit.type as Unit, this.ref, -t.nums[0]!);
      }
      case 'before':
      case 'after': {
        const next = this.peek();
        if (next && isDateTime(next)) {
          const at = this.datetime().date;
          return t.type === 'before' ? { start: null, end: at } : { start: at, end: null };
        }
        const r = this.range();
        if (!r.start || !r.end) throw this.unexpected(this.toks[this.i - 1]!);
        return t.type === 'before' ? { start: null, end: r.start } : { start: r.end, end: null };
      }
      default:
        if (isDateTime(t)) {
          this.i--;
          const at = this.datetime().date;
          return { start: at, end: at };
        }
        throw this.unexpected(t);
    }
  }

  /** `last [N] minute|hour|day`: exactly N units back from now, open-ended. */
  private lastUnit(): Range {
    const last = this.next('last');
    let n = 1;
    let prev = last;
    if (this.peek()?.type === 'number') {
      prev = this.next('last');
      n = prev.nums[0]!;
    }
    const unit = this.unit(prev, DELTA_UNITS).type as 'minute' | 'hour' | 'day';
    const r = this.ref;
    const start =
      unit === 'day'
        ? local(r.getFullYear(), r.getMonth() + 1, r.getDate() - n, r.getHours(), r.getMinutes(), r.getSeconds(), r.getMilliseconds())
        : local(
            r.getFullYear(),
            r.getMonth() + 1,
            r.getDate(),
            r.getHours() - (unit === 'hour' ? n : 0),
            r.getMinutes() - (unit === 'minute' ? n : 0),
            r.getSeconds(),
            r.getMilliseconds(),
          );
    return { start: checked(start), end: null };
  }

  /** `between A and B`, in either order: from the earlier start to the other's end. */
  private between(): Range {
    this.next('between');
    const a = this.range();
    this.expect('and', this.toks[this.i - 1]!);
    const b = this.range();
    const sa = a.start?.getTime() ?? -Infinity;
    const sb = b.start?.getTime() ?? -Infinity;
    return sa < sb ? { start: a.start, end: b.end } : { start: b.start, end: a.end };
  }

  private datetime(): Stamp {
    const t = this.next('a date or time');
    if (t.type === 'shorttime' || t.type === 'longtime') {
      const r = this.ref;
      return this.withTime(t, r.getFullYear(), r.getMonth() + 1, r.getDate());
    }
    const [a, b, c] = t.nums as [number, number, number];
    const [y, m, d] =
      t.type === 'longdate'
        ? [a, b, c]
        : t.type === 'mediumdate'
          ? [Math.floor(this.ref.getFullYear() / 100) * 100 + a, b, c]
          : [this.ref.getFullYear(), a, b];
    this.checkDate(y, m, d);
    const time = this.peek();
    if (time && (time.type === 'shorttime' || time.type === 'longtime')) {
      this.i++;
      return this.withTime(time, y, m, d);
    }
    return { date: local(y, m, d), precision: 'day' };
  }

  private withTime(t: Tok, y: number, m: number, d: number): Stamp {
    const [h, mi, s = 0] = t.nums as [number, number, number?];
    if (h > 23) throw this.error('hour must be in 0..23');
    if (mi > 59) throw this.error('minute must be in 0..59');
    if (s > 59) throw this.error('second must be in 0..59');
    return { date: local(y, m, d, h, mi, s), precision: t.type === 'longtime' ? 'second' : 'minute' };
  }

  private checkDate(y: number, m: number, d: number): void {
    if (y < 1 || y > 9999) throw this.error(`year ${y} is out of range`);
    if (m < 1 || m > 12) throw this.error('month must be in 1..12');
    if (d < 1 || d > local(y, m + 1, 0).getDate()) throw this.error('day is out of range for month');
  }

  private unit(after: Tok, allowed: ReadonlySet<TokType>): Tok {
    const t = this.peek();
    if (!t) throw this.error(`expected a unit after '${after.text}'`);
    if (!allowed.has(t.type)) throw this.unexpected(t);
    this.i++;
    return t;
  }

  private expect(type: TokType, after: Tok): void {
    const t = this.peek();
    if (!t) throw this.error(`expected '${type}' after '${after.text}'`);
    if (t.type !== type) throw this.unexpected(t);
    this.i++;
  }

  private next(what: string): Tok {
    const t = this.toks[this.i++];
    if (!t) throw this.error(`expected ${what} at the end`);
    return t;
  }

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }

  private unexpected(t: Tok): GrunError {
    return this.error(`unexpected '${t.text}' at position ${t.pos}`);
  }

  private error(detail: string): GrunError {
    return new GrunError(`invalid RANGE '${this.spec}': ${detail}`, 1, RANGE_HINT);
  }
}

const ALL_UNITS = new Set<TokType>(['minute', 'hour', 'day', 'week', 'month', 'year']);
// `last` takes only these: Guild leaves `last week` unsupported (use `after 1 week ago`).
const DELTA_UNITS = new Set<TokType>(['minute', 'hour', 'day']);

function isDateTime(t: Tok): boolean {
  return t.type === 'longdate' || t.type === 'mediumdate' || t.type === 'shortdate' || t.type === 'longtime' || t.type === 'shorttime';
}

/** A local wall-clock time; out-of-range fields carry over as naive datetime arithmetic does. */
function local(y: number, m: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date {
  const dt = new Date(2000, 0, 1, 0, 0, 0, 0);
  dt.setFullYear(y, m - 1, d);
  dt.setHours(h, mi, s, ms);
  return dt;
}

function checked(d: Date): Date {
  if (Number.isNaN(d.getTime()) || d.getFullYear() < 1 || d.getFullYear() > 9999) {
    throw new RangeError('date value out of range');
  }
  return d;
}

function stampRange(s: Stamp): Range {
  const d = s.date;
  if (s.precision === 'day') return dayRange(d, 0);
  const [y, m, day, h, mi] = [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()];
  if (s.precision === 'minute') return { start: local(y, m, day, h, mi), end: local(y, m, day, h, mi + 1) };
  const sec = d.getSeconds();
  return { start: local(y, m, day, h, mi, sec), end: local(y, m, day, h, mi, sec + 1) };
}

function unitRange(unit: Unit, ref: Date, shift: number): Range {
  const [y, m, d, h, mi] = [ref.getFullYear(), ref.getMonth() + 1, ref.getDate(), ref.getHours(), ref.getMinutes()];
  let start: Date;
  let end: Date;
  switch (unit) {
    case 'minute':
      start = local(y, m, d, h, mi + shift);
      end = local(y, m, d, h, mi + shift + 1);
      break;
    case 'hour':
      start = local(y, m, d, h + shift);
      end = local(y, m, d, h + shift + 1);
      break;
    case 'day':
      return dayRange(ref, shift);
    case 'week': {
      const monday = d - ((ref.getDay() + 6) % 7) + shift * 7;
      start = local(y, m, monday);
      end = local(y, m, monday + 7);
      break;
    }
    case 'month':
      // Guild ends a month range at 00:00 of its last day.
      start = local(y, m + shift, 1);
      end = local(y, m + shift + 1, 0);
      break;
    case 'year':
      start = local(y + shift, 1, 1);
      end = local(y + shift + 1, 1, 1);
      break;
  }
  return { start: checked(start), end: checked(end) };
}

function dayRange(ref: Date, shift: number): Range {
  const [y, m, d] = [ref.getFullYear(), ref.getMonth() + 1, ref.getDate()];
  return { start: checked(local(y, m, d + shift)), end: checked(local(y, m, d + shift + 1)) };
}
