import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFixtureHome } from '../helpers/home.js';
import { fails, grun } from './cli-helpers.js';

describe('grun diff', () => {
  test('flags of two runs through diff -u, the first given on the left as in Guild; exit 1 when they differ', () => {
    const home = copyFixtureHome();
    const r = grun(home, ['diff', 'e1cf9550', '4cad94ad', '--flags', '-c', 'diff -u']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^--- \S*e1cf9550/m);
    assert.match(r.out, /^-epochs: 2$/m);
    assert.match(r.out, /^\+epochs: 3$/m);
    assert.match(r.out, /^\+lr: 0.3$/m);
    assert.match(r.out, /^ sleep: 0.0$/m, 'unchanged lines show as context');
    const latest = grun(home, ['diff', '--flags', '-c', 'diff -u']);
    const [newest, older] = grun(home, ['select', '-s', '1', '2']).out.trim().split('\n');
    assert.match(latest.out, new RegExp(`^--- \\S*${older}[\\s\\S]*^\\+\\+\\+ \\S*${newest}`, 'm'), 'no runs: the older of the latest two on the left');
  });

  test('the same run twice has no differences; output and a path compare as files', () => {
    const home = copyFixtureHome();
    assert.equal(grun(home, ['diff', 'e1cf9550', 'e1cf9550', '--output']).code, 0);
    const r = grun(home, ['diff', 'c0c40c66', 'e1cf9550', '--output']);
    assert.equal(r.code, 1);
    assert.match(r.out, /boom: simulated failure/);
    assert.equal(grun(home, ['diff', 'e1cf9550', '4cad94ad', '-p', 'train.py']).code, 0, 'same source file');
  });

  test('bad input: one run, a path outside the run, a missing diff program', () => {
    const home = copyFixtureHome();
    fails(home, ['diff', 'e1cf9550'], /give two runs/);
    fails(home, ['diff', 'e1cf9550', '4cad94ad', '-p', '../../etc/passwd'], /not inside the run directory/);
    fails(home, ['diff', 'e1cf9550', '4cad94ad', '--flags', '-c', 'no-such-diff-tool'], /cannot run 'no-such-diff-tool'/);
    fails(home, ['diff', 'e1cf9550', '4cad94ad', '--flags', '--env'], /choose one of/);
  });
});
