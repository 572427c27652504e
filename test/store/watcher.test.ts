import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchHome, type HomeEvent } from '../../src/store/watcher.js';
import { copyFixtureHome, emptyHome, tempDir } from '../helpers/home.js';

async function until(events: HomeEvent[], pred: (e: HomeEvent) => boolean, ms = 3000): Promise<HomeEvent> {
  const t0 = Date.now();
  for (;;) {
    const hit = events.find(pred);
    if (hit) return hit;
    if (Date.now() - t0 > ms) throw new Error(`no matching event in ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 200));

function makeRun(runsDir: string, id: string): string {
  const dir = join(runsDir, id);
  mkdirSync(join(dir, '.guild', 'attrs'), { recursive: true });
  writeFileSync(join(dir, '.guild', 'opref'), "script:/p '' '' train.py");
  return dir;
}

describe('watchHome', () => {
  test('reports a new run, its attr and output changes, and its removal', async () => {
    const home = emptyHome();
    const events: HomeEvent[] = [];
    const w = watchHome(home, (e) => events.push(e), { pollMs: 60_000 });
    try {
      await settle();
      const dir = makeRun(join(home, 'runs'), 'aaaa1111');
      await until(events, (e) => e.kind === 'added' && e.id === 'aaaa1111' && !e.deleted);
      await settle();
      events.length = 0;
      writeFileSync(join(dir, '.guild', 'attrs', 'exit_status'), '0\n');
      await until(events, (e) => e.kind === 'changed' && e.id === 'aaaa1111');
      events.length = 0;
      appendFileSync(join(dir, '.guild', 'output'), 'line\n');
      await until(events, (e) => e.kind === 'changed' && e.id === 'aaaa1111');
      rmSync(dir, { recursive: true });
      await until(events, (e) => e.kind === 'removed' && e.id === 'aaaa1111');
    } finally {
      await w.close();
    }
  });

  test('a delete to trash is a removal from runs and an addition to the trash', async () => {
    const home = copyFixtureHome();
    const id = '4cad94ad746246858852b7eb8736ac22';
    const events: HomeEvent[] = [];
    const w = watchHome(home, (e) => events.push(e), { pollMs: 60_000 });
    try {
      await settle();
      renameSync(join(home, 'runs', id), join(home, 'trash', 'runs', id));
      await until(events, (e) => e.kind === 'removed' && e.id === id && !e.deleted);
      await until(events, (e) => e.kind === 'added' && e.id === id && e.deleted);
    } finally {
      await w.close();
    }
  });

  test('source files inside a run are not reported', async () => {
    const home = emptyHome();
    const dir = makeRun(join(home, 'runs'), 'bbbb2222');
    const events: HomeEvent[] = [];
    const w = watchHome(home, (e) => events.push(e), { pollMs: 60_000 });
    try {
      await settle();
      writeFileSync(join(dir, 'model.ckpt'), 'x');
      mkdirSync(join(dir, 'checkpoints'));
      await settle();
      assert.deepEqual(events, []);
    } finally {
      await w.close();
    }
  });

  test('the poll finds runs when the home appears later and finished runs edited', async () => {
    const parent = tempDir();
    const home = join(parent, 'home');
    const events: HomeEvent[] = [];
    const w = watchHome(home, (e) => events.push(e), { pollMs: 50 });
    try {
      makeRun(join(home, 'runs'), 'cccc3333');
      await until(events, (e) => e.kind === 'added' && e.id === 'cccc3333');
    } finally {
      await w.close();
    }
    // a finished run is not deep-watched; the poll sees its attrs dir change
    writeFileSync(join(home, 'runs', 'cccc3333', '.guild', 'attrs', 'exit_status'), '0\n');
    const events2: HomeEvent[] = [];
    const w2 = watchHome(home, (e) => events2.push(e), { pollMs: 50 });
    try {
      await settle();
      assert.deepEqual(events2, []);
      writeFileSync(join(home, 'runs', 'cccc3333', '.guild', 'attrs', 'label'), 'x\n');
      await until(events2, (e) => e.kind === 'changed' && e.id === 'cccc3333');
    } finally {
      await w2.close();
    }
  });
});
