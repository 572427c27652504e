import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planRun } from '../../src/engine/plan.js';
import { downstreamOf, parseSteps, stepFlagArgs } from '../../src/engine/pipeline/steps.js';
import { Refusal } from '../../src/engine/refusal.js';
import { parseYaml11 } from '../../src/store/yaml11.js';
import type { YamlValue } from '../../src/store/types.js';
import { emptyHome, tempDir } from '../helpers/home.js';

const steps = (yaml: string): YamlValue => parseYaml11(yaml);

describe('pipeline steps: reading and checking', () => {
  test("Guild's forms: strings and mappings, names after the operation, repeats numbered, a chain by default", () => {
    const s = parseSteps(steps('- prepare size=5\n- run: train\n  flags: {lr: 0.1}\n- prepare\n- {run: train, name: final, isolate-runs: no}\n'));
    assert.deepEqual(
      s.map((x) => [x.name, x.opspec, x.flagArgs, x.needs, x.isolateRuns]),
      [
        ['prepare', 'prepare', ['size=5'], [], true],
        ['train', 'train', ['lr=0.1'], ['prepare'], true],
        ['prepare_2', 'prepare', [], ['train'], true],
        ['final', 'train', [], ['prepare_2'], false],
      ],
    );
    assert.equal(parseSteps(steps('- train\n'), 'mnist')[0]!.opspec, 'mnist:train', "the pipeline's model");
  });

  test('needs: makes a graph; [] is a root; downstream is the whole transitive set', () => {
    const s = parseSteps(steps('- prep\n- {run: train a=1, name: ta}\n- {run: train a=2, name: tb, needs: prep}\n- {run: ev, needs: [ta, tb]}\n- {run: other, needs: []}\n'));
    assert.deepEqual(s.map((x) => x.needs), [[], ['prep'], ['prep'], ['ta', 'tb'], []]);
    assert.deepEqual([...downstreamOf(s, 'prep')].sort(), ['ev', 'ta', 'tb']);
    assert.deepEqual([...downstreamOf(s, 'ta')], ['ev']);
    assert.deepEqual([...downstreamOf(s, 'other')], []);
  });

  test("pipeline flags reach the steps as Guild passes them: ${flag} references, step:flag prefixes, null dropped", () => {
    const [a, b] = parseSteps(steps('- train lr=${lr} tag=run-${lr}\n- {run: eval, flags: {x: "${none}"}}\n'));
    assert.deepEqual(stepFlagArgs(a!, { lr: 0.5, 'train:epochs': 7, 'eval:x': 1 }), ['lr=0.5', 'tag=run-0.5', 'epochs=7']);
    assert.deepEqual(stepFlagArgs(b!, { none: null }), []);
    assert.throws(() => stepFlagArgs(a!, {}), /^Error: steps\.train\.flags\.lr: '\$\{lr\}': the pipeline has no flag 'lr'$|steps\.train\.flags\.lr/);
  });

  const malformed: [string, string, RegExp][] = [
    ['not a list', 'prepare', /^steps: expected a list of steps$/],
    ['empty', '[]', /^steps: expected a list of steps$/],
    ['a number for a step', '- 3', /^steps\[0\]: expected a string/],
    ['missing operation', '- {flags: {a: 1}}', /^steps\[0\]\.run: missing operation/],
    ['empty run', '- {run: "  "}', /^steps\[0\]\.run: missing operation/],
    ['unknown step', '- prepare\n- {run: train, name: train}\n- {run: evaluate, needs: [trian]}', /^steps\.evaluate\.needs: unknown step 'trian'$/],
    ['cycle', '- {run: a, needs: [c]}\n- {run: b, needs: [a]}\n- {run: c, needs: [b]}', /^steps\.a\.needs: cycle detected: a -> c -> b -> a$/],
    ['needs itself', '- {run: a, needs: [a]}', /^steps\.a\.needs: step 'a' cannot need itself$/],
    ['duplicate name', '- {run: a, name: x}\n- {run: b, name: x}', /^steps\.x\.name: duplicate step name 'x'$/],
    ['duplicate by numbering', '- {run: a, name: a_2}\n- a\n- a', /^steps\.a_2: duplicate step name 'a_2'/],
    ['bad flag in run', '- prepare size5', /^steps\.prepare\.run: 'size5': expected NAME=VALUE/],
    ['bad flag list entry', '- {run: prepare, flags: [size]}', /^steps\.prepare\.flags\[0\]: "size": expected NAME=VALUE$/],
    ['flags not a map', '- {run: prepare, flags: 3}', /^steps\.prepare\.flags: expected a mapping of flags/],
    ['unknown key', '- {run: prepare, nedds: [x]}', /^steps\.prepare\.nedds: unknown key/],
    ['needs not names', '- {run: prepare, needs: {a: 1}}', /^steps\.prepare\.needs: expected a step name or a list/],
    ['run option', '- prepare --gpus 1', /^steps\.prepare\.run: '--gpus': expected NAME=VALUE/],
    ['a Guild key grun lacks', '- {run: train, optimizer: gp}', /^steps\.train\.optimizer: not supported in a step by grun yet$/],
    ['bad needed', '- {run: train, needed: 3}', /^steps\.train\.needed: expected yes or no$/],
    ['bad name', '- {run: train, name: "a/b"}', /^steps\.a\/b\.name: invalid step name/],
  ];
  for (const [what, yaml, re] of malformed) {
    test(`refused with its path: ${what}`, () => {
      assert.throws(
        () => parseSteps(steps(yaml)),
        (e: unknown) => e instanceof Refusal && e.code === 'bad-pipeline' && re.test(e.message),
      );
    });
  }
});

describe('pipeline plans: each step checked before anything is written', () => {
  function project(pipeline: string): string {
    const dir = tempDir('grun-pipe-plan-');
    writeFileSync(
      join(dir, 'guild.yml'),
      `prepare:\n  exec: "true"\n  flags:\n    size: {default: 10, type: int}\ntrain:\n  exec: "true"\n  flags:\n    lr: {default: 0.1, min: 0, max: 1}\n    opt: {default: adam, choices: [adam, sgd]}\n  requires:\n    - operation: prepare\npipe:\n  flags:\n    lr: 0.2\n${pipeline}`,
    );
    return dir;
  }
  const cases: [string, string, RegExp][] = [
    ['an unknown operation', '  steps:\n    - prepare\n    - trian\n', /^steps\.trian: cannot find operation 'trian'/],
    ['an unknown flag', '  steps:\n    - prepare sise=3\n', /^steps\.prepare: .*sise/],
    ['a value out of range', '  steps:\n    - train lr=3\n', /^steps\.train: .*lr/],
    ['a value not among the choices', '  steps:\n    - {run: train, flags: {opt: foo}}\n', /^steps\.train: .*opt/],
    ['a pipeline that runs itself', '  steps:\n    - pipe\n', /^steps\.pipe: pipeline 'pipe' runs itself$/],
    ['a reference to no flag', '  steps:\n    - train lr=${rate}\n', /^steps\.train\.flags\.lr: '\$\{rate\}': the pipeline has no flag 'rate'$/],
    ['a graph error', '  steps:\n    - prepare\n    - {run: train, needs: [prep]}\n', /^steps\.train\.needs: unknown step 'prep'$/],
  ];
  for (const [what, yaml, re] of cases) {
    test(`refused: ${what}, and no run created`, async () => {
      const home = emptyHome();
      await assert.rejects(planRun({ home, cwd: project(yaml), opspec: 'pipe', flagArgs: [] }), (e: unknown) => e instanceof Refusal && re.test(e.message));
      assert.deepEqual(existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : [], []);
    });
  }

  test("a pipeline plan: Guild's steps_main in the op attr, the steps as written, the pipeline's flags resolved into its steps", async () => {
    const home = emptyHome();
    const plan = await planRun({ home, cwd: project('  steps:\n    - prepare size=5\n    - train lr=${lr}\n'), opspec: 'pipe', flagArgs: ['lr=0.3'] });
    assert.deepEqual(plan.steps, ['prepare size=5', 'train lr=${lr}']);
    assert.equal(plan.sourcecode, null);
    assert.deepEqual((plan.opAttr as { 'op-cmd': { 'cmd-args': string[] } })['op-cmd']['cmd-args'], ['${guild_python_exe}', '-um', 'guild.steps_main']);
    assert.deepEqual(plan.cmd.slice(-1), ['__steps']);
  });
});
