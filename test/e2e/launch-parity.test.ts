// One launch request, two front ends: `grun run` (the real binary) and the dashboard's effect
// runner (its launch form's Enter) go through the engine's launch service and make the same
// runs, memoization honoured in both, and turn down the same requests with the same words.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAttr } from '../../src/store/attrs.js';
import { listRuns } from '../../src/store/index.js';
import type { Run } from '../../src/store/types.js';
import { runEffect, type ActionContext } from '../../src/views/hooks/actions.js';
import { emptyHome } from '../helpers/home.js';
import { grun, project, waitFor } from './engine-helpers.js';

const COUNT = `n = 1
print("n is", n)
with open("out.txt", "w") as f:
    f.write(str(n))
`;
const GUILD_YML = `train:
  main: count
  flags:
    n:
      required: yes
`;

/** What the dashboard's effect runner reports: its status line, the run it jumps to, a form error. */
interface Dashboard {
  ctx: ActionContext;
  launched: string[];
  errors: string[];
  patches: Parameters<ActionContext['launchPatch']>[0][];
}

function dashboard(home: string, projectDir: string, memo: boolean): Dashboard {
  const d: Dashboard = { launched: [], errors: [], patches: [], ctx: undefined as unknown as ActionContext };
  d.ctx = {
    home,
    projectDir,
    memo,
    launchPatch: (patch) => {
      d.patches.push(patch);
      if (patch.error) d.errors.push(patch.error);
    },
    launched: (id) => void d.launched.push(id),
    runs: () => listRuns(home),
    trash: () => [],
    deleted: () => {},
    reload: () => {},
    refresh: () => {},
    quit: () => {},
  };
  return d;
}

/** The runs of a home as they compare across homes: operation, flags, status, memoized from which flags, parent or not. */
function shape(home: string): string[] {
  const runs = listRuns(home);
  const byId = new Map(runs.map((r) => [r.id, r]));
  const memoOf = (r: Run): string | null => {
    const a = readAttr(r.dir, 'memo_of');
    return a.kind === 'ok' ? JSON.stringify(byId.get(String(a.value))?.flags ?? 'gone') : null;
  };
  return runs
    .map((r) => JSON.stringify({ op: r.operation, flags: r.flags, status: r.status, memoOf: memoOf(r), child: r.parent !== null, batch: r.batch }))
    .sort();
}

/** Every run completed, and a successful batch gone to the trash (as Guild's does). */
const settled = (home: string): boolean => {
  const runs = listRuns(home);
  return runs.length > 0 && runs.every((r) => r.status === 'completed' && !r.batch);
};

describe('one launch request through the CLI and the dashboard', () => {
  test('a sweep with memo on: the same runs, the completed twin reused in both', async () => {
    const cwd = project({ 'count.py': COUNT });
    const homes = { cli: emptyHome(), dash: emptyHome() };
    for (const home of Object.values(homes)) {
      const seed = await grun(['run', '-y', 'count.py', 'n=1'], { cwd, home });
      assert.equal(seed.code, 0, seed.stderr);
    }
    // the CLI: `grun run --memo --background`, as the dashboard launches
    const cli = await grun(['run', '-y', '--background', '--memo', 'count.py', 'n=[1,2]'], { cwd, home: homes.cli });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /Created trial [0-9a-f]{32} \(memoized: outputs of [0-9a-f]{32}\)/);
    // the dashboard: the launch form's Enter on the same operation and flags, here
    const d = dashboard(homes.dash, cwd, true);
    const said = await runEffect({ kind: 'launchStart', opspec: 'count.py', flagArgs: ['n=[1,2]'], target: '' }, d.ctx);
    assert.deepEqual(d.errors, []);
    assert.match(said ?? '', /^started a batch of 2 trials of count\.py/);
    assert.equal(d.launched.length, 1);
    for (const home of Object.values(homes)) await waitFor('every run completed, the batch in the trash', () => settled(home), 90_000);
    assert.deepEqual(shape(homes.dash), shape(homes.cli));
    assert.equal(listRuns(homes.dash, { deleted: true }).filter((r) => r.batch).length, 1);
    const memoized = shape(homes.cli).filter((s) => JSON.parse(s).memoOf !== null);
    assert.equal(memoized.length, 1, 'the n=1 trial reuses the seed run');
    assert.equal(JSON.parse(memoized[0]!).memoOf, JSON.stringify({ n: 1 }));
  });

  test('a single run with memo on is a memo hit in both; with memo off both run it again', async () => {
    const cwd = project({ 'count.py': COUNT });
    for (const memo of [true, false]) {
      const homes = { cli: emptyHome(), dash: emptyHome() };
      for (const home of Object.values(homes)) assert.equal((await grun(['run', '-y', 'count.py', 'n=3'], { cwd, home })).code, 0);
      const cli = await grun(['run', '-y', '--background', ...(memo ? ['--memo'] : []), 'count.py', 'n=3'], { cwd, home: homes.cli });
      assert.equal(cli.code, 0, cli.stderr);
      const d = dashboard(homes.dash, cwd, memo);
      const said = await runEffect({ kind: 'launchStart', opspec: 'count.py', flagArgs: ['n=3'], target: '' }, d.ctx);
      assert.match(said ?? '', memo ? /^memoized [0-9a-f]{8} count\.py: outputs of / : /^started [0-9a-f]{8} count\.py$/);
      for (const home of Object.values(homes)) await waitFor('both runs completed', () => listRuns(home).length === 2 && settled(home), 90_000);
      assert.deepEqual(shape(homes.dash), shape(homes.cli));
      assert.equal(shape(homes.cli).filter((s) => JSON.parse(s).memoOf !== null).length, memo ? 1 : 0);
    }
  });

  test('the same refusals, in the same words, and nothing made', async () => {
    const cwd = project({ 'count.py': COUNT, 'guild.yml': GUILD_YML });
    const home = emptyHome();
    writeFileSync(join(home, 'config.yml'), 'remotes:\n  gpu: {type: ssh, host: 127.0.0.1, port: 1, connect-timeout: 1}\n');
    const cases: { args: string[]; effect: { opspec: string; flagArgs: string[]; target: string }; words: RegExp }[] = [
      {
        args: ['count.py', 'n=[1,2]', '--remote', 'gpu'],
        effect: { opspec: 'count.py', flagArgs: ['n=[1,2]'], target: 'gpu' },
        words: /^'n=\[1,2\]' asks for a sweep: a sweep runs here or on Slurm, not on ssh remote 'gpu'$/,
      },
      { args: ['train'], effect: { opspec: 'train', flagArgs: [], target: '' }, words: /^missing required flag 'n' for train: expected n=VALUE$/ },
    ];
    for (const c of cases) {
      const cli = await grun(['run', '-y', '--background', ...c.args], { cwd, home });
      assert.notEqual(cli.code, 0);
      const cliWords = cli.stderr.trim().replace(/^grun: /, '');
      assert.match(cliWords, c.words);
      const d = dashboard(home, cwd, false);
      assert.equal(await runEffect({ kind: 'launchStart', ...c.effect }, d.ctx), null);
      assert.deepEqual(d.errors, [cliWords]);
      assert.deepEqual(d.launched, []);
    }
    assert.deepEqual(listRuns(home), []);
    // the form of that operation opens, asking for the required flag, rather than refusing
    const d = dashboard(home, cwd, false);
    await runEffect({ kind: 'launchDefs', opspec: 'train' }, d.ctx);
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.patches.map((p) => [p.step, p.defs?.map((f) => [f.name, f.required])]), [['form', [['n', true]]]]);
  });

  test("R's form: filled from a run, in its own project; its Enter starts what grun run --rerun starts", async () => {
    const cwd = project({ 'count.py': COUNT });
    const home = emptyHome();
    const first = await grun(['run', '-y', 'count.py', 'n=3'], { cwd, home });
    assert.equal(first.code, 0, first.stderr);
    const [run] = listRuns(home);
    const d = dashboard(home, emptyHome(), false); // the dashboard started elsewhere
    await runEffect({ kind: 'launchFrom', id: run!.id, restart: false }, d.ctx);
    assert.deepEqual(d.errors, []);
    const form = d.patches.at(-1)!;
    assert.equal(form.step, 'form');
    assert.equal(form.opspec, 'count.py');
    assert.equal(form.cwd, cwd);
    assert.deepEqual(form.defs!.map((f, i) => `${f.name}=${form.values![i]}`), ['n=3'], "the run's flags, not the defaults");
    await runEffect({ kind: 'launchStart', opspec: form.opspec!, flagArgs: ['n=4'], target: '', cwd: form.cwd! }, d.ctx);
    assert.equal(d.launched.length, 1);
    await waitFor('the rerun to complete', () => listRuns(home).every((r) => r.status === 'completed') && listRuns(home).length === 2, 30_000);
    const again = listRuns(home).find((r) => r.id === d.launched[0])!;
    assert.deepEqual(again.flags, { n: 4 });
    assert.equal(again.opref?.pkgName, run!.opref?.pkgName, 'the same project');
  });

  test("e's form: a restart of the run in its own directory, with the flags as edited", async () => {
    const cwd = project({ 'count.py': COUNT });
    const home = emptyHome();
    assert.equal((await grun(['run', '-y', 'count.py', 'n=3'], { cwd, home })).code, 0);
    const [run] = listRuns(home);
    const d = dashboard(home, emptyHome(), false);
    await runEffect({ kind: 'launchFrom', id: run!.id, restart: true }, d.ctx);
    const form = d.patches.at(-1)!;
    assert.equal(form.restart, run!.id);
    assert.deepEqual(form.values, ['3']);
    await runEffect({ kind: 'launchPreview', opspec: form.opspec!, flagArgs: ['n=7'], cwd: form.cwd!, restart: run!.id }, d.ctx);
    assert.match(d.patches.at(-1)!.preview![0]!, new RegExp(`^restart ${run!.id.slice(0, 8)} in its own directory$`));
    await runEffect({ kind: 'launchStart', opspec: form.opspec!, flagArgs: ['n=7'], target: '', cwd: form.cwd!, restart: run!.id }, d.ctx);
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.launched, [run!.id], 'the same run');
    await waitFor('the restart to complete', () => readAttr(run!.dir, 'flags').kind === 'ok' && listRuns(home)[0]!.status === 'completed' && listRuns(home)[0]!.flags.n === 7, 30_000);
    assert.equal(listRuns(home).length, 1);
  });
});
