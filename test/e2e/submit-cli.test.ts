import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { geoiProject, SEED_EXAMPLE } from './sweep-helpers.js';
import { tempDir } from '../helpers/home.js';
import { grun } from './engine-helpers.js';

const runsOf = (home: string): string[] => (existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : []);
const attrText = (dir: string, name: string): string => readFileSync(join(dir, '.guild/attrs', name), 'utf8');

describe('grun submit (CLI)', () => {
  test("the seed document's example: one parent and 36 children laid out as a Guild batch", async () => {
    const cwd = geoiProject();
    writeFileSync(join(cwd, 'run.json'), SEED_EXAMPLE);
    const home = tempDir('grun-submit-home-');
    const r = await grun(['submit', 'run.json', '-y', '--stage'], { cwd, home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/^Created run [0-9a-f]{32}$/gm)?.length, 37);
    assert.match(r.stdout, /^Created 37 runs successfully$/m);
    const ids = runsOf(home);
    assert.equal(ids.length, 37);
    const parents = ids.filter((id) => existsSync(join(home, 'runs', id, '.guild/proto/.guild/opref')));
    assert.equal(parents.length, 1);
    const parent = join(home, 'runs', parents[0]!);
    const links = readdirSync(parent).filter((n) => n !== '.guild');
    assert.equal(links.length, 36);
    for (const l of links) assert.equal(readlinkSync(join(parent, l)), `../${l}`);
    assert.equal(readFileSync(join(parent, '.guild/proto/.guild/opref'), 'utf8').split(' ').pop(), 'geoi');
    const list = await grun(['runs', '--all'], { cwd, home });
    // The parent's status is its children's, aggregated: all 36 wait, so it is staged too.
    assert.match(list.stdout, /geoi\+\s.*\sstaged\s+Geo-I sweep/);
    assert.equal(list.stdout.match(/\bstaged\b/g)?.length, 37);
  });

  test('every validation error at once, with its path; exit 2 and no run created', async () => {
    const cwd = geoiProject();
    const bad = { workflow: 'geoi', repeat: 0, colour: 'red', params: { epsilon: { from: 1, to: 2, step: 0 }, uri: 3, foo: 1 } };
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify(bad));
    const home = tempDir('grun-submit-home-');
    const r = await grun(['submit', 'bad.json', '-y'], { cwd, home });
    assert.equal(r.code, 2);
    for (const line of [/colour: unknown field/, /repeat: must be an integer >= 1/, /params\.epsilon\.step: step must not be 0/, /params\.uri: expected a string, got 3/, /params\.foo: unknown flag of geoi/]) {
      assert.match(r.stderr, line);
    }
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    const unknown = await grun(['submit', '{"workflow": "nope"}', '-y'], { cwd, home });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /workflow: unknown operation 'nope'/);
    assert.deepEqual(runsOf(home), []);
  });

  test("an operation with params and Accio's single-dash flags; -y is needed without a terminal", async () => {
    const cwd = geoiProject();
    const home = tempDir('grun-submit-home-');
    const args = ['submit', 'geoi', 'epsilon=0.5', 'uri=/data/d', '-name=two', '-repeat=2', '-tags=a,b', '-seed=42', '-notes', 'n1', '--stage'];
    const noYes = await grun(args, { cwd, home });
    assert.notEqual(noYes.code, 0);
    assert.match(noYes.stderr, /add -y\/--yes/);
    assert.deepEqual(runsOf(home), []);
    const r = await grun([...args, '-y'], { cwd, home });
    assert.equal(r.code, 0, r.stderr);
    const parentId = /^Created run ([0-9a-f]{32})$/m.exec(r.stdout)![1]!;
    const parent = join(home, 'runs', parentId);
    assert.deepEqual(
      ['label', 'tags', 'notes', 'random_seed'].map((a) => attrText(parent, a)),
      ['two\n', '- a\n- b\n', 'n1\n', '42\n'],
    );
    assert.equal(runsOf(home).length, 3);
  });
});

describe('editing a sweep child: Accio submission vs Guild batch', () => {
  const childrenOf = (home: string): string[] => runsOf(home).filter((id) => existsSync(join(home, 'runs', id, '.guild/grun-parent')));
  const parentOf = (home: string, child: string): string => readFileSync(join(home, 'runs', child, '.guild/grun-parent'), 'utf8').trim();
  const hasAttr = (home: string, id: string, name: string): boolean => existsSync(join(home, 'runs', id, '.guild/attrs', name));

  test("label, tag and comment of a grun submit child edit its parent; -Ft then matches what Guild's files say", async () => {
    const cwd = geoiProject();
    const home = tempDir('grun-submit-home-');
    const made = await grun(['submit', 'geoi', 'epsilon=0.5', 'uri=/d', '-name=two', '-repeat=2', '-tags=a,b', '-y', '--stage'], { cwd, home });
    assert.equal(made.code, 0, made.stderr);
    const [child, other] = childrenOf(home);
    const parent = parentOf(home, child!);
    for (const args of [['label', '-y', '-s', 'renamed'], ['tag', '-y', '-a', 't1'], ['comment', '-y', '-a', 'hello']]) {
      // Guild's comment user is $USER or '' (no password database lookup)
      const r = await grun([...args, child!.slice(0, 8)], { cwd, home, env: { USER: '', LOGNAME: '' } });
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(attrText(join(home, 'runs', parent), 'label'), 'renamed\n');
    assert.equal(attrText(join(home, 'runs', parent), 'tags'), '- a\n- b\n- t1\n');
    assert.match(attrText(join(home, 'runs', parent), 'comments'), /^- body: hello\n {2}host: .+\n {2}time: \d{16}\n {2}user: ''\n$/);
    for (const id of [child!, other!]) {
      assert.ok(!hasAttr(home, id, 'tags') && !hasAttr(home, id, 'label') && !hasAttr(home, id, 'comments'), 'the children keep no metadata');
    }
    assert.match((await grun(['comment', '-l', child!.slice(0, 8)], { cwd, home })).stdout, /\[1\] @\S+ [^\n]+\n\n {2}hello\n/);
    // runs info lists the child's own tags (none), its parent's metadata beside them
    const info = await grun(['runs', 'info', child!.slice(0, 8)], { cwd, home });
    assert.match(info.stdout, /^parent: [0-9a-f]{32}\nname: renamed\nparent-tags:\n {2}- a\n {2}- b\n {2}- t1\ntags:\n(?! {2}-)/m);
    const tagged = await grun(['runs', '--all', '-Ft', 't1'], { cwd, home });
    assert.deepEqual(tagged.stdout.match(/\[\d+:([0-9a-f]{8})\]/g)?.map((s) => s.slice(-9, -1)), [parent.slice(0, 8)]);
  });

  test('a trial of a Guild batch keeps its own label and tags; the help says which is which', async () => {
    const cwd = geoiProject();
    const home = tempDir('grun-submit-home-');
    const made = await grun(['run', 'train', 'lr=[0.1,0.2]', '--stage-trials', '-y'], { cwd, home });
    assert.equal(made.code, 0, made.stderr);
    // as Guild says it: each trial staged, with its flags
    assert.match(made.stdout, /^INFO: \[grun\] Staging trial [0-9a-f]{32}: train \(epochs=1, lr=0\.1\)\nINFO: \[grun\] Staging trial [0-9a-f]{32}: train \(epochs=1, lr=0\.2\)\n$/);
    const [trial] = childrenOf(home);
    const parent = parentOf(home, trial!);
    const parentLabel = (): string | null => (hasAttr(home, parent, 'label') ? attrText(join(home, 'runs', parent), 'label') : null);
    const labelBefore = parentLabel();
    for (const args of [['label', '-y', '-s', 'own'], ['tag', '-y', '-a', 'mine']]) {
      const r = await grun([...args, trial!.slice(0, 8)], { cwd, home });
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(attrText(join(home, 'runs', trial!), 'label'), 'own\n');
    assert.equal(attrText(join(home, 'runs', trial!), 'tags'), '- mine\n');
    assert.equal(parentLabel(), labelBefore);
    assert.ok(!hasAttr(home, parent, 'tags'));
    for (const cmd of ['label', 'tag', 'comment']) {
      const help = (await grun([cmd, '--help'], { cwd, home })).stdout.replace(/\s+/g, ' ');
      assert.match(help, /A child of a 'grun submit' sweep .* editing it edits its parent/);
      assert.match(help, /A trial of a Guild batch .* keeps its own/);
    }
  });
});
