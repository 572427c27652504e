// The package as users install it: `npm pack`, then `npm install -g grun-*.tgz` into a temp
// prefix with no network (the runtime dependencies travel in the tarball), then `grun` on PATH.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyHome, projectRoot, tempDir } from '../helpers/home.js';
import { attr, onlyRunDir, project } from './engine-helpers.js';
import { distBuilt } from './tmux.js';

interface Done {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Done> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: o.cwd, env: o.env ?? process.env, timeout: 300_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('npm pack + npm install -g', { skip: distBuilt ? false : 'dist/ is not built (npm run build)' }, () => {
  test('the tarball installs offline into a prefix and its grun runs a script', async () => {
    const dest = tempDir('grun-pack-');
    // dist/ is built already (`prepare` builds it when npm pack runs it; here it would rebuild
    // dist/ under the other tests' feet)
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: projectRoot });
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[]; bundled: string[] }[];
    const files = new Set(info!.files.map((f) => f.path));
    for (const f of ['bin/grun', 'dist/cli.js', 'dist/main.js', 'helpers/flags.py', 'helpers/globals_main.py', 'python/guild/__init__.py', 'python/guild/summary.py', 'python/guild/util.py', 'README.md']) {
      assert.ok(files.has(f), `${f} is in the tarball`);
    }
    assert.ok(![...files].some((f) => f.startsWith('src/') || f.startsWith('test/')), 'no sources or tests');
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(info!.bundled.includes(dep), `${dep} travels with grun`);
    for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!info!.bundled.includes(dev), `${dev} (dev) does not`);

    const prefix = tempDir('grun-prefix-');
    const tgz = join(dest, info!.filename);
    const env = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
    const installed = await run('npm', ['install', '-g', '--prefix', prefix, tgz], { cwd: dest, env });
    assert.equal(installed.code, 0, installed.stderr);

    // grun on PATH, from the prefix alone: the clone's node_modules is nowhere above it
    const path = `${join(prefix, 'bin')}:${process.env.PATH}`;
    const userEnv: NodeJS.ProcessEnv = { ...process.env, PATH: path, GUILD_HOME: emptyHome() };
    delete userEnv.NODE_ENV;
    const version = await run('grun', ['--version'], { cwd: dest, env: userEnv });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), pkg.version);

    // Guild's Python API comes with the install (python/guild)
    const dir = project({ 'hello.py': 'from guild.util import touch\nx = 1\ntouch("touched")\nprint("hello", x)\n' });
    const hello = await run('grun', ['run', 'hello.py', 'x=2', '-y'], { cwd: dir, env: userEnv });
    assert.equal(hello.code, 0, hello.stderr);
    assert.match(hello.stdout, /hello 2/);
    assert.equal(attr(onlyRunDir(userEnv.GUILD_HOME!), 'flags'), 'x: 2\n');
  });
});
