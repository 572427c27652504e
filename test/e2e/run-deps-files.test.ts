// What a Guild user sees of a run's files: named resources under `resources:`, a renamed
// linked dependency, dependencies kept out of the source code, `pip_freeze`, and `ls` listing
// the run's files rather than grun's own bookkeeping.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { emptyHome } from '../helpers/home.js';
import { parseYaml11 } from '../../src/store/yaml11.js';
import { grun as grunEnv, project } from './engine-helpers.js';
import { fails, grun, ok } from './cli-helpers.js';

const readsInputs = 'for p in ["a.txt", "b.txt"]:\n    print(open(p).read().strip())\nopen("out.txt", "w").close()\n';

function runDir(home: string): string {
  return ok(home, ['select', '--dir']).trim();
}

describe('named resources', () => {
  const guildYml = [
    '- operations:',
    '    use:',
    '      main: use',
    '      requires: inputs',
    '    missing:',
    '      main: use',
    '      requires: nothing-here',
    '  resources:',
    '    inputs:',
    '      - file: a.txt',
    '      - file: b.txt',
    '',
  ].join('\n');

  test("requires: NAME resolves each source of the model's resource, said once, recorded under its name", () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': guildYml, 'use.py': readsInputs, 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const r = grun(home, ['run', 'use', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'alpha\nbeta\n');
    assert.equal(r.err, 'Resolving inputs\n');
    const dir = runDir(home);
    const deps = parseYaml11(readFileSync(join(dir, '.guild', 'attrs', 'deps'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(deps), ['inputs']);
    assert.deepEqual(Object.keys(deps.inputs!), ['file:a.txt', 'file:b.txt']);
    const op = parseYaml11(readFileSync(join(dir, '.guild', 'attrs', 'op'), 'utf8')) as { deps: unknown[] };
    assert.deepEqual(op.deps, [{ location: cwd, name: 'inputs', sources: [{ file: 'a.txt' }, { file: 'b.txt' }] }]);
    // a dependency is not source code: the files are the resource's, not copies of the project's
    assert.equal(ok(home, ['ls', '-nd']), 'a.txt\nb.txt\n');
    assert.equal(ok(home, ['ls', '-ns']), 'guild.yml\nuse.py\n');
    assert.equal(ok(home, ['ls', '-ng']), 'out.txt\n');
    assert.doesNotMatch(readFileSync(join(dir, '.guild', 'manifest'), 'utf8'), /^s a\.txt/m);
  });

  test('a resource the model does not define is refused by name, nothing written', () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': guildYml, 'use.py': readsInputs });
    fails(home, ['run', 'missing', '-y'], /resource 'nothing-here' required by the operation is not defined/, { cwd });
    assert.equal(ok(home, ['runs']), '');
  });
});

describe('a file dependency renamed and linked', () => {
  test("rename: NAME gives the linked dir its name; ls -d shows it, -L what is inside", () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'op:\n  main: use\n  sourcecode:\n    - exclude: data\n  requires:\n    - file: data\n      target-type: link\n      rename: linked\n    - file: a.txt\n',
      'use.py': 'import os\nprint(sorted(os.listdir("linked")))\n',
      'a.txt': '',
    });
    mkdirSync(join(cwd, 'data', 'sub'), { recursive: true });
    writeFileSync(join(cwd, 'data', 'x'), '');
    writeFileSync(join(cwd, 'data', 'sub', 'y'), '');
    const r = grun(home, ['run', 'op', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "['sub', 'x']\n");
    assert.equal(r.err, 'Resolving file:data\nResolving file:a.txt\n');
    assert.equal(ok(home, ['ls', '-nd']), 'a.txt\nlinked/\n');
    assert.equal(ok(home, ['ls', '-ndL']), 'a.txt\nlinked/\nlinked/sub/y\nlinked/x\n');
  });

  test('a rename pattern that is not a valid spec is refused by name', () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': "op:\n  main: use\n  requires:\n    - file: a.txt\n      rename: 'a b c'\n", 'use.py': '', 'a.txt': '' });
    fails(home, ['run', 'op', '-y'], /invalid rename spec 'a b c': expected 'PATTERN REPL' or 'NAME'/, { cwd });
  });
});

describe("ls lists the run's files", () => {
  test("grun's own files under .guild are left out of ls --all", () => {
    const home = emptyHome();
    const cwd = project({ 'say.py': 'print("hi")\n' });
    ok(home, ['run', 'say.py', '-y'], { cwd });
    const dir = runDir(home);
    assert.ok(existsSync(join(dir, '.guild', 'grun-proc')), 'the process record is kept');
    const all = ok(home, ['ls', '-n', '--all']);
    assert.match(all, /^\.guild\/attrs\/cmd$/m);
    assert.doesNotMatch(all, /grun-/);
    assert.equal(ok(home, ['ls', '-n', '-p', '.guild/grun-proc']), '');
  });
});

describe("what a Python run records of its Python", () => {
  test("platform: Guild's fields, python_version the run's interpreter's", () => {
    const home = emptyHome();
    ok(home, ['run', 'say.py', '-y'], { cwd: project({ 'say.py': 'print("hi")\n' }) });
    const platform = parseYaml11(readFileSync(join(runDir(home), '.guild', 'attrs', 'platform'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(platform).filter((k) => k !== 'gpus').sort(), ['architecture', 'cpus', 'processor', 'python_version', 'uname']);
    assert.equal(platform.python_version, execFileSync('python3', ['-c', 'import sys; print(sys.version.replace("\\n", ""))'], { encoding: 'utf8' }).trim());
  });


  test('a Python run records its packages unless NO_PIP_FREEZE=1 or guild.yml says pip-freeze: no', async () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': 'quiet:\n  main: say\n  pip-freeze: no\n', 'say.py': 'print("hi")\n' });
    const attr = (): string => join(runDir(home), '.guild', 'attrs', 'pip_freeze');
    const frozen = await grunEnv(['run', 'say.py', '-y'], { cwd, home, env: { NO_PIP_FREEZE: '0' } });
    assert.equal(frozen.code, 0, frozen.stderr);
    const value = parseYaml11(readFileSync(attr(), 'utf8'));
    assert.ok(Array.isArray(value) && value.every((l) => typeof l === 'string'), `a list of requirement lines: ${JSON.stringify(value)}`);
    assert.equal((await grunEnv(['run', 'quiet', '-y'], { cwd, home, env: { NO_PIP_FREEZE: '0' } })).code, 0);
    assert.ok(!existsSync(attr()), 'pip-freeze: no');
    assert.equal((await grunEnv(['run', 'say.py', '-y'], { cwd, home, env: { NO_PIP_FREEZE: '1' } })).code, 0);
    assert.ok(!existsSync(attr()), 'NO_PIP_FREEZE=1');
  });

  test('a staged run records them as it starts, its guild.yml read again for pip-freeze', async () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': 'quiet:\n  main: say\n  pip-freeze: no\n', 'say.py': 'print("hi")\n' });
    const startStaged = async (op: string): Promise<string> => {
      assert.equal((await grunEnv(['run', op, '--stage', '-y'], { cwd, home })).code, 0);
      const dir = runDir(home);
      const started = await grunEnv(['run', '--start', ok(home, ['select']).trim(), '-y'], { cwd, home, env: { NO_PIP_FREEZE: '0' } });
      assert.equal(started.code, 0, started.stderr);
      return dir;
    };
    const quiet = await startStaged('quiet');
    const platform = parseYaml11(readFileSync(join(quiet, '.guild', 'attrs', 'platform'), 'utf8')) as Record<string, unknown>;
    assert.match(String(platform.python_version), /^3\.\d+/);
    assert.ok(!existsSync(join(quiet, '.guild', 'attrs', 'pip_freeze')), 'pip-freeze: no');
    const say = await startStaged('say.py');
    assert.ok(Array.isArray(parseYaml11(readFileSync(join(say, '.guild', 'attrs', 'pip_freeze'), 'utf8'))));
  });
});

describe('an archive the run requires', () => {
  const makeArchives = [
    'import io, tarfile, zipfile',
    'with zipfile.ZipFile("data.zip", "w") as z:',
    '    z.writestr("one.txt", "")',
    '    z.writestr("sub/two.txt", "2")',
    'with tarfile.open("evil.tar.gz", "w:gz") as t:',
    '    info = tarfile.TarInfo("../escaped.txt")',
    '    t.addfile(info, io.BytesIO(b""))',
  ].join('\n');

  test("its members are unpacked once into the home's resource cache and copied in at target-path", () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'op:\n  main: use\n  requires:\n    - file: data.zip\n      target-path: in\nevil:\n  main: use\n  requires:\n    - file: evil.tar.gz\n',
      'use.py': '',
      'make.py': makeArchives + '\n',
    });
    execFileSync('python3', ['make.py'], { cwd });
    const first = grun(home, ['run', 'op', '-y'], { cwd });
    assert.equal(first.code, 0, first.err);
    assert.equal(first.err, `Resolving file:data.zip\nUnpacking ${join(cwd, 'data.zip')}\n`);
    const manifest = readFileSync(join(runDir(home), '.guild', 'manifest'), 'utf8');
    assert.match(manifest, /^d in\/one\.txt da39a3ee5e6b4b0d3255bfef95601890afd80709 file:data\.zip one\.txt$/m);
    assert.match(manifest, /^d in\/sub - file:data\.zip sub$/m);
    assert.equal(ok(home, ['ls', '-nd']), 'in/one.txt\nin/sub/\nin/sub/two.txt\n');
    assert.equal(grun(home, ['run', 'op', '-y'], { cwd }).err, 'Resolving file:data.zip\n', 'unpacked already');
    // a member that would land outside the cache is refused: the run fails, nothing escapes
    const evil = grun(home, ['run', 'evil', '-y'], { cwd });
    assert.notEqual(evil.code, 0);
    assert.match(evil.err, /cannot unpack 'evil\.tar\.gz': member '\.\.\/escaped\.txt' would be outside the unpack dir/);
    assert.ok(!existsSync(join(home, 'cache', 'escaped.txt')) && !existsSync(join(home, 'cache', 'resources', 'escaped.txt')));
  });
});

describe("Guild's -D PATH, --print-env and a dependency whose target the run has", () => {
  const guildYml = [
    'use:',
    "  exec: sh -c 'ls -p; echo FOO=$FOO'",
    '  env:',
    '    FOO: bar',
    '  flags:',
    '    x:',
    '      default: 2',
    '      env-name: MY_X',
    '  requires:',
    '    - file: a.txt',
    '      target-type: link',
    '      target-path: sub',
    '',
  ].join('\n');

  test('-D links each path by a relative link, as Guild records it; one the source code has is skipped with its warning', () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': guildYml, 'a.txt': 'alpha\n', 'data.txt': 'd\n' });
    mkdirSync(join(cwd, 'sub'));
    writeFileSync(join(cwd, 'sub', 'z.txt'), 'z\n');
    const r = grun(home, ['run', 'use', '-D', 'data.txt', '--dep', 'sub', '-y'], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, 'Resolving file:a.txt\nResolving data.txt\nResolving sub\nWARNING: sub already exists, skipping link\n');
    assert.match(r.out, /^data\.txt\nguild\.yml\nsub\/\nFOO=bar\n$/);
    const dir = runDir(home);
    assert.equal(readlinkSync(join(dir, 'data.txt')), relative(realpathSync(dir), join(cwd, 'data.txt')));
    assert.equal(readlinkSync(join(dir, 'sub', 'a.txt')), relative(realpathSync(join(dir, 'sub')), join(cwd, 'a.txt')));
    assert.equal(readFileSync(join(dir, 'sub', 'z.txt'), 'utf8'), 'z\n', 'the copied source stays');
    const attr = (name: string) => parseYaml11(readFileSync(join(dir, '.guild', 'attrs', name), 'utf8')) as Record<string, any>;
    assert.deepEqual(attr('op').deps, [
      { location: cwd, name: 'file:a.txt', sources: [{ file: 'a.txt', 'target-type': 'link', 'target-path': 'sub' }] },
      { location: '.', name: 'data.txt', sources: [{ file: 'data.txt' }], 'target-type': 'link' },
      { location: '.', name: 'sub', sources: [{ file: 'sub' }], 'target-type': 'link' },
    ]);
    assert.deepEqual(attr('op')['flags-extra'], {}, 'a file dependency is no flag');
    assert.deepEqual(attr('op')['op-cmd']['cmd-env'], { FOO: 'bar', GUILD_PLUGINS: '', PROJECT_DIR: cwd }, "Guild's: no FLAGS_DEST for an exec operation");
    assert.deepEqual(Object.keys(attr('deps')), ['data.txt', 'file:a.txt', 'sub']);
    assert.deepEqual(attr('deps').sub, { 'file:sub': { paths: [relative(dir, join(cwd, 'sub'))], uri: 'file:sub' } }, 'skipped, still recorded');
    assert.deepEqual(attr('run_params').additional_deps, ['data.txt', 'sub']);
    const manifest = readFileSync(join(dir, '.guild', 'manifest'), 'utf8');
    assert.match(manifest, /^d data\.txt \w+ file:data\.txt$/m);
    assert.doesNotMatch(manifest, /^d sub /m, 'no manifest line for what was skipped');
    assert.doesNotMatch(manifest, /^s data\.txt /m, 'a dependency is not source code');
  });

  test("-D of a path that is not there fails the run as Guild's resolver does", () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': guildYml, 'a.txt': 'alpha\n' });
    const r = grun(home, ['run', 'use', '-D', 'nothere.txt', '-y'], { cwd });
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      "Resolving file:a.txt\nResolving nothere.txt\ngrun: run failed because a dependency was not met: could not resolve 'file:nothere.txt' in nothere.txt resource: cannot find source file 'nothere.txt'\n",
    );
  });

  test('--print-env prints what the command gets in its environment, Guild-quoted, and starts nothing', () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': guildYml, 'a.txt': 'alpha\n' });
    const out = ok(home, ['run', 'use', '--print-env', '--gpus', '0', 'x=a b'], { cwd });
    const lines = out.trimEnd().split('\n');
    assert.deepEqual(lines, [...lines].sort());
    for (const l of ['CUDA_VISIBLE_DEVICES=0', 'FOO=bar', 'GUILD_PLUGINS=', "MY_X='a b'", `PROJECT_DIR=${cwd}`, 'GUILD_OP=use']) assert.ok(lines.includes(l), `${l} in\n${out}`);
    assert.equal(ok(home, ['runs']), '');
  });
});
