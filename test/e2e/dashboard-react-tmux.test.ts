// The real dashboard loads Ink and React from their bundle (dist/vendor: scripts/bundle-ui.mjs),
// built for production React (the development build costs 2.3x the CPU and memory): `grun` and
// `grun ui` alike. Which modules Node loads is recorded by a load hook given with `--import`.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureHome, projectRoot, tempDir } from '../helpers/home.js';
import { waitFor } from '../views/helpers.js';
import { withTmux, tmuxSkip } from './tmux.js';

describe('dashboard Ink and React in tmux', { skip: tmuxSkip }, () => {
  test('the bundle holds production React alone', () => {
    const dir = join(projectRoot, 'dist', 'vendor');
    const text = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    assert.match(text, /react-reconciler\.production\.js/);
    assert.doesNotMatch(text, /react-reconciler\.development\.js|react\.development\.js/);
  });

  for (const args of [[], ['ui']]) {
    test(`grun${args.map((a) => ` ${a}`).join('')}: Ink and React from the bundle, none from node_modules`, async () => {
      const dir = tempDir();
      const log = join(dir, 'loaded.txt');
      const hooks = join(dir, 'hooks.mjs');
      writeFileSync(
        hooks,
        `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`,
      );
      const importer = join(dir, 'import.mjs');
      writeFileSync(importer, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
      await withTmux({ columns: 100, rows: 30, args, env: { GUILD_HOME: copyFixtureHome(), NODE_OPTIONS: `--import ${importer}` } }, async (t) => {
        await t.waitFor(/20\/20 runs/, 20_000);
        await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('/dist/vendor/ink.js'), 5000, 'the bundle loaded');
        const loaded = readFileSync(log, 'utf8');
        assert.match(loaded, /\/dist\/vendor\/react\.js$/m);
        assert.doesNotMatch(loaded, /node_modules\/(ink|react|react-reconciler|es-toolkit)\//);
        t.keys('q');
      });
    });
  }
});
