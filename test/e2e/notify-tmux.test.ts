// Notices with real runs: the dashboard (tmux, 80x24) says a run ended and rings the bell (the
// bytes tmux received hold BEL), and posts to the notify: url; `grun watch --notify` posts too.
// The URL is a real HTTP server on 127.0.0.1.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHome, tempDir } from '../helpers/home.js';
import { waitFor } from '../views/helpers.js';
import { grun, ok } from './cli-helpers.js';
import { withTmux, tmuxSkip } from './tmux.js';

const skip = tmuxSkip;

describe('notices in tmux and grun watch --notify', { skip }, () => {
  let srv: Server;
  const bodies: { run: string; status: string; text: string }[] = [];
  let url = '';
  let project = '';
  before(async () => {
    srv = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        bodies.push(JSON.parse(b));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(srv.address() as { port: number }).port}/notice`;
    project = tempDir('grun-notify-proj-');
    writeFileSync(join(project, 'nap.py'), 'import time\nsecs = 2.0\ntime.sleep(secs)\nprint("slept")\n');
  });
  after(() => srv.close());

  test('80x24: a run that ends while the dashboard is open gives a notice line and a bell, and is posted', async () => {
    const home = emptyHome();
    writeFileSync(join(home, 'config.yml'), `notify:\n  url: ${url}\n`);
    const bytes = join(tempDir(), 'pane.bytes');
    await withTmux({ columns: 80, rows: 24, cwd: project, env: { GUILD_HOME: home, NO_COLOR: '1' } }, async (t) => {
      t.tmux('pipe-pane', '-t', 'grun', '-o', `cat >> ${bytes}`);
      await t.waitFor(/0\/0 runs/);
      ok(home, ['run', 'nap.py', '--background', '-y'], { cwd: project });
      await t.waitFor(/▶ running/, 10000);
      const s = await t.waitFor(/run [0-9a-f]{8} nap\.py \(secs=2\.0\) completed/, 20000);
      // the key hints stay under the notice
      assert.match(s, /Enter open/);
      await waitFor(() => existsSync(bytes) && readFileSync(bytes).includes(0x07), 5000, 'a BEL in what tmux received');
      await waitFor(() => bodies.some((b) => b.status === 'completed' && /nap\.py \(secs=2\.0\) completed/.test(b.text)), 10000, 'the POST');
      t.keys('q');
      await t.waitFor(/EXIT=0/);
    });
  });

  test('grun watch --notify posts when the watched run ends; without a notify: section it says so', async () => {
    const home = emptyHome();
    const none = grun(home, ['watch', '--notify', '1']);
    assert.notEqual(none.code, 0);
    assert.match(none.err, /--notify: config\.yml has no notify: command or url/);
    writeFileSync(join(home, 'config.yml'), `notify:\n  url: ${url}\n`);
    ok(home, ['run', 'nap.py', 'secs=1', '--background', '-y'], { cwd: project });
    const from = bodies.length;
    const r = grun(home, ['watch', '--notify', '1']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /stopped with a status of 'completed'/);
    await waitFor(() => bodies.length > from, 5000, 'the POST');
    assert.equal(bodies[from]!.status, 'completed');
  });
});
