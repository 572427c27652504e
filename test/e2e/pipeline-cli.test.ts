// Pipelines (guild.yml `steps:`) with the real binary and real processes: Guild's layout, the
// graph (parallel branches, cancellation downstream), step memoization, stop and restart.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml11 } from '../../src/store/yaml11.js';
import type { YamlValue } from '../../src/store/types.js';
import { copyFixtureHome, fixtureHome, tempDir } from '../helpers/home.js';
import { grun, project, waitFor } from './engine-helpers.js';

const GUILD_PIPELINE = join(fixtureHome, 'runs/5b543c898ff2499a94e8af9b3028f8e2');
const GUILD_PREPARE = join(fixtureHome, 'runs/9d33df1fe62b4f869c35c1c66bb6c2cd');

const attrText = (dir: string, name: string): string | null => {
  const p = join(dir, '.guild/attrs', name);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
};
const attrOf = (dir: string, name: string): YamlValue | undefined => {
  const t = attrText(dir, name);
  return t === null ? undefined : parseYaml11(t);
};
const attrNames = (dir: string): string[] => readdirSync(join(dir, '.guild/attrs')).sort();
/** The pipeline runs of a home: those with a `steps` attr. */
const pipelines = (home: string): string[] =>
  readdirSync(join(home, 'runs'))
    .map((id) => join(home, 'runs', id))
    .filter((d) => attrText(d, 'steps') !== null && !existsSync(join(d, '.guild/proto')));
/** Step links of a run dir: name → link text (Guild's links and the fixture's stored link files alike). */
function links(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (lstatSync(p).isSymbolicLink()) out[name] = readlinkSync(p);
  }
  return out;
}
const stepDir = (pipeline: string, name: string): string => join(pipeline, readlinkSync(join(pipeline, name)));
const log = (path: string): string[] => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
/** `runs info` of a pipeline: its steps as `name: state run`. */
async function stepStates(home: string, cwd: string, id: string): Promise<Record<string, string>> {
  const r = await grun(['runs', 'info', id], { cwd, home });
  assert.equal(r.code, 0, r.stderr);
  const block = r.stdout.split('pipeline-steps:\n')[1]!.split(/\n(?! )/)[0]!;
  return Object.fromEntries(block.split('\n').map((l) => l.trim().split(': ')).map(([k, v]) => [k!, v!.split(' ')[0]!]));
}

/** Trivial operations for graphs: `work` sleeps `secs` and appends its run id to $STEP_LOG. */
const GRAPH_YML = `
prep:
  exec: "sh -c 'echo prep $RUN_ID >> $STEP_LOG'"
work:
  exec: "sh -c 'sleep \${secs}; echo \${tag} $RUN_ID >> $STEP_LOG'"
  flags: {secs: 0, tag: x}
fail:
  exec: "sh -c 'echo failing; exit 3'"
flaky:
  exec: "sh -c 'echo flaky >> $STEP_LOG; test ! -e $BREAK'"
diamond:
  steps:
    - prep
    - {run: work secs=1.5 tag=a, name: train-a}
    - {run: work secs=1.5 tag=b, name: train-b, needs: [prep]}
    - {run: work tag=eval, name: evaluate, needs: [train-a, train-b]}
branchy:
  steps:
    - prep
    - {run: fail, needs: prep}
    - {run: work tag=c, name: after-fail, needs: fail}
    - {run: work tag=d, name: after-after, needs: after-fail}
    - {run: work secs=0.5 tag=e, name: side, needs: prep}
    - {run: work tag=f, name: side-2, needs: side}
sweepy:
  flags: {lr: 0.1}
  steps:
    - prep
    - {run: work, name: train, flags: {tag: "lr-\${lr}"}}
slow:
  steps:
    - {run: work secs=30 tag=long, name: long}
    - {run: work tag=later, name: later}
once:
  steps:
    - {run: prep, needed: yes}
    - work tag=once
retry:
  steps:
    - prep
    - flaky
`;

function graphProject(): { cwd: string; home: string; env: Record<string, string>; stepLog: string; brk: string } {
  const cwd = project({ 'guild.yml': GRAPH_YML });
  const outside = tempDir('grun-pipe-log-');
  const stepLog = join(outside, 'steps.log');
  const brk = join(outside, 'break');
  return { cwd, home: tempDir('grun-pipe-home-'), env: { STEP_LOG: stepLog, BREAK: brk }, stepLog, brk };
}

const usec = (dir: string, name: string): number => Number(attrText(dir, name));

describe('pipelines (CLI, real processes)', () => {
  test("the guild.yml of Guild's own pipeline makes the runs Guild made: attrs, links, statuses, file by file", async () => {
    const cwd = tempDir('grun-mnist-');
    for (const f of ['guild.yml', 'prepare.py', 'train.py']) copyFileSync(join(GUILD_PREPARE, f), join(cwd, f));
    const home = tempDir('grun-pipe-home-');
    const r = await grun(['run', 'pipeline', '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr);
    const [mine] = pipelines(home);
    assert.ok(mine);
    // grun writes no pip_freeze for any run (no Python package list of its own); its plugins are none
    assert.deepEqual(attrNames(mine), attrNames(GUILD_PIPELINE).filter((n) => n !== 'pip_freeze'));
    for (const name of ['deps', 'exit_status', 'flags', 'steps', 'user_flags', 'sourcecode_digest', 'run_params']) {
      assert.equal(attrText(mine, name), attrText(GUILD_PIPELINE, name), `attr ${name}`);
    }
    const withoutEnv = (op: YamlValue | undefined) => {
      const o = structuredClone(op) as { 'op-cmd': Record<string, unknown> };
      delete o['op-cmd']['cmd-env']; // paths and plugin lists of the machine
      return o;
    };
    assert.deepEqual(withoutEnv(attrOf(mine, 'op')), withoutEnv(attrOf(GUILD_PIPELINE, 'op')));
    assert.match(readFileSync(join(mine, '.guild/opref'), 'utf8'), /^guildfile:\S+\/guild\.yml [0-9a-f]{32} '' pipeline\n?$/);
    // links named after the steps, relative, to runs of the right operations
    const guildLinks = Object.fromEntries(readdirSync(GUILD_PIPELINE).filter((n) => !n.startsWith('.')).map((n) => [n, readFileSync(join(GUILD_PIPELINE, n), 'utf8').trim()]));
    const myLinks = links(mine);
    assert.deepEqual(Object.keys(myLinks).sort(), Object.keys(guildLinks).sort());
    for (const [name, text] of Object.entries(myLinks)) {
      assert.match(text, /^\.\.\/[0-9a-f]{32}$/);
      const theirs = join(GUILD_PIPELINE, guildLinks[name]!);
      const step = join(mine, text);
      assert.deepEqual(attrNames(step), attrNames(theirs).filter((n) => n !== 'pip_freeze'), `${name}: attr names`);
      for (const a of ['exit_status', 'user_flags']) assert.equal(attrText(step, a), attrText(theirs, a), `${name}: ${a}`);
      const ownId = (dir: string, v: string | null) => v!.replaceAll(/[0-9a-f]{32}/g, (id) => (id === dir.split('/').pop() ? 'SELF' : 'RUN'));
      for (const a of ['flags', 'label', 'deps']) assert.equal(ownId(step, attrText(step, a)), ownId(theirs, attrText(theirs, a)), `${name}: ${a}`);
      const params = (dir: string) => ({ ...(attrOf(dir, 'run_params') as Record<string, YamlValue>), run_dir: null });
      assert.deepEqual(params(step), params(theirs), `${name}: run_params`);
      assert.equal((attrOf(step, 'run_params') as Record<string, YamlValue>).run_dir, join(home, 'runs', text.slice(3)));
      const env = attrOf(step, 'env') as Record<string, YamlValue>;
      assert.equal(env.GUILD_RUNS_PARENT, mine.split('/').pop());
      assert.equal(env.NO_WARN_RUNDIR, '1');
    }
    // train's dependency is this pipeline's prepare
    assert.equal((attrOf(stepDir(mine, 'train'), 'flags') as Record<string, YamlValue>)['operation:prepare'], readlinkSync(join(mine, 'prepare')).slice(3));
    const output = readFileSync(join(mine, '.guild/output'), 'utf8');
    for (const line of ['INFO: [grun] running prepare: prepare size=5', 'prepared 5 rows', 'INFO: [grun] running train: train lr=0.1', 'loss=0.166667 val_acc=0.800000']) {
      assert.ok(output.includes(line), `pipeline output has ${line}`);
    }
    assert.deepEqual(await stepStates(home, cwd, mine.split('/').pop()!), { prepare: 'completed', train: 'completed' });
  });

  test("Guild's pipeline of the fixture home lists in grun with its steps", async () => {
    const home = copyFixtureHome();
    const r = await grun(['runs', 'info', '5b543c89'], { cwd: home, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\npipeline-steps:\n {2}prepare: completed 9d33df1fe62b4f869c35c1c66bb6c2cd\n {2}train: completed c66e6a9adc7945ee87f50ab05afb16a5\n/);
  });

  test('a diamond: both trains run at once (their intervals overlap), evaluate after both', async () => {
    const p = graphProject();
    const r = await grun(['run', 'diamond', '-y'], p);
    assert.equal(r.code, 0, r.stderr);
    const [pipe] = pipelines(p.home);
    const [a, b, ev] = ['train-a', 'train-b', 'evaluate'].map((n) => stepDir(pipe!, n));
    assert.ok(usec(a!, 'started') < usec(b!, 'stopped') && usec(b!, 'started') < usec(a!, 'stopped'), 'train-a and train-b overlap');
    assert.ok(usec(ev!, 'started') >= Math.max(usec(a!, 'stopped'), usec(b!, 'stopped')), 'evaluate starts after both');
    assert.ok(usec(a!, 'started') >= usec(stepDir(pipe!, 'prep'), 'stopped'), 'after prep');
    assert.deepEqual(log(p.stepLog).map((l) => l.split(' ')[0]).sort(), ['a', 'b', 'eval', 'prep']);
    assert.match(r.stderr, /step train-a: completed/);
  });

  test('--max-parallel 1: the diamond\'s trains one after the other', async () => {
    const p = graphProject();
    const r = await grun(['run', 'diamond', '--max-parallel', '1', '-y'], p);
    assert.equal(r.code, 0, r.stderr);
    const [pipe] = pipelines(p.home);
    const [a, b] = ['train-a', 'train-b'].map((n) => stepDir(pipe!, n));
    assert.ok(usec(b!, 'started') >= usec(a!, 'stopped') || usec(a!, 'started') >= usec(b!, 'stopped'), 'no overlap');
  });

  test('a failing middle step cancels exactly its descendants; the independent branch completes', async () => {
    const p = graphProject();
    const r = await grun(['run', 'branchy', '-y'], p);
    assert.notEqual(r.code, 0);
    const [pipe] = pipelines(p.home);
    const id = pipe!.split('/').pop()!;
    assert.deepEqual(await stepStates(p.home, p.cwd, id), {
      prep: 'completed',
      fail: 'failed',
      'after-fail': 'cancelled',
      'after-after': 'cancelled',
      side: 'completed',
      'side-2': 'completed',
    });
    assert.deepEqual(Object.keys(links(pipe!)).sort(), ['fail', 'prep', 'side', 'side-2'], 'cancelled steps have no run');
    assert.deepEqual(log(p.stepLog).map((l) => l.split(' ')[0]).sort(), ['e', 'f', 'prep']);
    assert.equal(attrText(pipe!, 'exit_status'), '1\n');
    assert.match(r.stderr, /step after-after: cancelled/);
  });

  test('a sweep of 4 over a last-step flag runs the first step once (3 memo hits, each naming its run); --no-memo runs it 4 times', async () => {
    const p = graphProject();
    const r = await grun(['run', 'sweepy', 'lr=[1,2,3,4]', '-y'], p);
    assert.equal(r.code, 0, r.stderr);
    const preps = log(p.stepLog).filter((l) => l.startsWith('prep '));
    assert.equal(preps.length, 1, 'prep executed once');
    const firstPrep = preps[0]!.split(' ')[1]!;
    const trials = pipelines(p.home);
    assert.equal(trials.length, 4);
    const memoOf = trials.map((t) => attrText(stepDir(t, 'prep'), 'memo_of')?.trim() ?? null);
    assert.deepEqual(memoOf.filter((m) => m !== null), [firstPrep, firstPrep, firstPrep]);
    assert.deepEqual(log(p.stepLog).filter((l) => l.startsWith('lr-')).map((l) => l.split(' ')[0]).sort(), ['lr-1', 'lr-2', 'lr-3', 'lr-4']);
    const cached = await Promise.all(trials.map((t) => stepStates(p.home, p.cwd, t.split('/').pop()!)));
    assert.equal(cached.filter((s) => s.prep === 'cached').length, 3);

    const again = await grun(['run', 'sweepy', 'lr=[1,2,3,4]', '--no-memo', '-y'], p);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(log(p.stepLog).filter((l) => l.startsWith('prep ')).length, 5, '--no-memo: prep executed 4 more times');
  });

  test('grun stop PIPELINE stops the running step and cancels the waiting one', async () => {
    const p = graphProject();
    const r = await grun(['run', 'slow', '-y', '--background'], p);
    assert.equal(r.code, 0, r.stderr);
    const [pipe] = pipelines(p.home);
    await waitFor('the long step running', () => existsSync(join(pipe!, 'long')) && existsSync(join(stepDir(pipe!, 'long'), '.guild/LOCK')));
    const stop = await grun(['stop', pipe!.split('/').pop()!, '-y'], p);
    assert.equal(stop.code, 0, stop.stderr);
    await waitFor('the pipeline ended', () => attrText(pipe!, 'exit_status') !== null);
    assert.equal(attrText(pipe!, 'exit_status'), '-15\n');
    assert.deepEqual(await stepStates(p.home, p.cwd, pipe!.split('/').pop()!), { long: 'stopped', later: 'cancelled' });
    assert.equal(existsSync(join(pipe!, 'later')), false);
  });

  test('grun run --restart PIPELINE reruns only the steps that did not complete', async () => {
    const p = graphProject();
    writeFileSync(p.brk, '');
    const first = await grun(['run', 'retry', '-y'], p);
    assert.notEqual(first.code, 0);
    const [pipe] = pipelines(p.home);
    const id = pipe!.split('/').pop()!;
    const prepDir = stepDir(pipe!, 'prep');
    const flakyDir = stepDir(pipe!, 'flaky');
    const prepStarted = attrText(prepDir, 'started');
    rmSync(p.brk);
    const again = await grun(['run', '--restart', id, '-y'], p);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(attrText(prepDir, 'started'), prepStarted, 'prep kept, not run again');
    assert.equal(stepDir(pipe!, 'flaky'), flakyDir, 'flaky restarted in its own run');
    assert.deepEqual(log(p.stepLog).map((l) => l.split(' ')[0]), ['prep', 'flaky', 'flaky']);
    assert.deepEqual(await stepStates(p.home, p.cwd, id), { prep: 'completed', flaky: 'completed' });
    assert.equal(attrText(pipe!, 'exit_status'), '0\n');
  });

  test("a step with needed: yes reuses a completed run with its flags: nothing new is made for it", async () => {
    const p = graphProject();
    for (let i = 0; i < 2; i++) assert.equal((await grun(['run', 'once', '-y', '--no-memo'], p)).code, 0);
    const [a, b] = pipelines(p.home).sort((x, y) => usec(x, 'started') - usec(y, 'started'));
    assert.equal(readlinkSync(join(b!, 'prep')), readlinkSync(join(a!, 'prep')), 'the second pipeline links the first one\'s prep');
    assert.deepEqual(log(p.stepLog).map((l) => l.split(' ')[0]), ['prep', 'once', 'once']);
    assert.deepEqual(await stepStates(p.home, p.cwd, b!.split('/').pop()!), { prep: 'completed', work: 'completed' });
  });

  test('an invalid graph is refused with its path and nothing is created', async () => {
    const p = graphProject();
    writeFileSync(join(p.cwd, 'guild.yml'), GRAPH_YML + 'bad:\n  steps:\n    - prep\n    - {run: work, name: evaluate, needs: [trian]}\n');
    const r = await grun(['run', 'bad', '-y'], p);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr, "grun: steps.evaluate.needs: unknown step 'trian'\n");
    assert.deepEqual(existsSync(join(p.home, 'runs')) ? readdirSync(join(p.home, 'runs')) : [], []);
  });
});
