// The real dashboard loads production React (the development build costs 2.3x the CPU and
// memory): `grun` and `grun ui` alike, whatever loads the UI. Which build Node loads is recorded
// by a `--require` hook that notes every module path it is asked for.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureHome, tempDir } from '../helpers/home.js';
import { waitFor } from '../views/helpers.js';
import { withTmux, tmuxSkip } from './tmux.js';

describe('dashboard React build in tmux', { skip: tmuxSkip }, () => {
  for (const args of [[], ['ui']]) {
    test(`grun${args.map((a) => ` ${a}`).join('')}: react-reconciler's production build`, async () => {
      const dir = tempDir();
      const log = join(dir, 'loaded.txt');
      const hook = join(dir, 'hook.cjs');
      writeFileSync(hook, `const M = require('module'); const fs = require('fs'); const load = M._load;\nM._load = function (req) { if (/react-reconciler\\.(production|development)/.test(req)) fs.appendFileSync(${JSON.stringify(log)}, req + '\\n'); return load.apply(this, arguments); };\n`);
      await withTmux({ columns: 100, rows: 30, args, env: { GUILD_HOME: copyFixtureHome(), NODE_OPTIONS: `--require ${hook}` } }, async (t) => {
        await t.waitFor(/20\/20 runs/, 20_000);
        await waitFor(() => existsSync(log), 5000, 'react-reconciler loaded');
        assert.match(readFileSync(log, 'utf8'), /^\.\/cjs\/react-reconciler\.production\.js$/m);
        assert.doesNotMatch(readFileSync(log, 'utf8'), /development/);
        t.keys('q');
      });
    });
  }
});
