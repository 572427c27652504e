import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseDepRun, depOpref, depsAttr, opAttrDep, parseRequires, resolveDep, type FileDepSpec, type OperationDepSpec } from '../../src/engine/deps.js';
import type { ResolvedOperationDep } from '../../src/engine/plan-types.js';

import { listRuns } from '../../src/store/index.js';
import type { Opref } from '../../src/store/types.js';
import { parseYaml11 } from '../../src/store/yaml11.js';
import { copyFixtureHome } from '../helpers/home.js';

const TRAIN: Opref = { pkgType: 'guildfile', pkgName: '/home/alice/mnist/guild.yml', pkgVersion: 'x', modelName: '', opName: 'train' };
const PREPARE_17 = '5fe4ccc3174c4c9e9a212c98a4f108ec';
const PREPARE_20 = '9d33df1fe62b4f869c35c1c66bb6c2cd';
const SPEC = parseRequires([{ operation: 'prepare', select: 'data.txt' }], 'guild.yml')[0] as OperationDepSpec;

function attr(home: string, id: string, name: string) {
  return parseYaml11(readFileSync(join(home, 'runs', id, '.guild/attrs', name), 'utf8'));
}

describe('operation dependencies over the fixture home', () => {
  let shared: string | undefined;
  /** One read-only copy for the tests that do not change it. */
  const sharedHome = () => (shared ??= copyFixtureHome());

  test('the latest started prepare run is chosen; links, manifest and attrs as Guild wrote them', () => {
    const home = sharedHome();
    const run = chooseDepRun(listRuns(home, { noCache: true }), SPEC!, depOpref(SPEC!, TRAIN));
    assert.equal(run.id, PREPARE_20);
    const dep = resolveDep(SPEC!, run) as ResolvedOperationDep;
    assert.deepEqual(dep.links, [{ target: 'data.txt', linkTarget: `../${PREPARE_20}/data.txt`, source: join(home, 'runs', PREPARE_20, 'data.txt') }]);
    // Run c66e6a9a is the train step that Guild resolved against the same prepare run.
    const manifest = readFileSync(join(home, 'runs/c66e6a9adc7945ee87f50ab05afb16a5/.guild/manifest'), 'utf8');
    assert.ok(manifest.includes(`${dep.manifestLines[0]}\n`), dep.manifestLines[0]);
    assert.deepEqual(depsAttr([dep]), attr(home, 'c66e6a9adc7945ee87f50ab05afb16a5', 'deps'));
    const op = attr(home, 'c66e6a9adc7945ee87f50ab05afb16a5', 'op') as { deps: unknown[] };
    assert.deepEqual(opAttrDep(SPEC!, dep, '/home/alice/mnist'), op.deps[0]);
  });

  test('a marked run wins over a later one', () => {
    const home = copyFixtureHome();
    execFileSync('chmod', ['-R', 'u+w', home]);
    writeFileSync(join(home, 'runs', PREPARE_17, '.guild/attrs/marked'), 'true\n');
    const run = chooseDepRun(listRuns(home, { noCache: true }), SPEC!, depOpref(SPEC!, TRAIN));
    assert.equal(run.id, PREPARE_17);
  });

  test('runs in error, staged or pending are not chosen; none left is an error', () => {
    const home = copyFixtureHome();
    execFileSync('chmod', ['-R', 'u+w', home]);
    for (const id of [PREPARE_17, PREPARE_20]) writeFileSync(join(home, 'runs', id, '.guild/attrs/exit_status'), '1\n');
    assert.throws(() => chooseDepRun(listRuns(home, { noCache: true }), SPEC!, depOpref(SPEC!, TRAIN)), {
      name: 'DepFailure',
      message: "run failed because a dependency was not met: could not resolve 'operation:prepare' in operation:prepare resource: no suitable run for prepare",
    });
  });

  test('X=ID picks a run of the op by id prefix (the latest of several), a full id whatever it is', () => {
    const runs = listRuns(sharedHome(), { noCache: true });
    const choose = (idPrefix: string) => chooseDepRun(runs, SPEC!, depOpref(SPEC!, TRAIN), { idPrefix }).id;
    assert.equal(choose('5fe4'), PREPARE_17);
    assert.equal(choose(''), PREPARE_20);
    assert.equal(choose('c66e6a9adc7945ee87f50ab05afb16a5'), 'c66e6a9adc7945ee87f50ab05afb16a5');
    for (const prefix of ['zzz', 'c66e6a9a']) {
      assert.throws(() => choose(prefix), {
        name: 'DepFailure',
        message: "run failed because a dependency was not met: could not resolve 'operation:prepare' in operation:prepare resource: no suitable run for prepare",
      });
    }
  });

  test('requires entries other than operations and files are refused by name, and file options grun lacks too', () => {
    assert.throws(() => parseRequires([{ url: 'https://x/data.csv' }], 'guild.yml: operation \'train\''), {
      message: 'guild.yml: operation \'train\': requires entry {"url":"https://x/data.csv"}: grun supports \'- operation: NAME\', \'- file: PATH\', \'- config: FILE\' and resource names only',
    });
    assert.equal((parseRequires([{ file: 'data.tar.gz' }], 'g')[0] as FileDepSpec).unpack, true, 'an archive is unpacked');
    assert.throws(() => parseRequires([{ file: 'data.zip', unpack: 'maybe' }], 'g'), { message: `g: requires entry 'file: data.zip': unpack: expected yes or no, got "maybe"` });
    assert.throws(() => parseRequires([{ file: 'd', select: 'x' }], 'g'), { message: "g: requires entry 'file: d': 'select' is not supported by grun yet" });
    assert.deepEqual(parseRequires([{ file: 'data.zip', unpack: false, 'target-path': 'in' }], 'g'), [
      {
        kind: 'file', name: 'file:data.zip', resource: 'file:data.zip', path: 'data.zip', targetPath: 'in', targetType: 'copy', rename: [], unpack: false,
        replaceExisting: false, source: { file: 'data.zip', unpack: false, 'target-path': 'in' },
      },
    ]);
    assert.deepEqual(parseRequires({ operation: 'm:prep', 'target-path': 'in', name: 'data' }, 'g')[0]!.name, 'data');
  });
});
