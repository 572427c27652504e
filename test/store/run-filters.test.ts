import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { normalizeGuildArgs } from '../../src/commands/argv.js';
import { addRunFilterOptions, parseStatusChars, runFilterOptionsFrom } from '../../src/commands/filter-options.js';
import { applyRunFilters, type RunFilterOptions } from '../../src/store/run-filters.js';
import { GrunError } from '../../src/store/errors.js';
import { listRuns } from '../../src/store/index.js';
import { readRunScalars } from '../../src/store/scalars.js';
import { scalarLookup, type ScalarLookup } from '../../src/store/filter/index.js';
import type { Run, RunStatus, ScalarSummary } from '../../src/store/types.js';
import { copySampleHome } from '../helpers/home.js';

function makeRun(id: string, over: Partial<Run> = {}): Run {
  const status: RunStatus = over.status ?? 'completed';
  return {
    id, dir: `/nowhere/${id}`, deleted: false, opref: null, operation: 'train.py', initialized: null, started: null,
    stopped: null, exitStatus: 0, label: null, tags: [], marked: false, flags: {}, comments: [],
    sourcecodeDigest: null, host: null, user: null, seed: null,
    markers: { lockRemote: null, pending: false, staged: false }, lockPid: null, proc: null, slurm: null, batch: false,
    children: [], parent: null, pruned: null, search: null, problems: [], statusInfo: { status }, ...over, status,
  };
}

const ids = (runs: Run[]): string[] => runs.map((r) => r.id);

function throwsMessage(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof GrunError && e.message === message, message);
}

describe('Guild filter options on the command line', () => {
  test("normalizeGuildArgs rewrites Guild's two-letter short options", () => {
    assert.deepEqual(
      normalizeGuildArgs(['runs', '-Fo', 'train', '-Fl=best', '-Fu', '-Ft', 'a', '-Fc', 'x', '-Fm', '-Fn', '-Fs', 'today', '-Fd', 'ab']),
      ['runs', '--operation', 'train', '--label=best', '--unlabeled', '--tag', 'a', '--comment', 'x', '--marked', '--unmarked', '--started', 'today', '--digest', 'ab'],
    );
    // `-Fotrain` is `-F otrain` to click and commander alike; `-S` forms need nothing; `--` ends options.
    // `guild run -Fo NAME=VAL` is the optimizer's flag
    assert.deepEqual(normalizeGuildArgs(['-H', 'h', 'run', 'op', '-Fo', 'a=1']), ['-H', 'h', 'run', 'op', '--opt-flag', 'a=1']);
    assert.deepEqual(normalizeGuildArgs(['-Fotrain', '-Sec', '-F', 'a = 1', '--', '-Fo']), ['-Fotrain', '-Sec', '-F', 'a = 1', '--', '-Fo']);
    // on `run`, -Fo is an optimizer's flag (Guild's --opt-flag)
    assert.deepEqual(normalizeGuildArgs(['-H', 'h', 'run', 'op', '-Fo', 'beta=0.3', '-Fo=x=1']), ['-H', 'h', 'run', 'op', '--opt-flag', 'beta=0.3', '--opt-flag=x=1']);
  });

  test('parseStatusChars', () => {
    assert.deepEqual(parseStatusChars('ec'), ['error', 'completed']);
    assert.deepEqual(parseStatusChars('rcetpsr'), ['running', 'completed', 'error', 'terminated', 'pending', 'staged']);
    throwsMessage(() => parseStatusChars('xyz'), "unrecognized status char 'x' in option '-S'");
  });

  const parse = (argv: string[]): RunFilterOptions => {
    const cmd = addRunFilterOptions(new Command('t').exitOverride().action(() => {}));
    cmd.parse(normalizeGuildArgs(argv), { from: 'user' });
    return runFilterOptionsFrom(cmd.opts());
  };

  test('every option reads back as RunFilterOptions', () => {
    assert.deepEqual(
      parse([
        '-Fo', 'train', '-Fo', 'test', '-Fl', '-', '-Sec', '-Sr', '--not-error', '--not-staged', '-F', 'loss < 1',
        '-F', 'op = x', '-Fs', 'last hour', '-Fd', 'abc', '-Ft', 'a', '-Ft', 'b', '-Fc', 'note', '-Fm', '--pending',
      ]),
      {
        filter: ['loss < 1', 'op = x'], operation: ['train', 'test'], label: ['-'], tag: ['a', 'b'], comment: ['note'],
        marked: true, started: 'last hour', digest: 'abc', status: ['running', 'completed', 'error', 'pending'],
        notStatus: ['error', 'staged'],
      },
    );
    assert.deepEqual(parse(['--unlabeled', '--unmarked', '--terminated', '-S', 's']), {
      unlabeled: true, unmarked: true, status: ['terminated', 'staged'],
    });
    assert.deepEqual(parse([]), {});
    throwsMessage(() => parse(['-Sxyz']), "unrecognized status char 'x' in option '-S'");
  });
});

describe('applyRunFilters', () => {
  const now = Date.now() * 1000;
  const min = 60_000_000;
  const runs = [
    makeRun('a1', { operation: 'train.py', label: 'best run', started: now - 10 * min, sourcecodeDigest: 'abc123', marked: true }),
    makeRun('b2', { operation: 'util:test', label: '  ', status: 'error', tags: ['Green'], initialized: now - 20 * min }),
    makeRun('c3', { operation: 'train', label: 'tagA epochs=1', status: 'terminated', tags: ['green', 'red'], started: now - 3 * 24 * 60 * min }),
    makeRun('d4', { operation: 'gpkg/model:op', status: 'running', comments: [{ body: 'Looks GOOD', host: 'gpu-box', time: 1, user: 'alice' }] }),
    makeRun('e5', { operation: 'train.py+skopt:random', status: 'staged', sourcecodeDigest: 'abd999' }),
    makeRun('f6', { operation: 'mnist:train', status: 'pending', flags: { lr: 0.1 } }),
    makeRun('g7', { operation: 'train.py+', status: 'completed', flags: { lr: 0.01 } }),
  ];
  const pick = (opts: RunFilterOptions, scalarsFor?: (r: Run) => ScalarSummary[]): string[] =>
    ids(applyRunFilters(runs, opts, scalarsFor && ((r) => scalarLookup(scalarsFor(r)))));

  test('no options keep every run, in order', () => {
    assert.deepEqual(pick({}), ids(runs));
    assert.deepEqual(pick({ filter: [''], operation: [], label: [] }), ids(runs));
  });

  test('-Fo matches pkg/model/op parts, * wildcards, and ^regex / regex$', () => {
    assert.deepEqual(pick({ operation: ['train'] }), ['c3', 'f6']);
    assert.deepEqual(pick({ operation: ['train', 'test'] }), ['b2', 'c3', 'f6']);
    assert.deepEqual(pick({ operation: ['util:*'] }), ['b2']);
    assert.deepEqual(pick({ operation: ['*.py'] }), ['a1']);
    assert.deepEqual(pick({ operation: ['train*'] }), ['a1', 'c3', 'f6', 'g7']);
    assert.deepEqual(pick({ operation: ['^train'] }), ['a1', 'c3', 'e5', 'g7']);
    assert.deepEqual(pick({ operation: ['py$'] }), ['a1']);
    assert.deepEqual(pick({ operation: ['gpkg/model:op'] }), ['d4']);
    assert.deepEqual(pick({ operation: ['model:op'] }), ['d4']);
    assert.deepEqual(pick({ operation: ['other/model:op'] }), []);
    assert.deepEqual(pick({ operation: ['^(bad'] }), []);
  });

  test('-Fl substrings, - for unlabeled, -Fu', () => {
    assert.deepEqual(pick({ label: ['best'] }), ['a1']);
    assert.deepEqual(pick({ label: ['epochs', 'best'] }), ['a1', 'c3']);
    assert.deepEqual(pick({ label: ['-'] }), ['b2', 'd4', 'e5', 'f6', 'g7']);
    assert.deepEqual(pick({ unlabeled: true }), ['b2', 'd4', 'e5', 'f6', 'g7']);
    throwsMessage(() => pick({ label: ['x'], unlabeled: true }), '--label and --unlabeled cannot both be used');
  });

  test('-Ft exact tags, -Fc comments, -Fm / -Fn, -Fd digest prefix', () => {
    assert.deepEqual(pick({ tag: ['green'] }), ['c3']);
    assert.deepEqual(pick({ tag: ['Green', 'red'] }), ['b2', 'c3']);
    assert.deepEqual(pick({ comment: ['good'] }), ['d4']);
    assert.deepEqual(pick({ comment: ['ALICE'] }), ['d4']);
    assert.deepEqual(pick({ comment: ['gpu-box'] }), ['d4']);
    assert.deepEqual(pick({ comment: ['-'] }), ['a1', 'b2', 'c3', 'e5', 'f6', 'g7']);
    assert.deepEqual(pick({ marked: true }), ['a1']);
    assert.deepEqual(pick({ unmarked: true }).length, 6);
    throwsMessage(() => pick({ marked: true, unmarked: true }), '--marked and --unmarked cannot both be used');
    assert.deepEqual(pick({ digest: 'ab' }), ['a1', 'e5']);
    assert.deepEqual(pick({ digest: 'abc' }), ['a1']);
  });

  test('-Fs uses started, else initialized', () => {
    assert.deepEqual(pick({ started: 'last hour' }), ['a1', 'b2']);
    assert.deepEqual(pick({ started: 'last 4 days' }), ['a1', 'b2', 'c3']);
    assert.deepEqual(pick({ started: 'before 2000-1-1' }), []);
    throwsMessage(() => pick({ started: 'last fortnight' }), "invalid RANGE 'last fortnight': unexpected 'fortnight' at position 5");
  });

  test('status options OR-ed, --not-* AND-ed', () => {
    assert.deepEqual(pick({ status: ['error', 'completed'] }), ['a1', 'b2', 'g7']);
    assert.deepEqual(pick({ notStatus: ['completed', 'error'] }), ['c3', 'd4', 'e5', 'f6']);
    assert.deepEqual(pick({ status: ['completed'], notStatus: ['completed'] }), []);
    throwsMessage(() => pick({ status: ['done'] }), "unknown run status 'done' (expected one of: running, completed, error, terminated, pending, staged)");
  });

  test('-F expressions AND with each other and the other options; scalars are read lazily', () => {
    const asked: string[] = [];
    const scalarsFor = (r: Run): ScalarSummary[] => {
      asked.push(r.id);
      const last = r.id === 'f6' ? 0.2 : 0.9;
      return [{ prefix: '.guild', tag: 'loss', last, first: last, firstStep: 0, lastStep: 0, min: last, minStep: 0, max: last, maxStep: 0, avg: last, total: last, count: 1 }];
    };
    assert.deepEqual(pick({ filter: ['flag:lr is not undefined'] }, scalarsFor), ['f6', 'g7']);
    assert.deepEqual(asked, []);
    assert.deepEqual(pick({ filter: ['loss < 0.5'], status: ['pending', 'completed'] }, scalarsFor), ['f6']);
    assert.deepEqual(asked, ['a1', 'f6', 'g7']);
    assert.deepEqual(pick({ filter: ['loss < 0.5', 'lr > 0.05'] }), []);
    assert.deepEqual(pick({ filter: ['lr > 0.05', 'status = pending'] }), ['f6']);
    throwsMessage(() => pick({ filter: ['lr >'] }), "invalid filter 'lr >': expected a value after '>' at position 4");
  });
});

describe("Guild's filter-runs sample (run-status.md, filter-runs.md)", () => {
  const home = copySampleHome('filter-runs');
  const runs = listRuns(home);
  const scalarsFor = (r: Run): ScalarLookup => scalarLookup(readRunScalars(r.dir).summaries);
  const short = (opts: RunFilterOptions): string[] => applyRunFilters(runs, opts, scalarsFor).map((r) => r.id.slice(0, 8));
  const expr = (filter: string): string[] => short({ filter: [filter] });
  const all = ['e394b696', 'a5520d13', '2dc1529b', '79ca9e64', 'ac99cff4', 'fe83a924', 'fa6f74ad'];

  test('the sample lists newest first with Guild statuses', () => {
    assert.deepEqual(short({}), all);
    assert.deepEqual(runs.map((r) => r.status), ['completed', 'completed', 'terminated', 'completed', 'pending', 'error', 'staged']);
  });

  test('status options', () => {
    assert.deepEqual(short({ status: parseStatusChars('c') }), ['e394b696', 'a5520d13', '79ca9e64']);
    assert.deepEqual(short({ notStatus: ['error', 'completed'] }), ['2dc1529b', 'ac99cff4', 'fa6f74ad']);
    assert.deepEqual(short({ status: parseStatusChars('sp') }), ['ac99cff4', 'fa6f74ad']);
  });

  test('terms and run attrs', () => {
    const cases: [string, string[]][] = [
      ['true', all], ['false', []], ['true or false', all], ['1', all], ['0', []], ['cat', all],
      ['id contains e39', ['e394b696']], ['not id contains e39', all.slice(1)],
      ['op = train', all.slice(2)], ['op is train', all.slice(2)], ['op != train', all.slice(0, 2)],
      ['op is not train', all.slice(0, 2)], ["op_model = ''", all.slice(2)], ['op_model = util', all.slice(0, 2)],
      ['tags contains red', ['2dc1529b']], ['tags contains green', ['e394b696', '2dc1529b']],
      ['tags contains Green', ['2dc1529b']], ['tags contains [red, green]', ['2dc1529b']],
      ['tags contains [red, blue]', []], ['tags contains [red]', ['2dc1529b']],
      ['tags not contains [green]', ['a5520d13', '79ca9e64', 'ac99cff4', 'fe83a924', 'fa6f74ad']],
      ['short_id = e394b696', ['e394b696']],
    ];
    for (const [filter, want] of cases) assert.deepEqual(expr(filter), want, filter);
  });

  test('status expressions', () => {
    const cases: [string, string[]][] = [
      ['status = completed', ['e394b696', 'a5520d13', '79ca9e64']],
      ['status is completed', ['e394b696', 'a5520d13', '79ca9e64']],
      ['status != completed', ['2dc1529b', 'ac99cff4', 'fe83a924', 'fa6f74ad']],
      ['status is not completed', ['2dc1529b', 'ac99cff4', 'fe83a924', 'fa6f74ad']],
      ['status in [completed, terminated]', ['e394b696', 'a5520d13', '2dc1529b', '79ca9e64']],
      ['status = completed or status = error', ['e394b696', 'a5520d13', '79ca9e64', 'fe83a924']],
      ['status not in [completed] and status in [error]', ['fe83a924']],
      ['not status', []],
    ];
    for (const [filter, want] of cases) assert.deepEqual(expr(filter), want, filter);
  });

  test('flags', () => {
    const train = all.slice(2);
    const cases: [string, string[]][] = [
      ['noise = 0.1', ['2dc1529b', '79ca9e64', 'fe83a924', 'fa6f74ad']],
      ['noise = 0.1 and x > 0.1', ['2dc1529b']],
      ['noise = 0.1 or x > 0.1', ['2dc1529b', '79ca9e64', 'fe83a924', 'fa6f74ad']],
      ['op = train and x in [1.1,0.1,0.2]', ['2dc1529b', '79ca9e64']],
      ['op = train and x not in [1.1,0.1,0.2]', ['ac99cff4', 'fe83a924', 'fa6f74ad']],
      ['noise is not undefined', train],
      ['noise is undefined', ['e394b696', 'a5520d13']],
      ['x is 1.1', ['2dc1529b']],
      ['x is not undefined and x is not 1.1', ['79ca9e64', 'ac99cff4', 'fe83a924', 'fa6f74ad']],
      ['flag:x is undefined', ['e394b696', 'a5520d13']],
      ['flag:x is not undefined', train],
      ['flag:xxx is undefined', all],
      ['flag:xxx is not undefined', []],
    ];
    for (const [filter, want] of cases) assert.deepEqual(expr(filter), want, filter);
  });

  test('scalars (last values)', () => {
    const cases: [string, string[]][] = [
      ['loss > 0.5', ['e394b696', 'ac99cff4', 'fe83a924', 'fa6f74ad']],
      ['loss <= 0.5', ['a5520d13', '2dc1529b', '79ca9e64']],
      ['loss >= .45 and loss < 0.5', ['a5520d13', '2dc1529b']],
      ['loss is undefined', []],
      ['loss is not undefined', all],
      ['loss > 0.5 and op = train', ['ac99cff4', 'fe83a924', 'fa6f74ad']],
      ['target/.guild#loss > 0.5', ['e394b696']],
      ['loss > 0.5 and foo < 3', []],
      ['no-such-value < hello', []],
    ];
    for (const [filter, want] of cases) assert.deepEqual(expr(filter), want, filter);
  });

  test('syntax errors', () => {
    throwsMessage(() => expr('and id = foo'), "invalid filter 'and id = foo': unexpected 'and' at position 0");
  });
});
