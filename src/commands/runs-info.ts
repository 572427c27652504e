// `grun runs info [RUN]`: one run in full, as Guild's `runs info` (see runs.ts for the --json
// shape; `--private-attrs` adds `opref` and `op` after the details and, with --json, a batch's
// `proto-run`). Apart from the listing so that `grun runs` loads no scalar, pipeline or secret
// reader.
import { join } from 'node:path';
import type { Command } from 'commander';
import { listAttrNames, readAttr } from '../store/attrs.js';
import { encodeFlagVal, formatFlagValue } from '../store/flagfmt.js';
import { pipelineSteps, type PipelineStepView } from '../store/pipeline.js';
import { encodeOpref } from '../store/opref.js';
import { readManifestIndex } from '../store/run-files.js';
import { FAILURE_FILE, readFailureNote } from '../store/run-reserve.js';
import { loadRunSummary, toRun } from '../store/run.js';
import { readScalarData, scalarKey } from '../store/scalars.js';
import { readRedactedEnvNames } from '../store/secrets.js';
import { termSafe } from '../store/terminal-text.js';
import type { Run, ScalarSummary, YamlValue } from '../store/types.js';
import { encodeYaml, isMarkedFloat } from '../store/yaml11.js';
import { runMetadata } from '../engine/run-family.js';
import { formatTimestamp, printLines, scalarStepText } from './format.js';
import { textCompare } from '../store/natsort.js';
import { attrValue, runDetail, sourcedRun } from './runs.js';
import { onRemote } from './run-args.js';

/** Attrs a run's `attributes:` never shows (Guild's `run.CORE_RUN_ATTRS` and legacy ones). */
const CORE_RUN_ATTRS = new Set([
  'cmd', 'comments', 'compare', 'deps', 'env', 'exit_status', 'exit_status.remote', 'flags', 'host', 'id',
  'initialized', 'label', 'marked', 'objective', 'op', 'pip_freeze', 'platform', 'random_seed',
  'run_params', 'sourcecode_digest', 'started', 'stopped', 'tags', 'user', 'user_flags', 'vcs_commit',
  'resolved_deps', 'opdef', 'opdef_attrs', 'plugins', 'r_sys_info', 'r_packages_loaded',
]);

/** Guild's `run_util.format_attr` for the extra attrs of `runs info`. */
function formatAttr(v: YamlValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return formatFlagValue(v);
  if (Array.isArray(v)) return '\n' + v.map((x) => `  ${formatAttr(x)}`).join('\n');
  return '\n' + Object.keys(v).sort().map((k) => `  ${k}: ${formatAttr(v[k]!)}`).join('\n');
}

/** What `runs info` shows besides the run's details: Guild's options of the same names. */
interface InfoOptions {
  allScalars?: boolean;
  comments?: boolean;
  env?: boolean;
  manifest?: boolean;
  deps?: boolean;
  plugins?: boolean;
  /** The attrs Guild keeps private: the opref and op, logged attrs named `_…`. */
  privateAttrs?: boolean;
  json?: boolean;
}

const mapOr = (v: YamlValue): Record<string, YamlValue> => (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? v : {});

/**
 * Guild's `runs info --manifest`: the run's source code files and dependency targets, each
 * section sorted, the sections in the order the manifest first names them.
 */
function manifestInfo(runDir: string): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  for (const [path, type] of readManifestIndex(runDir)) (sections[type === 's' ? 'sourcecode' : 'dependencies'] ??= []).push(path);
  for (const paths of Object.values(sections)) paths.sort(textCompare);
  return sections;
}

/** Guild's details of a run, with `--private-attrs` its opref (as Guild writes it) and `op` attr. */
function details(run: Run, privateAttrs: boolean): [string, unknown][] {
  const data: [string, unknown][] = runDetail(run);
  if (privateAttrs) data.push(['opref', run.opref ? encodeOpref(run.opref) : null], ['op', attrValue(run, 'op')]);
  return data;
}

function infoData(run: Run, o: InfoOptions): [string, unknown][] {
  const { allScalars = false, comments = false, privateAttrs = false } = o;
  const data = details(run, privateAttrs);
  // A sweep child lists its own tags (the files Guild reads), and its parent's metadata beside them.
  if (run.parent !== null && run.seed !== null) data.push(['seed', run.seed]);
  // A parent gone to the trash (a successful sweep's, as in Guild) leaves the child its own.
  const meta = run.parent !== null ? runMetadata(run.dir) : null;
  if (meta && meta.from !== run.id) {
    data.push(['parent', meta.from]);
    // a submission's name, notes and tags where it has them (a Guild batch has none)
    if (meta.name) data.push(['name', meta.name]);
    if (meta.notes !== null) data.push(['notes', meta.notes]);
    if (meta.tags.length > 0) data.push(['parent-tags', meta.tags]);
  }
  data.push(['tags', run.tags]);
  // The env attr grun recorded left out or masked these (store/secrets.ts): say so.
  const redacted = readRedactedEnvNames(run.dir);
  if (redacted.length > 0) data.push(['env_redacted', redacted]);
  const flags = attrValue(run, 'flags');
  data.push(['flags', flags && typeof flags === 'object' && !Array.isArray(flags) ? flags : run.flags]);
  // A pipeline: each step, its state and its run (a memo hit: the run it reused)
  const steps = pipelineSteps(run.dir);
  if (steps) {
    const text = (s: PipelineStepView): string => [s.state, s.run ?? '', s.memoOf ? `(outputs of ${s.memoOf})` : ''].filter(Boolean).join(' ');
    data.push(['pipeline-steps', Object.fromEntries(steps.map((s) => [s.name, text(s)]))]);
  }
  if (run.batch) {
    const proto = attrValue({ dir: join(run.dir, '.guild', 'proto') }, 'flags');
    data.push(['proto-flags', proto && typeof proto === 'object' ? proto : {}]);
  }
  const scalars: Record<string, ScalarInfo> = {};
  const { summaries, problems, attrs: loggedAttrs } = readScalarData(run.dir);
  const sorted = [...summaries].sort((a, b) => textCompare(a.prefix === '.guild' ? '' : a.prefix, b.prefix === '.guild' ? '' : b.prefix) || textCompare(a.tag, b.tag));
  for (const s of sorted) {
    if (!allScalars && s.tag.startsWith('sys/')) continue;
    scalars[scalarKey(s.prefix, s.tag)] = allScalars ? allScalarValues(s) : [s.last, s.lastStep];
  }
  data.push(['scalars', scalars]);
  // Guild's attributes: the operation's guild.yml `attrs` (recorded as `opdef_attrs`), then logged ones
  const opdefAttrs = attrValue(run, 'opdef_attrs');
  const attributes = { ...(opdefAttrs && typeof opdefAttrs === 'object' && !Array.isArray(opdefAttrs) ? opdefAttrs : {}), ...loggedAttrs };
  // core attrs are shown above; a logged attr named `_…` is private, as Guild hides it
  for (const name of Object.keys(attributes)) {
    if (CORE_RUN_ATTRS.has(name) || (!privateAttrs && name.startsWith('_') && name in loggedAttrs)) delete attributes[name];
  }
  if (Object.keys(attributes).length > 0) data.push(['attributes', attributes]); // none: no heading, as Guild
  // Guild's `runs info --comments`: each comment's fields, its time formatted and its body trimmed
  if (comments) {
    data.push(['comments', run.comments.map((c) => ({ body: c.body.trim(), host: c.host, time: formatTimestamp(c.time), user: c.user }))]);
  }
  if (o.env) data.push(['environment', mapOr(attrValue(run, 'env'))]);
  if (o.manifest) data.push(['manifest', manifestInfo(run.dir)]);
  if (o.deps) data.push(['dependencies', mapOr(attrValue(run, 'deps'))]);
  if (o.plugins) {
    const plugins = attrValue(run, 'plugins');
    data.push(['plugins', Array.isArray(plugins) ? plugins : []]);
  }
  // Guild's JSON of a batch's private attrs: its proto's details too
  if (privateAttrs && o.json && run.batch) data.push(['proto-run', Object.fromEntries(details(toRun(loadRunSummary(join(run.dir, '.guild', 'proto'))), true))]);
  // Every unreadable attr, not only those the listing reads (`cmd`, `env`, … would otherwise
  // just show empty).
  const attrProblems = listAttrNames(run.dir)
    .filter((n) => !run.problems.some((p) => p.file === `.guild/attrs/${n}`))
    .flatMap((n) => {
      const r = readAttr(run.dir, n);
      return r.kind === 'corrupt' ? [{ file: `.guild/attrs/${n}`, message: r.message }] : [];
    });
  const failure = readFailureNote(run.dir);
  const failureProblems = failure ? [{ file: FAILURE_FILE, message: failure }] : [];
  const allProblems = [...run.problems, ...attrProblems, ...problems, ...failureProblems];
  if (allProblems.length > 0) data.push(['problems', allProblems]);
  return data;
}

/** A scalar's `[value, step]`, or with --all-scalars each aggregate's (Guild's `_scalar_vals`). */
type ScalarInfo = [number, number] | Record<string, [number, number]>;

/** Guild's aggregates; avg and total carry the count where the others carry a step. */
function allScalarValues(s: ScalarSummary): Record<string, [number, number]> {
  return {
    first: [s.first, s.firstStep],
    last: [s.last, s.lastStep],
    min: [s.min, s.minStep],
    max: [s.max, s.maxStep],
    avg: [s.avg, s.count],
    total: [s.total, s.count],
  };
}

const scalarText = ([v, step]: [number, number]): string => scalarStepText(v, step);

/** The sections printed as Guild's `_print_run_info_dict`. */
const INFO_DICTS = new Set(['op', 'flags', 'proto-flags', 'attributes', 'environment', 'manifest', 'dependencies']);

function printInfo(data: [string, unknown][]): void {
  const out: string[] = [];
  for (const [name, val] of data) {
    if (name === 'problems') {
      out.push('problems:');
      for (const p of val as { file: string; message: string }[]) out.push(`  ${p.file}: ${p.message}`);
    } else if (name === 'scalars') {
      out.push('scalars:');
      for (const [k, info] of Object.entries(val as Record<string, ScalarInfo>)) {
        if (Array.isArray(info)) out.push(`  ${k}: ${scalarText(info)}`);
        else {
          // Guild prints the aggregates as YAML, keys sorted
          out.push(`  ${k}:`);
          for (const agg of Object.keys(info).sort()) out.push(`    ${agg}: ${scalarText(info[agg]!)}`);
        }
      }
    } else if (name === 'comments') {
      // Guild's list of maps: `  -`, then each field, keys sorted; a body of several lines as a block
      out.push('comments:');
      for (const c of val as Record<string, string>[]) {
        out.push('  -');
        for (const k of Object.keys(c).sort()) {
          const v = c[k]!;
          if (v.includes('\n')) out.push(`    ${k}: |`, ...v.split('\n').map((l) => `      ${l.trim()}`));
          else out.push(`    ${k}: ${v}`.trimEnd());
        }
      }
    } else if (name === 'pipeline-steps') {
      // in the pipeline's order, not sorted
      out.push(`${name}:`);
      for (const [k, v] of Object.entries(val as Record<string, string>)) out.push(`  ${termSafe(k)}: ${v}`);
    } else if (Array.isArray(val) && (name === 'tags' || name === 'parent-tags' || name === 'env_redacted' || name === 'plugins')) {
      out.push(`${name}:`);
      for (const item of val) out.push(`  - ${formatFlagValue(item as YamlValue)}`);
    } else if (val && typeof val === 'object' && !Array.isArray(val) && INFO_DICTS.has(name)) {
      out.push(`${name}:`);
      // Guild's `_print_run_info_dict`: values as `encode_flag_val` writes them (a string with a
      // space unquoted), maps as plain YAML (`y`/`n` keys unquoted, unlike the attr files)
      const obj = val as Record<string, YamlValue>;
      for (const k of Object.keys(obj).sort()) {
        const v = obj[k]!;
        if (Array.isArray(v)) {
          out.push(`  ${k}:`);
          for (const [i, item] of v.entries()) out.push(`    - ${encodeFlagVal(item, isMarkedFloat(v, i))}`);
        } else if (v && typeof v === 'object') {
          out.push(`  ${k}:`);
          out.push(...encodeYaml(v, { strict: false }).trimEnd().split('\n').map((l) => `    ${l}`));
        } else out.push(`  ${k}: ${encodeFlagVal(v, isMarkedFloat(obj, k))}`);
      }
    } else if (val === null && (name === 'opref' || name === 'op')) {
      out.push(`${name}: None`); // Guild's str() of a missing one
    } else if (typeof val === 'string' || typeof val === 'number') {
      out.push(`${name}: ${val}`);
    } else {
      out.push(`${name}: ${formatAttr(val as YamlValue)}`);
    }
  }
  printLines(out.map(termSafe));
}

export async function infoAction(spec: string | undefined, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  if (await onRemote(opts, cmd)) return;
  const run = await sourcedRun(cmd, opts, spec);
  const data = infoData(run, opts as InfoOptions);
  if (opts.json) process.stdout.write(JSON.stringify(Object.fromEntries(data)) + '\n');
  else printInfo(data);
}
