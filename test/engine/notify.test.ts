// Notices: which runs ended, the notify: section of config.yml, and posting to a command and to
// a URL (a real HTTP server on 127.0.0.1).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endNotices, loadNotifyConfig, postNotice } from '../../src/engine/notify.js';
import { emptyHome, tempDir } from '../helpers/home.js';
import { fakeRun, waitFor } from '../views/helpers.js';

const noUser = { HOME: '/nonexistent-home' };

/** A server on 127.0.0.1 that keeps the bodies POSTed to it. */
async function server(status = 200): Promise<{ url: string; bodies: string[]; close(): void }> {
  const bodies: string[] = [];
  const srv = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c));
    req.on('end', () => {
      bodies.push(b);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => srv.close() };
}

describe('notices', () => {
  test('a run that was running and has ended is a notice; one already ended, or still running, is not', () => {
    const a = fakeRun({ status: 'completed' });
    const b = fakeRun({ status: 'error', exitStatus: 1 });
    const c = fakeRun({ status: 'running' });
    const d = fakeRun({ status: 'completed' });
    const before = new Map([[a.id, 'running'], [b.id, 'running'], [c.id, 'running'], [d.id, 'completed']] as const);
    const ns = endNotices(before, [a, b, c, d]);
    assert.deepEqual(ns.map((n) => n.status), ['completed', 'error']);
    assert.match(ns[1]!.text, /^run [0-9a-f]{8} train\.py error \(exit 1\)$/);
  });

  test('config.yml notify: read from the home; a bad value is a clear error', () => {
    const home = emptyHome();
    assert.deepEqual(loadNotifyConfig(home, noUser), { bell: true, command: null, url: null });
    writeFileSync(join(home, 'config.yml'), 'notify:\n  bell: no\n  url: http://127.0.0.1:1/x\n');
    assert.deepEqual(loadNotifyConfig(home, noUser), { bell: false, command: null, url: 'http://127.0.0.1:1/x' });
    writeFileSync(join(home, 'config.yml'), 'notify:\n  url: ftp://x\n');
    assert.throws(() => loadNotifyConfig(home, noUser), /config\.yml: notify\.url must be an http\(s\) URL, not "ftp:\/\/x"/);
    writeFileSync(join(home, 'config.yml'), 'notify:\n  bell: loud\n');
    assert.throws(() => loadNotifyConfig(home, noUser), /notify\.bell must be yes or no, not "loud"/);
  });

  test('a notice is POSTed as JSON to the URL and given to the command; a failing URL is reported', async () => {
    const s = await server();
    const out = join(tempDir(), 'notice.txt');
    const n = { run: 'abc', status: 'completed' as const, text: 'run abc done' };
    try {
      assert.deepEqual(await postNotice({ bell: true, url: s.url, command: `printf '%s|%s' "$GRUN_NOTICE" "$GRUN_STATUS" > ${out}` }, n), []);
      assert.deepEqual(s.bodies.map((b) => JSON.parse(b)), [n]);
      await waitFor(() => existsSync(out) && readFileSync(out, 'utf8') !== '', 5000, 'the command');
      assert.equal(readFileSync(out, 'utf8'), 'run abc done|completed');
    } finally {
      s.close();
    }
    const bad = await server(500);
    try {
      assert.deepEqual(await postNotice({ bell: true, url: bad.url, command: null }, n), ['notify url: 500 Internal Server Error']);
    } finally {
      bad.close();
    }
  });
});
