// Concurrency: 8 grun processes at once in one home (launching, staging, tagging, commenting,
// labelling, deleting and restoring), then two schedulers on the same staged runs. No update is
// lost, no cache is corrupt, the listing matches the directories, no run starts twice.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listRuns, loadRun } from '../../src/store/index.js';
import { isRunDir } from '../../src/store/run.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { checkHome, formatViolations, killAllOf, runGrun, size, spawnGrun, waitUntil, supervisorsOf } from './helpers.js';

const WORK_SH = `echo "start $RUN_ID"
sleep 0.2
echo done
`;
const ID = /\b([0-9a-f]{32})\b/;

describe('reliability: concurrency', () => {
  const homes: string[] = [];
  after(() => homes.forEach(killAllOf));

  test('8 processes launching, tagging, commenting, labelling, staging and deleting at once lose nothing', { timeout: 300_000 }, async () => {
    const rounds = size(3, 25);
    const home = emptyHome();
    homes.push(home);
    const cwd = tempDir('grun-cproj-');
    writeFileSync(join(cwd, 'work.sh'), WORK_SH);
    for (let i = 0; i < 2; i++) assert.equal((await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd })).code, 0);
    const [shared, labelled] = readdirSync(join(home, 'runs'));
    const launched: string[] = [];
    const tags: string[] = [];
    const comments: string[] = [];
    const words: string[] = [];
    const errors: string[] = [];
    const must = async (args: string[]): Promise<string> => {
      const e = await runGrun(args, { home, cwd });
      if (e.code !== 0) errors.push(`grun ${args.join(' ')} (${e.code}): ${e.stderr}`);
      return e.stdout;
    };
    const deleted = new Set<string>();
    const workers: Array<(w: number) => Promise<void>> = [
      async () => {
        for (let k = 0; k < rounds; k++) {
          const m = ID.exec(await must(['run', '-y', '-b', 'work.sh']));
          if (m) launched.push(m[1]!);
        }
      },
      async () => {
        for (let k = 0; k < rounds; k++) {
          const m = ID.exec(await must(['run', '--stage', '-y', 'work.sh']));
          if (m) launched.push(m[1]!);
        }
      },
      ...[0, 1, 2].map((t) => async () => {
        for (let k = 0; k < rounds; k++) {
          const tag = `w${t}-${k}`;
          await must(['tag', '-a', tag, '-y', shared!]);
          tags.push(tag);
        }
      }),
      async () => {
        for (let k = 0; k < rounds; k++) {
          const body = `note ${k}`;
          await must(['comment', '-a', body, '-y', shared!]);
          comments.push(body);
        }
      },
      async () => {
        for (let k = 0; k < rounds; k++) {
          const word = `word${k}`;
          await must(['label', '-a', word, '-y', labelled!]);
          words.push(word);
        }
      },
      async () => {
        // Deletes and restores runs the launchers made: always a whole run in one place.
        for (let k = 0; k < rounds * 2; k++) {
          const id = launched[k % Math.max(1, launched.length)];
          if (!id) {
            await must(['runs', 'list']);
            continue;
          }
          if (deleted.has(id)) {
            await must(['runs', 'restore', '-y', id]);
            deleted.delete(id);
          } else {
            // A run still running is stopped first (`--stop`), as a user deleting it would.
            await must(['runs', 'delete', '--stop', '-y', id]);
            deleted.add(id);
          }
        }
      },
    ];
    assert.equal(workers.length, 8);
    await Promise.all(workers.map((w, i) => w(i)));
    assert.deepEqual(errors, []);
    await waitUntil('runs to end', () => supervisorsOf(home).length === 0, 60_000);

    const a = loadRun(join(home, 'runs', shared!));
    assert.deepEqual(tags.filter((t) => !a.tags.includes(t)), [], 'every tag added is there');
    assert.deepEqual(comments.filter((c) => !a.comments.some((x) => x.body === c)), [], 'every comment added is there');
    const label = loadRun(join(home, 'runs', labelled!)).label ?? '';
    assert.deepEqual(words.filter((w) => !label.split(' ').includes(w)), [], 'every word appended to the label is there');
    // The listing (through the cache) is the directories, and the cache parses.
    const dirs = readdirSync(join(home, 'runs')).filter((id) => isRunDir(join(home, 'runs', id))).sort();
    assert.deepEqual(listRuns(home).map((r) => r.id).sort(), dirs);
    assert.deepEqual(listRuns(home, { noCache: true }).map((r) => r.id).sort(), dirs);
    for (const id of launched) assert.equal(deleted.has(id), existsSync(join(home, 'trash', 'runs', id)), `run ${id} where it should be`);
    const { violations } = checkHome(home, { expected: [shared!, labelled!, ...launched] });
    assert.equal(formatViolations(violations), '');
  });

  test('a run deleted while others write its attrs is never recreated as a ghost that blocks its restore', { timeout: 120_000 }, async () => {
    const home = emptyHome();
    homes.push(home);
    const cwd = tempDir('grun-cproj-');
    writeFileSync(join(cwd, 'work.sh'), 'echo hi\n');
    assert.equal((await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd })).code, 0);
    const [id] = readdirSync(join(home, 'runs'));
    for (let k = 0; k < size(5, 40); k++) {
      const writers = ['tag -a x', 'comment -a c', 'mark', 'label -s l'].map((a) => runGrun([...a.split(' '), '-y', id!], { home, cwd }));
      await sleep(150 + ((k * 53) % 250)); // spread the delete over the writers' lifetimes
      const del = await runGrun(['runs', 'delete', '-y', id!], { home, cwd });
      const outs = await Promise.all(writers);
      assert.equal(del.code, 0, del.stderr);
      // A writer that lost the race says so; it never leaves runs/<id> behind.
      for (const o of outs) if (o.code !== 0) assert.match(o.stderr, /^grun: .*(moved or deleted|no run|not found|No runs|could not find a run matching)/im);
      assert.ok(!existsSync(join(home, 'runs', id!)), `round ${k}: runs/${id} was recreated after the delete`);
      const res = await runGrun(['runs', 'restore', '-y', id!], { home, cwd });
      assert.equal(res.code, 0, res.stderr);
    }
  });

  test('two schedulers on the same staged runs start each run once', { timeout: 120_000 }, async () => {
    const home = emptyHome();
    homes.push(home);
    const cwd = tempDir('grun-cproj-');
    writeFileSync(join(cwd, 'work.sh'), WORK_SH);
    const n = size(4, 10);
    for (let i = 0; i < n; i++) assert.equal((await runGrun(['run', '--stage', '-y', 'work.sh'], { home, cwd })).code, 0);
    const queues = [0, 1].map(() => spawnGrun(['queue', '--once', '--max-parallel', '2', '--poll', '0.2'], { home, cwd }));
    const exits = await Promise.all(queues.map((q) => q.exit));
    for (const e of exits) assert.equal(e.code, 0, e.stderr);
    await waitUntil('runs to end', () => supervisorsOf(home).length === 0, 60_000);
    for (const id of readdirSync(join(home, 'runs'))) {
      const dir = join(home, 'runs', id);
      const starts = readFileSync(join(dir, '.guild', 'output'), 'utf8').split('\n').filter((l) => l.startsWith('start '));
      assert.equal(starts.length, 1, `run ${id} started ${starts.length} times`);
      assert.equal(loadRun(dir).status, 'completed');
    }
  });
});
