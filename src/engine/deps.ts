// Operation dependencies (`requires: - operation: X`): which upstream run, which of its files
// are linked in, and the `deps`/`op` attr shapes Guild writes (spec §3.9).
import { SafePattern } from '../store/safe-regex.js';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { GrunError } from '../store/errors.js';
import { shlexQuote } from '../store/opref.js';
import type { Opref, Run, RunStatus, YamlValue } from '../store/types.js';
import { isMap, type YamlMap } from './guildfile.js';
import type { DepLink, ResolvedDep } from './plan-types.js';

/** Guild's `resolver.DEFAULT_MATCHING_RUN_STATUS`; staging also accepts `staged`. */
export const DEP_RUN_STATUSES: RunStatus[] = ['completed', 'running', 'terminated'];

/** One `requires:` entry of kind `operation`. */
export interface OperationDepSpec {
  /** `operation:prepare`: the resource name, the flag name and the `deps` attr key. */
  name: string;
  /** `prepare` or `model:prepare`, as written. */
  operation: string;
  /** Regex patterns matched against whole run-relative paths; none means every file. */
  select: string[];
  targetPath: string;
  /** The entry as written, for the `op` attr's `sources`. */
  source: YamlMap;
}

/** guild.yml `requires:` → operation dependency specs (other kinds are refused, named). */
export function parseRequires(requires: YamlValue | undefined, where: string): OperationDepSpec[] {
  if (requires === undefined || requires === null) return [];
  const list = Array.isArray(requires) ? requires : [requires];
  // `config:` entries are config files the run gets its own copy of (config-flags.ts)
  return list.filter((r) => !(isMap(r) && typeof r.config === 'string')).map((r) => {
    if (!isMap(r) || typeof r.operation !== 'string') {
      throw new GrunError(
        `${where}: requires entry ${JSON.stringify(r)}: grun supports '- operation: NAME' and '- config: FILE' dependencies only`,
      );
    }
    const sel = r.select;
    const select = typeof sel === 'string' ? [sel] : Array.isArray(sel) ? sel.map(String) : [];
    const name = typeof r.name === 'string' ? r.name : `operation:${r.operation}`;
    const targetPath = typeof r['target-path'] === 'string' ? r['target-path'] : '';
    return { name, operation: r.operation, select, targetPath, source: r };
  });
}

/** The opref a dependency's runs have: same guild.yml package, model and op name. */
export function depOpref(spec: OperationDepSpec, from: Opref): Omit<Opref, 'pkgVersion'> {
  const colon = spec.operation.indexOf(':');
  return {
    pkgType: from.pkgType,
    pkgName: from.pkgName,
    modelName: colon >= 0 ? spec.operation.slice(0, colon) : from.modelName,
    opName: colon >= 0 ? spec.operation.slice(colon + 1) : spec.operation,
  };
}

function matchesOp(run: Run, op: Omit<Opref, 'pkgVersion'>): boolean {
  const o = run.opref;
  return (
    o !== null &&
    o.pkgType === op.pkgType &&
    o.pkgName === op.pkgName &&
    o.modelName === op.modelName &&
    o.opName === op.opName
  );
}

/**
 * The upstream run: with `idPrefix` (the `operation:X=ID` flag) the one run whose id starts
 * with it; else among runs of the op with an allowed status, the marked one, else the
 * latest started.
 */
export function chooseDepRun(
  runs: Run[],
  spec: OperationDepSpec,
  op: Omit<Opref, 'pkgVersion'>,
  opts: { idPrefix?: string; statuses?: RunStatus[] } = {},
): Run {
  if (opts.idPrefix !== undefined) {
    const hits = runs.filter((r) => r.id.startsWith(opts.idPrefix!));
    if (hits.length === 1) return hits[0]!;
    throw new GrunError(
      hits.length === 0
        ? `no run matches '${opts.idPrefix}' for flag '${spec.name}': expected the id (or a prefix) of a ${spec.operation} run`
        : `'${opts.idPrefix}' for flag '${spec.name}' matches ${hits.length} runs: expected a longer id prefix`,
    );
  }
  const statuses = opts.statuses ?? DEP_RUN_STATUSES;
  const candidates = runs
    .filter((r) => matchesOp(r, op) && statuses.includes(r.status))
    .sort((a, b) => (b.started ?? -Infinity) - (a.started ?? -Infinity));
  const chosen = candidates.find((r) => r.marked) ?? candidates[0];
  if (!chosen) {
    throw new GrunError(
      `cannot resolve dependency '${spec.name}': no ${statuses.join(', ')} run of ${spec.operation}` +
        ` (run ${spec.operation} first, or pass ${spec.operation}=RUN_ID)`,
    );
  }
  return chosen;
}

function walkFiles(root: string, rel = ''): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (!rel && e.name === '.guild') continue;
    if (e.isDirectory()) out.push(...walkFiles(root, p));
    else out.push(p);
  }
  return out;
}

function sha1OrDash(path: string): string {
  try {
    if (!statSync(path).isFile()) return '-';
    return createHash('sha1').update(readFileSync(path)).digest('hex');
  } catch {
    return '-';
  }
}

/** Links and manifest lines for the chosen upstream run. `select` patterns are whole-path regexes. */
export function resolveDep(spec: OperationDepSpec, run: Run): ResolvedDep {
  let paths: string[];
  if (spec.select.length === 0) paths = walkFiles(run.dir);
  else {
    const res = spec.select.map((s) => SafePattern.compile(s, { what: `${spec.name}: select` }));
    paths = walkFiles(run.dir).filter((p) => res.some((re) => re.fullMatch(p)));
  }
  const links: DepLink[] = paths.map((p) => {
    const target = spec.targetPath ? posix.join(spec.targetPath, p) : p;
    const up = '../'.repeat(target.split('/').length);
    return { target, linkTarget: `${up}${run.id}/${p}`, source: join(run.dir, p) };
  });
  const manifestLines = links.map((l) =>
    ['d', shlexQuote(l.target), sha1OrDash(l.source), shlexQuote(spec.name)].join(' '),
  );
  return { name: spec.name, operation: spec.operation, runId: run.id, runDir: run.dir, links, manifestLines };
}

/** The `deps` attr (spec §3.9): `{name: {name: {config: id, paths: [...], uri: name}}}`. */
export function depsAttr(deps: ResolvedDep[]): YamlValue {
  const out: YamlMap = {};
  for (const d of deps) {
    out[d.name] = {
      [d.name]: {
        config: d.runId,
        paths: d.links.map((l) => `../${d.runId}/${relative(d.runDir, l.source).split(sep).join('/')}`),
        uri: d.name,
      },
    };
  }
  return out;
}

/** The `op` attr's `deps:` list entry for one resolved dependency. */
export function opAttrDep(spec: OperationDepSpec, dep: ResolvedDep, projectDir: string): YamlValue {
  return {
    config: { [dep.name]: dep.runId },
    location: projectDir,
    name: dep.name,
    sources: [spec.source],
  };
}
