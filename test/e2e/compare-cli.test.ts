import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventFileWriter } from '../../src/store/tfevents.js';
import { copyFixtureHome, copySampleHome, emptyHome, tempDir } from '../helpers/home.js';
import { fails, ok } from './cli-helpers.js';

const csvRows = (out: string): string[][] => out.trimEnd().split('\n').map((l) => l.split(','));

describe('grun compare', () => {
  test("flag columns in Guild's natsort order: upper case first, integers by value", () => {
    const home = emptyHome();
    const proj = tempDir();
    writeFileSync(join(proj, 'guild.yml'), 'op:\n  exec: "true"\n  flags: {B: 1, a: 2, x10: 3, x2: 4, _z: 5, l_2: 6, lr: 7, Z: 8}\n');
    ok(home, ['run', 'op', '-y'], { cwd: proj });
    // Guild 0.9.1's `compare --csv -` header for the same run
    assert.equal(ok(home, ['compare', '--csv', '-']).split('\n')[0], 'run,operation,started,time,status,label,B,Z,_z,a,l_2,lr,x2,x10');
  });

  test("--print-scalars: each run's scalars by prefix and tag, last value and step, as Guild prints them", () => {
    const home = copyFixtureHome();
    const out = ok(home, ['compare', '--print-scalars', 'e1cf9550', '8fa24610']);
    assert.equal(out.split('\n').slice(0, 4).join('\n'), '[e1cf9550] train.py\n  acc: 0.875000 (step 1)\n  epoch: 1.000000 (step 1)\n  loss: 0.250000 (step 1)');
    assert.match(out, /^\[8fa24610\] train\.py\+$/m, 'a batch run too');
  });

  test('-u leaves out every column whose cells are all the same, core columns too, as Guild', () => {
    const home = emptyHome();
    const proj = tempDir();
    writeFileSync(join(proj, 'guild.yml'), 'op:\n  exec: "true"\n  flags: {a: 1, b: 2.0}\n');
    ok(home, ['run', 'op', '-y'], { cwd: proj });
    ok(home, ['run', 'op', 'a=2', '-y'], { cwd: proj });
    // as Guild 0.9.1 prints it: run, started (unless both started in one second), label, a
    const [header, ...rows] = csvRows(ok(home, ['compare', '-u', '--csv', '-']));
    for (const alike of ['operation', 'status', 'b']) assert.ok(!header!.includes(alike), alike);
    assert.deepEqual(header!.filter((h) => h !== 'started' && h !== 'time'), ['run', 'label', 'a']);
    assert.deepEqual(rows.map((r) => r[header!.indexOf('a')]), ['2', '1']);
    assert.deepEqual(csvRows(ok(home, ['compare', '-u', '--csv', '-', '1']))[0]!.length, 8, 'one run: nothing to leave out');
  });

  test('--csv: core and op columns, batch runs left out, Guild float and boolean formats', () => {
    const home = copyFixtureHome();
    const rows = csvRows(ok(home, ['compare', '--csv']));
    const header = rows[0]!;
    assert.deepEqual(header.slice(0, 6), ['run', 'operation', 'started', 'time', 'status', 'label']);
    // The newest run is a guild.yml train: its columns come first, then the script's.
    assert.deepEqual(header.slice(6, 13), ['epochs', 'lr', 'operation:prepare', 'optimizer', 'step', 'loss', 'val_acc']);
    for (const col of ['size', 'fail', 'sleep', 'acc', 'epoch']) assert.ok(header.includes(col), col);
    assert.ok(!header.includes('status', 5), 'the logged `status` attr merges into the core column');
    const body = rows.slice(1);
    assert.equal(body.length, 17, '20 runs minus 3 batch runs');
    const ids = body.map((r) => r[0]);
    for (const batch of ['8fa24610', 'f5d01912', '479f4462']) assert.ok(!ids.includes(batch), batch);
    const col = (name: string): number => header.indexOf(name);
    const e1 = body.find((r) => r[0] === 'e1cf9550')!;
    assert.deepEqual(
      [e1[1], e1[2], e1[4], e1[5]],
      ['train.py', '2026-11-22 10:50:59', 'completed', 'epochs=2 fail=no lr=0.05 sleep=0.0'],
    );
    assert.match(e1[3]!, /^0:00:0\d$/);
    assert.equal(e1[col('fail')], 'False');
    assert.equal(e1[col('lr')], '0.05');
    assert.equal(e1[col('epochs')], '2');
    assert.equal(e1[col('step')], '1');
    assert.equal(e1[col('epoch')], '1.0');
    assert.equal(body.find((r) => r[0] === 'c0c40c66')![col('fail')], 'True');
    // float32 values print at full precision: never a short decimal like 0.3 for a non-dyadic value.
    for (const r of body) {
      const v = r[col('loss')];
      if (v) assert.match(v, /^-?\d+\.\d+(e[-+]\d+)?$/);
    }
    const staged = body.find((r) => r[0] === '2f7d9dae')!;
    assert.equal(staged[3], '', 'no time for a staged run');
    assert.equal(staged[col('loss')], '');
    assert.equal(body.find((r) => r[0] === 'd87d76a9')![3], '', 'no time for a pending run');
    const withBatch = csvRows(ok(home, ['compare', '--csv', '-', '--include-batch']));
    assert.equal(withBatch.length - 1, 20);
  });

  test('--csv of the fixture home, byte for byte: with no cache, then from the cache the first call wrote', () => {
    const home = copyFixtureHome();
    const expected = [
      'run,operation,started,time,status,label,epochs,lr,operation:prepare,optimizer,step,loss,val_acc,size,fail,sleep,acc,epoch',
      'c66e6a9a,train,2026-11-22 10:51:24,0:00:00,completed,epochs=3 lr=0.1 operation:prepare=9d33df1fe62b4f869c35c1c66bb6c2cd optimizer=adam,3,0.1,9d33df1fe62b4f869c35c1c66bb6c2cd,adam,3,0.16666699945926666,0.800000011920929,,,,,',
      '9d33df1f,prepare,2026-11-22 10:51:23,0:00:00,completed,size=5,,,,,,,,5,,,,',
      '5b543c89,pipeline,2026-11-22 10:51:22,0:00:02,completed,,,,,,3,0.16666699945926666,0.800000011920929,,,,,',
      'abacebc8,train,2026-11-22 10:51:21,0:00:00,completed,epochs=2 lr=0.05 operation:prepare=5fe4ccc3174c4c9e9a212c98a4f108ec optimizer=adam,2,0.05,5fe4ccc3174c4c9e9a212c98a4f108ec,adam,2,0.25,0.699999988079071,,,,,',
      '5fe4ccc3,prepare,2026-11-22 10:51:20,0:00:00,completed,size=10,,,,,,,,10,,,,',
      'd79e4010,train.py,2026-11-22 10:51:10,0:00:04,terminated,epochs=100 fail=no lr=0.1 sleep=0.5,100,0.1,,,8,0.11110000312328339,,,False,0.5,0.9444000124931335,8.0',
      '13f6d5be,train.py,2026-11-22 10:51:08,0:00:00,error,epochs=3 fail=yes lr=0.1 sleep=0.0,3,0.1,,,2,0.33329999446868896,,,True,0.0,0.833299994468689,2.0',
      'd87d76a9,train.py,2026-11-22 10:51:08,,pending,epochs=3 fail=yes lr=0.2 sleep=0.0,3,0.2,,,,,,,True,0.0,,',
      '2f7d9dae,train.py,2026-11-22 10:51:08,,staged,epochs=3 fail=no lr=0.7 sleep=0.0,3,0.7,,,,,,,False,0.0,,',
      '46993680,train.py,2026-11-22 10:51:07,0:00:00,completed,tagA tagB epochs=1 fail=no lr=0.11 sleep=0.0,1,0.11,,,0,1.100000023841858,,,False,0.0,0.44999998807907104,0.0',
      '4cad94ad,train.py,2026-11-22 10:51:06,0:00:00,completed,best run,3,0.3,,,2,1.0,,,False,0.0,0.5,2.0',
      'a544b7de,train.py,2026-11-22 10:51:04,0:00:00,completed,epochs=1 fail=no lr=0.00143 sleep=0.0,1,0.0014320956295608123,,,0,0.014299999922513962,,,False,0.0,0.9927999973297119,0.0',
      'ecaf1222,train.py,2026-11-22 10:51:04,0:00:00,completed,epochs=1 fail=no lr=0.00636 sleep=0.0,1,0.006369545334560578,,,0,0.06369999796152115,,,False,0.0,0.9682000279426575,0.0',
      '00075496,train.py,2026-11-22 10:51:02,0:00:00,completed,epochs=2 fail=no lr=0.2 sleep=0.0,2,0.2,,,1,1.0,,,False,0.0,0.5,1.0',
      'b473328a,train.py,2026-11-22 10:51:01,0:00:00,completed,epochs=2 fail=no lr=0.1 sleep=0.0,2,0.1,,,1,0.5,,,False,0.0,0.75,1.0',
      'c0c40c66,train.py,2026-11-22 10:51:00,0:00:00,error,epochs=3 fail=yes lr=0.1 sleep=0.0,3,0.1,,,2,0.33329999446868896,,,True,0.0,0.833299994468689,2.0',
      'e1cf9550,train.py,2026-11-22 10:50:59,0:00:00,completed,epochs=2 fail=no lr=0.05 sleep=0.0,2,0.05,,,1,0.25,,,False,0.0,0.875,1.0',
    ].join('\n') + '\n';
    assert.equal(existsSync(join(home, 'cache')), false);
    assert.equal(ok(home, ['compare', '--csv', '-']), expected);
    assert.equal(ok(home, ['compare', '--csv', '-']), expected);
    const cols = ['compare', '--csv', '-', '-cc', '=lr,min loss as ml,loss step,count loss'];
    const strict = [
      'run,lr,ml,loss step,loss',
      'c66e6a9a,0.1,0.16666699945926666,3,3',
      '9d33df1f,,,,',
      '5b543c89,,0.16666699945926666,3,3',
      'abacebc8,0.05,0.25,2,2',
      '5fe4ccc3,,,,',
      'd79e4010,0.1,0.11110000312328339,8,9',
      '13f6d5be,0.1,0.33329999446868896,2,3',
      'd87d76a9,0.2,,,',
      '2f7d9dae,0.7,,,',
      '46993680,0.11,1.100000023841858,0,1',
      '4cad94ad,0.3,1.0,2,3',
      'a544b7de,0.0014320956295608123,0.014299999922513962,0,1',
      'ecaf1222,0.006369545334560578,0.06369999796152115,0,1',
      '00075496,0.2,1.0,1,2',
      'b473328a,0.1,0.5,1,2',
      'c0c40c66,0.1,0.33329999446868896,2,3',
      'e1cf9550,0.05,0.25,1,2',
    ].join('\n') + '\n';
    rmSync(join(home, 'cache'), { recursive: true });
    assert.equal(ok(home, cols), strict);
    assert.equal(ok(home, cols), strict);
  });

  test('--table lines up and truncates floats to 6 decimals; --json rows start with the header', () => {
    const home = copyFixtureHome();
    const table = ok(home, ['compare', '--table', '-Fo', 'train.py']).trimEnd().split('\n');
    assert.match(table[0]!, /^run {7}operation {2}/);
    const lossAt = table[0]!.indexOf(' loss') + 1;
    for (const line of table.slice(1)) {
      const cell = line.slice(lossAt).split(/\s+/)[0]!;
      if (cell) assert.match(cell, /^-?\d+\.\d{1,6}$/, line);
    }
    const json = JSON.parse(ok(home, ['compare', '--json', '-Fo', 'train.py'])) as unknown[][];
    assert.deepEqual(json[0]!.slice(0, 6), ['run', 'operation', 'started', 'time', 'status', 'label']);
    const e1 = json.find((r) => r[0] === 'e1cf9550')!;
    const h = json[0] as string[];
    assert.equal(e1[h.indexOf('fail')], false);
    assert.equal(e1[h.indexOf('epochs')], 2);
    assert.equal(typeof e1[h.indexOf('loss')], 'number');
  });

  test('column specs: -c adds, --strict-cols and -cc keep only those, qualifiers and step', () => {
    const home = copySampleHome('filter-runs');
    const strict = csvRows(ok(home, ['compare', '--csv', '-cc', '=x,min loss as min_loss,loss step,count loss', '-Fo', 'train']));
    // Guild's -cc keeps the run column; a scalar's header is its key (and step), not its qualifier
    assert.deepEqual(strict[0], ['run', 'x', 'min_loss', 'loss step', 'loss']);
    const r79 = csvRows(ok(home, ['compare', '--csv', '--strict-cols', '.id,=x,loss', '79ca']));
    assert.deepEqual(r79, [['run', 'id', 'x', 'loss'], ['79ca9e64', '79ca9e64e4d7453f999a6bbd1e7c03f0', '0.1', r79[1]![3]!]]);
    assert.match(r79[1]![3]!, /^0\.4351/);
    // `-c "min loss"` is headed `loss` and takes the place of the last value, as in Guild
    const withMin = csvRows(ok(home, ['compare', '--csv', '-c', 'min loss', '-Fo', 'train']));
    assert.equal(withMin[0]!.filter((h) => h === 'loss').length, 1);
    assert.ok(!withMin[0]!.includes('min loss'));
    fails(home, ['compare', '--csv', '-c', '=x', '-cc', '=x'], /--cols cannot be used with --strict-cols/);
    const extra = csvRows(ok(home, ['compare', '--csv', '-c', 'first loss as first_loss', '-Fo', 'train']));
    assert.equal(extra[0]!.at(-1), 'first_loss');
    fails(home, ['compare', '--csv', '-c', 'min loss extra words'], /invalid column spec 'min loss extra words'/);
  });

  test('--min/--max sort, -n limits, -u drops unchanged columns, CSV to a file', () => {
    const home = copySampleHome('filter-runs');
    const min = csvRows(ok(home, ['compare', '--csv', '--min', 'loss', '-n', '1']));
    assert.equal(min.length, 2);
    assert.equal(min[1]![0], '79ca9e64');
    const max = csvRows(ok(home, ['compare', '--csv', '--max', 'loss']));
    assert.notEqual(max[1]![0], '79ca9e64');
    assert.equal(max.at(-1)![0], '79ca9e64');
    const all = csvRows(ok(home, ['compare', '--csv', '-Fo', 'train']))[0]!;
    const changed = csvRows(ok(home, ['compare', '--csv', '-u', '-Fo', 'train']))[0]!;
    assert.ok(all.length > changed.length);
    assert.ok(changed.includes('x') && changed.includes('loss'));
    const path = join(tempDir(), 'out.csv');
    assert.equal(ok(home, ['compare', '--csv', path]), '');
    assert.match(readFileSync(path, 'utf8'), /^run,operation,started,time,status,label,/);
    fails(home, ['compare', '--min', 'loss', '--max', 'loss'], /--min and --max cannot both be used/);
    fails(home, ['compare', '--csv', '--json'], /cannot be combined/);
    fails(home, ['compare', 'nosuchrun'], /could not find a run matching 'nosuchrun'/);
  });

  test('nan, inf and -inf survive the scalar cache, show as Guild shows them and sort last', () => {
    const home = copySampleHome('filter-runs');
    const logged: Record<string, number> = { '79ca9e64e4d7453f999a6bbd1e7c03f0': NaN, '2dc1529ba06c46fda486395a61475dbe': 0.5, fe83a924ae144693a72b420962a7d9d1: Infinity, e394b696ea204ade95ca29e4b868fdf9: -Infinity };
    for (const [id, v] of Object.entries(logged)) {
      const w = new EventFileWriter(join(home, 'runs', id), { host: 'h', pid: 1 });
      w.addScalar('odd', v, 3);
      w.close();
    }
    const ids = Object.keys(logged).map((id) => id.slice(0, 8));
    const args = ['compare', '--csv', '-', '-cc', 'odd', ...ids];
    const first = ok(home, args);
    assert.equal(ok(home, args), first, 'the second run reads the cache the first one wrote');
    assert.deepEqual(csvRows(first), [['run', 'odd'], [ids[0]!, 'nan'], [ids[1]!, '0.5'], [ids[2]!, 'inf'], [ids[3]!, '-inf']]);
    for (const dir of ['--min', '--max']) {
      const sorted = csvRows(ok(home, [...args, dir, 'odd']));
      assert.deepEqual(sorted[1], [ids[1]!, '0.5'], `${dir}: the finite value first`);
    }
    assert.match(ok(home, ['runs', 'info', ids[0]!]), /^ {2}odd: nan \(step 3\)$/m);
    assert.doesNotMatch(ok(home, ['compare', '--csv', '-']), /null/);
  });
});
