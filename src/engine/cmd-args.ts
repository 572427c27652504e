// The child's argv and the flag environment. grun has no `guild.op_main`: Python scripts run
// directly (`args` dest) or through `helpers/globals_main.py` (`globals` dest); shell and
// Node scripts get `--name value` too; guild.yml `exec:` templates are expanded here.
import { join } from 'node:path';
import { GrunError } from '../store/errors.js';
import { pyRepr } from '../store/flagfmt.js';
import { shlexSplit } from '../store/opref.js';
import type { YamlValue } from '../store/types.js';
import { isMarkedFloat, pyFloatRepr } from '../store/yaml11.js';
import { HELPERS_DIR } from './flag-detect.js';
import type { CmdTarget, FlagDef, FlagsDest } from './plan-types.js';
import { decodeCliFlag } from './flags.js';
import { grunArgv } from './self-command.js';

const INT_RE = /^[-+]?(0|[1-9][0-9]*)$/;
const FLOAT_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const YAML_WORDS = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'null', '~', '.inf', '+.inf', '-.inf', '.nan']);

/** Would `globals_main.decode` (YAML-ish) read this text as something other than itself? */
function decodesAsNonString(s: string): boolean {
  const t = s.trim();
  if (t !== s || t === '') return true;
  if (INT_RE.test(t) || FLOAT_RE.test(t)) return true;
  if (YAML_WORDS.has(t.toLowerCase())) return true;
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) return true;
  return (t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'));
}

function isIntLike(n: number, isFloat: boolean): boolean {
  return !isFloat && Number.isInteger(n) && !Object.is(n, -0) && Math.abs(n) < 1e16;
}

/** PyYAML's float form: Python repr with `.0` before a bare exponent (`1.0e-05`), `.inf`, `.nan`. */
function yamlFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const r = pyFloatRepr(n);
  return r.includes('e') && !r.includes('.') ? r.replace('e', '.0e') : r;
}

/**
 * Guild's `encode_flag_val` for the command line: YAML-ish, decoded back by globals_main.
 * `isFloat` says an integral number is a Python float (`0.0`).
 */
export function encodeFlagArg(v: YamlValue, isFloat = false): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return isIntLike(v, isFloat) ? String(v) : yamlFloat(v);
  if (typeof v === 'string') return decodesAsNonString(v) ? `'${v.replace(/'/g, "''")}'` : v;
  if (Array.isArray(v)) return `[${v.map((x, i) => encodeFlagArg(x, isMarkedFloat(v, i))).join(', ')}]`;
  if (typeof v === 'bigint') return String(v);
  // a YAML flow mapping, keys sorted (PyYAML's flow style), decoded back by globals_main
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${encodeFlagArg(k)}: ${encodeFlagArg(v[k]!, isMarkedFloat(v, k))}`).join(', ')}}`;
}

/**
 * argparse encoding (Guild's `op_cmd._encode_flag_arg_for_argparse`): True → `1`,
 * False/None → ``, strings raw, lists joined by spaces, numbers and mappings as Python's
 * `pprint.pformat` writes them (keys sorted).
 */
export function encodeArgparseArg(v: YamlValue, isFloat = false): string {
  if (v === true) return '1';
  if (v === false || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return isIntLike(v, isFloat) ? String(v) : pyFloatRepr(v);
  if (Array.isArray(v)) return v.map((x, i) => encodeFlagArg(x, isMarkedFloat(v, i))).join(' ');
  return pyRepr(v, false, { sortKeys: true });
}

/** The global a `global:NAME`/`dict:NAME` (a dict) or `namespace:NAME` dest sets, or null for another dest. */
export function globalDest(dest: string): { kind: 'dict' | 'namespace'; name: string } | null {
  const m = /^(global|dict|namespace):([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/.exec(dest);
  return m ? { kind: m[1] === 'namespace' ? 'namespace' : 'dict', name: m[2]! } : null;
}

/** Flag values decoded as YAML by the launcher (module globals, a global dict or namespace). */
const yamlDest = (dest: FlagsDest): boolean => dest === 'globals' || globalDest(dest) !== null;

/** `FLAG_*` values: the argparse encoding, as Guild's `_encode_env_val`. */
export const encodeEnvValue = encodeArgparseArg;

/** `FLAG_OPERATION_PREPARE` for `operation:prepare`. */
export function flagEnvName(name: string, def?: FlagDef): string {
  return def?.envName ?? `FLAG_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * `--name value` arguments, sorted by flag name, honouring arg-skip/-name/-switch/-split;
 * flags whose `--name` is in `shadowed` (the operation's own args) are left out.
 * Integral floats are those `flags` carries yaml11 float marks for.
 */
export function flagArgs(
  flags: Record<string, YamlValue>,
  defs: FlagDef[],
  dest: FlagsDest,
  shadowed: string[] = [],
): string[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const args: string[] = [];
  for (const name of Object.keys(flags).sort()) {
    const def = byName.get(name);
    // a split flag's text (its default, `'1 2 foo'`) splits as a given value does (Guild's _splittable)
    const v = def?.argSplit && typeof flags[name] === 'string' ? decodeCliFlag(name, flags[name] as string, def).value : flags[name]!;
    if (def?.argSkip || name.startsWith('operation:')) continue;
    const arg = `--${def?.argName ?? name}`;
    if (shadowed.includes(arg)) continue; // the operation's own args set it (Guild warns and skips)
    if (def?.argSwitch !== undefined) {
      if (JSON.stringify(def.argSwitch) === JSON.stringify(v)) args.push(arg);
      continue;
    }
    if (v === null) continue;
    const isFloat = isMarkedFloat(flags, name);
    // a split value is one YAML list to the launcher (Guild's), its items apart to argparse
    if (Array.isArray(v) && def?.argSplit && !yamlDest(dest)) {
      args.push(arg, ...v.map((x) => encodeArgparseArg(x)));
      continue;
    }
    args.push(arg, yamlDest(dest) ? encodeFlagArg(v, isFloat) : encodeArgparseArg(v, isFloat));
  }
  return args;
}

/** The `FLAG_*` (or `env-name`) environment for the flags. */
export function flagEnv(flags: Record<string, YamlValue>, defs: FlagDef[]): Record<string, string> {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const env: Record<string, string> = {};
  for (const [name, v] of Object.entries(flags)) {
    env[flagEnvName(name, byName.get(name))] = encodeEnvValue(v, isMarkedFloat(flags, name));
  }
  return env;
}

export interface BuiltCommand {
  /** argv to spawn (no shell). */
  cmd: string[];
  /** Guild-shaped `op.op-cmd.cmd-args` template (`__flag_args__` for the flags). */
  opCmdArgs: string[];
}

/** What `${name}` stands for in a command (Guild's resolve params): flag values as the env encodes them, the Python. */
function refVars(flags: Record<string, YamlValue>, python: string): Record<string, string> {
  const vars: Record<string, string> = { python_exe: python, guild_python_exe: python };
  for (const [name, v] of Object.entries(flags)) vars[name] = encodeArgparseArg(v, isMarkedFloat(flags, name));
  return vars;
}

/** Substitute `${name}` in one token of `exec` or `main`; unknown names are an error naming them. */
function expandToken(token: string, vars: Record<string, string>, where: string): string {
  return token.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name in vars) return vars[name]!;
    throw new GrunError(`${where}: unknown reference \${${name}}: expected a flag name, python_exe or flag_args`);
  });
}

/**
 * grun's stand-in for `guild.op_main`: sets globals, runs modules, and turns Ctrl-C into
 * exit 1 with a traceback as op_main does (helpers/globals_main.py).
 */
export const PY_LAUNCHER = join(HELPERS_DIR, 'globals_main.py');

/** How globals_main takes the flags: as globals (nothing), into a dict or namespace global, or as args. */
function launcherMode(dest: FlagsDest): string[] {
  const g = globalDest(dest);
  if (g) return [`--${g.kind}`, g.name];
  return dest === 'globals' ? [] : ['--args'];
}

/** argv for a target with the flags (the python executable already resolved). */
export function buildCommand(
  target: CmdTarget,
  flags: Record<string, YamlValue>,
  defs: FlagDef[],
  dest: FlagsDest,
  python: string,
): BuiltCommand {
  const own = target.kind === 'python-module' ? target.args : target.kind === 'exec' ? shlexSplit(target.template) : [];
  // Flags bound for a config file reach the process through that file only.
  const fargs = dest.startsWith('config:') ? [] : flagArgs(flags, defs, dest, own);
  switch (target.kind) {
    case 'steps':
      // grun drives the steps; the op attr keeps Guild's command, so Guild reads the run as its own
      return { cmd: [process.execPath, ...grunArgv(), '__steps'], opCmdArgs: ['${guild_python_exe}', '-um', 'guild.steps_main'] };
    case 'python-script': {
      const mod = target.script.replace(/\.py$/, '');
      const opCmdArgs = ['${python_exe}', '-um', 'guild.op_main', mod, '__flag_args__'];
      const mode = launcherMode(dest);
      return { cmd: [python, '-u', PY_LAUNCHER, ...mode, target.script, ...fargs], opCmdArgs };
    }
    case 'python-module': {
      // `main: mod ${flag}`: the op attr keeps the references, the command has their values (Guild)
      const opCmdArgs = ['${python_exe}', '-um', 'guild.op_main', target.module, ...target.args, '--', '__flag_args__'];
      const vars = refVars(flags, python);
      const args = target.args.map((t) => expandToken(t, vars, `main '${[target.module, ...target.args].join(' ')}'`));
      const run = [...launcherMode(dest), '--module', target.module];
      return { cmd: [python, '-u', PY_LAUNCHER, ...run, ...args, ...fargs], opCmdArgs };
    }
    case 'shell':
      return { cmd: ['bash', target.script, ...fargs], opCmdArgs: ['bash', target.script, '__flag_args__'] };
    case 'node':
      return { cmd: ['node', target.script, ...fargs], opCmdArgs: ['node', target.script, '__flag_args__'] };
    case 'exec': {
      const tokens = shlexSplit(target.template);
      const vars = refVars(flags, python);
      const cmd: string[] = [];
      const opCmdArgs: string[] = [];
      for (const t of tokens) {
        if (t === '${flag_args}') {
          cmd.push(...fargs);
          opCmdArgs.push('__flag_args__');
        } else {
          cmd.push(expandToken(t, vars, `exec '${target.template}'`));
          opCmdArgs.push(t);
        }
      }
      if (cmd.length === 0) throw new GrunError(`exec '${target.template}': expected a command`);
      return { cmd, opCmdArgs };
    }
  }
}
