// The summary cache trusts settled runs until it shows them (store/index.ts `RunList`): each
// way a run changes outside this grun must still show in the next `grun runs`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeAttr } from '../../src/store/attrs.js';
import { roundSize } from '../../src/store/index.js';
import { EventFileWriter } from '../../src/store/tfevents.js';
import { copyFixtureHome, emptyHome } from '../helpers/home.js';
import { cloneRun, grun, listedShortIds, ok } from './cli-helpers.js';

const NEWEST = 'e1cf955019fc498ba318ae5d147456c2';
const STAGED = '2f7d9daee98b42afb1536b1bb36b46e1';
const UNLABELED = '5b543c898ff2499a94e8af9b3028f8e2';

/** Writes an attr as Guild does: in place, so the attrs directory's mtime does not move. */
function guildWriteAttr(runDir: string, name: string, text: string): void {
  const attrs = join(runDir, '.guild', 'attrs');
  const st = statSync(attrs);
  writeFileSync(join(attrs, name), text);
  utimesSync(attrs, st.atime, st.mtime);
}

/** The listing line of a run (by its short id). */
const lineOf = (out: string, id: string): string => out.split('\n').find((l) => l.includes(`:${id.slice(0, 8)}]`)) ?? '';

describe('a warm summary cache shows every change to a run', () => {
  test('in-place rewrite, new attr, finished, deleted and restored, new run, another grun', () => {
    const home = copyFixtureHome();
    const runs = join(home, 'runs');
    // More runs than one page and than the slow round re-checks, so that some are not re-checked.
    cloneRun(home, NEWEST, Array.from({ length: 280 }, (_, i) => `c1${String(i).padStart(6, '0')}${'0'.repeat(24)}`));
    ok(home, ['runs', '-n', '400']); // fills the cache
    ok(home, ['runs']);

    // Guild rewrites an attr in place (`guild label`).
    guildWriteAttr(join(runs, NEWEST), 'label', 'relabelled in place\n');
    // A new attr file (`guild label` on a run without one).
    writeFileSync(join(runs, UNLABELED, '.guild', 'attrs', 'label'), 'a brand new label\n');
    // A run finishes (its supervisor writes exit_status and stopped; the marker goes).
    writeFileSync(join(runs, STAGED, '.guild', 'attrs', 'exit_status'), '0\n');
    writeFileSync(join(runs, STAGED, '.guild', 'attrs', 'stopped'), '1795344700000000\n');
    rmSync(join(runs, STAGED, '.guild', 'STAGED'));
    let out = ok(home, ['runs', '-n', '400']);
    assert.match(lineOf(out, NEWEST), /relabelled in place/);
    assert.match(lineOf(out, UNLABELED), /a brand new label/);
    assert.match(lineOf(out, STAGED), /completed/);

    // Deleted (moved to the trash, as `guild runs rm` does), then restored.
    mkdirSync(join(home, 'trash', 'runs'), { recursive: true });
    renameSync(join(runs, UNLABELED), join(home, 'trash', 'runs', UNLABELED));
    out = ok(home, ['runs', '-n', '400']);
    assert.equal(lineOf(out, UNLABELED), '');
    assert.equal(listedShortIds(out).length, 299);
    renameSync(join(home, 'trash', 'runs', UNLABELED), join(runs, UNLABELED));
    out = ok(home, ['runs', '-n', '400']);
    assert.match(lineOf(out, UNLABELED), /a brand new label/);

    // A new run, the newest of all.
    const fresh = 'f4e5000000000000000000000000beef';
    cloneRun(home, NEWEST, [fresh]);
    writeFileSync(join(runs, fresh, '.guild', 'attrs', 'started'), '1899999999000000\n');
    out = ok(home, ['runs']);
    assert.equal(listedShortIds(out)[0], fresh.slice(0, 8));

    // Another grun changes a run the next listing neither shows nor re-checks in its slow round
    // (the next roundSize runs in the listing's order from the saved cursor, give or take the
    // one the change moves): its writes announce it, so it moves to the top at once.
    const listing = ok(home, ['runs', '-n', '400']).split('\n');
    const order = listedShortIds(listing.join('\n'));
    const cursor = (JSON.parse(readFileSync(join(home, 'cache', 'grun', 'summaries.cursor'), 'utf8')) as Record<string, number>)['runs/']!;
    const window = new Set(Array.from({ length: roundSize(order.length) + 2 }, (_, i) => order[(cursor - 1 + i + order.length) % order.length]));
    const shown = new Set(order.slice(0, 20));
    const quiet = listedShortIds(listing.filter((l) => / completed/.test(l)).join('\n')).filter((s) => !shown.has(s) && !window.has(s));
    const oldDir = join(runs, readdirSync(runs).find((id) => quiet.includes(id.slice(0, 8)))!);
    const oldest = basename(oldDir).slice(0, 8);
    writeAttr(oldDir, 'started', 1999999999000000);
    writeAttr(oldDir, 'exit_status', 0);
    out = ok(home, ['runs']);
    assert.equal(listedShortIds(out)[0], oldest);
  });

  test('a cold listing reads whole only what it shows; the runs it places are read when shown', () => {
    const home = copyFixtureHome();
    const clones = Array.from({ length: 300 }, (_, i) => `c2${String(i).padStart(6, '0')}${'0'.repeat(24)}`);
    cloneRun(home, NEWEST, clones);
    // each clone a minute apart, so that the order comes from the start times alone
    clones.forEach((id, i) => writeFileSync(join(home, 'runs', id, '.guild', 'attrs', 'started'), `${1800000000000000 + i * 60_000_000}\n`));
    const all = listedShortIds(ok(home, ['runs', '-a']));
    rmSync(join(home, 'cache'), { recursive: true, force: true });
    const top = listedShortIds(ok(home, ['runs']));
    assert.deepEqual(top, all.slice(0, 20));
    const probes = (): string[] => readFileSync(join(home, 'cache', 'grun', 'summaries.tsv'), 'utf8').split('\n').slice(1, -1).map((l) => l.split('\t')[2]!);
    const placedCount = (): number => probes().filter((p) => p === 'p').length;
    assert.equal(placedCount(), probes().length - 20, 'runs not shown are only placed');
    // The slow round re-reads a placed run's start time, not the whole run: listings that go
    // round every run keep them placed, and see one whose start time moved.
    const moved = clones[5]!;
    writeFileSync(join(home, 'runs', moved, '.guild', 'attrs', 'started'), '1899999999000000\n');
    for (let i = 0; i * roundSize(probes().length) < probes().length; i++) ok(home, ['runs']);
    assert.equal(placedCount(), probes().length - 21, 'still placed, but the run moved to the top and was shown');
    assert.equal(listedShortIds(ok(home, ['runs']))[0], moved.slice(0, 8));
    all.splice(all.indexOf(moved.slice(0, 8)), 1);
    all.unshift(moved.slice(0, 8));
    // A placed run changed before it is shown: read whole when it is.
    const placed = clones[0]!;
    writeFileSync(join(home, 'runs', placed, '.guild', 'attrs', 'label'), 'labelled while placed\n');
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-a', '--label', 'while placed'])), [placed.slice(0, 8)]);
    const out = ok(home, ['runs', '-a']);
    assert.deepEqual(listedShortIds(out), all);
    assert.match(lineOf(out, placed), /labelled while placed/);
  });

  test('a run made in place of a directory that was not one yet, once runs/ is trusted unread', async () => {
    const home = copyFixtureHome();
    const runs = join(home, 'runs');
    // A run being made: its directory is there, its opref not yet.
    const making = 'a0b1000000000000000000000000cafe';
    mkdirSync(join(runs, making, '.guild', 'attrs'), { recursive: true });
    // runs/ is only trusted unread once its ctime is older than the coarsest timestamp tick.
    while (Date.now() - statSync(runs).ctimeMs <= 2000) await new Promise((r) => setImmediate(r));
    const before = listedShortIds(ok(home, ['runs', '-a']));
    assert.ok(!before.includes(making.slice(0, 8)));
    const header = readFileSync(join(home, 'cache', 'grun', 'summaries.tsv'), 'utf8').split('\n')[0]!;
    assert.match(header, new RegExp(`"runs/":\\{"stat":"[^"]+","recheck":\\["${making}"\\]`));
    // The run is made inside its directory: runs/ itself does not change.
    const ctime = statSync(runs).ctimeMs;
    cpSync(join(runs, NEWEST, '.guild'), join(runs, making, '.guild'), { recursive: true });
    writeFileSync(join(runs, making, '.guild', 'attrs', 'started'), '1899999999000000\n');
    assert.equal(statSync(runs).ctimeMs, ctime);
    assert.equal(listedShortIds(ok(home, ['runs']))[0], making.slice(0, 8));
    assert.equal(listedShortIds(ok(home, ['runs', '-a'])).length, before.length + 1);
  });

  test('an exit status rewritten in place, to one of the same size, shows at once', () => {
    const home = emptyHome();
    const cwd = mkdtempSync(join(tmpdir(), 'grun-proj-'));
    writeFileSync(join(cwd, 'op.py'), 'pass\n');
    ok(home, ['run', 'op.py', '--run-id', 'aaa', '-y'], { cwd });
    assert.match(ok(home, ['runs']), / completed/);
    guildWriteAttr(join(home, 'runs', 'aaa'), 'exit_status', '-9');
    assert.match(ok(home, ['runs']), / terminated/);
    guildWriteAttr(join(home, 'runs', 'aaa'), 'exit_status', '1');
    assert.match(ok(home, ['runs']), / error/);
  });

  test('a filter on a scalar sees a value appended to an event file in place', () => {
    const home = copyFixtureHome();
    const guild = join(home, 'runs', NEWEST, '.guild');
    const low = (): string[] => listedShortIds(ok(home, ['runs', '-a', '-F', 'loss < 0.001']));
    assert.deepEqual(low(), []);
    assert.deepEqual(low(), [], 'the second filter reads the values its cache line keeps');
    assert.match(readFileSync(join(home, 'cache', 'grun', 'summaries.values'), 'utf8'), new RegExp(`runs/${NEWEST}\t.*"loss"`));
    // The run's event file grows in place: no directory it lives in changes its mtime.
    const events = join(guild, readdirSync(guild).find((f) => /tfevents.*\.0$/.test(f))!);
    const w = new EventFileWriter(mkdtempSync(join(tmpdir(), 'grun-events-')));
    w.addScalar('loss', 0.0005, 9);
    w.close();
    const st = statSync(guild);
    appendFileSync(events, readFileSync(w.path!));
    utimesSync(guild, st.atime, st.mtime);
    assert.deepEqual(low(), [NEWEST.slice(0, 8)]);
  });

  test('a filtered listing re-checks what the cache says it keeps', () => {
    const home = copyFixtureHome();
    cloneRun(home, NEWEST, Array.from({ length: 280 }, (_, i) => `c1${String(i).padStart(6, '0')}${'0'.repeat(24)}`));
    const kept = (): string[] => listedShortIds(ok(home, ['runs', '-a', '-Fl', 'lr=0.05']));
    const before = kept();
    assert.ok(before.includes(NEWEST.slice(0, 8)) && before.length > 200);
    // Guild relabels a kept run in place: the cache still says it matches; the listing must not.
    guildWriteAttr(join(home, 'runs', NEWEST), 'label', 'relabelled in place\n');
    assert.deepEqual(kept(), before.filter((id) => id !== NEWEST.slice(0, 8)));
  });

  test("a filtered page: rows its re-check drops are made up from the rows after them, and the total counts without them", () => {
    const home = copyFixtureHome();
    cloneRun(home, NEWEST, Array.from({ length: 60 }, (_, i) => `c1${String(i).padStart(6, '0')}${'0'.repeat(24)}`));
    const every = listedShortIds(ok(home, ['runs', '-a', '-Fl', 'lr=0.05']));
    assert.ok(every.length > 40);
    // The first rows of the page no longer match, though the cache says they do.
    const dropped = every.slice(0, 3);
    const ids = readdirSync(join(home, 'runs'));
    for (const short of dropped) guildWriteAttr(join(home, 'runs', ids.find((id) => id.startsWith(short))!), 'label', 'relabelled in place\n');
    const rest = every.filter((id) => !dropped.includes(id));
    const page = grun(home, ['runs', '-Fl', 'lr=0.05']);
    assert.equal(page.code, 0, page.err);
    assert.deepEqual(listedShortIds(page.out), rest.slice(0, 20));
    assert.match(page.err, new RegExp(`Showing the first 20 runs \\(${rest.length} total\\)`));
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-n', '30', '-Fl', 'lr=0.05'])), rest.slice(0, 30));
    assert.deepEqual(listedShortIds(ok(home, ['runs', '-a', '-Fl', 'lr=0.05'])), rest);
  });
});
