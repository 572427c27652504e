// The dashboard's tag and comment edits (its effect runner, in this process) raced against
// `grun tag` and `grun comment` processes on one run: every tag and every comment is kept.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRun } from '../../src/store/index.js';
import { runEffect, type ActionContext } from '../../src/views/hooks/actions.js';
import { copyFixtureHome } from '../helpers/home.js';
import { spawnGrun } from './helpers.js';

const ROUNDS = 50;
/** Rounds whose processes run at once: more contention, less wall time. */
const AT_ONCE = 5;

describe('reliability: dashboard edits against grun edits', () => {
  test(`${ROUNDS} rounds of tag and comment from both sides lose no update`, { timeout: 600_000 }, async () => {
    const home = copyFixtureHome();
    const id = readdirSync(join(home, 'runs')).sort()[0]!;
    const dir = join(home, 'runs', id);
    const before = loadRun(dir).comments.length;
    // The dashboard's view of the run, read afresh at every edit (as fresh as it can be)
    const ctx: ActionContext = {
      home,
      projectDir: home,
      launchPatch: () => {},
      launched: () => {},
      runs: () => [loadRun(dir)],
      trash: () => [],
      deleted: () => {},
      reload: () => {},
      refresh: () => {},
      quit: () => {},
    };
    const tags: string[] = [];
    const comments: string[] = [];
    const failures: string[] = [];
    for (let k = 0; k < ROUNDS; k += AT_ONCE) {
      const procs = [];
      for (let r = k; r < k + AT_ONCE; r++) {
        procs.push(spawnGrun(['tag', '-y', '-a', `cli-${r}`, id], { home }), spawnGrun(['comment', '-y', '-a', `cli comment ${r}`, id], { home }));
        tags.push(`cli-${r}`);
        comments.push(`cli comment ${r}`);
      }
      let open = procs.length;
      const exits = procs.map((p) => p.exit.then((e) => {
        open--;
        if (e.code !== 0) failures.push(e.stderr);
      }));
      // Edit from the dashboard side for as long as the processes live, at least once
      for (let j = 0; j === 0 || open > 0; j++) {
        const tag = `dash-${k}-${j}`;
        await runEffect({ kind: 'tags', ids: [id], add: [tag], remove: [] }, ctx);
        await runEffect({ kind: 'comment', ids: [id], body: `dash comment ${k}-${j}` }, ctx);
        tags.push(tag);
        comments.push(`dash comment ${k}-${j}`);
        await yieldLoop();
      }
      await Promise.all(exits);
    }
    assert.deepEqual(failures, []);
    const run = loadRun(dir);
    const lostTags = tags.filter((t) => !run.tags.includes(t));
    const bodies = run.comments.map((c) => c.body);
    const lostComments = comments.filter((c) => !bodies.includes(c));
    assert.deepEqual({ lostTags, lostComments }, { lostTags: [], lostComments: [] });
    assert.equal(bodies.length, before + comments.length);
  });
});
