// Guild options and wording that Guild projects and scripts rely on, through the real binary.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureHome, emptyHome, tempDir } from '../helpers/home.js';
import { fails, grun, ok } from './cli-helpers.js';

/** A project dir holding the given files. */
function project(files: Record<string, string>): string {
  const dir = tempDir('grun-proj-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('Guild list and select options', () => {
  test('runs -s lists index, operation, status and label only', () => {
    const home = copyFixtureHome();
    const full = ok(home, ['runs', '-n', '3']).trimEnd().split('\n');
    const simple = ok(home, ['runs', '-s', '-n', '3']).trimEnd().split('\n');
    assert.equal(simple.length, 3);
    assert.match(simple[0]!, /^\[1\] {2}train \(\/home\/alice\/mnist\) +completed {2}epochs=3/);
    for (const line of simple) assert.doesNotMatch(line, /\d{4}-\d\d-\d\d|:[0-9a-f]{8}\]/, line);
    assert.equal(full.length, 3);
  });

  test('--error/--not-error is one switch: the last one given wins', () => {
    const home = copyFixtureHome();
    const errors = ok(home, ['runs', '-a', '--error']);
    assert.ok(errors.length > 0);
    assert.equal(ok(home, ['runs', '-a', '--not-error', '--error']), errors);
    const notErrors = ok(home, ['runs', '-a', '--not-error']);
    assert.equal(ok(home, ['runs', '-a', '--error', '--not-error']), notErrors);
    assert.doesNotMatch(notErrors, / error /);
  });

  test('select --attr knows the formatted fields (run_dir, status) before raw attrs', () => {
    const home = copyFixtureHome();
    const id = ok(home, ['select', '1']).trim();
    assert.equal(ok(home, ['select', '1', '--attr', 'run_dir']).trim(), join(home, 'runs', id));
    assert.equal(ok(home, ['select', '1', '--attr', 'status']).trim(), 'completed');
    assert.equal(ok(home, ['select', '1', '--attr', 'short_id']).trim(), id.slice(0, 8));
    fails(home, ['select', '1', '--attr', 'wombat'], /^grun: no such run attribute 'wombat'\n/);
  });
});

describe('run --run-id and --run-dir', () => {
  test('--run-id names the run; a used id is refused and the run is left alone', () => {
    const home = emptyHome();
    const cwd = project({ 'say.py': 'msg = "hi"\nprint(msg)\n' });
    assert.equal(ok(home, ['run', 'say.py', '--run-id', 'aaa', '-y'], { cwd }).trim(), 'hi');
    assert.equal(ok(home, ['select', '--attr', 'id']).trim(), 'aaa');
    const before = readFileSync(join(home, 'runs', 'aaa', '.guild', 'attrs', 'started'), 'utf8');
    fails(home, ['run', 'say.py', 'msg=again', '--run-id', 'aaa', '-y'], /run ID 'aaa' is already used/, { cwd });
    assert.equal(readFileSync(join(home, 'runs', 'aaa', '.guild', 'attrs', 'started'), 'utf8'), before);
    fails(home, ['run', 'say.py', '--run-id', '../x', '-y'], /invalid run ID '\.\.\/x'/, { cwd });
  });

  test('--run-dir stages into a directory outside the home and says how to start it', () => {
    const home = emptyHome();
    const cwd = project({ 'say.py': 'msg = "hi"\nprint(msg)\n' });
    const runDir = join(tempDir(), 'elsewhere');
    const out = ok(home, ['run', 'say.py', '--stage', '--run-dir', runDir, '-y'], { cwd });
    assert.match(out, new RegExp(`^say\\.py staged in '${runDir}'\\nTo start the operation, use "\\(cd '${runDir}' && source \\.guild/ENV && .+say\\.py.*\\)"\\n$`));
    assert.ok(existsSync(join(runDir, '.guild', 'STAGED')));
    assert.ok(existsSync(join(runDir, 'say.py')));
    assert.equal(ok(home, ['runs', '-a']), '', 'not in the home');
    fails(home, ['run', 'say.py', '--stage', '--run-dir', runDir, '-y'], /already holds a run/, { cwd });
    assert.equal(grun(home, ['runs']).code, 0);
  });
});

describe('run --restart and the default operation', () => {
  const guildYml = 'op:\n  exec: python -c "import sys; print(${code}); sys.exit(${code})"\n  flags:\n    code: 0\n';

  test('with no operation, the only operation of guild.yml runs', () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': guildYml });
    const r = grun(home, ['run', 'code=3', '-y'], { cwd });
    assert.equal(r.code, 3, r.err);
    assert.equal(r.out, '3\n');
    assert.match(ok(home, ['runs', '-s'], { cwd }), /^\[1\] {2}op {2}error {2}code=3\n$/);
  });

  test('--restart reruns a run in its own directory with its flags, or new ones', () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': guildYml });
    assert.equal(grun(home, ['run', 'op', 'code=11', '-y'], { cwd }).code, 11);
    const id = ok(home, ['select']).trim();
    writeFileSync(join(home, 'runs', id, 'kept.txt'), 'x');
    const again = grun(home, ['run', '--restart', id.slice(0, 8), '-y']);
    assert.equal(again.code, 11, again.err);
    assert.equal(again.out, '11\n', 'the output starts afresh');
    const changed = grun(home, ['run', '--restart', id, 'code=22', '-y']);
    assert.equal(changed.code, 22, changed.err);
    assert.match(ok(home, ['runs', '-s'], { cwd }), /^\[1\] {2}op {2}error {2}code=22\n$/, 'one run, relabelled');
    assert.equal(ok(home, ['select', '--attr', 'flags']).trim(), 'code: 22');
    assert.ok(existsSync(join(home, 'runs', id, 'kept.txt')));
    assert.equal(readFileSync(join(home, 'runs', id, '.guild', 'output'), 'utf8'), '22\n');
    fails(home, ['run', '--restart', id, 'op', '-y'], /'op': --restart takes a run and NAME=VALUE flags/);
  });

  test('a restart that is not confirmed leaves the run as it was', () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': guildYml });
    assert.equal(grun(home, ['run', 'op', 'code=11', '-y'], { cwd }).code, 11);
    const id = ok(home, ['select']).trim();
    fails(home, ['run', '--restart', id, 'code=22'], /needs a confirmation and stdin is not a terminal/);
    assert.equal(ok(home, ['select', '--attr', 'flags']).trim(), 'code: 11');
    assert.equal(readFileSync(join(home, 'runs', id, '.guild', 'output'), 'utf8'), '11\n');
  });
});

describe('guild.yml: include, anonymous operations entries, main by default', () => {
  test('- include: pulls in entries of another file; $include in operations; no main runs the module named after the op', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': '- include: more.yml\n- operations:\n    $include: shared\n    say-hi:\n      flags:\n        who: world\n',
      'more.yml': '- config: shared\n  operations:\n    shout:\n      main: say_hi\n      flags:\n        who: WORLD\n',
      'say_hi.py': 'who = "nobody"\nprint("hi " + who)\n',
    });
    assert.equal(ok(home, ['run', 'say-hi', '-y'], { cwd }), 'hi world\n');
    assert.equal(ok(home, ['run', 'shout', '-y'], { cwd }), 'hi WORLD\n');
    assert.equal(ok(home, ['operations'], { cwd }), 'say-hi  \nshout   \n', 'guild.yml operations only, sorted (an empty description keeps its padding, as Guild prints it)');
  });

  test('an include cycle and a missing include are refused by name', () => {
    const home = emptyHome();
    const loop = project({ 'guild.yml': '- include: b.yml\n', 'b.yml': '- include: guild.yml\n' });
    fails(home, ['run', 'x', '-y'], /cycle in 'includes'/, { cwd: loop });
    const missing = project({ 'guild.yml': '- include: nope.yml\n' });
    fails(home, ['run', 'x', '-y'], /include 'nope\.yml': no such file/, { cwd: missing });
  });
});

describe("operations -a/-i/-v (Guild 0.9.1's output)", () => {
  // Each expected text is what `guild operations` printed for this project (less trailing spaces).
  const files = {
    'guild.yml':
      "- model: ''\n  operations:\n" +
      '    prepare:\n      description: |\n        Prepare data\n        It\'s quick\n        Really\n      exec: echo prep\n' +
      '      flags:\n        n:\n          description: "Don\'t\\nstop"\n          default: 2.0\n        s: \'a,b\'\n        l: [a, \'b,c\', 1.0]\n' +
      '    train:\n      main: train --x 1\n      flags-import: all\n      requires:\n        - operation: prepare\n' +
      '      flags:\n        lr:\n          description: Learning rate\n' +
      '    say-hi:\n      flags:\n        who: world\n' +
      '    _helper:\n      exec: echo help\n' +
      '- model: _lab\n  operations:\n    go:\n      exec: echo go\n' +
      '- model: m\n  operations:\n    eval:\n      description: Evaluate\n      exec: echo eval\n',
    'train.py':
      'import argparse\np = argparse.ArgumentParser()\np.add_argument("--epochs", type=int, default=3, help="how many")\n' +
      'p.add_argument("--x", type=int, default=0)\np.add_argument("--lr", type=float, default=0.1)\nargs = p.parse_args()\n',
  };
  const details: Record<string, string> = {
    _helper: '  main:\n  flags: []\n  details: []\n',
    prepare:
      '  main:\n  flags: ["l: (default is [a, \'b,c\', 1.0])", "n: Don\'t\\nstop (default is 2.0)", \'s: (default is a,b)\']\n' +
      '  details: ["It\'s quick", \'\', \'Really\']\n',
    'say-hi': "  main: say_hi\n  flags: ['who: (default is world)']\n  details: []\n",
    train:
      "  main: train --x 1\n  flags: ['epochs: how many (default is 3)', 'lr: Learning rate (default is 0.1)', 'x: (default is 0)', " +
      "'operation:prepare: (default is null)']\n  details: []\n",
    '_lab:go': '  main:\n  flags: []\n  details: []\n',
    'm:eval': '  main:\n  flags: []\n  details: []\n',
  };

  test('private operations (a name or model name starting with _) only with -a; sorted by model, then name', () => {
    const home = emptyHome();
    const cwd = project(files);
    const listed = 'prepare  Prepare data\nsay-hi   \ntrain    \nm:eval   Evaluate\n';
    assert.equal(ok(home, ['operations'], { cwd }), listed);
    assert.equal(ok(home, ['ops', '-a'], { cwd }), '_helper  \nprepare  Prepare data\nsay-hi   \ntrain    \n_lab:go  \nm:eval   Evaluate\n');
    assert.equal(ok(home, ['operations', '-i'], { cwd }), listed, 'no installed packages: the same list');
    // FILTER...: each in the name or the description's first line, case ignored
    assert.equal(ok(home, ['operations', 'DATA'], { cwd }), 'prepare  Prepare data\n');
    assert.equal(ok(home, ['operations', 'a', 'm:'], { cwd }), 'm:eval  Evaluate\n');
    assert.equal(ok(home, ['operations', 'quick'], { cwd }), '', 'details are not searched');
    assert.equal(ok(home, ['operations', 'help'], { cwd }), '');
    assert.equal(ok(home, ['operations', '-a', 'help'], { cwd }), '_helper  \n');
    assert.equal(ok(home, ['operations', '--all', '--installed'], { cwd }), ok(home, ['operations', '-a'], { cwd }));
    assert.doesNotMatch(ok(home, ['operations', '--help']), /Guild options not supported yet/);
  });

  test("-v: each operation's main, flags (imported and dependency flags too) and description details", () => {
    const home = emptyHome();
    const cwd = project(files);
    const row = (name: string, desc = ''): string => `${name.padEnd(9)}${desc}\n${details[name]}`;
    assert.equal(
      ok(home, ['operations', '-v'], { cwd }),
      row('prepare', 'Prepare data') + row('say-hi') + row('train') + row('m:eval', 'Evaluate'),
    );
    assert.equal(
      ok(home, ['operations', '-a', '--verbose'], { cwd }),
      row('_helper') + row('prepare', 'Prepare data') + row('say-hi') + row('train') + row('_lab:go') + row('m:eval', 'Evaluate'),
    );
  });
});

describe('ls -s/-d/-g and run --help-op', () => {
  test('ls -s lists source code, -g what the run wrote, -d its dependencies (by the manifest)', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml': 'up:\n  main: write\ndown:\n  main: write\n  flags:\n    name: res.txt\n  requires:\n    - operation: up\n      select: out.txt\n',
      'write.py': 'name = "out.txt"\nopen(name, "w").write("x")\n',
    });
    ok(home, ['run', 'up', '-y'], { cwd });
    ok(home, ['run', 'down', '-y'], { cwd });
    assert.equal(ok(home, ['ls', '-ns']), 'guild.yml\nwrite.py\n');
    assert.equal(ok(home, ['ls', '-ng']), 'res.txt\n');
    assert.equal(ok(home, ['ls', '-nd']), 'out.txt\n');
    assert.equal(ok(home, ['ls', '-nsd']), 'guild.yml\nout.txt\nwrite.py\n');
    assert.equal(ok(home, ['ls', '-nd', '2']), '', 'the upstream run has none');
    assert.equal(ok(home, ['ls', '-ng', '2']), 'out.txt\n');
    assert.match(ok(home, ['ls', '-s']), /^.+:\n {2}guild\.yml\n {2}write\.py\n$/);
  });

  test("a run with an operation dependency logs Guild's resolution lines on stderr", () => {
    const home = emptyHome();
    const cwd = project({ 'guild.yml': 'up:\n  main: w\ndown:\n  main: w\n  requires:\n    - operation: up\n', 'w.py': 'print("ran")\n' });
    const up = grun(home, ['run', 'up', '-y'], { cwd });
    assert.equal(up.err, '', 'nothing to resolve');
    const upId = ok(home, ['select']).trim();
    const down = grun(home, ['run', 'down', '-y'], { cwd });
    assert.equal(down.code, 0, down.err);
    assert.equal(down.out, 'ran\n');
    assert.equal(down.err, `Resolving operation:up\nUsing run ${upId} for operation:up\n`);
  });

  test('--help-op shows usage, description and sorted flags without resolving dependencies', () => {
    const home = emptyHome();
    const cwd = project({
      'guild.yml':
        'train:\n  description: Trains it\n  main: t\n  flags:\n    zeta: 1\n    alpha:\n      description: First letter\n      default: 0.5\n    mode:\n      choices: [a, b]\n      default: a\n  requires:\n    - operation: prep\n',
      't.py': '',
    });
    assert.equal(
      ok(home, ['run', 'train', '--help-op'], { cwd }),
      // as Guild 0.9.1 prints it for the same guild.yml
      "Usage: grun run [OPTIONS] train [FLAG]...\n\nTrains it\n\nUse 'grun run --help' for a list of options.\n\n" +
        'Flags:\n  alpha           First letter (default is 0.5)\n  mode            (default is a)\n' +
        `${' '.repeat(18)}\n${' '.repeat(18)}Choices:  a, b\n\n  zeta            (default is 1)\n  operation:prep\n`,
    );
    assert.equal(ok(home, ['runs', '-a']), '', 'nothing ran');
  });
});

describe('run --gpus/--no-gpus, --force-flags, usage errors', () => {
  const script = { 'g.py': 'import os\nprint(os.getenv("CUDA_VISIBLE_DEVICES"))\n' };

  test('--gpus sets CUDA_VISIBLE_DEVICES, --no-gpus empties it; a staged start may change it; a restart keeps the run\'s own', () => {
    const home = emptyHome();
    const cwd = project(script);
    const env = { ...process.env };
    delete env.CUDA_VISIBLE_DEVICES;
    assert.equal(ok(home, ['run', 'g.py', '--gpus', '0,1', '-y'], { cwd }), '0,1\n');
    assert.equal(ok(home, ['run', 'g.py', '--no-gpus', '-y'], { cwd }), '\n');
    ok(home, ['run', 'g.py', '--run-id', 'bbb', '--gpus', '0,1', '--stage', '-y'], { cwd });
    assert.equal(ok(home, ['run', '--start', 'bbb', '--gpus', '2', '-y']), '2\n');
    assert.equal(ok(home, ['run', '--restart', 'bbb', '--no-gpus', '-y']), '\n');
    assert.equal(ok(home, ['run', '--restart', 'bbb', '-y']), '0,1\n', 'the gpus it was staged with');
    const r = fails(home, ['run', 'g.py', '--gpus', '0', '--no-gpus', '-y'], /^grun: --no-gpus and --gpus cannot both be used\n/, { cwd });
    assert.equal(r.err, "grun: --no-gpus and --gpus cannot both be used\nTry 'grun run --help' for more information.\n");
  });

  test('--force-flags passes a flag the operation does not define', () => {
    const home = emptyHome();
    const cwd = project({ 'a.py': 'import argparse\np = argparse.ArgumentParser()\np.add_argument("--x", type=int, default=1)\nprint(p.parse_known_args()[1])\n' });
    fails(home, ['run', 'a.py', 'extra=3', '-y'], /unknown flag 'extra' for a\.py: expected one of x/, { cwd });
    assert.equal(ok(home, ['run', 'a.py', 'extra=3', '--force-flags', '-y'], { cwd }), "['--extra', '3']\n");
    assert.equal(ok(home, ['run', 'a.py', 'extra=4', '-f', '-y'], { cwd }), "['--extra', '4']\n", "Guild's -f");
  });

  test("Guild's other names: compare --limit (=N too); push -n; nothing past -- is rewritten", () => {
    const home = copyFixtureHome();
    assert.equal(ok(home, ['compare', '--limit=2', '--csv', '-']).trimEnd().split('\n').length, 3);
    assert.equal(ok(home, ['compare', '--limit', '1', '--csv', '-']).trimEnd().split('\n').length, 2);
    assert.match(ok(home, ['push', '--help']), /Guild's -n/);
    assert.doesNotMatch(ok(home, ['push', '--help']), /not supported yet:.* -n\b/);
  });

  test('run --help-model shows the operations and resources of the operation\'s model', () => {
    const cwd = project({
      'guild.yml': '- model: m\n  description: A model\n  operations:\n    train:\n      description: Train it\n      exec: echo\n    prep:\n      exec: echo\n  resources:\n    data:\n      description: The data\n      sources: [{file: a.txt}]\n',
    });
    const home = emptyHome();
    assert.equal(
      ok(home, ['run', 'm:train', '--help-model'], { cwd }),
      "Usage: grun run [OPTIONS] m:OPERATION [FLAG]...\n\nA model\n\nUse 'grun run m:OPERATION --help-op' for help on a particular operation.\n\nOperations:\n  prep\n  train  Train it\n\nResources:\n  data  The data\n",
    );
    fails(home, ['run', 'nope', '--help-model'], /--help-model: no operation 'nope' in/, { cwd });
  });

  test("Guild's other names of run options: --trials, -bl/-bt/-bc, -N, -X, -d", () => {
    const home = emptyHome();
    const cwd = project({ 'a.py': 'x = 1\nprint(x)\n' });
    assert.match(ok(home, ['run', 'a.py', 'x=[1,2,3]', '--trials=2', '--print-trials'], { cwd }), /^# {2}x\n1 {2}[123]\n2 {2}[123]\n$/, 'a sample of 2');
    ok(home, ['run', 'a.py', 'x=[1,2]', '-bl', 'sweep', '-bt', 'b', '-bc', 'why', '--keep-batch', '-y'], { cwd });
    const batch = JSON.parse(ok(home, ['runs', '--json'])).find((r: { operation: string }) => r.operation === 'a.py+');
    assert.equal(batch.label, 'sweep');
    assert.deepEqual(batch.tags, ['b']);
    assert.match(JSON.stringify(batch.comments), /"why"/);
    const help = ok(home, ['run', '--help']);
    assert.match(help, /-N, --minimize <column>/);
    assert.match(help, /-X, --maximize <column>/);
    assert.match(help, /-d, --run-dir <dir>/);
    assert.doesNotMatch(help, /not supported yet:.* (-f|-Fo|-bl|--trials|-D|--print-env)\b/);
  });

  test("a bad -S status char ends with Guild's Try line", () => {
    const r = grun(copyFixtureHome(), ['runs', '-Sxyz']);
    assert.equal(r.code, 1);
    assert.equal(r.err, "grun: unrecognized status char 'x' in option '-S'\nTry 'grun runs --help' for more information.\n");
  });
});

describe("Guild's options grun lacks, and -C", () => {
  test('a Guild option grun lacks is refused by name; an option nobody has stays unknown', () => {
    const home = copyFixtureHome();
    const r = grun(home, ['compare', '--tool']);
    assert.equal(r.code, 1);
    assert.equal(r.err, "grun: '--tool' is a Guild option grun does not support yet\nTry 'grun compare --help' for more information.\n");
    fails(home, ['--debug-listen', 'x', 'runs'], /^grun: '--debug-listen' is a Guild option grun does not support yet/);
    fails(home, ['run', 'x.py', '--break-on-error', '-y'], /'--break-on-error' is a Guild option grun does not support yet/);
    const wombat = grun(home, ['runs', '--wombat']);
    assert.equal(wombat.err, "grun: unknown option '--wombat'\nTry 'grun runs --help' for more information.\n", 'a parse error as grun prints its usage errors');
    assert.equal(wombat.code, 2, "exit 2, as Guild's click");
    // A value that looks like an option is the value of the option before it.
    assert.equal(grun(home, ['compare', '-Fl', '--tool']).code, 0);
    // Guild's two-letter shorts that grun rewrites are grun's own.
    assert.equal(grun(home, ['compare', '-cc', '.id', '-t']).code, 0);
  });

  test("each command's help names the Guild options it does not support yet", () => {
    const home = emptyHome();
    const help = ok(home, ['compare', '--help']);
    assert.match(help, /\nGuild options not supported yet: [^\n]*--tool/);
    assert.doesNotMatch(help.slice(help.indexOf('Guild options not supported')), /--all-scalars|-Fo|-Sc/);
    assert.match(ok(home, ['--help']), /\nGuild options not supported yet: --debug-listen -D\n/);
    assert.match(ok(home, ['--help']), /\n {2}--debug {2,}log debug messages/);
  });

  test('-C DIR runs the command as if started in DIR', () => {
    const home = emptyHome();
    const cwd = project({ 'hi.py': 'print("hi")\n' });
    assert.equal(ok(home, ['-C', cwd, 'run', 'hi.py', '-y']), 'hi\n');
    fails(home, ['-C', join(cwd, 'nope'), 'runs'], /-C .*nope: no such directory/);
  });
});

describe("Guild's editor options: run -ec/-ebc/-e, comment with no action or -e", () => {
  /** An $EDITOR that runs `body` on the file it is given (`$1`), keeping what it was shown in `shown`. */
  function editor(body: string): { env: NodeJS.ProcessEnv; shown: string } {
    const dir = tempDir('grun-editor-');
    const shown = join(dir, 'shown');
    const bin = join(dir, 'edit');
    writeFileSync(bin, `#!/bin/sh\ncp "$1" ${shown}\n${body}\n`, { mode: 0o755 });
    return { env: { VISUAL: '', EDITOR: bin }, shown };
  }

  test('-ec: the comment typed, lines starting with # left out; an empty one aborts and starts nothing', () => {
    const home = emptyHome();
    const cwd = project({ 'a.py': 'x = 1\nprint(x)\n' });
    const ed = editor(`printf 'typed\\n# not this\\n' > "$1"`);
    assert.equal(grun(home, ['run', 'a.py', '-ec', '-c', 'start', '-y'], { cwd, env: ed.env }).code, 0);
    assert.match(readFileSync(ed.shown, 'utf8'), /^start\n# Type a comment for the run\./);
    assert.match(ok(home, ['comment', '--list']), /\n {2}typed\n/);
    const r = grun(home, ['run', 'a.py', '-ec', '-y'], { cwd, env: editor(`printf '# only a comment\\n' > "$1"`).env });
    assert.equal(r.code, 1);
    assert.equal(r.err, 'grun: Aborting due to an empty comment.\n');
    assert.equal(ok(home, ['runs']).trimEnd().split('\n').length, 1, 'no second run');
  });

  test('-e: the flags edited as YAML are the run\'s; an editor that is not there fails by name', () => {
    const home = emptyHome();
    const cwd = project({ 'a.py': 'x = 1\ny = "a"\nprint(x, y)\n' });
    const ed = editor(`sed -i 's/^x: .*/x: 5/' "$1"`);
    assert.equal(ok(home, ['run', 'a.py', '-e', 'y=b', '-y'], { cwd, env: ed.env }), '5 b\n');
    assert.equal(readFileSync(ed.shown, 'utf8'), '# Editing flags for a.py\n\nx: 1\ny: b\n');
    const r = grun(home, ['run', 'a.py', '-e', '-y'], { cwd, env: { VISUAL: '', EDITOR: '/nonexistent/editor' } });
    assert.equal(r.code, 1);
    assert.match(r.err, /^grun: \/nonexistent\/editor: Editing failed/);
    // none named and no terminal: no editor is guessed (it would wait for keys that never come)
    const none = grun(home, ['run', 'a.py', '-e', '-y'], { cwd, env: { VISUAL: '', EDITOR: '' } });
    assert.deepEqual([none.code, none.err], [1, 'grun: no editor to type in: stdin is not a terminal and neither $VISUAL nor $EDITOR is set\n']);
  });

  test('comment with no action opens the editor on the runs it comments; -e starts from -a', () => {
    const home = copyFixtureHome();
    const ed = editor(`sed -i 's/^first/first line/' "$1"`);
    const r = grun(home, ['comment', '1', '-e', '-a', 'first'], { env: ed.env });
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(ed.shown, 'utf8'), /^first\n# Type a comment for the runs below\.[^]*# Runs:\n# {4}\[\w{8}\] {2}train/);
    assert.match(ok(home, ['comment', '1', '--list']), / {2}first line\n/);
    assert.equal(grun(home, ['comment', '1'], { env: editor(`printf '\\n' > "$1"`).env }).err, 'grun: Aborting due to an empty comment.\n');
    assert.match(grun(home, ['comment', '-e', '--clear']).err, /--edit and --clear cannot be used together/);
  });
});
