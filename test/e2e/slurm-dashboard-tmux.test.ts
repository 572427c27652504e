// Slurm runs seen through the real dashboard in tmux at 80x24, against the local single-node
// Slurm (skips without it): the executor column with each job's id and what Slurm says of it
// (queued with its reason, running on its node, failed), the live output of a running job, a
// queued job cancelled from the table, and a run launched from the dashboard to Slurm.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome } from '../helpers/home.js';
import { ok } from './cli-helpers.js';
import { project } from './engine-helpers.js';
import { clusterEnv, slurmSkipReason } from './remote-helpers.js';
import { TmuxGrun, tmuxSkip } from './tmux.js';

const skip = tmuxSkip || slurmSkipReason();

describe('slurm runs in the dashboard (tmux, 80x24)', { skip }, () => {
  let slurmConf: string;
  before(() => {
    const env = clusterEnv();
    if (typeof env === 'string') throw new Error(env);
    slurmConf = env.slurmConf;
    process.env.SLURM_CONF = slurmConf;
  });

  test('executor column, job states and reasons, live output, cancel a queued job', { timeout: 90_000 }, async () => {
    const home = emptyHome();
    writeFileSync(join(home, 'config.yml'), 'remotes:\n  later: {type: slurm, partition: debug, sbatch-options: --begin=now+3600}\n');
    const proj = project({
      'held.py': 'print("never")\n',
      'bad.py': 'import sys\nprint("diverged")\nsys.exit(3)\n',
      'tick.py': 'import time\nx = 0\nfor i in range(40):\n    print("tick", x, i, flush=True)\n    time.sleep(0.25)\n',
    });
    const held = /\(job (\d+)\)$/m.exec(ok(home, ['run', 'held.py', '--remote', 'later', '-y'], { cwd: proj }))![1]!;
    const bad = /\(job (\d+)\)$/m.exec(ok(home, ['run', 'bad.py', '--executor', 'slurm', '-y'], { cwd: proj }))![1]!;
    const sweep = ok(home, ['run', 'tick.py', 'x=[1,2]', '--executor', 'slurm', '--max-parallel', '1', '-y'], { cwd: proj });
    const array = /as job array (\d+)/.exec(sweep)![1]!;
    const t = new TmuxGrun({ columns: 80, rows: 24, cwd: proj, env: { GUILD_HOME: home, NO_COLOR: '1', SLURM_CONF: slurmConf } });
    try {
      let s = await t.waitFor(new RegExp(`slurm ${held} \\(BeginTime\\)`), 15_000);
      assert.match(s, /executor/, 'the column shows once a run executes elsewhere');
      await t.waitFor(new RegExp(`✖ error +slurm ${bad}(?!\\d)`), 15_000); // exit 3, recorded in the job
      // The trials, flat under a filter: task 0 runs on the node, task 1 waits for the throttle.
      t.type('/tick');
      s = await t.waitFor(new RegExp(`▶ running +slurm ${array}_0 @\\S+`), 20_000);
      assert.match(s, new RegExp(`… pending +slurm ${array}_1 \\(JobArrayTaskLimit\\)`));
      for (const line of s.split('\n')) assert.ok(line.length <= 80, `fits 80 columns: ${line}`);
      t.keys('Enter');
      // Open task 0: the cursor row is marked `›`. A cursor that has not moved keeps its place,
      // not its run, so the rows re-sorting as task 0 starts can put task 1 under it before
      // Enter arrives: then back, and again.
      for (let i = 0; ; i++) {
        s = await t.waitFor(/filter: tick/);
        const lines = s.split('\n');
        const cursor = lines.findIndex((l) => l.startsWith('›'));
        const zero = lines.findIndex((l) => l.includes(`${array}_0`));
        if (cursor !== zero) t.keys(zero > cursor ? 'Down' : 'Up');
        await t.waitFor(new RegExp(`^›.*${array}_0`, 'm'));
        t.keys('Enter');
        s = await t.waitFor(/1 overview/);
        if (new RegExp(`executor +slurm: job ${array}_0\n`).test(s)) break;
        assert.ok(i < 3, `the detail of another run than the cursor's:\n${s}`);
        t.keys('Escape');
      }
      assert.match(s, new RegExp(`status +running \\(Slurm job ${array}_0 RUNNING on \\S+\\)`));
      t.keys('4');
      await t.waitFor(/tick 1 [3-9]/, 15_000); // output written in the job, tailed here
      t.keys('Escape');
      await t.waitFor(/filter: tick/);
      t.keys('Escape'); // clear the filter
      s = await t.waitFor(new RegExp(`slurm ${held} \\(BeginTime\\)`));
      // Cancel the queued job from the table: go to its row (the oldest run, last), stop, confirm.
      t.keys('G', 'x');
      await t.waitFor(/Stop 1 run\?/);
      t.keys('y');
      await t.waitFor(new RegExp(`■ terminated +slurm ${held} CANCELLED`), 30_000);
      // Launch from the dashboard to Slurm: pick bad.py, no flags, preview, Tab to Slurm, Enter.
      t.keys('r');
      await t.waitFor(/bad\.py +script/);
      t.keys('Enter');
      await t.waitFor(/no flags: Enter to preview/, 15_000);
      t.keys('Enter');
      await t.waitFor(/executes +here +\(Tab: elsewhere\)/, 15_000);
      t.keys('Tab');
      await t.waitFor(/executes +Slurm \(--executor slurm\)/);
      t.keys('Enter');
      const launched = /submitted [0-9a-f]{8} bad\.py to Slurm \(job (\d+)\)/.exec(await t.waitFor(/submitted [0-9a-f]{8} bad\.py to Slurm/, 15_000))![1]!;
      await t.waitFor(new RegExp(`✖ error +slurm ${launched}(?!\\d)`), 20_000);
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    } finally {
      t.close();
      spawnSync('scancel', [array, held]); // the jobs must not outlive the test
    }
  });
});
