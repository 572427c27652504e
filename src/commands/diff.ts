// `grun diff [RUN1 RUN2]`: Guild's diff of two runs (default: the two latest) through an
// external diff program (`-c/--cmd`, default `diff -ru`), run without a shell. What is compared:
// the run directories (default), or their flags, attrs, env, deps, output, source code, or one
// path. Attr-like views are written as YAML into a temp dir so any diff tool can show them.
// `-w/--working` compares one run's source code with its project's as it is now, `-d DIR` the
// run with a directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, relative, sep } from 'node:path';
import type { Command } from 'commander';
import { listAttrNames, readAttr } from '../store/attrs.js';
import { GrunError, UsageError } from '../store/errors.js';
import { runSourceDir, workingSourceDir } from '../engine/sourcecode.js';
import { shlexSplit } from '../store/opref.js';
import { addRunFilterOptions } from './filter-options.js';
import type { Run, YamlValue } from '../store/types.js';
import { encodeYaml } from '../store/yaml11.js';
import { homeOf, onRemote, oneRun, REMOTE_OPTION } from './run-args.js';
import { filteredRuns } from './run-filter.js';

type View = 'dir' | 'flags' | 'attrs' | 'env' | 'deps' | 'output' | 'sourcecode' | 'path';

function attrText(run: Run, names: string[]): string {
  const data: Record<string, YamlValue> = {};
  for (const n of names) {
    const r = readAttr(run.dir, n);
    if (r.kind === 'ok') data[n] = r.value;
    else if (r.kind === 'corrupt') data[n] = `<unreadable: ${r.message}>`;
  }
  return names.length === 1 ? encodeYaml(data[names[0]!] ?? null) : encodeYaml(data);
}

/** The two paths the diff program compares for a view; attr views are rendered to `tmp`. */
function sides(view: View, runs: [Run, Run], tmp: string, path?: string): [string, string] {
  const pick = (run: Run, i: number): string => {
    switch (view) {
      case 'dir':
        return run.dir;
      case 'output':
        return join(run.dir, '.guild', 'output');
      case 'sourcecode':
        return run.dir; // since Guild 0.9 the source copy is the run root
      case 'path': {
        const full = resolve(run.dir, path!);
        const rel = relative(run.dir, full);
        if (rel.startsWith(`..${sep}`) || rel === '..') throw new GrunError(`path '${path}' is not inside the run directory`);
        return full;
      }
      default: {
        const names = view === 'attrs' ? listAttrNames(run.dir).filter((n) => !['env', 'deps'].includes(n)) : [view];
        const file = join(tmp, `${i + 1}-${run.id.slice(0, 8)}-${view}.yml`);
        writeFileSync(file, attrText(run, names));
        return file;
      }
    }
  };
  return [pick(runs[0], 0), pick(runs[1], 1)];
}

function viewOf(opts: Record<string, unknown>): View {
  const chosen = (['flags', 'attrs', 'env', 'deps', 'output', 'sourcecode'] as const).filter((v) => opts[v]);
  if (opts.path) chosen.push('path' as never);
  if (chosen.length > 1) throw new GrunError(`choose one of --flags, --attrs, --env, --deps, --output, --sourcecode, --path (got ${chosen.length})`);
  return (chosen[0] as View | undefined) ?? 'dir';
}

export function register(program: Command): void {
  addRunFilterOptions(
    program
      .command('diff')
      .description('Compare two runs with a diff program (default: the two latest runs)')
      .argument('[RUN...]', 'two runs (index, range or id prefix)')
      .option('-O, --output', 'compare run output')
      .option('-s, --sourcecode', 'compare source code')
      .option('-e, --env', 'compare the env attr')
      .option('-f, --flags', 'compare flags')
      .option('-a, --attrs', 'compare attrs (env and deps left out)')
      .option('-D, --deps', 'compare resolved dependencies')
      .option('-p, --path <path>', 'compare one path, relative to the run directories')
      .option('-w, --working', "compare the run's source code with the project's as it is now")
      .option('-d, --dir <dir>', 'compare the run with this directory')
      .option('-c, --cmd <cmd>', 'diff program and options', 'diff -ru')
      .option(...REMOTE_OPTION),
  ).action(async (specs: string[], opts: Record<string, unknown>, cmd: Command) => {
    if (await onRemote(opts, cmd)) return;
    const working = Boolean(opts.working);
    const dir = opts.dir as string | undefined;
    for (const [on, other] of [[dir !== undefined, '--dir'], [Boolean(opts.sourcecode), '--sourcecode']] as const) {
      if (working && on) throw new UsageError(`--working and ${other} cannot both be specified`);
    }
    const argv = shlexSplit(opts.cmd as string);
    if (argv.length === 0) throw new GrunError('--cmd is empty');
    const all = filteredRuns(homeOf(cmd), opts);
    const path = opts.path as string | undefined;
    if (working || dir !== undefined) {
      // One run against a directory: its source code against the project's (--working), or the run against DIR
      if (specs.length > 1) throw new GrunError(`cannot specify second RUN and ${working ? '--working' : '--dir'}`);
      const run = oneRun(all, specs[0] ?? '1');
      const there = dir !== undefined ? resolve(dir) : workingSourceDir(run);
      if (there === null) {
        const id = run.id.slice(0, 8);
        throw new GrunError(`cannot find working source code directory for run ${id}\nTry specifying the directory with 'grun diff ${id} --dir DIR'.`);
      }
      const here = dir !== undefined ? run.dir : runSourceDir(run);
      return runDiff(argv, path ? [join(here, path), join(there, path)] : [here, there]);
    }
    if (specs.length === 1 || specs.length > 2) throw new GrunError(`give two runs to compare (got ${specs.length})`);
    // As Guild: the runs in the order given, else the older of the latest two on the left.
    const runs = (specs.length === 2 ? specs : ['2', '1']).map((spec) => oneRun(all, spec));
    const view = viewOf(opts);
    const tmp = mkdtempSync(join(tmpdir(), 'grun-diff-'));
    try {
      runDiff(argv, sides(view, [runs[0]!, runs[1]!], tmp, path));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

/** The diff program on two paths, its exit status ours. */
function runDiff(argv: string[], [left, right]: [string, string]): void {
  for (const p of [left, right]) if (!existsSync(p)) throw new GrunError(`${p} does not exist`);
  const r = spawnSync(argv[0]!, [...argv.slice(1), left, right], { stdio: 'inherit' });
  if (r.error) throw new GrunError(`cannot run '${argv[0]}': ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  process.exitCode = r.status ?? 1;
}
