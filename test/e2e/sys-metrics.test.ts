// System metrics of a real run (the real binary, a real Python process tree): a script that burns
// CPU for 3 s with six burning children (the tree's CPU is summed) while another child holds
// 64 MiB records sys/cpu/util above 0.5, sys/mem_used above what the child holds (the tree's RSS,
// the child included) and, on a machine without nvidia-smi, no GPU scalar.
// Each burner starts its own session: with the kernel's autogroup scheduling (on by default) a
// session shares one CPU slot however many processes it runs, so on a loaded machine the burners
// of one session got 0.3 of a core between them, six sessions a whole core (measured at load 15
// on 2 cores). The tree is busy either way; only the scheduler's split differs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunScalars, readScalarSeries } from '../../src/store/scalars.js';
import { parseNvidiaSmi, runGpus } from '../../src/engine/sys-metrics.js';
import { emptyHome, grunBin, tempDir } from '../helpers/home.js';

const hasSmi = spawnSync('sh', ['-c', 'command -v nvidia-smi']).status === 0;

describe('system metrics', () => {
  test('a 3 s CPU burner (six burning children) with a child holding 64 MiB: sys/cpu/util > 0.5, sys/mem_used counts the child, no GPU scalars without nvidia-smi', () => {
    const project = tempDir('grun-sys-proj-');
    writeFileSync(join(project, 'burn.py'), [
      'import os, subprocess, sys, time',
      'child = subprocess.Popen([sys.executable, "-c", "b = bytearray(64 << 20)\\nfor i in range(0, len(b), 4096): b[i] = 1\\nimport time; time.sleep(30)"])',
      'burn = "import time\\nt = time.time()\\nwhile time.time() - t < 3.0: pass"',
      'burners = [subprocess.Popen([sys.executable, "-c", burn], start_new_session=True) for _ in range(6)]',
      't = time.time()',
      'while time.time() - t < 3.0:',
      '    pass',
      'for b in burners: b.wait()',
      'child.kill()',
      'child.wait()',
      'tm = os.times()',
      // what the tree itself got: the truth the samples are checked against
      'print(f"tree_cpu: {tm.user + tm.system + tm.children_user + tm.children_system}")',
      'print(f"tree_share: {(tm.user + tm.system + tm.children_user + tm.children_system) / (time.time() - t)}")',
      '',
    ].join('\n'));
    const home = emptyHome();
    const intervalS = 0.5;
    const r = spawnSync(grunBin, ['-H', home, 'run', 'burn.py', '-y'], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', GRUN_SYS_INTERVAL_MS: String(intervalS * 1000) }, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const [id] = readdirSync(join(home, 'runs'));
    const dir = join(home, 'runs', id!);
    const cpu = readScalarSeries(dir, 'sys/cpu/util').map((p) => p.value);
    const mem = readScalarSeries(dir, 'sys/mem_used').map((p) => p.value);
    const truth = readScalarSeries(dir, 'tree_cpu')[0]!.value;
    const share = readScalarSeries(dir, 'tree_share')[0]!.value;
    assert.ok(cpu.length >= 4, `sampled every ${intervalS} s: ${cpu.length}`);
    // the samples add up to the CPU time the whole tree had (burning children included)
    const integral = cpu.reduce((a, v) => a + v * intervalS, 0);
    assert.ok(integral > 0.6 * truth && integral < 1.3 * truth, `samples add to ${integral} s of CPU; the tree had ${truth} s`);
    assert.ok(Math.max(...cpu) > 0.5, `sys/cpu/util ${cpu.join(' ')}; the tree had ${share} of a core over the burn`);
    assert.ok(Math.max(...mem) > 64 * 1024 * 1024, `sys/mem_used ${mem.join(' ')} holds the child's 64 MiB`);
    const tags = readRunScalars(dir).summaries.map((s) => s.tag);
    if (!hasSmi) assert.deepEqual(tags.filter((t) => t.startsWith('sys/gpu')), [], 'no nvidia-smi: no GPU scalar');
  });

  test("nvidia-smi's CSV read; only the run's GPUs", () => {
    assert.deepEqual(parseNvidiaSmi('0, 45, 1024, 4096\n1, 3, 0, 4096\nbad line\n'), [
      { index: 0, util: 0.45, memUsed: 1024 * 1024 * 1024, memUtil: 0.25 },
      { index: 1, util: 0.03, memUsed: 0, memUtil: 0 },
    ]);
    assert.deepEqual(runGpus({ CUDA_VISIBLE_DEVICES: '1,3' }), [1, 3]);
    assert.deepEqual(runGpus({ CUDA_VISIBLE_DEVICES: '' }), []);
    assert.equal(runGpus({}), null);
  });
});
