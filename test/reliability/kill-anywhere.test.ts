// Kill anywhere: SIGKILL at random moments to real grun processes doing real work (launching,
// staging a sweep, writing attrs, deleting to the trash, restoring, importing, and the supervisor
// of a running run); after each kill every invariant of the home is checked (helpers.checkHome).
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listAttrNames } from '../../src/store/attrs.js';
import { isProcessAlive } from '../../src/store/proc.js';
import { copyFixtureHome, emptyHome, tempDir } from '../helpers/home.js';
import {
  checkHome,
  figures,
  formatViolations,
  FULL,
  kill,
  killAllOf,
  rng,
  runGrun,
  seed,
  size,
  spawnGrun,
  waitUntil,
  type Exit,
  supervisorsOf,
} from './helpers.js';

const WORK_SH = `echo start
i=0; while [ $i -lt 6 ]; do echo "step $i loss=0.$i"; i=$((i+1)); sleep 0.05; done
echo done
`;
const GUILD_YML = `work:
  exec: bash work.sh
  flags:
    x: 1
`;

const ID = /\b([0-9a-f]{32})\b/;

interface Lane {
  name: string;
  cwd: string;
  expected: Set<string>;
  template: string; // a completed run dir to import copies of
  n: number;
}

interface Job {
  op: string;
  args: string[];
  /** Called with the exit, whether killed or not; may add to the lane's expected runs. */
  done?: (e: Exit, killed: boolean) => void;
  /** Kill this process instead of grun itself (the supervisor op). */
  target?: () => Promise<number | null>;
}

function inPlace(home: string, lane: Lane, where: 'runs' | 'trash'): string[] {
  const base = where === 'runs' ? join(home, 'runs') : join(home, 'trash', 'runs');
  return [...lane.expected].filter((id) => existsSync(join(base, id)));
}

function newId(r: () => number): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

function makeJob(home: string, lane: Lane, r: () => number): Job {
  const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(r() * xs.length)];
  const live = inPlace(home, lane, 'runs');
  const trashed = inPlace(home, lane, 'trash');
  const ackLaunch = (e: Exit): void => {
    const m = ID.exec(e.stdout);
    if (e.code === 0 && m) lane.expected.add(m[1]!);
  };
  const ops: Array<() => Job | null> = [
    () => ({ op: 'launch', args: ['run', '-y', '-b', 'work.sh'], done: ackLaunch }),
    () => ({ op: 'stage', args: ['run', '--stage', '-y', 'work.sh'], done: ackLaunch }),
    () => ({
      op: 'stage-sweep',
      args: ['submit', '-y', '--stage', '--no-memo', JSON.stringify({ workflow: 'work', params: { x: { values: [1, 2, 3] } } })],
    }),
    () => {
      const id = pick(live);
      return id ? { op: 'label', args: ['label', '-s', `l${lane.n++}`, '-y', id] } : null;
    },
    () => {
      const id = pick(live);
      return id ? { op: 'tag', args: ['tag', '-a', `t${lane.n++}`, '-y', id] } : null;
    },
    () => {
      const id = pick(live);
      return id ? { op: 'comment', args: ['comment', '-a', `c${lane.n++}`, '-y', id] } : null;
    },
    () => {
      const id = pick(live);
      return id ? { op: 'mark', args: ['mark', ...(r() < 0.5 ? ['-c'] : []), '-y', id] } : null;
    },
    () => {
      const id = pick(live);
      return id ? { op: 'delete', args: ['runs', 'delete', '-y', id] } : null;
    },
    () => {
      const id = pick(trashed);
      return id ? { op: 'restore', args: ['runs', 'restore', '-y', id] } : null;
    },
    () => {
      const id = newId(r);
      const arch = tempDir('grun-arch-');
      cpSync(lane.template, join(arch, id), { recursive: true, verbatimSymlinks: true });
      return {
        op: 'import',
        args: ['import', '-y', arch],
        done: (e) => {
          const dest = join(home, 'runs', id);
          if (e.code === 0 || existsSync(dest)) lane.expected.add(id);
          // An imported run is complete or absent: never a part of the archive's run.
          if (existsSync(dest)) {
            assert.deepEqual(listAttrNames(dest), listAttrNames(lane.template), `import of ${id} is incomplete`);
          }
        },
      };
    },
    () => ({
      op: 'supervisor',
      args: ['run', '-y', '-b', 'work.sh'],
      done: ackLaunch,
      // Killed at a random moment of its life: writing the run dir, running, or finishing it.
      target: async () => {
        try {
          await waitUntil('a supervisor', () => supervisorsOf(home).length > 0, 5_000);
        } catch {
          return null;
        }
        return supervisorsOf(home)[0] ?? null;
      },
    }),
  ];
  for (;;) {
    const j = pick(ops)!();
    if (j) return j;
  }
}

/** Mean wall time of each op when not killed, to spread kills over a process's whole life. */
const durations = new Map<string, number>();

async function oneKill(home: string, lane: Lane, r: () => number): Promise<{ op: string; killed: boolean }> {
  const job = makeJob(home, lane, r);
  const t0 = Date.now();
  const { proc, exit } = spawnGrun(job.args, { home, cwd: lane.cwd });
  let killed = false;
  let ended = false;
  void exit.then(() => (ended = true));
  if (job.target) {
    const pid = await job.target();
    if (pid !== null) {
      await sleep(r() * 400);
      killed = kill(pid);
      // SIGKILL is delivered at once but the process takes a moment to die; a reader in that
      // moment rightly sees it alive. Check the home once it is gone.
      if (killed) await waitUntil('the killed supervisor to die', () => !isProcessAlive(pid), 10_000);
    }
  } else {
    const d = durations.get(job.op) ?? 400;
    await sleep(d * (0.15 + r()));
    if (!ended) killed = kill(proc.pid);
  }
  const e = await exit;
  if (!killed && e.code === 0) {
    const prev = durations.get(job.op);
    const t = Date.now() - t0;
    durations.set(job.op, prev === undefined ? t : (prev * 3 + t) / 4);
  }
  job.done?.(e, killed);
  if (!killed && e.code !== 0 && !/grun: /.test(e.stderr)) {
    throw new Error(`grun ${job.args.join(' ')} failed without a message (${e.code}): ${e.stderr}`);
  }
  return { op: job.op, killed };
}

describe('reliability: kill anywhere', () => {
  const homes: string[] = [];
  after(() => homes.forEach(killAllOf));

  test('what an import killed mid-copy leaves in runs/ is not listed as a second run', async () => {
    const home = copyFixtureHome();
    const id = readdirSync(join(home, 'runs')).sort()[0]!;
    // The state a SIGKILL between copy and rename leaves (archive.ts copies to a temp name first).
    cpSync(join(home, 'runs', id), join(home, 'runs', `.grun-tmp-${id.slice(0, 8)}-0bad`), { recursive: true, verbatimSymlinks: true });
    const { violations } = checkHome(home, { expected: [id] });
    assert.equal(formatViolations(violations), '');
    const listed = await runGrun(['runs', 'list', '--json'], { home });
    assert.equal(listed.code, 0, listed.stderr);
    const ids = (JSON.parse(listed.stdout) as Array<{ id: string }>).map((r) => r.id);
    assert.equal(ids.filter((x) => x === id).length, 1);
    assert.ok(!ids.some((x) => x.startsWith('.')), `a temp dir is listed: ${ids.join(' ')}`);
  });

  test(`${size(50, 500)} SIGKILLs at random moments leave every run loadable, whole and honest`, { timeout: FULL ? 3_600_000 : 240_000 }, async () => {
    const target = size(50, 500);
    const laneCount = 2;
    const home = emptyHome();
    homes.push(home);
    const lanes: Lane[] = [];
    for (let i = 0; i < laneCount; i++) {
      const cwd = tempDir('grun-kproj-');
      writeFileSync(join(cwd, 'work.sh'), WORK_SH);
      writeFileSync(join(cwd, 'guild.yml'), GUILD_YML);
      const lane: Lane = { name: `lane${i}`, cwd, expected: new Set(), template: '', n: 0 };
      for (let k = 0; k < 3; k++) {
        const before = readdirSync(join(home, 'runs'));
        const e = await runGrun(['run', '-y', '-q', 'work.sh'], { home, cwd });
        assert.equal(e.code, 0, e.stderr);
        lane.expected.add(readdirSync(join(home, 'runs')).find((id) => !before.includes(id))!);
      }
      lane.template = join(tempDir('grun-ktpl-'), 'run');
      cpSync(join(home, 'runs', [...lane.expected][0]!), lane.template, { recursive: true, verbatimSymlinks: true });
      lanes.push(lane);
    }
    const r = rng(seed);
    const byOp = new Map<string, number>();
    let kills = 0;
    let attempts = 0;
    const failures: string[] = [];
    const maxAttempts = target * 4;
    await Promise.all(
      lanes.map(async (lane) => {
        while (kills < target && attempts < maxAttempts && failures.length === 0) {
          attempts++;
          const { op, killed } = await oneKill(home, lane, r);
          if (!killed) continue;
          kills++;
          figures.kills++;
          byOp.set(op, (byOp.get(op) ?? 0) + 1);
          const expected = lanes.flatMap((l) => [...l.expected]);
          const { violations } = checkHome(home, { expected });
          if (violations.length) failures.push(`after killing ${op} (seed ${seed}, kill ${kills}):\n${formatViolations(violations)}`);
        }
      }),
    );
    // Let every detached supervisor end, then the home must still hold everything.
    await waitUntil('supervisors to end', () => supervisorsOf(home).length === 0, 30_000).catch(() => killAllOf(home));
    const final = checkHome(home, { expected: lanes.flatMap((l) => [...l.expected]) });
    figures.halfMadeDirs += final.halfMade;
    if (final.violations.length) failures.push(`at the end:\n${formatViolations(final.violations)}`);
    figures.failures += failures.length;
    if (process.env.GRUN_RELIABILITY_VERBOSE) process.stderr.write(`kills by op: ${JSON.stringify(Object.fromEntries(byOp))}\n`);
    assert.deepEqual(failures, []);
    assert.ok(kills >= target, `only ${kills} kills delivered in ${attempts} attempts`);
    assert.ok(byOp.size >= 8, `kills landed in too few kinds of work: ${[...byOp.keys()].join(', ')}`);
  });
});
