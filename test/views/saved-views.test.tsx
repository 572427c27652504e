// Saved views: the store's one writer, and the App restoring the last view and named ones.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/app.js';
import { ViewStore, viewsPath } from '../../src/store/ui-views.js';
import { copyFixtureHome, emptyHome } from '../helpers/home.js';
import { KEY, typeKeys, waitFor, waitForFrame } from './helpers.js';

const FEED = { debounceMs: 20, pollMs: 60_000, runningMs: 60_000 };
const VIEW = { sort: { key: 'scalar:loss', desc: false }, filter: 'train', status: 'completed', columns: ['=lr', 'min loss'], flat: true };

afterEach(() => cleanup());

describe('saved views', () => {
  test('one writer: a second store on the home reads but does not write while the first lives; a dead claim is taken over', async () => {
    const home = emptyHome();
    const a = new ViewStore(home);
    assert.equal(a.writer, true);
    assert.equal(a.save(VIEW, 'mine'), true);
    // another process holds the claim: this one may not write
    a.close();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    await waitFor(() => holder.pid !== undefined);
    const start = Number(readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
    writeFileSync(join(home, 'cache', 'grun', 'views.writer'), JSON.stringify({ pid: holder.pid, start }));
    const b = new ViewStore(home);
    assert.equal(b.writer, false);
    assert.equal(b.save(VIEW, 'other'), false);
    assert.deepEqual(b.named('mine'), VIEW, 'it still reads');
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const c = new ViewStore(home);
    assert.equal(c.writer, true, 'the claim of a process that is gone is taken over');
    c.close();
  });

  test('a read-only cache dir: views are read, saving says no, nothing throws', () => {
    const home = emptyHome();
    mkdirSync(join(home, 'cache'), { recursive: true });
    writeFileSync(join(home, 'cache', 'grun'), 'not a directory');
    const s = new ViewStore(home);
    assert.equal(s.writer, false);
    assert.equal(s.save(VIEW), false);
  });

  test('the App keeps the last view and restores it at the next start; :view save NAME and :view NAME', async () => {
    const home = copyFixtureHome();
    const open = () => render(<App home={home} readonly={false} projectDir={home} size={{ columns: 140, rows: 30 }} feed={FEED} env={{ NO_COLOR: '1' }} />);
    let app = open();
    await waitForFrame(app.lastFrame, /20\/20 runs/);
    await typeKeys(app.stdin, ':', 'sort loss', KEY.enter);
    await typeKeys(app.stdin, ':', 'view save byloss', KEY.enter);
    await waitForFrame(app.lastFrame, /view byloss saved/);
    await typeKeys(app.stdin, ':', 'cols =lr,min loss', KEY.enter, 'v', '/train.py', KEY.enter);
    await waitForFrame(app.lastFrame, /filter: train\.py .*sort: loss ▲  flat/);
    await waitFor(() => existsSync(viewsPath(home)) && JSON.parse(readFileSync(viewsPath(home), 'utf8')).last?.flat === true, 3000, 'the view written');
    app.unmount();
    cleanup();
    app = open();
    let f = await waitForFrame(app.lastFrame, /filter: train\.py .*sort: loss ▲  flat/);
    assert.match(f, /\blr\b.*min loss/);
    await typeKeys(app.stdin, ':', 'view byloss', KEY.enter);
    f = await waitForFrame(app.lastFrame, /view byloss/);
    assert.doesNotMatch(f, /filter: train\.py/);
    assert.doesNotMatch(f, /flat/);
    await typeKeys(app.stdin, ':', 'view nosuch', KEY.enter);
    await waitForFrame(app.lastFrame, /no view named nosuch \(saved: byloss\)/);
  });
});
