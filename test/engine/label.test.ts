import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeLabel, printfFormat, renderLabelTemplate } from '../../src/engine/label.js';
import { markFloat } from '../../src/store/yaml11.js';

function fixtureFlags() {
  const f = { epochs: 1, fail: false, lr: 0.11, sleep: 0 };
  markFloat(f, 'sleep');
  return f;
}

describe('labels', () => {
  test('default label, prefixed by -t tags (fixture run 10)', () => {
    assert.equal(makeLabel({ flags: fixtureFlags(), tags: ['tagA', 'tagB'] }), 'tagA tagB epochs=1 fail=no lr=0.11 sleep=0.0');
  });

  test('--label is used as given, not prefixed by tags (fixture run 9)', () => {
    assert.equal(makeLabel({ userLabel: 'best run', flags: fixtureFlags(), tags: ['exp1', 'fast'] }), 'best run');
  });

  test('templates: ${flag}, ${default_label}, transforms', () => {
    const flags = { lr: 0.0123456, epochs: 3, path: '/data/set/train.csv', opt: null };
    assert.equal(renderLabelTemplate('lr=${lr|%.3f} e=${epochs}', flags), 'lr=0.012 e=3');
    assert.equal(renderLabelTemplate('${path|basename}', flags), 'train.csv');
    assert.equal(renderLabelTemplate('${opt|default:none}-${missing}', flags), 'none-');
    assert.equal(renderLabelTemplate('[${default_label}]', { a: 1, b: 'x' }), '[a=1 b=x]');
    assert.equal(makeLabel({ template: 'run ${epochs}', flags }), 'run 3');
    // -t tags set the operation's template aside, as Guild's `_label_template`: tags, then the default label
    assert.equal(makeLabel({ template: 'run ${epochs}', flags, tags: ['t'] }), 't epochs=3 lr=0.01234 path=/data/set/train.csv');
    assert.equal(makeLabel({ userLabel: 'lr ${lr|%.2e}', flags }), 'lr 1.23e-02');
    assert.throws(() => renderLabelTemplate('${lr|upper}', flags), /label transform 'upper': expected %FORMAT, default:VALUE, basename, dirname or unquote/);
  });

  test('a flag without a value (null) reads as empty in a template, as Guild leaves it unresolved', () => {
    assert.equal(renderLabelTemplate('model=${model}', { model: null }), 'model=');
    assert.equal(renderLabelTemplate('model=${model|basename}', { model: null }), 'model=');
    assert.equal(makeLabel({ template: 'model=${model} lr=${lr}', flags: { model: null, lr: 0.1 } }), 'model= lr=0.1');
  });

  test('an empty label is none (Guild writes no label attr)', () => {
    assert.equal(makeLabel({ flags: {} }), null);
    assert.equal(makeLabel({ userLabel: '  ', flags: {} }), null);
  });

  test('printf formats as Python %', () => {
    assert.equal(printfFormat('%05.1f', 3.14159), '003.1');
    assert.equal(printfFormat('%d', 7.9), '7');
    assert.equal(printfFormat('%e', 1234.5), '1.234500e+03');
    assert.equal(printfFormat('%-4s', 'ab'), 'ab  ');
    assert.equal(printfFormat('%+d', 5), '+5');
  });
});
