// Writes a run directory in Guild's order (format notes §10 and §15 item 2) from a RunPlan, and
// finalizes it when the process ends. Only the run's supervisor calls these (one writer per run).
import { execFileSync } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { deleteAttr, readAttr, writeAttr } from '../store/attrs.js';
import { withDeferredDirSyncs, writeFileAtomicSync } from '../store/atomic.js';
import { encodeOpref, shlexQuote } from '../store/opref.js';
import { hostName } from '../store/proc.js';
import { guildPath } from '../store/run.js';
import { announceRunChange } from '../store/summary-cache.js';
import type { YamlValue } from '../store/types.js';
import type { ResolvedConfig, RunPlan } from './plan-types.js';
import { flagEnvName } from './cmd-args.js';
import { depsAttr, pathTaken } from './deps.js';
import { isMap } from './guildfile.js';
import { onPath } from './interpreter.js';
import { copySourceCode } from './sourcecode.js';
import { protoAttrs, writeProto } from './sweep/batch-layout.js';

let lastTimestamp = 0;

/** Guild's `run.timestamp()`: µs since the epoch, strictly increasing within a process. */
export function guildTimestamp(): number {
  let t = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  if (t <= lastTimestamp) t = lastTimestamp + 1;
  lastTimestamp = t;
  return t;
}

function touch(path: string): void {
  writeFileSync(path, '');
}

/** GPUs as nvidia-smi lists them; empty where there is no nvidia-smi or it fails. */
function gpus(): YamlValue[] {
  if (!onPath('nvidia-smi')) return [];
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index,name,memory.total', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const [index, name, memory] = l.split(',').map((s) => s.trim());
        return { index: Number(index), memory: memory ?? '', name: name ?? '' };
      });
  } catch {
    return [];
  }
}

/** The `platform` attr: Guild's keys (Python's platform module), plus GPUs when present. */
export function platformAttr(): Record<string, YamlValue> {
  const attr: Record<string, YamlValue> = {
    architecture: `${os.arch().endsWith('64') ? '64bit' : '32bit'} ELF`,
    cpus: os.cpus().length,
    processor: '',
    // Python's " ".join(platform.uname()): the empty processor field leaves a trailing space.
    uname: [os.type(), os.hostname(), os.release(), os.version(), os.machine(), ''].join(' '),
  };
  const g = gpus();
  if (g.length) attr.gpus = g;
  return attr;
}

/** The environment added for the child on top of the launching process's own. */
export function runEnv(plan: RunPlan, home: string, runDir: string, runId: string): Record<string, string> {
  return { ...plan.env, RUN_DIR: runDir, RUN_ID: runId, GUILD_HOME: home };
}

/** Guild's `util.user()`: `$USER`, else '' (no password database lookup). */
export function guildUser(): string {
  return process.env.USER || '';
}

/** One entry of the `comments` attr, stamped as Guild stamps it (µs time). */
export function commentEntry(body: string, author: { user?: string; host?: string } = {}): { body: string; host: string; time: number; user: string } {
  return { body, host: author.host ?? hostName(), time: guildTimestamp(), user: author.user ?? guildUser() };
}

/**
 * Operation dependencies resolved after the run was written (a pipeline step on Slurm, in its
 * job): their links, their manifest lines, the `deps` attr, and the chosen runs in `flags`.
 */
export function writeLateDeps(runDir: string, plan: RunPlan): void {
  if (plan.deps.length === 0) return;
  writeDeps(runDir, plan);
  let manifest = '';
  try {
    manifest = readFileSync(guildPath(runDir, 'manifest'), 'utf8');
  } catch {
    // no source files: the manifest is the dependencies' alone
  }
  const lines = plan.deps.flatMap((d) => d.manifestLines).map((l) => l + '\n').join('');
  writeFileAtomicSync(guildPath(runDir, 'manifest'), manifest + lines);
  writeAttr(runDir, 'deps', plan.depsAttr);
  writeAttr(runDir, 'flags', plan.flags);
}

function writeDeps(runDir: string, plan: Pick<RunPlan, 'deps'>): void {
  for (const dep of plan.deps) {
    if (dep.kind === 'deferred' || dep.kind === 'unmet') continue; // resolved when the staged run starts, or gone past
    if (dep.kind === 'file') {
      // Guild copies a project file by default (`target-type: copy`), and links on request,
      // relative to where the link is (the run's real directory), as Guild does
      for (const f of dep.files) {
        const at = join(runDir, f.target);
        // what the run has stays (Guild's `already exists, skipping …`), unless it is to be replaced
        if (f.exists || (pathTaken(at) && !dep.replaceExisting)) continue;
        mkdirSync(dirname(at), { recursive: true });
        rmSync(at, { recursive: true, force: true });
        if (dep.targetType === 'link') symlinkSync(join(relative(realpathSync(dirname(at)), dirname(f.source)), basename(f.source)), at);
        else cpSync(f.source, at, { recursive: true });
      }
      continue;
    }
    for (const link of dep.links) {
      if (link.exists) continue; // the run's own file stays (Guild's `already exists, skipping link`)
      const at = join(runDir, link.target);
      if (pathTaken(at)) continue; // what is there stays, as Guild skips such a link
      mkdirSync(dirname(at), { recursive: true });
      symlinkSync(link.linkTarget, at);
    }
  }
}

/**
 * Each config file of the run, written as Guild's config resolver does: into
 * `.guild/generated/<unique>/` with a relative link at its target (in place of a source copy of
 * the same name unless `replace-existing: no`). `restart` leaves those that are not re-resolved
 * (`always-resolve: no`). Returns the manifest lines.
 */
export function writeConfigs(runDir: string, configs: ResolvedConfig[], restart: boolean): string[] {
  const lines: string[] = [];
  for (const c of configs) {
    const at = join(runDir, c.target);
    if (restart ? !c.alwaysResolve : !c.replaceExisting && existsSync(at)) continue;
    mkdirSync(guildPath(runDir, 'generated'), { recursive: true });
    const dir = mkdtempSync(`${guildPath(runDir, 'generated')}/`);
    const file = join(dir, basename(c.target));
    writeFileAtomicSync(file, c.text);
    mkdirSync(dirname(at), { recursive: true });
    rmSync(at, { force: true });
    symlinkSync(relative(dirname(at), file), at);
    lines.push(['d', shlexQuote(c.target), createHash('sha1').update(c.text).digest('hex'), shlexQuote(c.name)].join(' '));
  }
  return lines;
}

/**
 * Writes `.guild/ENV` of a staged run as Guild does: `export NAME=value` lines, sorted, minus
 * PWD and `_`. It is the whole environment, secrets included (the run needs them when it
 * starts): owner only.
 */
export function writeStagedEnv(runDir: string, env: Record<string, string>): void {
  const text = Object.keys(env)
    .filter((k) => k !== 'PWD' && k !== '_')
    .sort()
    .map((k) => `export ${k}=${env[k]}\n`)
    .join('');
  writeFileAtomicSync(guildPath(runDir, 'ENV'), text, { mode: 0o600 });
}

/** Reads a staged run's `.guild/ENV` back into a map. */
export function readStagedEnv(runDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  let text: string;
  try {
    text = readFileSync(guildPath(runDir, 'ENV'), 'utf8');
  } catch {
    return env;
  }
  for (const line of text.split('\n')) {
    const m = /^export ([^=]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

export interface WriteRunOptions {
  home: string;
  runId: string;
  /** Stop after the STAGED marker and `.guild/ENV` instead of preparing to start. */
  stage?: boolean;
  /** A dependency could not be resolved: stop before `started`, as Guild leaves such a run (`error`). */
  unresolved?: boolean;
}

/**
 * Creates `runs/<id>` up to `started` (or STAGED + ENV), in Guild's order. Any failure removes
 * the half-made directory and rethrows: a run dir exists only once it is fully prepared.
 */
export function writeRunDir(plan: RunPlan, opts: WriteRunOptions): string {
  return withDeferredDirSyncs(() => {
    // `--run-dir` may name an existing directory (Guild's rule); only its `.guild` must be new.
    const runDir = plan.runDir ?? join(opts.home, 'runs', opts.runId);
    const made = plan.runDir ? join(runDir, '.guild') : runDir;
    mkdirSync(dirname(made), { recursive: true });
    mkdirSync(made); // fails if the id is taken: never write into someone else's run
    try {
      mkdirSync(guildPath(runDir, 'attrs'), { recursive: true });
      writeAttr(runDir, 'id', opts.runId);
      writeAttr(runDir, 'initialized', guildTimestamp());
      touch(guildPath(runDir, 'PENDING'));
      writeFileAtomicSync(guildPath(runDir, 'opref'), encodeOpref(plan.opref));
      writeAttr(runDir, 'cmd', plan.cmdAttr);
      writeAttr(runDir, 'flags', plan.flags);
      writeAttr(runDir, 'user_flags', plan.userFlags);
      if (plan.label !== null && plan.label !== '') writeAttr(runDir, 'label', plan.label);
      if (plan.tags.length) writeAttr(runDir, 'tags', plan.tags);
      if (plan.comment) {
        writeAttr(runDir, 'comments', [commentEntry(plan.comment)]);
      }
      writeAttr(runDir, 'host', hostName());
      writeAttr(runDir, 'user', guildUser());
      writeAttr(runDir, 'platform', platformAttr());
      // Guild lists the plugins enabled for the operation; grun runs none of them.
      writeAttr(runDir, 'plugins', []);
      writeAttr(runDir, 'random_seed', randomInt(0, 2 ** 32));
      writeAttr(runDir, 'run_params', plan.runParams);
      writeAttr(runDir, 'op', plan.opAttr);
      if (plan.opdefAttrs) writeAttr(runDir, 'opdef_attrs', plan.opdefAttrs);
      const manifest: string[] = [];
      const copied = copySourceCode(plan, runDir);
      manifest.push(...copied.manifestLines);
      if (copied.digest !== null) writeAttr(runDir, 'sourcecode_digest', copied.digest);
      // Guild's pipeline copies no source and records so; its steps are its own attr
      if (plan.steps !== undefined) {
        writeAttr(runDir, 'sourcecode_digest', null);
        writeAttr(runDir, 'steps', plan.steps);
      }
      // Guild resolves operation dependencies of a staged run when it starts; grun links them
      // at staging, so that a staged run starts from its directory alone.
      writeDeps(runDir, plan);
      for (const dep of plan.deps) manifest.push(...dep.manifestLines);
      manifest.push(...writeConfigs(runDir, plan.configs, false));
      writeFileAtomicSync(guildPath(runDir, 'manifest'), manifest.map((l) => l + '\n').join(''));
      // a run whose dependency failed has none (Guild writes it once all are resolved)
      if (!opts.unresolved) writeAttr(runDir, 'deps', plan.depsAttr);
      if (plan.batch) {
        // the batch run of an optimizer operation: its prototype, and the trials it may run
        if (plan.batch.maxTrials !== undefined) writeAttr(runDir, 'max_trials', plan.batch.maxTrials);
        writeProto(runDir, { opref: plan.batch.proto.opref, attrs: protoAttrs(plan.batch.proto) });
      }
      unlinkSync(guildPath(runDir, 'PENDING'));
      if (opts.unresolved) return runDir;
      writeAttr(runDir, 'started', guildTimestamp());
      if (opts.stage) {
        // STAGED last: the launcher returns once it sees it, and a scheduler may start the run
        writeStagedEnv(runDir, { ...(process.env as Record<string, string>), ...runEnv(plan, opts.home, runDir, opts.runId) });
        touch(guildPath(runDir, 'STAGED'));
      }
      return runDir;
    } catch (e) {
      rmSync(made, { recursive: true, force: true });
      throw e;
    }
  });
}

/**
 * A finished run made staged again for a restart: its command, flags, `op` and label from the
 * new plan, a new `.guild/ENV`, no output, then STAGED; its files (source, outputs, links) stay,
 * but for its config files and, with `sourcecode`, the source code, copied again.
 */
export function restageRunDir(plan: RunPlan, runDir: string, home: string, runId: string, o: { sourcecode?: boolean } = {}): void {
  writeAttr(runDir, 'cmd', plan.cmdAttr);
  writeAttr(runDir, 'flags', plan.flags);
  writeAttr(runDir, 'op', plan.opAttr);
  if (o.sourcecode) {
    // --force-sourcecode: the project's source as it is now, over the run's copy
    const copied = copySourceCode(plan, runDir);
    if (copied.digest !== null) writeAttr(runDir, 'sourcecode_digest', copied.digest);
  }
  writeConfigs(runDir, plan.configs, true);
  if (plan.label !== null && plan.label !== '') writeAttr(runDir, 'label', plan.label);
  // Guild opens a restarted run's output afresh ("wb").
  for (const name of ['output', 'output.index']) rmSync(guildPath(runDir, name), { force: true });
  writeStagedEnv(runDir, { ...(process.env as Record<string, string>), ...runEnv(plan, home, runDir, runId) });
  // a run left pending (a start that never happened) is staged now, nothing else; a LOCK left
  // by a process that is gone would read as the new start's
  rmSync(guildPath(runDir, 'PENDING'), { force: true });
  rmSync(guildPath(runDir, 'LOCK'), { force: true });
  touch(guildPath(runDir, 'STAGED'));
}

/** What grun adds to a run's environment besides its operation's `cmd-env` and flags (plan.ts applyFlags). */
const RUN_ENV_NAMES = ['GUILD_OP', 'CMD_DIR', 'GUILD_SOURCECODE', 'LOG_LEVEL', 'PYTHONPATH'];

/**
 * A finished run restaged from its own record, for a restart without new flags of a run whose
 * project no longer defines its operation (Guild restarts it from its `op` attr): its command,
 * flags and files as they are, no output, a new `.guild/ENV`: this environment, then what the
 * run's `env` attr recorded of its operation (`cmd-env`, the flags' `FLAG_*`, grun's own names)
 * and of names this environment lacks, then the run's ids.
 */
export function restageFromRecord(runDir: string, home: string, runId: string): void {
  const op = readAttr(runDir, 'op');
  const opCmd = op.kind === 'ok' && isMap(op.value) && isMap(op.value['op-cmd']) ? op.value['op-cmd'] : {};
  const cmdFlags = isMap(opCmd['cmd-flags']) ? opCmd['cmd-flags'] : {};
  const flags = readAttr(runDir, 'flags');
  const flagNames = flags.kind === 'ok' && isMap(flags.value) ? Object.keys(flags.value) : [];
  const own = new Set([
    ...RUN_ENV_NAMES,
    ...Object.keys(isMap(opCmd['cmd-env']) ? opCmd['cmd-env'] : {}),
    ...flagNames.map((n) => {
      const f = cmdFlags[n];
      return isMap(f) && typeof f['env-name'] === 'string' ? f['env-name'] : flagEnvName(n);
    }),
  ]);
  const recorded = readAttr(runDir, 'env');
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  if (recorded.kind === 'ok' && isMap(recorded.value)) {
    for (const [k, v] of Object.entries(recorded.value)) if (typeof v === 'string' && (own.has(k) || !(k in env))) env[k] = v;
  }
  for (const name of ['output', 'output.index', 'PENDING', 'LOCK']) rmSync(guildPath(runDir, name), { force: true });
  writeStagedEnv(runDir, { ...env, RUN_DIR: runDir, RUN_ID: runId, GUILD_HOME: home });
  touch(guildPath(runDir, 'STAGED'));
}

/**
 * A staged run's dependencies resolved as it starts (launch/carry.ts, before its supervisor
 * exists): their files, manifest lines and `deps` entries added to what staging wrote.
 */
export function addStartDeps(runDir: string, deps: RunPlan['deps']): void {
  if (!deps.length) return;
  writeDeps(runDir, { deps });
  const manifest = guildPath(runDir, 'manifest');
  const before = existsSync(manifest) ? readFileSync(manifest, 'utf8') : '';
  writeFileAtomicSync(manifest, before + deps.flatMap((d) => d.manifestLines.map((l) => l + '\n')).join(''));
  const attr = readAttr(runDir, 'deps');
  const merged = attr.kind === 'ok' && attr.value && typeof attr.value === 'object' && !Array.isArray(attr.value) ? { ...attr.value } : {};
  writeAttr(runDir, 'deps', { ...merged, ...(depsAttr(deps) as Record<string, YamlValue>) });
}

/** A staged run that could not start (a dependency left unresolved): no longer staged, never started again: `error`, as Guild leaves it. */
export function failStagedRun(runDir: string): void {
  rmSync(guildPath(runDir, 'STAGED'), { force: true });
}

/** Turns a staged run back into one about to start: STAGED → PENDING → new `started`. */
export function unstageRunDir(runDir: string): void {
  // Guild opens a started run's output afresh ("wb"): a run staged again by hand keeps none of the last
  for (const name of ['output', 'output.index']) rmSync(guildPath(runDir, name), { force: true });
  touch(guildPath(runDir, 'PENDING'));
  // What a previous attempt left must not decide the new one's status: gone while STAGED still
  // says staged, so that no reader (the launcher waiting for the start) sees it ended meanwhile.
  deleteAttr(runDir, 'exit_status');
  deleteAttr(runDir, 'stopped');
  rmSync(guildPath(runDir, 'STAGED'), { force: true });
  unlinkSync(guildPath(runDir, 'PENDING'));
  writeAttr(runDir, 'started', guildTimestamp());
}

/** Guild's finalize: `exit_status`, then `stopped`, then LOCK goes. */
export function finishRunDir(runDir: string, exitStatus: number): void {
  writeAttr(runDir, 'exit_status', exitStatus);
  writeAttr(runDir, 'stopped', guildTimestamp());
  rmSync(guildPath(runDir, 'LOCK'), { force: true });
  announceRunChange(runDir); // a listing that read it settled before LOCK went reads it again
}
