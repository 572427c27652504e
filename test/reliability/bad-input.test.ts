// Bad input corpus: every case in test/reliability/corpus/*.json runs real grun commands in a
// sandbox (home, project, HOME and TMPDIR all inside it) and states its outcome:
//   error       a `grun: ` message matching `stderr`, a non-zero exit;
//   ok          exit 0 (and `stdout` matches when given);
//   unreadable  the command works or fails with a clear message, the bad run is reported (by
//               the command, or as a problem of that run in `runs list --json`), and `runs list`
//               still lists every other run;
//   run-error   the run itself fails: a non-zero exit, `stderr` matches, the run is recorded
//               with status error.
// A case may carry a `note` (why this outcome) or a `todo` (a known bug, with its owner): a
// todo case runs but its failure does not fail the suite.
// Every case also holds: no stack trace, nothing written in the sandbox outside the home and
// TMPDIR, and no file at the paths an archive tried to escape to.
// The quick form runs every fourth case; GRUN_RELIABILITY=full runs them all.
import { crc32 } from 'node:zlib';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  lstatSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFixtureHome, fixtureHome, tempDir } from '../helpers/home.js';
import { bin, figures, FULL, type Exit } from './helpers.js';

const corpusDir = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

/** Data of a file: text, or `base64:…`, or `repeat:N:TEXT` (TEXT N times). */
type Data = string;

interface Entry {
  name: string;
  data?: Data;
  /** A symbolic link (zip: stored with the link mode) to this target. */
  link?: string;
  dir?: boolean;
}

interface Corruption {
  /** Relative to the target run's dir (or to the home with `home: true`). */
  path: string;
  home?: boolean;
  write?: Data;
  truncate?: number;
  remove?: boolean;
  mkdir?: boolean;
  link?: string;
  chmod?: string;
}

interface Case {
  name: string;
  /** `fixture` (default): a copy of the Guild 0.9.1 fixture home; `empty`: no runs. */
  home?: 'fixture' | 'empty';
  /** Files of the project (the cwd). */
  project?: Record<string, Data>;
  corrupt?: Corruption[];
  /** An archive made in the sandbox: `{archive}` in args is its path. */
  archive?: { kind: 'zip' | 'dir'; entries: Entry[]; raw?: Data };
  /** Commands run first (each must exit 0), e.g. a run printing bad output. */
  before?: string[][];
  args: string[];
  expect: 'error' | 'ok' | 'unreadable' | 'run-error';
  note?: string;
  todo?: string;
  stderr?: string;
  stdout?: string;
  /** Paths (relative to the sandbox) that must not exist afterwards. */
  mustNotExist?: string[];
  /** A case that needs something this machine may lack. */
  needs?: 'python3' | 'non-root';
  timeoutMs?: number;
}

/** The fixture run the file corruptions target (a completed sandbox train.py run). */
const TARGET = '00075496577a4109811f47f478382fa3';
const FIXTURE_RUNS = 20;

function data(d: Data): Buffer {
  if (d.startsWith('base64:')) return Buffer.from(d.slice(7), 'base64');
  const m = /^repeat:(\d+):([\s\S]*)$/.exec(d);
  if (m) return Buffer.from(m[2]!.repeat(Number(m[1])));
  return Buffer.from(d);
}

/** A zip written by hand, so that names a zip library refuses (`../x`, `/x`) can be stored. */
function writeZip(path: string, entries: Entry[]): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.dir && !e.name.endsWith('/') ? `${e.name}/` : e.name);
    const body = e.link !== undefined ? Buffer.from(e.link) : e.data !== undefined ? data(e.data) : Buffer.alloc(0);
    const crc = crc32(body);
    const mode = e.link !== undefined ? 0o120777 : e.dir ? 0o40755 : 0o100644;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix: external attrs hold the mode
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(body.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...locals, cd, end]));
}

function writeDirArchive(root: string, entries: Entry[]): void {
  mkdirSync(root, { recursive: true });
  for (const e of entries) {
    const p = join(root, e.name);
    mkdirSync(e.dir ? p : dirname(p), { recursive: true });
    if (e.link !== undefined) symlinkSync(e.link, p);
    else if (!e.dir) writeFileSync(p, data(e.data ?? ''));
  }
}

/** A real run dir of the fixture, as archive entries under `id/` (to wrap evil entries around). */
function fixtureRunEntries(home: string, id: string, as: string): Entry[] {
  const out: Entry[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const r = `${rel}/${name}`;
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile() && st.size < 100_000) out.push({ name: r, data: 'base64:' + readFileSync(p).toString('base64') });
    }
  };
  walk(join(home, 'runs', id), as);
  return out;
}

function sub(s: string, vars: Record<string, string>): string {
  return s.replace(/\{(\w+)\}/g, (whole, k: string) => vars[k] ?? whole);
}

function runIn(args: string[], o: { home: string; cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Exit> {
  return new Promise((resolve) => {
    const p = spawn(bin, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => {
      if (stdout.length < 1_000_000) stdout += c.toString();
    });
    p.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 1_000_000) stderr += c.toString();
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Every path under `dir` (but the `skip` subtrees) with its mtime, to see what a command wrote. */
function snapshot(dir: string, skip: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (skip.includes(p)) continue;
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      out.set(relative(dir, p), `${st.isDirectory() ? 'd' : 'f'}${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** New paths, and files whose mtime changed (a directory's changes when an entry is added). */
function written(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([p, v]) => !before.has(p) || (before.get(p) !== v && v.startsWith('f'))).map(([p]) => p);
}

const STACK = /\n\s+at .+[:(].*\d+:\d+\)?|^(?:Type|Range|Reference|Syntax)Error\b|Error \[ERR_|node:internal|triggerUncaughtException/m;

const hasPython = (() => {
  try {
    return spawn('python3', ['--version']).pid !== undefined;
  } catch {
    return false;
  }
})();

async function runCase(c: Case): Promise<void> {
  const sandbox = tempDir('grun-bad-');
  const home = join(sandbox, 'home');
  const cwd = join(sandbox, 'proj');
  const tmp = join(sandbox, 'tmp');
  const userHome = join(sandbox, 'user');
  for (const d of [cwd, tmp, userHome]) mkdirSync(d, { recursive: true });
  if ((c.home ?? 'fixture') === 'fixture') {
    const src = copyFixtureHome();
    // Same filesystem rename keeps it cheap; the fixture copy's temp dir is removed at exit.
    await import('node:fs').then((fs) => fs.renameSync(src, home));
  } else mkdirSync(join(home, 'runs'), { recursive: true });
  for (const [name, text] of Object.entries(c.project ?? {})) {
    mkdirSync(dirname(join(cwd, name)), { recursive: true });
    writeFileSync(join(cwd, name), data(text));
  }
  const vars: Record<string, string> = { sandbox, home, cwd, run: TARGET, short: TARGET.slice(0, 8), archive: '' };
  if (c.archive) {
    const entries = c.archive.entries.flatMap((e) =>
      e.name === '@fixture-run' ? fixtureRunEntries(fixtureHome, TARGET, e.data ?? 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') : [{ ...e, name: sub(e.name, vars), link: e.link && sub(e.link, vars) }],
    );
    if (c.archive.kind === 'zip') {
      vars.archive = join(sandbox, 'export.zip');
      if (c.archive.raw !== undefined) writeFileSync(vars.archive, data(c.archive.raw));
      else writeZip(vars.archive, entries);
    } else {
      vars.archive = join(sandbox, 'export');
      writeDirArchive(vars.archive, entries);
    }
  }
  for (const k of c.corrupt ?? []) {
    const p = join(k.home ? home : join(home, 'runs', TARGET), sub(k.path, vars));
    if (k.remove || k.mkdir || k.link !== undefined || k.write !== undefined) rmSync(p, { recursive: true, force: true });
    if (k.mkdir) mkdirSync(p, { recursive: true });
    if (k.link !== undefined) symlinkSync(sub(k.link, vars), p);
    if (k.write !== undefined) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, data(k.write));
    }
    if (k.truncate !== undefined) truncateSync(p, k.truncate);
    if (k.chmod) chmodSync(p, parseInt(k.chmod, 8));
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: userHome,
    TMPDIR: tmp,
    GUILD_HOME: home,
    TZ: 'UTC',
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
  };
  const timeoutMs = c.timeoutMs ?? 30_000;
  for (const b of c.before ?? []) {
    const r = await runIn(b.map((a) => sub(a, vars)), { home, cwd, env, timeoutMs });
    assert.equal(r.code, 0, `before: grun ${b.join(' ')}: ${r.stderr}`);
  }
  const before = snapshot(sandbox, [home, tmp]);
  const args = c.args.map((a) => sub(a, vars));
  const r = await runIn(args, { home, cwd, env, timeoutMs });
  const what = `grun ${args.join(' ').slice(0, 200)}\nexit ${r.code} ${r.signal ?? ''}\nstdout: ${r.stdout.slice(0, 600)}\nstderr: ${r.stderr.slice(0, 1500)}`;
  assert.ok(r.signal === null, `killed by ${r.signal} (hung or crashed)\n${what}`);
  assert.doesNotMatch(r.stderr, STACK, `a stack trace\n${what}`);
  if (c.expect === 'error') {
    assert.notEqual(r.code, 0, `should fail\n${what}`);
    assert.match(r.stderr, /^grun: /m, `a grun: message\n${what}`);
    if (c.stderr) assert.match(r.stderr, new RegExp(c.stderr, 'i'), `the message names the problem\n${what}`);
  } else if (c.expect === 'ok') {
    assert.equal(r.code, 0, `should succeed\n${what}`);
    if (c.stdout) assert.match(r.stdout, new RegExp(c.stdout, 'i'), what);
    if (c.stderr) assert.match(r.stderr, new RegExp(c.stderr, 'i'), what);
  } else if (c.expect === 'run-error') {
    assert.notEqual(r.code, 0, `should fail\n${what}`);
    if (c.stderr) assert.match(r.stderr, new RegExp(c.stderr, 'i'), what);
    const list = await runIn(['runs', 'list', '--json'], { home, cwd, env, timeoutMs });
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ status: string }>).map((x) => x.status), ['error'], what);
  } else {
    if (r.code !== 0) assert.match(r.stderr, /^grun: /m, what);
    const list = await runIn(['runs', 'list', '--json'], { home, cwd, env, timeoutMs });
    assert.equal(list.code, 0, `runs list still works: ${list.stderr}`);
    assert.doesNotMatch(list.stderr, STACK, list.stderr);
    const runs = JSON.parse(list.stdout) as Array<{ id: string; problems?: unknown[] }>;
    assert.ok(runs.length >= FIXTURE_RUNS - 1, `every other run is still listed (${runs.length})`);
    // Reported: by the command itself, or as a problem of that run in the listing.
    const named = new RegExp(c.stderr ?? c.corrupt?.[0]?.path.split('/').pop() ?? TARGET, 'i').test(r.stdout + r.stderr);
    const target = runs.find((x) => x.id === TARGET);
    assert.ok(named || (target?.problems?.length ?? 0) > 0, `the bad run is reported\n${what}`);
  }
  const outside = written(before, snapshot(sandbox, [home, tmp]));
  assert.deepEqual(outside, [], `files written outside the home\n${what}`);
  for (const p of c.mustNotExist ?? []) assert.ok(!existsSync(sub(p, vars)) && !existsSync(join(sandbox, sub(p, vars))), `${p} was written`);
}

function loadCorpus(): Array<{ file: string; c: Case }> {
  const out: Array<{ file: string; c: Case }> = [];
  for (const f of readdirSync(corpusDir).filter((n) => n.endsWith('.json')).sort()) {
    for (const c of JSON.parse(readFileSync(join(corpusDir, f), 'utf8')) as Case[]) out.push({ file: f, c });
  }
  return out;
}

describe('reliability: bad input corpus', () => {
  const all = loadCorpus();
  test('the corpus holds at least 100 cases, each with a stated outcome', () => {
    assert.ok(all.length >= 100, `${all.length} cases`);
    for (const { file, c } of all) {
      assert.ok(['error', 'ok', 'unreadable', 'run-error'].includes(c.expect), `${file}: ${c.name}: expect`);
      assert.ok(c.expect !== 'error' || c.stderr, `${file}: ${c.name}: an error case names the message it expects`);
    }
    assert.equal(new Set(all.map(({ c }) => c.name)).size, all.length, 'case names are unique');
  });
  const picked = all.filter((_, i) => FULL || i % 4 === 0);
  for (const { file, c } of picked) {
    const skip = (c.needs === 'python3' && !hasPython && 'python3 is missing') || (c.needs === 'non-root' && process.getuid?.() === 0 && 'root reads any file');
    test(`${file.replace(/\.json$/, '')}: ${c.name}`, { skip, todo: c.todo, timeout: (c.timeoutMs ?? 30_000) * 3 }, async () => {
      figures.casesTried++;
      try {
        await runCase(c);
      } catch (e) {
        if (!c.todo) figures.failures++;
        throw e;
      }
    });
  }
});
