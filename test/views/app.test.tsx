import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { render, cleanup } from 'ink-testing-library';
import { App } from '../../src/app.js';
import { listRuns } from '../../src/store/index.js';
import { OutputWriter } from '../../src/store/output.js';
import { bootId, hostName, selfProcess, writeProcessRecord } from '../../src/store/proc.js';
import { writeStepRecords } from '../../src/store/step-records.js';
import { makeTheme } from '../../src/views/theme.js';
import { copyFixtureHome, copySampleHome, emptyHome, grunBin, tempDir } from '../helpers/home.js';
import { KEY, typeKeys, waitFor, waitForFrame } from './helpers.js';

const BEST = '4cad94ad'; // "best run" in the fixture home
const FEED = { debounceMs: 20, pollMs: 60_000, runningMs: 60_000 };

function open(home: string, opts: { readonly?: boolean; columns?: number; rows?: number; projectDir?: string } = {}) {
  return render(
    <App
      home={home}
      readonly={!!opts.readonly}
      projectDir={opts.projectDir ?? home}
      size={{ columns: opts.columns ?? 120, rows: opts.rows ?? 30 }}
      feed={FEED}
      env={{}}
    />,
  );
}

afterEach(() => cleanup());

describe('dashboard: runs screen', () => {
  test('lists the fixture runs newest first with glyphs, counts and keys', async () => {
    const { lastFrame } = open(copyFixtureHome());
    const f = await waitForFrame(lastFrame, /20\/20 runs/);
    assert.match(f, /✔ completed/);
    assert.match(f, /✖ error/);
    assert.match(f, /■ terminated/);
    assert.match(f, /◆ staged/);
    assert.match(f, /best run/);
    // the newest runs are the pipeline's steps, folded under it (c66e6a9a is its step 2)
    const rows = f.split('\n').filter((l) => /^.{3} *\d+ [0-9a-f]{8} /.test(l));
    assert.match(rows[0]!, /^. \+ *\d+ 5b543c89 pipeline/);
    assert.doesNotMatch(f, /c66e6a9a/);
    // batches fold their trials: b473328a is a trial of 8fa24610
    assert.doesNotMatch(f, /b473328a/);
    assert.match(f, /Enter open/);
  });

  test('while runs load the table says so, never that there are none', async () => {
    const { lastFrame, frames } = open(copyFixtureHome());
    await waitForFrame(lastFrame, /20\/20 runs/);
    assert.match(frames[0]!, /loading runs… 0 read so far/);
    for (const f of frames) assert.doesNotMatch(f, /no runs/);
  });

  test('with a summary cache the newest runs show first, re-checked, then every run is checked', async () => {
    const home = copyFixtureHome();
    listRuns(home); // writes the summary cache, as any `grun runs` does
    // Guild rewrites attrs in place: a run the first table shows, changed after the cache was written
    writeFileSync(join(home, 'runs', `${BEST}746246858852b7eb8736ac22`, '.guild', 'attrs', 'label'), 'relabelled in place\n');
    const { lastFrame, frames } = open(home);
    await waitForFrame(lastFrame, /20\/20 runs(?! · checking)/);
    const at = frames.findIndex((f) => /20\/20 runs · checking all…/.test(f));
    assert.ok(at >= 0, `no first table before the full check:\n${frames.join('\n')}`);
    assert.match(frames[at]!, /relabelled in place/);
    // before it only the empty table; the full check never shows a partial table
    for (const f of frames.slice(0, at)) assert.doesNotMatch(f, /^.{3} *\d+ [0-9a-f]{8} /m);
    for (const f of frames.slice(at)) assert.doesNotMatch(f, /loading/);
  });

  test('the frame is at most rows−1 lines, at 80x24 too', async () => {
    const { lastFrame } = open(copyFixtureHome(), { columns: 80, rows: 24 });
    const f = await waitForFrame(lastFrame, /20\/20 runs/);
    assert.ok(f.split('\n').length <= 23, `frame has ${f.split('\n').length} lines`);
    for (const line of stripVTControlCharacters(f).split('\n')) assert.ok([...line].length <= 80, `line too wide: ${line}`);
  });

  test('+ expands a batch to show its trials', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome());
    await waitForFrame(lastFrame, /20\/20 runs/);
    // move to the grid batch 8fa24610 and expand it
    for (let i = 0; i < 20 && !selectedLine(lastFrame()).includes('8fa24610'); i++) await typeKeys(stdin, 'j');
    await typeKeys(stdin, '+');
    const f = await waitForFrame(lastFrame, /b473328a/);
    assert.match(f, /00075496/);
  });

  test("a pipeline says how many steps are done and + expands it into its steps", async () => {
    const home = copyFixtureHome();
    const pipe = join(home, 'runs/5b543c898ff2499a94e8af9b3028f8e2');
    writeStepRecords(pipe, [
      { name: 'prepare', needs: [], state: 'completed', run: '9d33df1fe62b4f869c35c1c66bb6c2cd' },
      { name: 'train', needs: ['prepare'], state: 'cached', run: 'c66e6a9adc7945ee87f50ab05afb16a5', memoOf: '9d33df1fe62b4f869c35c1c66bb6c2cd' },
      { name: 'evaluate', needs: ['train'], state: 'cancelled' },
    ]);
    const { lastFrame, stdin } = open(home);
    let f = await waitForFrame(lastFrame, /20\/20 runs/);
    assert.match(selectedLine(f), /5b543c89 pipeline 2\/3 steps/);
    assert.doesNotMatch(f, /c66e6a9a/);
    await typeKeys(stdin, '+');
    f = await waitForFrame(lastFrame, /c66e6a9a/);
    // each step in the driver's order with its state: a memo hit is cached, not completed; a
    // step that never ran (no run) has a row too
    const steps = f.split('\n').filter((l) => l.includes('└'));
    assert.equal(steps.length, 3, f);
    assert.match(steps[0]!, /9d33df1f +└ prepare .*✔ completed/);
    assert.match(steps[1]!, /c66e6a9a +└ train .*↺ cached/);
    assert.match(steps[2]!, /^ {3} +└ evaluate .*⊘ cancelled/);
    // the cursor walks onto the runless step and stays there across a refresh
    await typeKeys(stdin, 'j', 'j', 'j');
    assert.match(selectedLine(lastFrame()), /└ evaluate/);
  });

  test("a pipeline's step states have a glyph and a colour each, and NO_COLOR leaves the glyph", async () => {
    const home = copyFixtureHome();
    const pipe = join(home, 'runs/5b543c898ff2499a94e8af9b3028f8e2');
    writeStepRecords(pipe, [
      { name: 'prepare', needs: [], state: 'failed', run: '9d33df1fe62b4f869c35c1c66bb6c2cd' },
      { name: 'train', needs: ['prepare'], state: 'cancelled' },
      { name: 'evaluate', needs: [], state: 'waiting' },
    ]);
    for (const env of [{ TERM: 'xterm' }, { NO_COLOR: '1' }]) {
      const r = render(
        <App home={home} readonly={false} projectDir={home} size={{ columns: 120, rows: 30 }} feed={FEED} env={env} />,
      );
      await waitForFrame(r.lastFrame, /20\/20 runs/);
      await typeKeys(r.stdin, '+');
      const f = await waitForFrame(r.lastFrame, /└ evaluate/);
      const line = (name: string) => f.split('\n').find((l) => l.includes(`└ ${name}`))!;
      // prepare's run completed in the fixture: the record (failed) gives way to its run's status
      assert.match(stripVTControlCharacters(line('prepare')), /✔ completed/);
      assert.match(stripVTControlCharacters(line('train')), /⊘ cancelled/);
      assert.match(stripVTControlCharacters(line('evaluate')), /… waiting/);
      if ('NO_COLOR' in env) assert.doesNotMatch(f, /\x1b\[3\dm/, 'no colour under NO_COLOR');
      else {
        assert.match(line('train'), /\x1b\[33m⊘ cancelled/);
        assert.match(line('evaluate'), /\x1b\[35m… waiting/);
      }
      r.unmount();
    }
  });

  test('typing a filter narrows the table live; Esc restores it; Enter keeps it', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome());
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, '/best');
    let f = await waitForFrame(lastFrame, /1\/20 runs/);
    assert.match(f, /\/best/);
    assert.match(f, /FILTER/);
    await typeKeys(stdin, KEY.esc);
    f = await waitForFrame(lastFrame, /20\/20 runs/);
    assert.doesNotMatch(f, /FILTER/);
    await typeKeys(stdin, '/status = error', KEY.enter);
    f = await waitForFrame(lastFrame, /3\/20 runs · FILTER/);
    assert.match(f, /filter: status = error/);
  });

  test('a filter expression with scalars (Guild sample: loss > 0.5)', async () => {
    const { lastFrame, stdin } = open(copySampleHome('filter-runs'));
    await waitForFrame(lastFrame, /7\/7 runs/);
    await typeKeys(stdin, '/loss <= 0.5', KEY.enter);
    await waitForFrame(lastFrame, /3\/7 runs/, 5000);
  });

  test('s sorts by the next column and shows it in the header', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome());
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, 's', 's');
    const f = await waitForFrame(lastFrame, /sort: operation ▲/);
    assert.match(f, /operation▲/);
  });

  test('at 80x24, s goes through the columns shown, left to right, and back to the start', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome(), { columns: 80, rows: 24 });
    let f = await waitForFrame(lastFrame, / loss +acc\n/); // the automatic scalar columns, once loaded
    const header = (fr: string) => fr.split('\n')[1]!;
    // (the first columns hold the cursor and the ‹ › of columns scrolled out of view)
    const titles = header(f).slice(3).trim().split(/\s+/).map((t) => t.replace(/[▲▼]$/, ''));
    const others = titles.filter((t) => t !== '#' && t !== 'started');
    const sorted: string[] = [];
    for (let i = 0; i < others.length; i++) {
      const before = f;
      await typeKeys(stdin, 's');
      f = await waitForFrame(lastFrame, /sort: /);
      for (let t = 0; t < 100 && f === before; t++) f = await new Promise((r) => setTimeout(() => r(lastFrame()!), 10));
      const m = /(\S+)[▲▼]/.exec(header(f));
      assert.ok(m, `the sorted column is not shown:\n${f}`);
      sorted.push(m[1]!);
    }
    assert.deepEqual(sorted, others, 'each column once, left to right');
    // `#` sorts as `started` (the default sort): the cycle ends there
    await typeKeys(stdin, 's');
    await waitForFrame(lastFrame, /sort: started ▼/);
  });

  test('C: a checkbox per flag, attribute and scalar; Space shows a flag column at once; Esc closes', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome(), { columns: 80, rows: 24 });
    await waitForFrame(lastFrame, / loss +acc\n/);
    await typeKeys(stdin, 'C');
    let f = await waitForFrame(lastFrame, /Columns \(Space: show\/hide\)/);
    assert.match(f, /› \[ \] =epochs/);
    assert.match(f, /\[ \] \.label/);
    await typeKeys(stdin, ' ');
    f = await waitForFrame(lastFrame, /› \[x\] =epochs/);
    await typeKeys(stdin, KEY.esc);
    // the new column comes last: scrolled to with → (#, id and status stay)
    await typeKeys(stdin, KEY.right, KEY.right, KEY.right, KEY.right);
    f = await waitForFrame(lastFrame, /^‹ +# id +status.* epochs\n/m);
    assert.doesNotMatch(f, /Columns \(/);
    assert.ok(f.split('\n').every((l) => [...stripVTControlCharacters(l)].length <= 80));
  });

  test('? shows help from the keymap; Esc closes it', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome());
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, '?');
    const f = await waitForFrame(lastFrame, /keys: runs/);
    assert.match(f, /delete the marked runs/);
    await typeKeys(stdin, KEY.esc);
    await waitForFrame(lastFrame, /20\/20 runs/);
  });

  test('read-only hides changing actions and refuses their keys', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome(), { readonly: true });
    let f = await waitForFrame(lastFrame, /READONLY/);
    assert.doesNotMatch(f, /d del/);
    await typeKeys(stdin, 'd');
    f = await waitForFrame(lastFrame, /read-only: this action is disabled/);
    assert.doesNotMatch(f, /Delete/);
  });

  test('a new run appears without a keypress; the cursor stays on its run', async () => {
    const home = copyFixtureHome();
    const { lastFrame, stdin } = open(home);
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, 'j', 'j');
    const before = selectedLine(lastFrame());
    const id = 'feedbeef' + '0'.repeat(24);
    const dir = join(home, 'runs', id);
    cpSync(join(home, 'runs', '4cad94ad746246858852b7eb8736ac22'), dir, { recursive: true });
    writeFileSync(join(dir, '.guild', 'attrs', 'started'), `${Date.now() * 1000}\n`);
    const f = await waitForFrame(lastFrame, /21\/21 runs/, 5000);
    assert.match(f, /feedbeef/);
    const shortOf = (l: string) => /\b[0-9a-f]{8}\b/.exec(l)?.[0];
    assert.ok(shortOf(before));
    assert.equal(shortOf(selectedLine(f)), shortOf(before));
  });

  test('a broken run directory lists without crashing', async () => {
    const home = emptyHome();
    mkdirSync(join(home, 'runs', 'broken01', '.guild', 'attrs'), { recursive: true });
    writeFileSync(join(home, 'runs', 'broken01', '.guild', 'opref'), 'not an opref at all');
    writeFileSync(join(home, 'runs', 'broken01', '.guild', 'attrs', 'flags'), ': : [');
    writeFileSync(join(home, 'runs', 'broken01', '.guild', 'attrs', 'started'), 'yesterday');
    const { lastFrame, stdin } = open(home);
    await waitForFrame(lastFrame, /1\/1 runs/);
    await typeKeys(stdin, KEY.enter);
    await waitForFrame(lastFrame, /problems reading this run/);
  });
});

/** The cursor row (its `›` glyph; test frames carry no inverse video). */
function selectedLine(frame: string | undefined): string {
  return (frame ?? '').split('\n').find((l) => l.startsWith('›')) ?? '';
}

describe('dashboard: actions', () => {
  test('Space marks, c compares flags side by side with differences flagged; e exports what grun compare --csv writes', async () => {
    const home = copyFixtureHome();
    const { lastFrame, stdin } = open(home, { columns: 140, rows: 40 });
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, '/train.py', KEY.enter);
    await waitForFrame(lastFrame, /FILTER/);
    await typeKeys(stdin, ' ', ' ');
    await waitForFrame(lastFrame, /2 marked/);
    await typeKeys(stdin, 'c');
    let f = await waitForFrame(lastFrame, /compare 2 runs/);
    assert.match(f, /≠ epochs/);
    assert.match(f, /· operation +train\.py +train\.py/);
    await typeKeys(stdin, 'u');
    f = await waitForFrame(lastFrame, /only rows that differ/);
    assert.doesNotMatch(f, /operation/);
    await typeKeys(stdin, 'u');
    f = await waitForFrame(lastFrame, /trend loss +[▁-█]+ +[▁-█]+/);
    const csv = join(tempDir(), 'cmp.csv');
    await typeKeys(stdin, 'e');
    await waitForFrame(lastFrame, /Export CSV to/);
    await typeKeys(stdin, '\u0015', csv, KEY.enter);
    await waitForFrame(lastFrame, /wrote /);
    const bytes = readFileSync(csv, 'utf8');
    const text = bytes.split('\n');
    assert.equal(text[0], 'run,operation,started,time,status,label,epochs,fail,lr,sleep,step,acc,epoch,loss');
    assert.match(text[1]!, /^d79e4010,train\.py,.*,terminated,.*,100,False,0\.1,0\.5,/);
    // byte for byte what `grun compare --csv` writes for the same runs
    const ids = text.slice(1, -1).map((l) => l.split(',')[0]!);
    const cli = spawnSync(grunBin, ['-H', home, 'compare', '--csv', '-', ...ids], { encoding: 'utf8', env: { ...process.env, NODE_ENV: '' } });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(bytes, cli.stdout);
  });

  test('c on a sweep compares its trials, as grun compare does; e writes the same runs', async () => {
    const home = copyFixtureHome();
    const { lastFrame, stdin } = open(home, { columns: 140, rows: 40 });
    await waitForFrame(lastFrame, /20\/20 runs/);
    for (let i = 0; i < 20 && !selectedLine(lastFrame()).includes('8fa24610'); i++) await typeKeys(stdin, 'j');
    assert.match(selectedLine(lastFrame()), /8fa24610/);
    await typeKeys(stdin, 'c');
    const f = await waitForFrame(lastFrame, /compare 2 runs/);
    assert.match(f, /b473328a/);
    assert.match(f, /00075496/);
    assert.doesNotMatch(f, /8fa24610/);
    const csv = join(tempDir(), 'sweep.csv');
    await typeKeys(stdin, 'e');
    await waitForFrame(lastFrame, /Export CSV to/);
    await typeKeys(stdin, '\u0015', csv, KEY.enter);
    await waitForFrame(lastFrame, /wrote /);
    const cli = spawnSync(grunBin, ['-H', home, 'compare', '--csv', '-', '8fa24610'], { encoding: 'utf8', env: { ...process.env, NODE_ENV: '' } });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(readFileSync(csv, 'utf8'), cli.stdout);
  });

  test('d asks naming the run, moves it to the trash; u undoes', async () => {
    const home = copyFixtureHome();
    const { lastFrame, stdin } = open(home);
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, `/${BEST}`, KEY.enter);
    await waitForFrame(lastFrame, /1\/20 runs/);
    await typeKeys(stdin, 'd');
    const f = await waitForFrame(lastFrame, /Delete 1 run to the trash\?/);
    assert.match(f, new RegExp(`${BEST}  train.py  completed  best run`));
    await typeKeys(stdin, 'y');
    await waitForFrame(lastFrame, /deleted 1 run to the trash/);
    await waitFor(() => existsSync(join(home, 'trash', 'runs', `${BEST}746246858852b7eb8736ac22`)), 3000, 'run in trash');
    await waitForFrame(lastFrame, /0\/19 runs/);
    await typeKeys(stdin, 'u');
    await waitForFrame(lastFrame, /undone: restored 1 run/);
    await waitForFrame(lastFrame, /1\/20 runs/);
    assert.ok(existsSync(join(home, 'runs', `${BEST}746246858852b7eb8736ac22`)));
  });

  test('T shows the trash; purge asks to type the word', async () => {
    const home = copyFixtureHome();
    const { lastFrame, stdin } = open(home);
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, 'T');
    await waitForFrame(lastFrame, /trash: 1 deleted run/);
    await waitForFrame(lastFrame, /5cc3ae6b/);
    await typeKeys(stdin, 'P');
    await waitForFrame(lastFrame, /Type purge/);
    await typeKeys(stdin, 'purge', KEY.enter);
    await waitForFrame(lastFrame, /purged 1 run/);
    assert.ok(!existsSync(join(home, 'trash', 'runs', '5cc3ae6b0fe44a25a83c9eaa6a0a3a45')));
  });

  test('L sets a label through a prompt', async () => {
    const home = copyFixtureHome();
    const { lastFrame, stdin } = open(home);
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, `/${BEST}`, KEY.enter, 'L');
    await waitForFrame(lastFrame, /Label for 4cad94ad/);
    await typeKeys(stdin, '\u0015', 'great run', KEY.enter);
    const dir = join(home, 'runs', `${BEST}746246858852b7eb8736ac22`);
    await waitFor(() => readFileSync(join(dir, '.guild', 'attrs', 'label'), 'utf8') === 'great run\n', 3000, 'the label on disk');
    // the table row shows it once re-read; the prompt is gone by then
    const f = await waitForFrame(lastFrame, new RegExp(`${BEST} .*great run`));
    assert.doesNotMatch(f, /Label for/);
    assert.doesNotMatch(f, /best run/);
  });

  test('a status message goes after a while; the key hints stay meanwhile', async () => {
    const home = copyFixtureHome();
    const { lastFrame, stdin } = render(
      <App home={home} readonly={false} projectDir={home} size={{ columns: 80, rows: 24 }} feed={FEED} env={{}} messageMs={400} />,
    );
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, ':', 'foo', KEY.enter);
    let f = await waitForFrame(lastFrame, /! unknown command 'foo'/);
    assert.match(f, /Enter open +Space mark.* \? help q quit$/m, 'every hint, at 80 columns too');
    f = await waitForFrame(lastFrame, /^(?![^]*unknown command)[^]*20\/20 runs/, 5000);
    assert.match(f, /Enter open +Space mark/);
  });
});

describe('dashboard: run detail', () => {
  test('Enter opens the overview; tabs show flags, scalars with a plot, output, files', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome(), { columns: 120, rows: 40 });
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, `/${BEST}`, KEY.enter, KEY.enter);
    let f = await waitForFrame(lastFrame, /1 overview/);
    assert.match(f, /label +best run/);
    assert.match(f, /first comment/);
    await waitForFrame(lastFrame, /command +\/home\/alice\/\.venv\/bin\/python -um guild\.op_main train/);
    await typeKeys(stdin, '2');
    f = await waitForFrame(lastFrame, /lr +0\.3/);
    await typeKeys(stdin, '3');
    // the first scalar that is not epoch/step, by step; L logs it; k selects epoch
    f = await waitForFrame(lastFrame, /loss: 3 points  y:linear  x:step/);
    assert.match(f, /[┼┤]/, 'an asciichart plot');
    await typeKeys(stdin, 'L');
    f = await waitForFrame(lastFrame, /loss: 3 points  y:log/);
    await typeKeys(stdin, 'k');
    await waitForFrame(lastFrame, /epoch: 3 points/);
    await typeKeys(stdin, '4');
    f = await waitForFrame(lastFrame, /status: done/);
    await typeKeys(stdin, '5');
    f = await waitForFrame(lastFrame, /\d+  train\.py/);
    await typeKeys(stdin, KEY.enter);
    f = await waitForFrame(lastFrame, /4cad94ad: train\.py/);
    await typeKeys(stdin, KEY.esc);
    await waitForFrame(lastFrame, /5 files/);
    await typeKeys(stdin, KEY.esc);
    await waitForFrame(lastFrame, /1\/20 runs/);
  });

  test('stderr lines are marked in the output', async () => {
    const { lastFrame, stdin } = open(copyFixtureHome());
    await waitForFrame(lastFrame, /20\/20 runs/);
    await typeKeys(stdin, '/c0c40c66', KEY.enter, KEY.enter, '4');
    const f = await waitForFrame(lastFrame, /boom: simulated failure/);
    assert.match(f, /▌boom: simulated failure/);
  });
});

describe('dashboard: attach', () => {
  test('live output follows; scrolling up stops following; G follows again; \\r progress collapses', async () => {
    const home = emptyHome();
    const dir = join(home, 'runs', 'live0000' + '0'.repeat(24));
    mkdirSync(join(dir, '.guild', 'attrs'), { recursive: true });
    writeFileSync(join(dir, '.guild', 'opref'), "script:/tmp '' '' print.py");
    writeFileSync(join(dir, '.guild', 'attrs', 'started'), `${Date.now() * 1000}\n`);
    // this process as the run's supervisor: the run shows running
    writeProcessRecord(dir, { version: 1, executor: 'local', host: hostName(), bootId: bootId(), supervisor: selfProcess() });
    const out = new OutputWriter(join(dir, '.guild'));
    try {
      out.write(0, Buffer.from(Array.from({ length: 40 }, (_, i) => `line ${i}\n`).join('')));
      out.write(1, Buffer.from('warn: something\n'));
      out.write(0, Buffer.from('progress 10%\rprogress 50%\rprogress 100%\n'));
      const { lastFrame, stdin } = open(home, { rows: 20 });
      await waitForFrame(lastFrame, /▶ running/);
      await typeKeys(stdin, 'w');
      let f = await waitForFrame(lastFrame, /attached to live0000.*FOLLOW[^]*progress 100%/);
      assert.match(f, /▌warn: something/);
      assert.match(f, /^ progress 100%$/m);
      assert.doesNotMatch(f, /progress 10%/);
      await typeKeys(stdin, KEY.up);
      f = await waitForFrame(lastFrame, /attached to live0000 print\.py +▶ running +42 lines\s*\n/);
      out.write(0, Buffer.from('fresh line\n'));
      f = await waitForFrame(lastFrame, /running +43 lines/);
      assert.doesNotMatch(f, /fresh line/, 'not following: the new line stays below');
      await typeKeys(stdin, 'G');
      await waitForFrame(lastFrame, /FOLLOW[^]*fresh line/);
    } finally {
      out.close();
    }
  });
});

describe('dashboard: launch', () => {
  test('r picks an operation, validates flags as typed, previews and starts the run', async () => {
    const project = tempDir('grun-proj-');
    writeFileSync(join(project, 'guild.yml'), 'hello:\n  main: hello\n  flags:\n    n:\n      default: 2\n      type: int\n');
    writeFileSync(join(project, 'hello.py'), 'n = 2\nprint("hello", n)\n');
    const home = emptyHome();
    const { lastFrame, stdin } = open(home, { projectDir: project });
    await waitForFrame(lastFrame, /0\/0 runs/);
    await typeKeys(stdin, 'r');
    await waitForFrame(lastFrame, /hello +guildfile/);
    await typeKeys(stdin, KEY.enter);
    await waitForFrame(lastFrame, /n += 2/, 10_000);
    await typeKeys(stdin, 'x');
    await waitForFrame(lastFrame, /invalid value for type 'int'/);
    await typeKeys(stdin, KEY.backspace, KEY.backspace, '3');
    await waitForFrame(lastFrame, /n += 3/);
    await typeKeys(stdin, KEY.enter);
    await waitForFrame(lastFrame, /flag +n=3/, 10_000);
    await typeKeys(stdin, KEY.enter);
    const f = await waitForFrame(lastFrame, /started [0-9a-f]{8} hello/, 15_000);
    const id = /started ([0-9a-f]{8}) hello/.exec(f)![1]!;
    const runs = readdirSync(join(home, 'runs'));
    assert.equal(runs.length, 1);
    assert.ok(runs[0]!.startsWith(id));
    assert.match(readFileSync(join(home, 'runs', runs[0]!, '.guild', 'attrs', 'flags'), 'utf8'), /^'n': 3$/m);
    await waitForFrame(lastFrame, new RegExp(`${id} hello[^]*1/1 runs`), 10_000);
  });

  test('the form says how to preview and start; the hints stay on screen', async () => {
    const project = tempDir('grun-proj-');
    writeFileSync(join(project, 'guild.yml'), 'hello:\n  main: hello\n  flags:\n    n:\n      default: 2\n      type: int\n');
    writeFileSync(join(project, 'hello.py'), 'n = 2\nprint("hello", n)\n');
    const { lastFrame, stdin } = open(emptyHome(), { projectDir: project, columns: 80, rows: 24 });
    await waitForFrame(lastFrame, /0\/0 runs/);
    await typeKeys(stdin, 'r');
    let f = await waitForFrame(lastFrame, /hello +guildfile/);
    assert.match(f, /Enter next step +Esc back +\? help/);
    await typeKeys(stdin, KEY.enter);
    f = await waitForFrame(lastFrame, /n += 2/, 10_000);
    assert.match(f, /Enter to preview the run/);
    assert.match(f, /Enter next step +Esc back +\? help/);
  });
});

describe('theme', () => {
  test('NO_COLOR drops colours; status glyphs stay', () => {
    assert.equal(makeTheme({ NO_COLOR: '1' }).c('red'), undefined);
    assert.equal(makeTheme({ NO_COLOR: '' }).c('red'), 'red');
    assert.equal(makeTheme({}).c('red'), 'red');
  });
});
