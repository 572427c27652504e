import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Key } from 'ink';
import { appReducer, initialState, runsView, cursorRow, currentScreen, type AppState, type KeyContext } from '../../src/views/state/app.js';
import { NO_SCALARS } from '../../src/views/state/view.js';
import type { PromptDialog } from '../../src/views/state/prompt.js';
import { helpLines } from '../../src/views/HelpScreen.js';
import { runsKeymap, keyName, splitInput } from '../../src/views/keymap.js';
import { fakeRun } from './helpers.js';

const noKey: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false,
  hyper: false, capsLock: false, numLock: false,
} as Key;
const ctx: KeyContext = { scalars: NO_SCALARS, metrics: { count: 0, pageSize: 10 }, sortKeys: [], columns: { extras: [], maxScroll: 0 } };

function press(s: AppState, ...keys: (string | Partial<Key>)[]): AppState {
  for (const k of keys) {
    if (typeof k === 'string') {
      for (const [ch, key] of splitInput(k, noKey)) s = appReducer(s, { type: 'key', input: ch, key, ctx });
    } else s = appReducer(s, { type: 'key', input: '', key: { ...noKey, ...k }, ctx });
  }
  return s;
}

const runs = [
  fakeRun({ operation: 'train', status: 'running', label: 'lr=0.1' }),
  fakeRun({ operation: 'prepare' }),
  fakeRun({ operation: 'train', label: 'best' }),
  fakeRun({ operation: 'eval', status: 'error' }),
];
const loaded = (readonly = false): AppState => appReducer(initialState(readonly), { type: 'runs', runs, done: true });
const cursorId = (s: AppState) => runsView(s).rows[cursorRow(s.table, runsView(s))]!.run.id;

describe('app reducer', () => {
  test('a chunk with Enter in it is text then the Enter key', () => {
    const s = press(loaded(), '/best\r ');
    assert.equal(s.filter, 'best');
    assert.equal(s.draft, null);
    assert.equal(s.table.marks.size, 1);
  });

  test('Alt+key (Esc typed just before a key) is Esc then the key', () => {
    const pairs = splitInput('q', { ...noKey, meta: true });
    assert.deepEqual(pairs.map(([i, k]) => keyName(i, k)), ['esc', 'q']);
  });

  test('keys map to names', () => {
    assert.equal(keyName('', { ...noKey, downArrow: true }), 'down');
    assert.equal(keyName('c', { ...noKey, ctrl: true }), 'ctrl+c');
    assert.equal(keyName(' ', noKey), 'space');
    assert.equal(keyName('', { ...noKey, escape: true, meta: true }), 'esc');
  });

  test('navigation moves the cursor; the cursor follows its run across refreshes', () => {
    let s = press(loaded(), 'j', 'j');
    assert.equal(cursorId(s), runs[2]!.id);
    // a new run arrives at the top: the cursor stays on the same run
    s = appReducer(s, { type: 'runs', runs: [fakeRun({ operation: 'new' }), ...runs], done: true });
    assert.equal(cursorId(s), runs[2]!.id);
    s = press(s, 'G');
    assert.equal(cursorId(s), runs[3]!.id);
    s = press(s, 'g');
    assert.equal(runsView(s).rows[cursorRow(s.table, runsView(s))]!.run.operation, 'new');
  });

  test('Space marks and moves down; Esc clears marks; marks survive refreshes', () => {
    let s = press(loaded(), ' ', ' ');
    assert.deepEqual([...s.table.marks], [runs[0]!.id, runs[1]!.id]);
    s = appReducer(s, { type: 'runs', runs: [...runs].reverse(), done: true });
    assert.equal(s.table.marks.size, 2);
    s = press(s, { escape: true, meta: true });
    assert.equal(s.table.marks.size, 0);
  });

  test('filter typed in one chunk is live, Esc drops the draft, Enter keeps it', () => {
    let s = press(loaded(), '/trai');
    assert.equal(s.draft?.text, 'trai');
    assert.equal(runsView(s).rows.length, 2);
    s = press(s, { escape: true, meta: true });
    assert.equal(s.draft, null);
    assert.equal(s.filter, '');
    assert.equal(runsView(s).rows.length, 4);
    s = press(s, '/best', { return: true });
    assert.equal(s.filter, 'best');
    assert.equal(runsView(s).rows.length, 1);
    s = press(s, '/', { backspace: true }, { backspace: true }, { return: true });
    assert.equal(s.filter, 'be');
  });

  test('quick status filter cycles', () => {
    const s = press(loaded(), 'f');
    assert.equal(s.status, 'running');
    assert.deepEqual(runsView(s).rows.map((r) => r.run.id), [runs[0]!.id]);
  });

  test('s cycles the sort through the visible columns left to right, S reverses it', () => {
    // the columns an 80-column table shows: #, operation, status, a metric, label
    const shown: KeyContext = { ...ctx, sortKeys: ['started', 'operation', 'status', 'scalar:val_acc', 'label'] };
    const sortKey = (s: AppState, k: string) => appReducer(s, { type: 'key', input: k, key: k === 'S' ? { ...noKey, shift: true } : noKey, ctx: shown });
    let s = loaded();
    const seen: [string, boolean][] = [];
    for (let i = 0; i < 5; i++) {
      s = sortKey(s, 's');
      seen.push([s.sort.key, s.sort.desc]);
    }
    assert.deepEqual(seen, [
      ['operation', false], ['status', false], ['scalar:val_acc', true], ['label', false], ['started', true],
    ], 'no hidden column (executor, time, id); accuracy best first; back to the newest first');
    s = sortKey(sortKey(loaded(), 's'), 'S');
    assert.equal(s.sort.desc, true);
    assert.equal(runsView(s).rows[0]!.run.operation, 'train');
  });

  test('a metric sorts best first when its objective is known, else ascending', () => {
    const sortOf = (line: string) => press(loaded(), `:sort ${line}`, { return: true }).sort;
    assert.deepEqual(sortOf('loss'), { key: 'scalar:loss', desc: false });
    assert.deepEqual(sortOf('min val_loss'), { key: 'scalar:min val_loss', desc: false });
    assert.deepEqual(sortOf('acc'), { key: 'scalar:acc', desc: true });
    assert.deepEqual(sortOf('max val_accuracy'), { key: 'scalar:max val_accuracy', desc: true });
    assert.deepEqual(sortOf('epoch'), { key: 'scalar:epoch', desc: false });
    assert.deepEqual(sortOf('loss desc'), { key: 'scalar:loss', desc: true }, 'an explicit direction wins');
    assert.deepEqual(sortOf('started'), { key: 'started', desc: true });
  });

  test('text fields edit at a cursor: ← → Home End, Backspace before it, Delete under it', () => {
    const del = { delete: true };
    let s = press(loaded(), '/lrate');
    s = press(s, { leftArrow: true }, { leftArrow: true }, { leftArrow: true }, { backspace: true });
    assert.deepEqual(s.draft, { text: 'late', cursor: 1 });
    s = press(s, '_', { home: true }, del, { end: true }, 'X', { leftArrow: true }, del);
    assert.deepEqual(s.draft, { text: '_ate', cursor: 4 });
    s = press(s, { home: true }, 'l', { rightArrow: true }, { rightArrow: true });
    s = appReducer(s, { type: 'key', input: 'k', key: { ...noKey, ctrl: true }, ctx });
    assert.deepEqual(s.draft, { text: 'l_a', cursor: 3 }, 'Ctrl-K cuts from the cursor to the end');
    // the same editing in a prompt and in the launch form
    let p = press(loaded(), 'n', 'god', { leftArrow: true }, { leftArrow: true }, 'o');
    assert.deepEqual((p.dialog as PromptDialog).input, { text: 'good', cursor: 2 });
    p = press(loaded(), 'r');
    p = appReducer(p, { type: 'launchPatch', patch: { ops: [{ name: 'train', kind: 'guildfile', description: '', model: '', source: 'guild.yml' }], busy: false } });
    p = press(p, { return: true });
    p = appReducer(p, { type: 'launchPatch', patch: { step: 'form', defs: [{ name: 'lr', default: 0.1 }], values: ['0.1'], busy: false } });
    p = press(p, { home: true }, del, '2', { end: true }, '5');
    assert.deepEqual((currentScreen(p) as { values: string[] }).values, ['2.15']);
  });

  test('? opens help in every launch step', () => {
    let s = press(loaded(), 'r');
    s = appReducer(s, { type: 'launchPatch', patch: { ops: [{ name: 'train', kind: 'guildfile', description: '', model: '', source: 'guild.yml' }], busy: false } });
    assert.deepEqual(currentScreen(press(s, '?')), { kind: 'help', of: 'launch', scroll: 0 });
    s = press(s, { return: true });
    s = appReducer(s, { type: 'launchPatch', patch: { step: 'form', defs: [{ name: 'lr', default: 0.1 }], values: ['0.1'], busy: false } });
    const h = press(s, '?');
    assert.equal(currentScreen(h).kind, 'help');
    assert.deepEqual((currentScreen(press(h, { escape: true, meta: true })) as { values: string[] }).values, ['0.1'], 'not typed into the value');
  });

  test('a status message expires; a newer one is not cleared by the older one', () => {
    let s = press(loaded(), ':bogus', { return: true });
    const first = s.message!.seq;
    s = press(s, ':other', { return: true });
    s = appReducer(s, { type: 'expireMessage', seq: first });
    assert.match(s.message!.text, /unknown command 'other'/);
    s = appReducer(s, { type: 'expireMessage', seq: s.message!.seq });
    assert.equal(s.message, null);
  });

  test('delete asks first, naming the runs; running runs are stopped first', () => {
    let s = press(loaded(), 'd');
    assert.equal(s.dialog?.kind, 'confirm');
    assert.match(s.dialog!.kind === 'confirm' ? s.dialog!.title : '', /running: stop and delete 1 run/);
    assert.match((s.dialog as { lines: string[] }).lines[0]!, new RegExp(runs[0]!.id.slice(0, 8)));
    s = press(s, 'n');
    assert.equal(s.dialog, null);
    assert.equal(s.effects.length, 0);
    s = press(s, 'j', ' ', ' ', 'd', 'y');
    assert.deepEqual(s.effects.map((e) => e.effect), [{ kind: 'delete', ids: [runs[1]!.id, runs[2]!.id], stopFirst: false }]);
  });

  test('u undoes the last delete', () => {
    let s = appReducer(loaded(), { type: 'deleted', ids: ['x1'] });
    s = press(s, 'u');
    assert.deepEqual(s.effects.at(-1)!.effect, { kind: 'restore', ids: ['x1'], undo: true });
    s = press(s, 'u');
    assert.equal(s.message?.text, 'nothing to undo');
  });

  test('read-only disables every changing key and hides it from help', () => {
    let s = press(loaded(true), 'd', 'x', 'L', 't', 'n', 'm', 'r', 'u');
    assert.equal(s.dialog, null);
    assert.equal(s.effects.length, 0);
    assert.equal(currentScreen(s).kind, 'runs');
    assert.match(s.message?.text ?? '', /read-only/);
    const help = helpLines(runsKeymap, true).join('\n');
    assert.doesNotMatch(help, /delete the marked|stop the marked|set the label|add a comment/);
    assert.match(helpLines(runsKeymap, false).join('\n'), /delete the marked runs/);
  });

  test('label prompt edits text and queues the change', () => {
    let s = press(loaded(), 'L');
    assert.equal(s.dialog?.kind, 'prompt');
    assert.equal((s.dialog as PromptDialog).input.text, 'lr=0.1');
    s = press(s, { ctrl: true }, 'x');
    s = press(s, { return: true });
    assert.deepEqual(s.effects.at(-1)!.effect, { kind: 'label', ids: [runs[0]!.id], label: 'lr=0.1x' });
  });

  test('tags prompt: +add -remove', () => {
    const s = press(loaded(), 't', '+best -old new', { return: true });
    assert.deepEqual(s.effects.at(-1)!.effect, { kind: 'tags', ids: [runs[0]!.id], add: ['best', 'new'], remove: ['old'] });
  });

  test('command line: sort by a scalar adds its column; unknown commands say so', () => {
    let s = press(loaded(), ':sort min val_loss asc', { return: true });
    assert.deepEqual(s.sort, { key: 'scalar:min val_loss', desc: false });
    assert.deepEqual(s.columns, [{ kind: 'scalar', agg: 'min', key: 'val_loss' }]);
    s = press(s, ':bogus', { return: true });
    assert.match(s.message!.text, /unknown command 'bogus'/);
  });

  test('command line history: Up recalls older lines, Down newer ones, then an empty line', () => {
    let s = press(loaded(), ':sort id', { return: true }, ':filter lr', { return: true }, ':filter lr', { return: true });
    assert.deepEqual(s.history, ['sort id', 'filter lr'], 'a repeated line is kept once');
    const value = (x: AppState) => (x.dialog as PromptDialog).input.text;
    s = press(s, ':', { upArrow: true });
    assert.equal(value(s), 'filter lr');
    s = press(s, { upArrow: true }, { upArrow: true });
    assert.equal(value(s), 'sort id', 'stops at the oldest');
    s = press(s, { downArrow: true });
    assert.equal(value(s), 'filter lr');
    s = press(s, { downArrow: true });
    assert.equal(value(s), '');
    s = press(s, { upArrow: true, }, { upArrow: true }, { return: true });
    assert.deepEqual(s.sort, { key: 'id', desc: false }, 'a recalled line runs on Enter');
    assert.deepEqual(s.history, ['sort id', 'filter lr', 'sort id']);
  });

  test('launch: Tab in the preview picks where the run executes; Enter sends it there', () => {
    let s = press(loaded(), 'r');
    assert.deepEqual(s.effects.at(-1)!.effect, { kind: 'launchOps' });
    const targets = [{ id: '', label: 'here' }, { id: 'slurm', label: 'Slurm (--executor slurm)' }, { id: 'lab', label: 'lab (Slurm)' }];
    s = appReducer(s, { type: 'launchPatch', patch: { ops: [{ name: 'train', kind: 'guildfile', description: '', model: '', source: 'guild.yml' }], targets, busy: false } });
    s = press(s, { return: true });
    assert.deepEqual(s.effects.at(-1)!.effect, { kind: 'launchDefs', opspec: 'train' });
    s = appReducer(s, { type: 'launchPatch', patch: { step: 'form', defs: [{ name: 'lr', default: 0.1 }], values: ['0.1'], busy: false } });
    s = press(s, { return: true });
    s = appReducer(s, { type: 'launchPatch', patch: { step: 'preview', preview: ['operation  train'], busy: false } });
    s = press(s, { tab: true }, { tab: true }, { tab: true }, { tab: true });
    assert.equal((currentScreen(s) as { target: number }).target, 1, 'Tab cycles: here, Slurm, lab, here, Slurm');
    s = press(s, { tab: true, shift: true }, { tab: true, shift: true });
    assert.equal((currentScreen(s) as { target: number }).target, 2);
    s = press(s, { return: true });
    assert.deepEqual(s.effects.at(-1)!.effect, { kind: 'launchStart', opspec: 'train', flagArgs: [], target: 'lab' });
  });

  test('Enter opens the detail, tabs switch, Esc goes back; ? opens help for the screen', () => {
    let s = press(loaded(), { return: true });
    assert.equal(currentScreen(s).kind, 'detail');
    s = press(s, '4');
    assert.equal((currentScreen(s) as { tab: string }).tab, 'output');
    s = press(s, '?');
    assert.deepEqual(currentScreen(s), { kind: 'help', of: 'detail', scroll: 0 });
    s = press(s, { escape: true, meta: true }, { escape: true, meta: true });
    assert.equal(currentScreen(s).kind, 'runs');
  });

  test('output follow: scrolling up leaves follow mode, End/G turns it back on', () => {
    const c: KeyContext = { ...ctx, metrics: { count: 100, pageSize: 10 } };
    let s = press(loaded(), { return: true }, '4');
    s = appReducer(s, { type: 'key', input: '', key: { ...noKey, upArrow: true }, ctx: c });
    assert.deepEqual({ ...currentScreen(s) }, { ...currentScreen(s), follow: false, scroll: 89 });
    s = appReducer(s, { type: 'key', input: 'G', key: { ...noKey, shift: true }, ctx: c });
    assert.equal((currentScreen(s) as { follow: boolean }).follow, true);
  });

  test('q and Ctrl-C quit; Ctrl-C in a dialog only cancels it', () => {
    assert.equal(press(loaded(), 'q').effects.at(-1)!.effect.kind, 'quit');
    const s = press(loaded(), 'd', { ctrl: true });
    assert.equal(s.dialog?.kind, 'confirm'); // ctrl with no input is not ctrl+c
    const t = appReducer(s, { type: 'key', input: 'c', key: { ...noKey, ctrl: true }, ctx });
    assert.equal(t.dialog, null);
    assert.equal(t.effects.length, 0);
  });

  test('purge asks to type the word', () => {
    const trash = [fakeRun({ deleted: true })];
    let s = appReducer(loaded(), { type: 'trash', runs: trash });
    s = press(s, 'T', 'P');
    assert.equal(s.dialog?.kind, 'typed');
    s = press(s, 'purg', { return: true });
    assert.equal(s.effects.length, 0);
    s = press(s, 'e', { return: true });
    assert.deepEqual(s.effects.at(-1)!.effect, { kind: 'purge', ids: [trash[0]!.id] });
  });
});

describe('columns: flags, the chooser, sideways scroll', () => {
  const sweep = [
    fakeRun({ flags: { lr: 0.001, optimizer: 'adam', epochs: 10 } }),
    fakeRun({ flags: { lr: 0.1, optimizer: 'sgd', epochs: 10 } }),
  ];
  const withFlags = (): AppState => appReducer(initialState(false), { type: 'runs', runs: sweep, done: true });

  test(':cols takes flags (=lr), attributes (.host) and scalars; a bad one is named', () => {
    let s = press(withFlags(), ':cols =lr,optimizer,.host, min loss', { return: true });
    assert.deepEqual(s.columns, [
      { kind: 'flag', name: 'lr' }, { kind: 'scalar', agg: 'last', key: 'optimizer' }, { kind: 'attr', name: 'host' },
      { kind: 'scalar', agg: 'min', key: 'loss' },
    ]);
    s = press(s, ':cols =lr,.nope', { return: true });
    assert.match(s.message!.text, /'\.nope' is not a column/);
    assert.equal(s.columns?.length, 4, 'unchanged');
    s = press(s, ':sort =lr desc', { return: true });
    assert.deepEqual(s.sort, { key: 'flag:lr', desc: true });
  });

  test('C lists every flag, attribute and scalar with a checkbox; Space toggles; Enter closes', () => {
    const scalars = { version: 1, get: () => [{ prefix: '.guild', tag: 'loss', first: 1, firstStep: 0, last: 1, lastStep: 0, min: 1, minStep: 0, max: 1, maxStep: 0, avg: 1, total: 1, count: 1 }] };
    const c: KeyContext = { ...ctx, scalars, columns: { extras: [{ kind: 'scalar', agg: 'last', key: 'loss' }], maxScroll: 0 } };
    let s = appReducer(withFlags(), { type: 'key', input: 'C', key: { ...noKey, shift: true }, ctx: c });
    assert.equal(s.dialog?.kind, 'columns');
    const items = s.dialog?.kind === 'columns' ? s.dialog.items : [];
    assert.deepEqual(items.map((i) => (i.kind === 'scalar' ? i.key : `${i.kind}:${i.name}`)), ['flag:epochs', 'flag:lr', 'flag:optimizer', 'attr:exit_status', 'loss']);
    const key = (name: string, k: Partial<Key> = {}) => (s = appReducer(s, { type: 'key', input: name, key: { ...noKey, ...k }, ctx: c }));
    key('j');
    key(' ');
    assert.deepEqual(s.columns, [{ kind: 'scalar', agg: 'last', key: 'loss' }, { kind: 'flag', name: 'lr' }], 'the automatic columns, and lr');
    key('G');
    key(' ');
    assert.deepEqual(s.columns, [{ kind: 'flag', name: 'lr' }], 'loss unchecked');
    key('', { return: true });
    assert.equal(s.dialog, null);
  });

  test('→/l and ←/h scroll one column at a time within what the layout allows, keys in one chunk too', () => {
    const c: KeyContext = { ...ctx, columns: { extras: [], maxScroll: 2 } };
    const key = (st: AppState, input: string, k: Partial<Key> = {}) => appReducer(st, { type: 'key', input, key: { ...noKey, ...k }, ctx: c });
    let s = key(withFlags(), '', { rightArrow: true });
    assert.equal(s.hscroll, 1);
    s = key(key(s, 'l'), 'l');
    assert.equal(s.hscroll, 2, 'no further than the last column (the same layout read for each key)');
    s = key(key(s, 'h'), '', { leftArrow: true });
    assert.equal(s.hscroll, 0);
    s = key(s, 'h');
    assert.equal(s.hscroll, 0);
  });

  test('R opens the launch form to be filled from the cursor run; Esc from that form goes back to the runs', () => {
    let s = press(loaded(), 'j', 'R');
    assert.equal(currentScreen(s).kind, 'launch');
    assert.deepEqual(s.effects.at(-1)!.effect, { kind: 'launchFrom', id: runs[1]!.id, restart: false });
    assert.deepEqual(press(loaded(), 'e').effects.at(-1)!.effect, { kind: 'launchFrom', id: runs[0]!.id, restart: true });
    s = appReducer(s, { type: 'launchPatch', patch: { step: 'form', opspec: 'prepare', cwd: '/proj', defs: [], values: [], busy: false } });
    s = press(s, { escape: true });
    assert.equal(currentScreen(s).kind, 'runs');
    assert.equal(press(loaded(true), 'R').effects.length, 0, 'read-only: no rerun');
  });

  test('v toggles the flat view', () => {
    let s = press(withFlags(), 'v');
    assert.equal(s.flat, true);
    assert.match(s.message!.text, /flat view/);
    s = press(s, 'v');
    assert.equal(s.flat, false);
  });
});
