import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventFileWriter } from '../../src/store/tfevents.js';
import { copyFixtureHome, copySampleHome, emptyHome, grunBin, tempDir } from '../helpers/home.js';
import { cloneRun, fails, grun, listedShortIds, ok, okSaid } from './cli-helpers.js';

const STATUS: Record<string, string> = {
  c66e6a9a: 'completed',
  '2f7d9dae': 'staged',
  d87d76a9: 'pending',
  d79e4010: 'terminated',
  c0c40c66: 'error',
  '479f4462': 'error',
  '13f6d5be': 'error',
  '8fa24610': 'completed',
};

/** Each listing row as its columns (split on the alignment gaps). */
const rows = (out: string): string[][] => out.trimEnd().split('\n').map((l) => l.trimEnd().split(/ {2,}/));

describe('grun runs (list)', () => {
  test('lists the fixture home newest first, lined up, with statuses and labels', () => {
    const home = copyFixtureHome();
    const r = grun(home, ['runs']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '', 'no hint for exactly 20 runs');
    const lines = r.out.trimEnd().split('\n');
    assert.equal(lines.length, 20);
    assert.match(
      lines[0]!,
      /^\[1:c66e6a9a\] {3}train \(\/home\/alice\/mnist\) +2026-11-22 10:51:24 {2}completed {3}epochs=3 lr=0\.1 operation:prepare=9d33df1fe62b4f869c35c1c66bb6c2cd optimizer=adam$/,
    );
    // Columns line up: the started column begins at the same offset on every line.
    const at = lines.map((l) => l.search(/2026-11-22/));
    assert.equal(new Set(at).size, 1, r.out);
    const byId = new Map(rows(r.out).map((c) => [c[0]!.replace(/^\[\d+:|\]$/g, ''), c]));
    for (const [id, status] of Object.entries(STATUS)) assert.equal(byId.get(id)?.[3], status, id);
    assert.equal(byId.get('8fa24610')?.[1], 'train.py+ (/home/alice/sandbox)');
    assert.equal(byId.get('f5d01912')?.[1], 'train.py+skopt:random (/home/alice/sandbox)');
    assert.equal(byId.get('8fa24610')?.length, 4, 'a batch run has no label');
    assert.equal(byId.get('46993680')?.[1], 'train.py (/home/alice/sandbox) [marked]');
    assert.equal(byId.get('4cad94ad')?.[4], 'best run');
    assert.equal(byId.get('46993680')?.[4], 'tagA tagB epochs=1 fail=no lr=0.11 sleep=0.0');
    assert.equal(byId.get('ecaf1222')?.[4], 'epochs=1 fail=no lr=0.00636 sleep=0.0');
    assert.ok(!byId.has('5cc3ae6b'), 'trashed run not listed');
  });

  test('shows 20 runs with Guild\'s hint; -m, -a and -n change how many', () => {
    const home = copyFixtureHome();
    cloneRun(home, 'e1cf955019fc498ba318ae5d147456c2', ['00000000000000000000000000000001', '00000000000000000000000000000002', '00000000000000000000000000000003']);
    const r = grun(home, ['runs']);
    assert.equal(r.code, 0);
    assert.equal(listedShortIds(r.out).length, 20);
    assert.equal(r.err, 'Showing the first 20 runs (23 total) - use --all to show all or -m to show more\n');
    assert.equal(listedShortIds(ok(home, ['runs', '-a'])).length, 23);
    assert.equal(listedShortIds(ok(home, ['runs', 'list', '-m'])).length, 23);
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-n', '2'])), ['c66e6a9a', '9d33df1f']);
    fails(home, ['runs', '-a', '-n', '2'], /--all and --limit cannot both be used/);
    fails(home, ['runs', '-n', 'x'], /invalid value 'x' for --limit/);
  });

  test('--json: Guild\'s fields for every run, raw attr values', () => {
    const home = copyFixtureHome();
    const data = JSON.parse(ok(home, ['runs', '--json'])) as Record<string, unknown>[];
    assert.equal(data.length, 20);
    const best = data.find((d) => d.id === '4cad94ad746246858852b7eb8736ac22')!;
    for (const k of ['id', 'run_dir', 'opref', 'exit_status', 'cmd', 'comments', 'marked', 'label', 'started', 'status', 'stopped', 'tags']) {
      assert.ok(k in best, k);
    }
    assert.equal(best.opref, "script:/home/alice/sandbox '' '' train.py");
    assert.equal(best.label, 'best run');
    assert.equal(best.status, 'completed');
    assert.equal(best.exit_status, 0);
    assert.equal(best.started, 1795344666281636);
    assert.equal(best.marked, null);
    assert.deepEqual(best.tags, ['exp1', 'fast', 'model']);
    assert.equal((best.comments as { body: string; user: string }[])[0]!.body, 'first comment');
    assert.equal((best.cmd as string[])[0], '/home/alice/.venv/bin/python');
    assert.equal(best.run_dir, join(home, 'runs', '4cad94ad746246858852b7eb8736ac22'));
    const batch = data.find((d) => d.id === '8fa2461079df492da3d07eefeab88a99')!;
    assert.equal((batch.batch_proto as { opref: string }).opref, "script:/home/alice/sandbox '' '' train.py");
    assert.equal(batch.operation, 'train.py+');
    assert.equal(data.find((d) => d.id === '469936806e8c4e96b4b609279c8f47d4')!.marked, true);
  });

  test('-d lists the trash; -v adds Guild\'s detail rows', () => {
    const home = copyFixtureHome();
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-d'])), ['5cc3ae6b']);
    const v = ok(home, ['runs', '-v', '-n', '1']);
    assert.match(v, /^\[1:c66e6a9a\].*\n {2}id: c66e6a9adc7945ee87f50ab05afb16a5\n {2}operation: train\n {2}from: \/home\/alice\/mnist\/guild\.yml\n {2}status: completed\n/);
    assert.match(v, /\n {2}command: \/home\/alice\/\.venv\/bin\/python -um guild\.op_main train -- --epochs 3/);
  });

  test('a reader that stops early (`| head`) ends a listing quietly, exit 0', async () => {
    const home = copyFixtureHome();
    for (const args of [['runs', '-a'], ['runs', '--json'], ['compare', '--csv', '-']]) {
      // the read end closed before grun writes a byte: its first write meets EPIPE
      const child = spawn(grunBin, ['-H', home, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((res) => child.on('close', res));
      assert.equal(err, '', args.join(' '));
      assert.equal(code, 0, args.join(' '));
    }
  });

  test('filter-runs sample: run-status.md listing and status filters', () => {
    const home = copySampleHome('filter-runs');
    const out = ok(home, ['runs']);
    assert.deepEqual(
      rows(out).map((c) => [c[0], c[1], c[3], c[4]]),
      [
        ['[1:e394b696]', 'util:test', 'completed', 'target=fe83a924'],
        ['[2:a5520d13]', 'util:test', 'completed', 'target=2dc1529b'],
        ['[3:2dc1529b]', 'train', 'terminated', 'noise=0.1 x=1.1'],
        ['[4:79ca9e64]', 'train', 'completed', 'noise=0.1 x=0.1'],
        ['[5:ac99cff4]', 'train', 'pending', 'noise=0.4 x=-1.2'],
        ['[6:fe83a924]', 'train', 'error', 'noise=0.1 x=-1.0'],
        ['[7:fa6f74ad]', 'train', 'staged', 'noise=0.1 x=-1.0'],
      ],
    );
    const ids = (args: string[]): string[] => listedShortIds(ok(home, ['runs', ...args]));
    assert.deepEqual(ids(['-Sc']), ['e394b696', 'a5520d13', '79ca9e64']);
    assert.deepEqual(ids(['--not-error', '--not-completed']), ['2dc1529b', 'ac99cff4', 'fa6f74ad']);
    assert.deepEqual(ids(['-Ssp']), ['ac99cff4', 'fa6f74ad']);
    assert.deepEqual(ids(['-F', 'loss > 0.5']), ['e394b696', 'ac99cff4', 'fe83a924', 'fa6f74ad']);
    assert.deepEqual(ids(['-F', 'target/.guild#loss > 0.5']), ['e394b696']);
    assert.deepEqual(ids(['-Ft', 'Green']), ['2dc1529b']);
    // Indexes refer to the filtered list: 2 of the completed runs.
    assert.match(ok(home, ['runs', 'info', '2', '-Sc']), /^id: a5520d132b4148a5bad3c4f795b7c362$/m);
    fails(home, ['runs', '-Sxyz'], /unrecognized status char 'x' in option '-S'/);
    fails(home, ['runs', '-F', 'loss >'], /grun: .*/);
    fails(home, ['runs', '--bogus'], /unknown option '--bogus'/);
  });
});

describe('grun runs info', () => {
  test('Guild\'s fields, flags, scalars with steps and logged attributes', () => {
    const home = copyFixtureHome();
    const out = ok(home, ['runs', 'info', '4cad']);
    const expectLines = [
      'id: 4cad94ad746246858852b7eb8736ac22',
      'operation: train.py',
      'from: /home/alice/sandbox',
      'status: completed',
      'started: 2026-11-22 10:51:06',
      'marked: no',
      'label: best run',
      'exit_status: 0',
      'pid: ',
      'tags:\n  - exp1\n  - fast\n  - model',
      'flags:\n  epochs: 3\n  fail: no\n  lr: 0.3\n  sleep: 0.0',
      'attributes:\n  status: done',
    ];
    for (const l of expectLines) assert.ok(out.includes(`${l}\n`), `missing ${JSON.stringify(l)} in:\n${out}`);
    assert.match(out, /\nscalars:\n {2}acc: -?\d+\.\d{6} \(step 2\)\n {2}epoch: 2\.000000 \(step 2\)\n {2}loss: \d+\.\d{6} \(step 2\)\n/);
    assert.match(out, /^run_dir: .*runs\/4cad94ad746246858852b7eb8736ac22$/m);
    const json = JSON.parse(ok(home, ['runs', 'info', '4cad', '--json'])) as Record<string, unknown>;
    assert.equal(json.label, 'best run');
    assert.deepEqual((json.scalars as Record<string, unknown>).epoch, [2, 2]);
    assert.deepEqual(json.attributes, { status: 'done' });
    assert.deepEqual(json.flags, { epochs: 3, fail: false, lr: 0.3, sleep: 0 });
  });

  test('a batch run shows its proto flags; the latest run is the default', () => {
    const home = copyFixtureHome();
    const out = ok(home, ['runs', 'info', '8fa2']);
    assert.match(out, /\nproto-flags:\n {2}epochs: 2\n[^]*\n {2}lr:\n {4}- 0\.1\n {4}- 0\.2\n/);
    assert.match(out, /^from: guildai$/m);
    assert.match(ok(home, ['runs', 'info']), /^id: c66e6a9adc7945ee87f50ab05afb16a5$/m);
  });

  test('--all-scalars shows first, last, min, max, avg and total (with the count) as Guild does', () => {
    const home = copyFixtureHome();
    const run = join(home, 'runs', 'e1cf955019fc498ba318ae5d147456c2');
    const w = new EventFileWriter(join(run, '.guild'), { host: 'h', pid: 1 });
    [4, 1, 7, 2].forEach((v, step) => w.addScalar('agg', v, step + 10));
    w.close();
    const out = ok(home, ['runs', 'info', 'e1cf', '--all-scalars']);
    assert.match(out, /\n {2}agg:\n {4}avg: 3\.500000 \(step 4\)\n {4}first: 4\.000000 \(step 10\)\n {4}last: 2\.000000 \(step 13\)\n {4}max: 7\.000000 \(step 12\)\n {4}min: 1\.000000 \(step 11\)\n {4}total: 14\.000000 \(step 4\)\n/);
    assert.match(ok(home, ['runs', 'info', 'e1cf']), /\n {2}agg: 2\.000000 \(step 13\)\n/);
    const json = JSON.parse(ok(home, ['runs', 'info', 'e1cf', '--all-scalars', '--json'])) as { scalars: Record<string, Record<string, number[]>> };
    assert.deepEqual(json.scalars.agg, { first: [4, 10], last: [2, 13], min: [1, 11], max: [7, 12], avg: [3.5, 4], total: [14, 4] });
  });

  test("--private-attrs: the opref and op attr after the details, logged attrs named _…, a batch's proto-run in --json (as Guild 0.9.1)", () => {
    const home = copyFixtureHome();
    const w = new EventFileWriter(join(home, 'runs', '4cad94ad746246858852b7eb8736ac22', '.guild'), { attrs: true, host: 'h', pid: 1 });
    w.addText('_note', 'private', 0);
    w.close();
    const plain = ok(home, ['runs', 'info', '4cad']);
    assert.doesNotMatch(plain, /^opref:|^op:|_note/m);
    const out = ok(home, ['runs', 'info', '4cad', '--private-attrs']);
    // Guild 0.9.1's text for this run, from `pid:` to `tags:`
    const expected = [
      'pid: ',
      "opref: script:/home/alice/sandbox '' '' train.py",
      'op:',
      '  delete-on-success: no',
      '  deps:',
      '  flag-null-labels:',
      '    {}',
      '  flags-extra:',
      '    {}',
      '  label-template: best run',
      '  op-cmd:',
      '    cmd-args:',
      '    - ${python_exe}',
      '    - -um',
      '    - guild.op_main',
      '    - train',
      '    - __flag_args__',
      '    cmd-env:',
      '      FLAGS_DEST: globals',
      '      GUILD_PLUGINS: cpu,disk,memory,perf,python_script',
      '      PROJECT_DIR: /home/alice/sandbox',
      '      PYTHONPATH: .:/home/alice/.venv/lib/python3.11/site-packages',
      '    cmd-flags:',
      '      epochs: {}',
      '      fail: {}',
      '      lr: {}',
      '      sleep: {}',
      '    flags-dest: globals',
      '  output-attrs: null',
      '  output-scalars: null',
      '  python-requires: null',
      '  sourcecode:',
      '    dest: .',
      'tags:',
    ].join('\n');
    assert.ok(out.includes(`\n${expected}\n`), out);
    assert.match(out, /\nattributes:\n {2}_note: private\n {2}status: done\n$/);
    const json = JSON.parse(ok(home, ['runs', 'info', '4cad', '--private-attrs', '--json'])) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).slice(13, 17), ['pid', 'opref', 'op', 'tags']);
    assert.deepEqual(json.attributes, { _note: 'private', status: 'done' });
    assert.equal(json['proto-run'], undefined, 'not a batch');
    // a batch: its proto's details, opref and op last, as Guild's JSON has them
    const batch = JSON.parse(ok(home, ['runs', 'info', '8fa2', '--private-attrs', '--json'])) as Record<string, unknown>;
    assert.equal(Object.keys(batch).at(-1), 'proto-run');
    const proto = batch['proto-run'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(proto), ['id', 'operation', 'from', 'status', 'started', 'stopped', 'marked', 'label', 'sourcecode_digest', 'vcs_commit', 'run_dir', 'command', 'exit_status', 'pid', 'opref', 'op']);
    assert.equal(proto.id, 'proto');
    assert.equal(proto.status, 'pending');
    assert.equal(proto.label, 'epochs=2 fail=no lr=[0.1, 0.2] sleep=0.0');
    assert.equal(proto.opref, "script:/home/alice/sandbox '' '' train.py");
    assert.equal(proto.run_dir, join(home, 'runs', '8fa2461079df492da3d07eefeab88a99', '.guild', 'proto'));
    assert.equal((batch.opref as string).split(' ')[0], 'builtin:guildai');
    assert.doesNotMatch(ok(home, ['runs', 'info', '8fa2', '--private-attrs']), /proto-run/, 'JSON only, as Guild');
  });

  test('unknown run, ambiguous prefix', () => {
    const home = copyFixtureHome();
    fails(home, ['runs', 'info', 'zzzz'], /grun: could not find a run matching 'zzzz'/);
    fails(home, ['runs', 'info', 'a'], /grun: .*'a' matches multiple runs/);
    fails(home, ['runs', 'info', '4c', '4a'], /too many arguments/);
  });

  test('error status of a dead LOCK pid carries the reason', () => {
    const home = copyFixtureHome();
    const dir = join(home, 'runs', 'e1cf955019fc498ba318ae5d147456c2');
    rmSync(join(dir, '.guild/attrs/exit_status'));
    writeFileSync(join(dir, '.guild/LOCK'), '999999');
    const out = ok(home, ['runs', 'info', 'e1cf']);
    assert.match(out, /^status: error$/m);
    assert.match(out, /^status_reason: .*999999/m);
    const json = JSON.parse(ok(home, ['runs', 'info', 'e1cf', '--json'])) as Record<string, unknown>;
    assert.match(String(json.status_reason), /999999/);
  });
});

describe('corrupt run files', () => {
  test('the listing shows every run, marks the bad ones, and names the files on stderr', () => {
    const home = copyFixtureHome();
    const run = (id: string, ...p: string[]): string => join(home, 'runs', id, '.guild', ...p);
    writeFileSync(run('e1cf955019fc498ba318ae5d147456c2', 'attrs/flags'), 'epochs: [1, 2\n  : :\n');
    writeFileSync(run('c0c40c66b7dd465f88b9cbd7ed522dcd', 'opref'), "script:'unclosed");
    writeFileSync(run('4cad94ad746246858852b7eb8736ac22', 'attrs/started'), '\x00\x01garbage: [');
    truncateSync(run('469936806e8c4e96b4b609279c8f47d4', 'output.index'), 5);
    const events = readdirSync(run('b473328ab1d347d58b826d1aa977a8d0')).find((n) => /tfevents.*\.0$/.test(n))!;
    truncateSync(run('b473328ab1d347d58b826d1aa977a8d0', events), 50);
    const r = grun(home, ['runs']);
    assert.equal(r.code, 0, r.err);
    assert.equal(listedShortIds(r.out).length, 20);
    assert.match(r.out, /\[\d+:e1cf9550\] +train\.py \(\/home\/alice\/sandbox\) \[corrupt\]/);
    assert.match(r.out, /\[\d+:c0c40c66\] .*\[corrupt\]/);
    assert.match(r.err, /run e1cf955019fc498ba318ae5d147456c2: \.guild\/attrs\/flags: /);
    assert.match(r.err, /run c0c40c66b7dd465f88b9cbd7ed522dcd: \.guild\/opref: /);
    assert.match(r.err, /run 4cad94ad746246858852b7eb8736ac22: \.guild\/attrs\/started: /);
    assert.doesNotMatch(r.err, /\n\s+at /);
    // Details still work for the broken runs.
    assert.match(ok(home, ['runs', 'info', 'e1cf']), /\nproblems:\n {2}\.guild\/attrs\/flags: /);
    assert.match(ok(home, ['runs', 'info', 'b473']), /^id: b473328ab1d347d58b826d1aa977a8d0$/m);
    assert.match(ok(home, ['cat', '4699', '--output']), /loss/);
    assert.equal(JSON.parse(ok(home, ['runs', '--json'])).length, 20);
  });
});

describe('grun runs delete | restore | purge', () => {
  test('delete → restore → purge round trip', () => {
    const home = copyFixtureHome();
    const id = 'e1cf955019fc498ba318ae5d147456c2';
    assert.equal(okSaid(home, ['runs', 'rm', '-y', 'e1cf']), 'Deleted 1 run(s)\n');
    assert.ok(existsSync(join(home, 'trash/runs', id, '.guild/opref')));
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-d'])), ['5cc3ae6b', 'e1cf9550']);
    assert.equal(listedShortIds(ok(home, ['runs', '-a'])).length, 19);
    assert.equal(okSaid(home, ['runs', 'restore', '-y', 'e1cf']), 'Restored 1 run(s)\n');
    assert.ok(existsSync(join(home, 'runs', id, '.guild/opref')));
    ok(home, ['runs', 'delete', '-y', id]);
    assert.equal(okSaid(home, ['runs', 'purge', '-y', 'e1cf']), 'Permanently deleted 1 run(s)\n');
    assert.ok(!existsSync(join(home, 'trash/runs', id)));
    assert.equal(okSaid(home, ['runs', 'delete', '-y', '-p', 'c0c4']), 'Permanently deleted 1 run(s)\n');
    assert.ok(!existsSync(join(home, 'runs/c0c40c66b7dd465f88b9cbd7ed522dcd')));
    assert.ok(!existsSync(join(home, 'trash/runs/c0c40c66b7dd465f88b9cbd7ed522dcd')));
  });

  test('asks first: a no keeps the runs, end of input aborts, filters pick the runs', () => {
    const home = copySampleHome('filter-runs');
    const r = grun(home, ['runs', 'delete', '-Sc'], { input: 'n\n' });
    assert.equal(r.code, 0);
    assert.match(r.out, /You are about to delete the following runs:\n {2}\[e394b696\] +util:test/);
    assert.match(r.out, /Delete 3 run\(s\)\? \[Y\/n\]: $/);
    assert.equal(listedShortIds(ok(home, ['runs'])).length, 7);
    fails(home, ['runs', 'delete', '-Sc'], /Aborted/, { input: '' });
    const asked = grun(home, ['runs', 'delete', '-Sc'], { input: '\n' });
    assert.equal(asked.out.split('\n').at(-1), 'Delete 3 run(s)? [Y/n]: ', 'the question on stdout');
    assert.equal(asked.err, 'Deleted 3 run(s)\n', 'what was done on stderr, as Guild says it');
    assert.deepEqual(listedShortIds(ok(home, ['runs'])), ['2dc1529b', 'ac99cff4', 'fe83a924', 'fa6f74ad']);
    assert.equal(grun(home, ['runs', 'restore', '-y', 'nothing-like-this']).code, 1);
    assert.match(grun(home, ['runs', 'purge', '-y', '-Sr']).err, /Nothing to purge\./);
  });

  test("delete -A DIR: an export's runs move to this home's trash, as Guild's; --permanent and a zip refused", () => {
    const home = copyFixtureHome();
    const id = 'e1cf955019fc498ba318ae5d147456c2';
    const exp = join(tempDir(), 'exp');
    ok(home, ['export', '-y', exp, 'e1cf', 'abac']);
    const other = emptyHome();
    fails(other, ['runs', 'rm', '-y', '-p', '-A', exp, 'e1cf'], /^grun: --permanent cannot be used with --archive/);
    const r = grun(other, ['runs', 'rm', '-A', exp, 'e1cf'], { input: 'y\n' });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^You are about to delete the following runs:\n {2}\[e1cf9550\] +train\.py/);
    assert.match(r.out, /Delete 1 run\(s\)\? \[Y\/n\]: $/);
    assert.equal(r.err, 'Deleted 1 run(s)\n');
    assert.deepEqual(listedShortIds(ok(other, ['runs', '-A', exp])), ['abacebc8']);
    assert.ok(existsSync(join(other, 'trash/runs', id, '.guild/opref')));
    assert.ok(!existsSync(join(home, 'trash/runs', id)) && existsSync(join(home, 'runs', id)), 'the home that exported it is untouched');
    assert.deepEqual(listedShortIds(ok(other, ['runs', '-d'])), ['e1cf9550']);
    assert.equal(okSaid(other, ['runs', 'restore', '-y', 'e1cf']), 'Restored 1 run(s)\n');
    assert.deepEqual(listedShortIds(ok(other, ['runs'])), ['e1cf9550']);
    const zip = join(tempDir(), 'runs.zip');
    ok(home, ['export', '-y', zip, 'abac']);
    fails(other, ['runs', 'rm', '-y', '-A', zip], /^grun: cannot delete runs from zip archive '.*runs\.zip'/);
    assert.deepEqual(listedShortIds(ok(other, ['runs', '-A', zip])), ['abacebc8']);
    assert.doesNotMatch(ok(other, ['runs', 'rm', '--help']), /not supported yet:.* (-A|--archive)\b/);
  });

  test('a running run is refused unless --stop, which stops it and deletes it', async () => {
    const home = copyFixtureHome();
    const id = 'e1cf955019fc498ba318ae5d147456c2';
    const dir = join(home, 'runs', id);
    // The run's own process: Guild starts it with RUN_ID set (an unrelated pid is not running).
    const child = spawn('sleep', ['60'], { stdio: 'ignore', env: { ...process.env, RUN_ID: id } });
    try {
      rmSync(join(dir, '.guild/attrs/exit_status'));
      writeFileSync(join(dir, '.guild/attrs/started'), `${Date.now() * 1000}\n`);
      writeFileSync(join(dir, '.guild/LOCK'), String(child.pid));
      assert.match(ok(home, ['runs', 'info', id]), /^status: running$/m);
      fails(home, ['runs', 'rm', '-y', id], /still running .*--stop/);
      assert.ok(existsSync(dir));
      const r = grun(home, ['runs', 'rm', '-y', '--stop', id]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, new RegExp(`Stopping ${id} \\(pid ${child.pid}\\)`));
      assert.ok(existsSync(join(home, 'trash/runs', id)));
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('grun ls and grun cat', () => {
  test('ls lists run files without .guild unless -a', () => {
    const home = copyFixtureHome();
    const dir = join(home, 'runs', 'abacebc867a84360bdcda39bf9cd45a9');
    assert.equal(ok(home, ['ls', 'abac']), `${dir}:\n  data.txt\n  guild.yml\n  prepare.py\n  train.py\n`);
    const all = ok(home, ['ls', 'abac', '-a']);
    assert.match(all, /\n {2}\.guild\/\n {2}\.guild\/attrs\/\n {2}\.guild\/attrs\/cmd\n/);
    assert.match(all, /\n {2}\.guild\/opref\n/);
    // the header is the run's directory whatever -p names, as Guild's
    assert.equal(ok(home, ['ls', 'abac', '-p', '.guild/attrs']).split('\n')[0], `${dir}:`);
    assert.match(ok(home, ['ls', 'abac', '-p', '.guild/attrs']), /\n {2}\.guild\/attrs\/flags\n/);
    assert.equal(ok(home, ['ls', 'abac', '-p', 'nope']), `${dir}:\n`, 'a path that matches nothing lists nothing');
    fails(home, ['ls', 'abac', '-p', '/etc'], /PATH must be relative/);
  });

  test('cat prints a file or the output; --tail reads only the end', () => {
    const home = copyFixtureHome();
    const output = readFileSync(join(home, 'runs/c0c40c66b7dd465f88b9cbd7ed522dcd/.guild/output'), 'utf8');
    assert.equal(ok(home, ['cat', 'c0c4', '--output']), output);
    assert.match(output, /boom: simulated failure/);
    assert.equal(ok(home, ['cat', 'c0c4', '-O', '-n', '1']), `${output.trimEnd().split('\n').at(-1)}\n`);
    assert.equal(ok(home, ['cat', '5fe4', '-p', 'data.txt']), '0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
    fails(home, ['cat', '5fe4', '-p', 'missing.txt'], /missing\.txt does not exist/);
    fails(home, ['cat', '5fe4', '-p', '../../x'], /not inside the run directory/);
    fails(home, ['cat', '5fe4'], /give a file with -p PATH, or --output/);
    fails(home, ['cat', '2f7d', '--output'], /has no output/);
  });

  test('watch chooses among the runs its filters keep, as Guild', () => {
    const home = copyFixtureHome();
    const r = grun(home, ['watch', '1', '--operation', 'prepare']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Run 9d33df1fe62b4f869c35c1c66bb6c2cd stopped with a status of 'completed'\n$/);
    fails(home, ['watch', '-Fo', 'prepare'], /nothing to watch: no run is running/);
  });

  test("cat -pa hands the file to the pager; -s finds PATH where the run's source code is", () => {
    const home = copyFixtureHome();
    const pager = { PAGER: 'sed s/^/paged:/' };
    assert.equal(ok(home, ['cat', '5fe4', '-p', 'data.txt', '-pa'], { env: pager }).split('\n')[0], 'paged:0');
    assert.match(ok(home, ['cat', 'c0c4', '-O', '--page'], { env: pager }), /^paged:/);
    // an old Guild run keeps its source code under .guild/sourcecode
    const run = join(home, 'runs', '5fe4ccc3174c4c9e9a212c98a4f108ec');
    mkdirSync(join(run, '.guild', 'sourcecode'), { recursive: true });
    writeFileSync(join(run, '.guild', 'sourcecode', 'prep.py'), 'print(1)\n');
    writeFileSync(join(run, '.guild', 'attrs', 'op'), 'sourcecode:\n  dest: .guild/sourcecode\n');
    assert.equal(ok(home, ['cat', '5fe4', '-s', '-p', 'prep.py']), 'print(1)\n');
    fails(home, ['cat', '5fe4', '-s', '-p', '../../../x'], /not inside the run directory/);
    fails(home, ['cat', '5fe4', '-p', 'data.txt', '--page'], /cannot run nopager/, { env: { PAGER: 'nopager' } });
  });
});
