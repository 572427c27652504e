// Secrets and permissions: the recorded env leaves out secret-looking variables, files a run
// is made of follow the user's umask and are never world-writable, and a flag value is never
// run through a shell.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAttr } from '../../src/store/attrs.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { bin, childEnv, type Exit } from './helpers.js';

/** `grun ARGS` under a given umask (set by the shell that execs grun; no shell sees ARGS). */
function grunUmask(umask: string, args: string[], o: { home: string; cwd: string; env?: Record<string, string> }): Promise<Exit> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', `umask ${umask} && exec "$0" "$@"`, bin, ...args], { cwd: o.cwd, env: childEnv(o.home, o.env) });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c));
    p.stderr.on('data', (c: Buffer) => (stderr += c));
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out.push(p);
    if (lstatSync(p).isDirectory()) walk(p, out);
  }
  return out;
}

const SECRETS: Record<string, string> = {
  MY_API_KEY: 'k-1',
  GITHUB_TOKEN: 't-1',
  AWS_SECRET_ACCESS_KEY: 's-1',
  PGPASSWORD: 'p-1',
  db_password: 'p-2',
  SMTP_PASSWD: 'p-3',
  GPG_PASSPHRASE: 'p-4',
  AZURE_CLIENT_CREDENTIALS: 'c-1',
};

describe('reliability: secrets and permissions', () => {
  test('the env attr of a run (and of a staged run) leaves out secret-looking variables', async () => {
    const home = emptyHome();
    const cwd = tempDir('grun-sproj-');
    writeFileSync(join(cwd, 'work.sh'), 'echo ok\n');
    const env = { ...SECRETS, PLAIN_SETTING: 'visible' };
    const r = await grunUmask('022', ['run', '-y', '-q', 'work.sh'], { home, cwd, env });
    assert.equal(r.code, 0, r.stderr);
    const [id] = readdirSync(join(home, 'runs'));
    const dir = join(home, 'runs', id!);
    const attr = readAttr(dir, 'env');
    assert.equal(attr.kind, 'ok');
    const recorded = attr.kind === 'ok' ? (attr.value as Record<string, string>) : {};
    assert.equal(recorded.PLAIN_SETTING, 'visible');
    for (const name of Object.keys(SECRETS)) assert.ok(!(name in recorded), `${name} recorded in the env attr`);
    const everything = walk(dir)
      .filter((p) => statSync(p).isFile())
      .map((p) => readFileSync(p, 'latin1'))
      .join('\n');
    for (const value of Object.values(SECRETS)) assert.ok(!everything.includes(`: ${value}`), `secret value ${value} written in the run`);

    // A staged run keeps its environment to start from later: only its owner may read it.
    const s = await grunUmask('022', ['run', '--stage', '-y', 'work.sh'], { home, cwd, env });
    assert.equal(s.code, 0, s.stderr);
    const staged = readdirSync(join(home, 'runs')).find((x) => x !== id)!;
    const envFile = join(home, 'runs', staged, '.guild', 'ENV');
    assert.ok(readFileSync(envFile, 'utf8').includes('MY_API_KEY'), 'the staged environment is complete');
    assert.equal(statSync(envFile).mode & 0o077, 0, '.guild/ENV holds secrets: not readable by others');
    // So does every staged trial of a sweep.
    const before = new Set(readdirSync(join(home, 'runs')));
    const t = await grunUmask('022', ['submit', 'work.sh', '--repeat', '2', '--stage', '--no-memo', '-y'], { home, cwd, env });
    assert.equal(t.code, 0, t.stderr);
    const trials = readdirSync(join(home, 'runs')).filter((x) => !before.has(x) && existsSync(join(home, 'runs', x, '.guild', 'ENV')));
    assert.equal(trials.length, 2);
    for (const x of trials) assert.equal(statSync(join(home, 'runs', x, '.guild', 'ENV')).mode & 0o077, 0, `trial ${x}: .guild/ENV readable by others`);
  });

  for (const umask of ['077', '022', '002']) {
    test(`umask ${umask}: every file and dir of a run follows it and none is world-writable`, async () => {
      const home = emptyHome();
      const cwd = tempDir('grun-sproj-');
      writeFileSync(join(cwd, 'work.sh'), 'echo "loss: 0.5"\necho data > made-by-run.txt\n');
      writeFileSync(join(cwd, 'shared.txt'), 'a source file others may write\n');
      chmodSync(join(cwd, 'shared.txt'), 0o666);
      chmodSync(cwd, 0o777);
      const r = await grunUmask(umask, ['run', '-y', '-q', 'work.sh'], { home, cwd });
      assert.equal(r.code, 0, r.stderr);
      const [id] = readdirSync(join(home, 'runs'));
      const dir = join(home, 'runs', id!);
      assert.ok(existsSync(join(dir, '.guild', 'output')));
      const mask = parseInt(umask, 8);
      const bad: string[] = [];
      for (const p of [dir, ...walk(dir)]) {
        const st = lstatSync(p);
        if (st.isSymbolicLink()) continue;
        const perm = st.mode & 0o777;
        if (perm & 0o002) bad.push(`${p.slice(dir.length)} world-writable (${perm.toString(8)})`);
        if (perm & mask) bad.push(`${p.slice(dir.length)} ignores the umask (${perm.toString(8)})`);
      }
      assert.deepEqual(bad, []);
    });
  }

  test('flag values reach the command literally, never through a shell', async () => {
    const home = emptyHome();
    const cwd = tempDir('grun-sproj-');
    const marker = join(cwd, 'pwned');
    writeFileSync(join(cwd, 'show.py'), 'msg = ""\nprint("MSG[" + msg + "]")\n');
    writeFileSync(join(cwd, 'guild.yml'), 'show:\n  exec: echo "EXEC[${msg}]"\n  flags:\n    msg: x\n');
    const values = [`$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``, `x && touch ${marker}`, `| touch ${marker}`, `x"; touch ${marker}; echo "y`, `x'; touch ${marker}; echo 'y`];
    for (const v of values) {
      for (const op of ['show.py', 'show']) {
        const r = await grunUmask('022', ['run', '-y', op, `msg=${v}`], { home, cwd });
        assert.equal(r.code, 0, `${op} msg=${v}: ${r.stderr}`);
        const tag = op === 'show' ? 'EXEC' : 'MSG';
        assert.ok(r.stdout.includes(`${tag}[${v}]`), `${op}: the value printed literally: ${r.stdout}`);
        assert.ok(!existsSync(marker), `${op} msg=${v} ran a shell`);
      }
    }
  });

  test('secrets by shape: credentials in URLs, webhooks and tokens are redacted, and runs info says so', async () => {
    const home = emptyHome();
    const cwd = tempDir('grun-sproj-');
    writeFileSync(join(cwd, 'work.sh'), 'echo ok\n');
    const env = {
      DATABASE_URL: 'postgres://app:db-pw-1@db.internal/prod',
      HTTPS_PROXY: 'http://proxyuser:proxy-pw-2@proxy:3128',
      PIP_INDEX_URL: 'https://__token__:pypi-pw-3@pypi.internal/simple',
      SLACK_HOOK: 'https://hooks.slack.com/services/T0/B0/slack-secret-4',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/slack-secret-5',
      SOME_SETTING: 'ghp_' + 'Z'.repeat(36),
      PLAIN_URL: 'https://example.com/data',
    };
    const r = await grunUmask('022', ['run', '-y', '-q', 'work.sh'], { home, cwd, env });
    assert.equal(r.code, 0, r.stderr);
    const [id] = readdirSync(join(home, 'runs'));
    const attr = readAttr(join(home, 'runs', id!), 'env');
    const recorded = attr.kind === 'ok' ? (attr.value as Record<string, string>) : {};
    assert.equal(recorded.DATABASE_URL, 'postgres://app:***@db.internal/prod');
    assert.equal(recorded.HTTPS_PROXY, 'http://proxyuser:***@proxy:3128');
    assert.equal(recorded.SLACK_HOOK, 'https://hooks.slack.com/services/***');
    assert.equal(recorded.SOME_SETTING, '***');
    assert.equal(recorded.PLAIN_URL, 'https://example.com/data');
    assert.ok(!('SLACK_WEBHOOK_URL' in recorded));
    const everything = walk(join(home, 'runs', id!)).filter((p) => statSync(p).isFile()).map((p) => readFileSync(p, 'latin1')).join('\n');
    for (const secret of ['db-pw-1', 'proxy-pw-2', 'pypi-pw-3', 'slack-secret-4', 'slack-secret-5', 'Z'.repeat(36)]) {
      assert.ok(!everything.includes(secret), `${secret} written in the run`);
    }
    const info = await grunUmask('022', ['runs', 'info'], { home, cwd });
    assert.match(info.stdout, /env_redacted:\n(?:  - .*\n)*  - DATABASE_URL\n/);
    assert.match(info.stdout, /  - SLACK_WEBHOOK_URL\n/);
  });

  test("an export never holds a staged run's .guild/ENV, and a zip is readable by its owner only", async () => {
    const home = emptyHome();
    const cwd = tempDir('grun-sproj-');
    writeFileSync(join(cwd, 'work.sh'), 'echo ok\n');
    const env = { AWS_SECRET_ACCESS_KEY: 'aws-secret-6' };
    assert.equal((await grunUmask('022', ['run', '--stage', '-y', 'work.sh'], { home, cwd, env })).code, 0);
    const out = tempDir('grun-export-');
    const zip = join(out, 'runs.zip');
    const z = await grunUmask('022', ['export', zip, '-y'], { home, cwd });
    assert.equal(z.code, 0, z.stderr);
    assert.equal(statSync(zip).mode & 0o777, 0o600);
    const listing = spawnSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', zip], { encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stderr);
    assert.match(listing.stdout, /\.guild\/opref/);
    assert.doesNotMatch(listing.stdout, /\.guild\/ENV/);
    assert.ok(!readFileSync(zip, 'latin1').includes('aws-secret-6'));
    const dir = join(out, 'dir');
    assert.equal((await grunUmask('022', ['export', dir, '-y'], { home, cwd })).code, 0);
    const [id] = readdirSync(join(home, 'runs'));
    assert.ok(existsSync(join(dir, id!, '.guild', 'opref')));
    assert.ok(!existsSync(join(dir, id!, '.guild', 'ENV')));
  });
});
