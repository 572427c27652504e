import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inTimeRange, parseTimeRange } from '../../src/store/timerange.js';
import { GrunError } from '../../src/store/errors.js';

// guild/tests/timerange.md, with its reference time; times are local, as in Guild.
const ref = new Date(2019, 4, 1, 14, 35, 23);

const pad = (n: number): string => String(n).padStart(2, '0');
function fmt(us: number | undefined): string {
  if (us === undefined) return 'None';
  const d = new Date(us / 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
function apply(spec: string, now = ref): [string, string] {
  const r = parseTimeRange(spec, now);
  return [fmt(r.start), fmt(r.end)];
}

describe('time ranges (guild/tests/timerange.md)', () => {
  test('unit ranges', () => {
    const cases: [string, string, string][] = [
      ['this minute', '2019-05-01 14:35:00', '2019-05-01 14:36:00'],
      ['1 minute ago', '2019-05-01 14:34:00', '2019-05-01 14:35:00'],
      ['5 minutes ago', '2019-05-01 14:30:00', '2019-05-01 14:31:00'],
      ['this hour', '2019-05-01 14:00:00', '2019-05-01 15:00:00'],
      ['1 hour ago', '2019-05-01 13:00:00', '2019-05-01 14:00:00'],
      ['5 hours ago', '2019-05-01 09:00:00', '2019-05-01 10:00:00'],
      ['24 hours ago', '2019-04-30 14:00:00', '2019-04-30 15:00:00'],
      ['today', '2019-05-01 00:00:00', '2019-05-02 00:00:00'],
      ['yesterday', '2019-04-30 00:00:00', '2019-05-01 00:00:00'],
      ['1 day ago', '2019-04-30 00:00:00', '2019-05-01 00:00:00'],
      ['2 days ago', '2019-04-29 00:00:00', '2019-04-30 00:00:00'],
      ['10 days ago', '2019-04-21 00:00:00', '2019-04-22 00:00:00'],
      ['this week', '2019-04-29 00:00:00', '2019-05-06 00:00:00'],
      ['1 week ago', '2019-04-22 00:00:00', '2019-04-29 00:00:00'],
      ['2 weeks ago', '2019-04-15 00:00:00', '2019-04-22 00:00:00'],
      ['10 weeks ago', '2019-02-18 00:00:00', '2019-02-25 00:00:00'],
      ['this month', '2019-05-01 00:00:00', '2019-05-31 00:00:00'],
      ['1 month ago', '2019-04-01 00:00:00', '2019-04-30 00:00:00'],
      ['3 months ago', '2019-02-01 00:00:00', '2019-02-28 00:00:00'],
      ['15 months ago', '2018-02-01 00:00:00', '2018-02-28 00:00:00'],
      ['39 months ago', '2016-02-01 00:00:00', '2016-02-29 00:00:00'],
      ['this year', '2019-01-01 00:00:00', '2020-01-01 00:00:00'],
      ['1 year ago', '2018-01-01 00:00:00', '2019-01-01 00:00:00'],
      ['5 years ago', '2014-01-01 00:00:00', '2015-01-01 00:00:00'],
      ['3 days ago', '2019-04-28 00:00:00', '2019-04-29 00:00:00'],
      ['ToDaY', '2019-05-01 00:00:00', '2019-05-02 00:00:00'],
      ['3 WEEKS AGO', '2019-04-08 00:00:00', '2019-04-15 00:00:00'],
    ];
    for (const [spec, start, end] of cases) assert.deepEqual(apply(spec), [start, end], spec);
  });

  test('operator ranges', () => {
    const y1900 = new Date(1900, 0, 1);
    const cases: [string, Date, string, string][] = [
      ['before 2018-4-29', ref, 'None', '2018-04-29 00:00:00'],
      ['before 2019-4-29 9:35', ref, 'None', '2019-04-29 09:35:00'],
      ['before 2019-4-29 9:35:05', ref, 'None', '2019-04-29 09:35:05'],
      ['before 19-4-29 9:35', ref, 'None', '2019-04-29 09:35:00'],
      ['before 89-4-1', y1900, 'None', '1989-04-01 00:00:00'],
      ['before 4-29', ref, 'None', '2019-04-29 00:00:00'],
      ['before 4-29', y1900, 'None', '1900-04-29 00:00:00'],
      ['before 4-28 15:45', ref, 'None', '2019-04-28 15:45:00'],
      ['before 23:30', ref, 'None', '2019-05-01 23:30:00'],
      ['before 23:30', new Date(1989, 2, 28), 'None', '1989-03-28 23:30:00'],
      ['before today', ref, 'None', '2019-05-01 00:00:00'],
      ['before 10 minutes ago', ref, 'None', '2019-05-01 14:25:00'],
      ['before 2 days ago', ref, 'None', '2019-04-29 00:00:00'],
      ['after 2018-4-29', ref, '2018-04-29 00:00:00', 'None'],
      ['after 2019-4-29 9:35', ref, '2019-04-29 09:35:00', 'None'],
      ['after 19-4-29 9:35', ref, '2019-04-29 09:35:00', 'None'],
      ['after 4-29', ref, '2019-04-29 00:00:00', 'None'],
      ['after 4-28 15:45', ref, '2019-04-28 15:45:00', 'None'],
      ['after 23:30', ref, '2019-05-01 23:30:00', 'None'],
      ['after 7-1', ref, '2019-07-01 00:00:00', 'None'],
      ['after yesterday', ref, '2019-05-01 00:00:00', 'None'],
      ['after 1 day ago', ref, '2019-05-01 00:00:00', 'None'],
      ['after 12 months ago', ref, '2018-05-31 00:00:00', 'None'],
      ['after 5 minutes ago', ref, '2019-05-01 14:31:00', 'None'],
      ['after 2 weeks ago', ref, '2019-04-22 00:00:00', 'None'],
      ['after 1 month ago', ref, '2019-04-30 00:00:00', 'None'],
      ['after 1 year ago', ref, '2019-01-01 00:00:00', 'None'],
      ['after 3 days ago', ref, '2019-04-29 00:00:00', 'None'],
    ];
    for (const [spec, now, start, end] of cases) assert.deepEqual(apply(spec, now), [start, end], spec);
  });

  test('last N units go back exactly N units', () => {
    const cases: [string, string][] = [
      ['last 2 minutes', '2019-05-01 14:33:23'],
      ['last hour', '2019-05-01 13:35:23'],
      ['last 6 hours', '2019-05-01 08:35:23'],
      ['last 10 days', '2019-04-21 14:35:23'],
      ['last 5 minutes', '2019-05-01 14:30:23'],
      ['last 3 days', '2019-04-28 14:35:23'],
      ['last 30 min', '2019-05-01 14:05:23'],
      ['last 2 hr', '2019-05-01 12:35:23'],
    ];
    for (const [spec, start] of cases) assert.deepEqual(apply(spec), [start, 'None'], spec);
    // Exact to the millisecond of `now`.
    const now = new Date(2019, 4, 1, 14, 35, 23, 456);
    assert.equal(parseTimeRange('last hour', now).start, (now.getTime() - 3_600_000) * 1000);
  });

  test('explicit ranges, in either order, and lone datetimes', () => {
    const cases: [string, string, string][] = [
      ['between yesterday and today', '2019-04-30 00:00:00', '2019-05-02 00:00:00'],
      ['between today and yesterday', '2019-04-30 00:00:00', '2019-05-02 00:00:00'],
      ['between 10 minutes ago and 5 minutes ago', '2019-05-01 14:25:00', '2019-05-01 14:31:00'],
      ['between 1-1 and 1-31', '2019-01-01 00:00:00', '2019-01-31 00:00:00'],
      ['between 1-31 and 1-1', '2019-01-01 00:00:00', '2019-01-31 00:00:00'],
      ['between 0:00 and 12:00', '2019-05-01 00:00:00', '2019-05-01 12:00:00'],
      ['between 10:00 and 15:00', '2019-05-01 10:00:00', '2019-05-01 15:00:00'],
      ['between 0:00:05 and 12:00:45', '2019-05-01 00:00:05', '2019-05-01 12:00:45'],
      ['between 1-1 0:00:05 and 1-1 12:00:45', '2019-01-01 00:00:05', '2019-01-01 12:00:45'],
      ['between 2018-1-1 and 10 days ago', '2018-01-01 00:00:00', '2019-04-22 00:00:00'],
      ['between 10 days ago and today', '2019-04-21 00:00:00', '2019-05-02 00:00:00'],
      ['10:00', '2019-05-01 10:00:00', '2019-05-01 10:01:00'],
      ['2018-10-31 14:30', '2018-10-31 14:30:00', '2018-10-31 14:31:00'],
      ['2018-10-31 14:30:05', '2018-10-31 14:30:05', '2018-10-31 14:30:06'],
      ['2018-10-31', '2018-10-31 00:00:00', '2018-11-01 00:00:00'],
    ];
    for (const [spec, start, end] of cases) assert.deepEqual(apply(spec), [start, end], spec);
  });

  test('invalid specs give a clear error', () => {
    const cases: [string, string][] = [
      ['', "invalid RANGE '': the range is empty"],
      ['a', "invalid RANGE 'a': unexpected 'a' at position 0"],
      ['aftr last week', "invalid RANGE 'aftr last week': unexpected 'aftr' at position 0"],
      ['after the equinox', "invalid RANGE 'after the equinox': unexpected 'the' at position 6"],
      ['yearsss', "invalid RANGE 'yearsss': unexpected 'ss' at position 5"],
      ['2015-01-03-01', "invalid RANGE '2015-01-03-01': unexpected '-01' at position 10"],
      ['1:2', "invalid RANGE '1:2': unexpected ':2' at position 1"],
      ['last 2 weeks', "invalid RANGE 'last 2 weeks': unexpected 'weeks' at position 7"],
      ['last month', "invalid RANGE 'last month': unexpected 'month' at position 5"],
      ['last 1 year', "invalid RANGE 'last 1 year': unexpected 'year' at position 7"],
      ['before 2018-4-31', "invalid RANGE 'before 2018-4-31': day is out of range for month"],
      ['between 11:00 and 24:00', "invalid RANGE 'between 11:00 and 24:00': hour must be in 0..23"],
      ['after 13-1', "invalid RANGE 'after 13-1': month must be in 1..12"],
      ['3 weeks', "invalid RANGE '3 weeks': expected 'ago' after 'weeks'"],
      ['this', "invalid RANGE 'this': expected a unit after 'this'"],
      ['today today', "invalid RANGE 'today today': unexpected 'today' at position 6"],
      ['between today', "invalid RANGE 'between today': expected 'and' after 'today'"],
      ['99999999 years ago', "invalid RANGE '99999999 years ago': date value out of range"],
    ];
    for (const [spec, message] of cases) {
      assert.throws(() => parseTimeRange(spec, ref), (e: unknown) => e instanceof GrunError && e.message === message, spec);
    }
  });

  test('a run matches from the start (inclusive) to the end (exclusive), at whole seconds', () => {
    const r = parseTimeRange('between 10:00 and 15:00', ref);
    const at = (h: number, m: number, s: number, ms = 0): number => new Date(2019, 4, 1, h, m, s, ms).getTime() * 1000;
    assert.equal(inTimeRange(at(10, 0, 0), r), true);
    assert.equal(inTimeRange(at(9, 59, 59, 999), r), false);
    assert.equal(inTimeRange(at(14, 59, 59, 999), r), true);
    assert.equal(inTimeRange(at(15, 0, 0), r), false);
    assert.equal(inTimeRange(at(1, 0, 0), parseTimeRange('before 10:00', ref)), true);
  });
});
