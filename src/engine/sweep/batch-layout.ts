// A sweep on disk as a Guild batch, so that real Guild lists it as one: the parent run dir
// holds `.guild/proto/` (a full prototype run whose flags keep the list or function values)
// and one relative link `<child-id> -> ../<child-id>` per child. Guild's trials do not record
// their parent; grun's children do, in `.guild/grun-parent` (a file Guild never reads, rather
// than an attr that `guild runs info` would show).
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomicSync } from '../../store/atomic.js';
import { writeAttr } from '../../store/attrs.js';
import { encodeOpref } from '../../store/opref.js';
import { guildPath, PARENT_FILE } from '../../store/run.js';
import type { Opref, YamlValue } from '../../store/types.js';
import type { RunPlan } from '../plan-types.js';
import type { BatchKind } from './guild-sweep.js';

/** The batch oprefs Guild 0.9.1 writes: `builtin:guildai 0.9.1 '' +` and `… skopt random`. */
export function batchOpref(kind: BatchKind, optimizer = 'random'): Opref {
  return kind === 'grid'
    ? { pkgType: 'builtin', pkgName: 'guildai', pkgVersion: '0.9.1', modelName: '', opName: '+' }
    : { pkgType: 'builtin', pkgName: 'guildai', pkgVersion: '0.9.1', modelName: 'skopt', opName: optimizer };
}

export const protoDir = (batchDir: string): string => guildPath(batchDir, 'proto');

export interface BatchRunSpec {
  home: string;
  id: string;
  kind: BatchKind;
  /** µs, Guild's `initialized` and `started`. */
  initialized: number;
  started?: number;
  /** The prototype: the operation's opref and attrs, `flags` holding the sweep values. */
  proto: { opref: Opref; attrs: Record<string, YamlValue> };
  /** More attrs of the batch run itself (label, tags, host, user, random_seed, op, cmd, …). */
  attrs?: Record<string, YamlValue>;
  /** The `objective` attr: Guild's default is `loss`. */
  objective?: string;
  /** The `max_trials` attr, when `-m` was given or for a random batch. */
  maxTrials?: number;
  /** A model-based search's optimizer (`gp`, `tpe`): the opref's op (`skopt:gp`, as Guild). */
  optimizer?: string;
}

function touch(path: string): void {
  writeFileSync(path, '');
}

/** The attrs of a batch's prototype, from the operation's plan (`flags` keep the sweep values). */
export function protoAttrs(plan: RunPlan): Record<string, YamlValue> {
  return { flags: plan.flags, user_flags: plan.userFlags, cmd: plan.cmdAttr, op: plan.opAttr, run_params: plan.runParams, deps: plan.depsAttr };
}

/** Writes a batch run's `.guild/proto`: the prototype run, pending for good (as Guild's). */
export function writeProto(batchDir: string, proto: { opref: Opref; attrs: Record<string, YamlValue> }): void {
  const dir = protoDir(batchDir);
  mkdirSync(guildPath(dir), { recursive: true }); // writeAttr makes only `.guild/attrs`
  writeAttr(dir, 'id', 'proto');
  for (const [name, value] of Object.entries(proto.attrs)) writeAttr(dir, name, value);
  writeFileAtomicSync(guildPath(dir, 'opref'), encodeOpref(proto.opref));
  touch(guildPath(dir, 'PENDING'));
}

/**
 * Creates `runs/<id>` as a batch run with its prototype, in Guild's order (id, initialized,
 * opref, flags, … then the proto, then started). A failure removes the half-made directory.
 * The proto's source copy, if any, goes into `protoDir(dir)` afterwards.
 */
export function writeBatchRun(spec: BatchRunSpec): string {
  const dir = join(spec.home, 'runs', spec.id);
  mkdirSync(join(spec.home, 'runs'), { recursive: true });
  mkdirSync(dir); // fails if the id is taken
  try {
    mkdirSync(guildPath(dir)); // writeAttr makes only `.guild/attrs`
    writeAttr(dir, 'id', spec.id);
    writeAttr(dir, 'initialized', spec.initialized);
    writeFileAtomicSync(guildPath(dir, 'opref'), encodeOpref(batchOpref(spec.kind, spec.optimizer)));
    writeAttr(dir, 'flags', {});
    writeAttr(dir, 'user_flags', {});
    writeAttr(dir, 'objective', spec.objective ?? 'loss');
    if (spec.maxTrials !== undefined) writeAttr(dir, 'max_trials', spec.maxTrials);
    for (const [name, value] of Object.entries(spec.attrs ?? {})) writeAttr(dir, name, value);
    writeProto(dir, spec.proto);
    touch(guildPath(dir, 'manifest'));
    writeAttr(dir, 'started', spec.started ?? spec.initialized);
    return dir;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Makes an existing run a child of a batch: the child records its parent, then the batch
 * links it (`<id> -> ../<id>`, relative, as Guild's `_make_trial_link`).
 */
export function attachChild(batchDir: string, childDir: string): void {
  const id = basename(childDir);
  writeFileAtomicSync(guildPath(childDir, PARENT_FILE), basename(batchDir));
  symlinkSync(`../${id}`, join(batchDir, id));
}
