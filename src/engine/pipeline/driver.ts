// The step driver: the process of a pipeline run (`grun __steps`, what Guild's
// `guild.steps_main` is to Guild), started by the run's supervisor like any command. It reads
// the run's own attrs (steps, flags, opref, run_params), then runs the graph: every step whose
// needs have completed starts at once (up to GRUN_MAX_PARALLEL), each as its own run under its
// own supervisor, linked from the pipeline's directory by its name before it starts, as Guild
// links them. A step whose inputs equal a completed run's is a memo hit (unless
// GRUN_STEP_MEMO=no). A step that fails or is stopped cancels everything downstream of it;
// independent branches go on. SIGTERM/SIGINT stop the running steps and cancel the waiting ones.
// Links of steps that completed are kept by a restart, which reruns only the others.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAttr } from '../../store/attrs.js';
import { GrunError } from '../../store/errors.js';
import { loadRun } from '../../store/index.js';
import { parseOpref } from '../../store/opref.js';
import { OutputReader } from '../../store/output.js';
import { readStepRecords, stepLinks, writeStepRecords, type StepRecord } from '../../store/pipeline.js';
import { guildPath } from '../../store/run.js';
import type { Run, YamlValue } from '../../store/types.js';
import { targets } from '../executor.js';
import { MemoIndex, planMemoKey, writeMemoRun } from '../memo.js';
import { matchingRuns } from '../needed.js';
import { planRun } from '../plan.js';
import { resolutionLines } from '../deps.js';
import { prepareStart } from '../restart.js';
import { reconcileSlurmRuns } from '../slurm/reconcile.js';
import { stopRuns } from '../stop.js';
import { downstreamOf, MAX_PARALLEL_ENV, parseSteps, STEP_MEMO_ENV, stepFlagArgs, stepLabelTags, STEPS_SUBMITTED_ENV, type PipelineStep } from './steps.js';

const POLL_MS = 50;

function attrOf(runDir: string, name: string): YamlValue | undefined {
  const a = readAttr(runDir, name);
  return a.kind === 'ok' ? a.value : undefined;
}

const asMap = (v: YamlValue | undefined): Record<string, YamlValue> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, YamlValue>) : {};

interface Live {
  run: Run;
  output: OutputReader;
}

const ENDED_OK = new Set(['completed', 'cached']);

/** Runs the pipeline in `runDir` to its end; returns the exit code (0: every step completed). */
export async function driveSteps(runDir: string, io: { out: NodeJS.WritableStream; log: NodeJS.WritableStream }): Promise<number> {
  const home = process.env.GUILD_HOME ?? dirname(dirname(runDir));
  const parentId = basename(runDir);
  const say = (line: string): void => void io.log.write(`INFO: [grun] ${line}\n`);
  if (process.env[STEPS_SUBMITTED_ENV] === 'yes') return recordSubmittedSteps(runDir, home, say);
  const opref = parseOpref(readFileText(guildPath(runDir, 'opref')));
  const steps = parseSteps(attrOf(runDir, 'steps'), opref.modelName);
  const flags = asMap(attrOf(runDir, 'flags'));
  const params = asMap(attrOf(runDir, 'run_params'));
  const seed = String(attrOf(runDir, 'random_seed') ?? '0');
  const projectDir = process.env.PROJECT_DIR ?? (opref.pkgType === 'guildfile' ? dirname(opref.pkgName) : opref.pkgName);
  const memo = process.env[STEP_MEMO_ENV] !== 'no';
  const maxParallel = Number(process.env[MAX_PARALLEL_ENV]) > 0 ? Number(process.env[MAX_PARALLEL_ENV]) : Infinity;
  process.env.NO_WARN_RUNDIR = '1';

  const links = new Map(stepLinks(runDir).map((l) => [l.name, l.run]));
  const before = new Map((readStepRecords(runDir) ?? []).map((r) => [r.name, r]));
  const records = new Map<string, StepRecord>();
  for (const s of steps) {
    const id = links.get(s.name);
    const run = id && existsSync(guildPath(join(home, 'runs', id), 'opref')) ? loadRun(join(home, 'runs', id)) : null;
    const done = run?.status === 'completed';
    const state = done ? (before.get(s.name)?.state === 'cached' ? 'cached' : 'completed') : 'waiting';
    records.set(s.name, { name: s.name, needs: s.needs, state, ...(id && run ? { run: id } : {}), ...(done && before.get(s.name)?.memoOf ? { memoOf: before.get(s.name)!.memoOf! } : {}) });
    if (done) say(`step ${s.name}: completed before, run ${id} kept`);
  }
  const save = (): void => writeStepRecords(runDir, steps.map((s) => records.get(s.name)!));
  save();

  const live = new Map<string, Live>();
  let stopping: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    stopping ??= sig;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const cancelAfter = (name: string): void => {
    for (const n of downstreamOf(steps, name)) {
      const r = records.get(n)!;
      if (r.state !== 'waiting') continue;
      r.state = 'cancelled';
      say(`step ${n}: cancelled (${name} did not complete)`);
    }
  };
  const end = (s: PipelineStep, state: StepRecord['state'], detail: string): void => {
    records.get(s.name)!.state = state;
    say(`step ${s.name}: ${state}${detail}`);
    if (!ENDED_OK.has(state)) cancelAfter(s.name);
  };

  const start = async (s: PipelineStep): Promise<void> => {
    const rec = records.get(s.name)!;
    const spec = [s.opspec.replace(/^:/, ''), ...stepFlagArgs(s, flags)].join(' ');
    const common = {
      home,
      ...(s.isolateRuns ? { runsParent: parentId } : {}),
      ...stepLabelTags(s, params),
    };
    try {
      if (rec.run) {
        // A restart: the step's run starts again in its own directory.
        say(`restarting ${s.name}: ${spec}`);
        // without `needed`, prepareStart always gives the run to start
        const run = (await prepareStart(loadRun(join(home, 'runs', rec.run)), { ...common, flagArgs: [] }))!;
        await targets.local.startStaged(run, {});
        watch(s, rec.run);
        return;
      }
      const id = randomUUID().replaceAll('-', '');
      const stepDir = join(home, 'runs', id);
      const link = join(runDir, s.name);
      rmSync(link, { force: true });
      symlinkSync(`../${id}`, link);
      rec.run = id;
      say(`running ${s.name}: ${spec}`);
      const plan = await planRun({
        ...common,
        cwd: projectDir,
        opspec: s.opspec,
        flagArgs: stepFlagArgs(s, flags),
        runId: id,
        runParams: { keep_batch: true, yes: true, run_dir: stepDir },
      });
      if (plan.depFailure) throw new GrunError(plan.depFailure.message);
      const done = s.needed ? matchingRuns(home, plan)[0] : undefined;
      if (done) {
        // Guild's needed: a completed run with these flags is the step's run; nothing new is made
        rmSync(link, { force: true });
        symlinkSync(`../${done.id}`, link);
        rec.run = done.id;
        end(s, 'completed', `: not needed, run ${done.id} has these flags`);
        return;
      }
      if (memo) {
        const index = MemoIndex.open(home);
        const key = planMemoKey(plan, seed, index);
        const original = index.lookup(key);
        if (original) {
          const made = writeMemoRun(home, null, { plan, seed }, key, original, id);
          rec.memoOf = made.memoOf!;
          end(s, 'cached', `: run ${id} holds the outputs of run ${made.memoOf}`);
          return;
        }
      }
      // Guild's resolution log, and Guild's step environment (inherited by the step's supervisor)
      io.log.write(resolutionLines(plan).join(''));
      if (s.isolateRuns) process.env.GUILD_RUNS_PARENT = parentId;
      else delete process.env.GUILD_RUNS_PARENT;
      await targets.local.start(plan, { home });
      watch(s, id);
    } catch (e) {
      if (!(e instanceof GrunError)) throw e;
      io.log.write(`grun: step ${s.name}: ${e.message}\n`);
      // nothing was made for it: no link left dangling
      if (rec.run && !existsSync(join(home, 'runs', rec.run))) {
        rmSync(join(runDir, s.name), { force: true });
        delete rec.run;
      }
      end(s, 'failed', '');
    }
  };
  const watch = (s: PipelineStep, id: string): void => {
    const run = loadRun(join(home, 'runs', id));
    records.get(s.name)!.state = 'running';
    live.set(s.name, { run, output: new OutputReader(run.dir) });
  };
  const copyOutput = (l: Live): void => {
    for (const line of l.output.poll()) (line.stream === 1 ? io.log : io.out).write(line.text + '\n');
  };

  for (;;) {
    if (stopping) break;
    const ready = steps.filter(
      (s) => records.get(s.name)!.state === 'waiting' && s.needs.every((n) => ENDED_OK.has(records.get(n)!.state)),
    );
    let started = false;
    for (const s of ready) {
      if (live.size >= maxParallel || stopping) break;
      await start(s);
      started = true;
    }
    if (started) save();
    if (live.size === 0) {
      if (steps.some((s) => records.get(s.name)!.state === 'waiting' && s.needs.every((n) => ENDED_OK.has(records.get(n)!.state)))) continue;
      break;
    }
    await sleep(POLL_MS);
    let changed = false;
    for (const [name, l] of live) {
      copyOutput(l);
      const now = loadRun(l.run.dir);
      if (now.status === 'running' || now.status === 'pending' || now.status === 'staged') continue;
      copyOutput(l);
      live.delete(name);
      const s = steps.find((x) => x.name === name)!;
      const state = now.status === 'completed' ? 'completed' : now.status === 'terminated' ? 'stopped' : 'failed';
      end(s, state, ` (run ${now.id}${now.exitStatus ? `, exit ${now.exitStatus}` : ''})`);
      changed = true;
    }
    if (changed) save();
  }

  if (stopping) {
    const running = [...live.values()].map((l) => l.run);
    await stopRuns(running, { timeout: 30, force: true });
    for (const [name, l] of live) {
      copyOutput(l);
      end(steps.find((x) => x.name === name)!, 'stopped', ` (run ${l.run.id})`);
    }
    for (const r of records.values()) if (r.state === 'waiting') r.state = 'cancelled';
    save();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    // ended by the signal, so the supervisor records the pipeline terminated
    process.kill(process.pid, stopping);
    await sleep(1000);
    return 1;
  }
  save();
  const failed = [...records.values()].filter((r) => !ENDED_OK.has(r.state));
  return failed.length ? 1 : 0;
}

/**
 * A pipeline on Slurm: its step jobs have all ended (its own job waited on them, `afterany`).
 * Records how each ended, asking Slurm about the jobs it cancelled (a failed step's successors,
 * never started: cancelled); 0 when every step completed.
 */
async function recordSubmittedSteps(runDir: string, home: string, say: (line: string) => void): Promise<number> {
  const records = readStepRecords(runDir) ?? [];
  const runs = records.flatMap((r) => (r.run && r.state !== 'cached' && existsSync(join(home, 'runs', r.run, '.guild')) ? [loadRun(join(home, 'runs', r.run))] : []));
  const ended = new Map((await reconcileSlurmRuns(runs)).runs.map((r) => [r.id, r]));
  for (const r of records) {
    const run = r.run ? ended.get(r.run) : undefined;
    if (!run) continue;
    // a job Slurm cancelled before it ran (a needed step failed) never had a supervisor process
    r.state = run.status === 'completed' ? 'completed' : run.status !== 'terminated' ? 'failed' : run.proc === null ? 'cancelled' : 'stopped';
    say(`step ${r.name}: ${r.state} (run ${run.id}, job ${run.slurm?.jobId ?? '?'})`);
  }
  writeStepRecords(runDir, records);
  return records.every((r) => ENDED_OK.has(r.state)) ? 0 : 1;
}

function readFileText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new GrunError(`${path}: cannot read the pipeline's opref`);
  }
}
