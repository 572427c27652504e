// The launch decision as a table: a request, the remote it names and the operation's plan in;
// the launch plan's kind and how its runs start, or the refusal's code, out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideDestination, decideLaunch } from '../../src/engine/launch/decide.js';
import type { LaunchPlan, LaunchRequest } from '../../src/engine/launch/request.js';
import type { RunPlan } from '../../src/engine/plan-types.js';
import { Refusal } from '../../src/engine/refusal.js';
import type { RemoteConfig } from '../../src/engine/remote/config.js';
import type { Run } from '../../src/store/types.js';

const ssh: RemoteConfig = { type: 'ssh', name: 'gpu', host: 'h', guildHome: '.guild', grunCommand: 'grun', connectTimeout: 5, source: 'config.yml' };
const slurm: RemoteConfig = { type: 'slurm', name: 'lab', sbatchOptions: [], source: 'config.yml' } as RemoteConfig;
const single = { operation: 'train.py', sweeps: {} } as unknown as RunPlan;
const swept = { operation: 'train.py', sweeps: { lr: { kind: 'list', values: [0.1, 0.2] } } } as unknown as RunPlan;

function request(o: Partial<LaunchRequest> & { flagArgs?: string[] } = {}): LaunchRequest {
  const { flagArgs = ['lr=0.1'], ...rest } = o;
  return { home: '/h', work: { kind: 'operation', run: { home: '/h', cwd: '/p', opspec: 'train.py', flagArgs } }, mode: 'foreground', memo: false, ...rest };
}

/** The plan's kind and how it starts, or the refusal's code. */
function decided(req: LaunchRequest, remote: RemoteConfig | null, plan: RunPlan | null): string {
  try {
    const dest = decideDestination(req, remote);
    const lp: LaunchPlan = decideLaunch(req, dest, dest.kind === 'ssh' ? null : plan);
    const how = 'start' in lp ? lp.start.kind : 'mode' in lp ? lp.mode : 'background' in lp ? (lp.background ? 'background' : 'foreground') : '';
    return `${lp.kind}${how ? ` ${how}` : ''}${'memo' in lp ? ` memo:${lp.memo}` : ''}`;
  } catch (e) {
    if (e instanceof Refusal) return `refused ${e.code}`;
    throw e;
  }
}

describe('launch decision', () => {
  const cases: [string, LaunchRequest, RemoteConfig | null, RunPlan | null, string][] = [
    ['one run, foreground', request(), null, single, 'local foreground memo:off'],
    ['one run staged, memo on', request({ mode: 'stage', memo: true }), null, single, 'local stage memo:reuse'],
    ['one run to Slurm', request({ executor: 'slurm', mode: 'background' }), null, single, 'slurm memo:off'],
    ['one run to a slurm remote', request({ remote: 'lab' }), slurm, single, 'slurm memo:off'],
    ['one run to an ssh remote', request({ remote: 'gpu' }), ssh, null, 'ssh'],
    ['a sweep in the foreground', request(), null, swept, 'sweep foreground memo:off'],
    ['a sweep in the background, memo on', request({ mode: 'background', memo: true }), null, swept, 'sweep batch memo:reuse'],
    ['a sweep with staged trials', request({ sweep: { stageTrials: true } }), null, swept, 'sweep none memo:off'],
    ['a sweep to Slurm', request({ executor: 'slurm', maxParallel: 2 }), null, swept, 'sweep slurm memo:off'],
    ['a sweep to an ssh remote', request({ remote: 'gpu', flagArgs: ['lr=[0.1,0.2]'] }), ssh, null, 'refused ssh-sweep'],
    ['--stage of a sweep stages its batch', request({ mode: 'stage' }), null, swept, 'sweep none memo:off'],
    ['--stage of a sweep with --memo', request({ mode: 'stage', memo: true }), null, swept, 'refused stage-memo'],
    ['-o + of one run: a batch of one trial', request({ sweep: { optimizer: '+' } }), null, single, 'sweep foreground memo:off'],
    ['--stage to Slurm', request({ executor: 'slurm', mode: 'stage' }), null, single, 'refused slurm-stage'],
    ['--gpus to Slurm', request({ executor: 'slurm', gpus: ['0'] }), null, single, 'refused slurm-gpus'],
    ['--stage-trials to Slurm', request({ executor: 'slurm', sweep: { stageTrials: true } }), null, swept, 'refused slurm-stage-trials'],
    ['--stage to an ssh remote', request({ remote: 'gpu', mode: 'stage' }), ssh, null, 'refused ssh-stage'],
    ['--executor with an ssh remote', request({ remote: 'gpu', executor: 'local' }), ssh, null, 'refused ssh-with-executor'],
    ['an unknown executor', request({ executor: 'cloud' }), null, single, 'refused unknown-executor'],
    ['--executor local with a slurm remote', request({ remote: 'lab', executor: 'local' }), slurm, single, 'refused local-with-slurm-remote'],
    ['a bad --random-seed', request({ sweep: { randomSeed: 'x' } }), null, swept, 'refused bad-value'],
    ['-o gp: a search here', request({ sweep: { optimizer: 'gp' } }), null, swept, 'search foreground'],
    ['--prune on a grid: a search here', request({ sweep: { prune: 'median' } }), null, swept, 'search foreground'],
    ['-o random --minimize: a search here', request({ sweep: { optimizer: 'random', minimize: 'loss' } }), null, swept, 'search foreground'],
    ['-o random alone: a sweep', request({ sweep: { optimizer: 'random' } }), null, swept, 'sweep foreground memo:off'],
    ['-o gp in the background', request({ mode: 'background', sweep: { optimizer: 'gp' } }), null, swept, 'search background'],
    ['-o gp staged', request({ mode: 'stage', sweep: { optimizer: 'gp' } }), null, swept, 'refused stage-sweep'],
    ['-o gp with its trials staged', request({ sweep: { optimizer: 'gp', stageTrials: true } }), null, swept, 'refused search-here'],
    ['-o tpe to Slurm: trials as jobs', request({ executor: 'slurm', sweep: { optimizer: 'tpe' } }), null, swept, 'search foreground'],
    ['-Fo on one run without an optimizer', request({ sweep: { optFlags: { foo: 123 } } }), null, single, 'refused bad-value'],
    ['-Fo on one run with -o random: random has no setting foo', request({ sweep: { optimizer: 'random', optFlags: { foo: 123 } } }), null, single, 'refused bad-value'],
    ['-o gp on one run: its settings are checked', request({ sweep: { optimizer: 'gp', optFlags: { xi: 0.1 } } }), null, single, 'local foreground memo:off'],
    ['--minimize and --maximize', request({ sweep: { minimize: 'loss', maximize: 'acc' } }), null, swept, 'refused bad-value'],
  ];
  for (const [name, req, remote, plan, want] of cases) {
    test(name, () => assert.equal(decided(req, remote, plan), want));
  }

  test('a submission goes to no ssh remote; its memo records keys when off', () => {
    const sub = (o: Partial<LaunchRequest>): LaunchRequest => ({
      ...request(o),
      work: { kind: 'submission', cwd: '/p', source: { kind: 'operation', name: 'train.py' }, overrides: {} },
    });
    assert.throws(() => decideDestination(sub({ remote: 'gpu' }), ssh), (e: Refusal) => e.code === 'ssh-submission');
    const lp = decideLaunch(sub({ mode: 'background' }), { kind: 'local' }, single, { kind: 'single' } as never);
    assert.equal(lp.kind === 'submission' && `${lp.memo} ${lp.start.kind}`, 'record scheduler');
  });

  test('a pipeline is a kind of its own: its step options in its env, a sweep of pipelines a sweep; on Slurm its steps are jobs', () => {
    const pipe = { operation: 'pipe', sweeps: {}, steps: ['prep', { run: 'train', needs: 'prep' }], opref: { modelName: '' }, env: { A: '1' }, inputs: { opEnv: {} } } as unknown as RunPlan;
    const lp = decideLaunch(request({ noMemo: true, maxParallel: 2 }), { kind: 'local' }, pipe);
    assert.equal(lp.kind, 'pipeline');
    assert.deepEqual(lp.kind === 'pipeline' && [lp.mode, lp.steps.map((s) => `${s.name}<${s.needs.join(',')}`), lp.plan.env], [
      'foreground',
      ['prep<', 'train<prep'],
      { A: '1', GRUN_STEP_MEMO: 'no', GRUN_MAX_PARALLEL: '2' },
    ]);
    assert.deepEqual(decideLaunch(request(), { kind: 'local' }, pipe).kind === 'pipeline' && (decideLaunch(request(), { kind: 'local' }, pipe) as { plan: RunPlan }).plan.env, { A: '1' }, 'memo on by default');
    const sweep = decideLaunch(request({ noMemo: true, maxParallel: 3 }), { kind: 'local' }, { ...pipe, sweeps: { lr: { kind: 'list', values: [1, 2] } } });
    // trials are planned from the inputs: they carry the step options; --max-parallel counts trials
    assert.deepEqual(sweep.kind === 'sweep' && [sweep.start, sweep.plan.inputs.opEnv], [{ kind: 'foreground', maxParallel: 3 }, { GRUN_STEP_MEMO: 'no' }]);
    // on Slurm each step is a job: the pipeline's driver only records how they ended
    const slurm = decideLaunch(request({ executor: 'slurm', noMemo: true }), { kind: 'slurm' }, pipe);
    assert.deepEqual(slurm.kind === 'pipeline' && [slurm.slurm, slurm.plan.env], [{ memo: false }, { A: '1', GRUN_STEP_MEMO: 'no', GRUN_STEPS_SUBMITTED: 'yes' }]);
    assert.equal(decided(request({ executor: 'slurm', mode: 'stage' }), null, pipe), 'refused slurm-stage');
    assert.equal(decided(request({ executor: 'slurm' }), null, { ...pipe, sweeps: { lr: { kind: 'list', values: [1, 2] } } } as RunPlan), 'refused remote-pipeline');
  });

  test('only a staged run starts with --start; a staged batch starts as a sweep, in the background by its own process', () => {
    const staged = (status: string, batch = false, mode: LaunchRequest['mode'] = 'foreground'): LaunchRequest => ({ ...request({ mode }), work: { kind: 'staged', run: { id: 'abc', status, batch } as Run } });
    assert.equal(decided(staged('staged'), null, null), 'staged foreground');
    assert.equal(decided(staged('completed'), null, null), 'refused not-staged');
    assert.equal(decided(staged('staged', true), null, null), 'staged-batch foreground');
    assert.equal(decided(staged('staged', true, 'background'), null, null), 'staged-batch batch');
  });
});
