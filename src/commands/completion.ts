// Shell completion (Guild's `completion`): `grun completion [-s bash|zsh|fish]` prints a script
// for the shell's startup file (`--install` puts it there); the script asks `grun __complete -- WORD...` (the words after
// `grun`, the last one being typed) for what may come next: commands, subcommands and options
// from the command definitions, the project's operations and an operation's flags (`lr=`) for
// `run`, run ids for the commands that take runs, remote names. An option's value, or anything
// else, is left to the shell's own file completion.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../store/atomic.js';
import type { Command, Option } from 'commander';
import { UsageError } from '../store/errors.js';
import { resolveGuildHome } from '../store/home.js';
import { shortAliases } from './guild-options.js';
import { commandName, registerAllCommands, registerCommands } from './index.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

const BASH = `# grun completion for bash: eval "$(grun completion -s bash)" in ~/.bashrc
_grun_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(grun __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  # a flag (lr=) is typed on after its =
  [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
}
complete -o default -F _grun_complete grun
`;

const SCRIPTS: Record<Shell, string> = {
  bash: BASH,
  zsh: `# grun completion for zsh: eval "$(grun completion -s zsh)" in ~/.zshrc
autoload -U +X bashcompinit && bashcompinit
${BASH.split('\n').slice(1).join('\n')}`,
  fish: `# grun completion for fish: grun completion -s fish > ~/.config/fish/completions/grun.fish
complete -c grun -f -a '(grun __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`,
};

const optionNames = (o: Option): string[] => [o.long, o.short].filter((n): n is string => !!n);
const takesValue = (o: Option | undefined): boolean => !!o && (o.required || o.optional);
// commander has no public accessor for a command's hidden flag or a group's default subcommand
const visible = (c: Command): boolean => !c.name().startsWith('_') && !(c as unknown as { _hidden?: boolean })._hidden;

/** A group's default subcommand (`runs` is `runs list`): its options are the group's too. */
const defaultSub = (cmd: Command): Command | undefined => {
  const name = (cmd as unknown as { _defaultCommandName?: string })._defaultCommandName;
  return name ? cmd.commands.find((c) => c.name() === name) : undefined;
};

/** The options typed after `cmd`: its own, its default subcommand's, its parents'. */
const optionsOf = (cmd: Command): Option[] => [...cmd.options, ...(defaultSub(cmd)?.options ?? [])];

function findOption(cmd: Command, name: string): Option | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const n = shortAliases.get(c)?.[name] ?? name;
    const o = optionsOf(c).find((x) => x.long === n || x.short === n);
    if (o) return o;
  }
  return undefined;
}

/** What may complete the last of `words` (the words after `grun`), one candidate a line. */
export async function candidates(root: Command, words: string[]): Promise<string[]> {
  const cur = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let cmd = root;
  // the home and start dir the typed command names, else those this completion was asked with
  let home = root.opts().home as string | undefined;
  let cwd = process.cwd();
  const operands: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    if (w.startsWith('-')) {
      const o = findOption(cmd, w.split('=')[0]!);
      if (takesValue(o) && !w.includes('=')) {
        if (o!.long === '--home') home = before[i + 1];
        if (o!.short === '-C' && before[i + 1] !== undefined) cwd = resolve(cwd, before[i + 1]!);
        i++;
      }
      continue;
    }
    const sub = operands.length === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) cmd = sub;
    else operands.push(w);
  }
  const prev = findOption(cmd, before.at(-1) ?? '');
  const starting = (xs: Iterable<string>): string[] => [...new Set(xs)].filter((x) => x.startsWith(cur)).sort();
  if (takesValue(prev) && !before.at(-1)!.includes('=')) {
    return prev!.long === '--remote' ? starting(await remoteNames(home)) : [];
  }
  if (cur.startsWith('-')) return starting([...optionsOf(cmd).flatMap(optionNames), ...Object.keys(shortAliases.get(cmd) ?? {})]);
  const subs = cmd.commands.filter(visible);
  if (subs.length > 0 && operands.length === 0) return starting(subs.flatMap((c) => [c.name(), ...c.aliases()]));
  if (cmd.name() === 'run') return starting(await runCandidates(operands, home, cwd));
  const args = (cmd as unknown as { registeredArguments?: { name(): string }[] }).registeredArguments ?? [];
  const arg = args[Math.min(operands.length, args.length - 1)]?.name().toLowerCase() ?? '';
  if (arg === 'remote') return starting(await remoteNames(home));
  if (arg.startsWith('run')) return starting(await runIds(home));
  return [];
}

/** `run`: the project's operations (and scripts), then the named operation's flags as `NAME=`. */
async function runCandidates(operands: string[], home: string | undefined, cwd: string): Promise<string[]> {
  if (operands.length === 0) return (await import('../engine/operations.js')).listOperations(cwd).map((o) => o.name);
  try {
    const plan = await (await import('../engine/plan.js')).planOperation(resolveGuildHome({ home }), cwd, operands[0]!, { describeOnly: true });
    const given = new Set(operands.slice(1).map((a) => a.split('=')[0]));
    return (plan?.flagDefs ?? []).map((d) => d.name).filter((n) => !given.has(n)).map((n) => `${n}=`);
  } catch {
    return []; // not an operation (yet): nothing to offer
  }
}

/** The ids of the newest runs, short, as RUN arguments take them. */
async function runIds(home: string | undefined): Promise<string[]> {
  const { RunList } = await import('../store/index.js');
  return new RunList(resolveGuildHome({ home })).ids.slice(0, 200).map((id) => id.slice(0, 8));
}

async function remoteNames(home: string | undefined): Promise<string[]> {
  return [...(await import('../engine/remote/config.js')).loadRemotes(resolveGuildHome({ home })).keys()];
}

/** Where `--install` puts the line that loads the script: each shell's startup file. */
const INIT_FILES: Record<Shell, string> = { bash: '.bashrc', zsh: '.zshrc', fish: '.config/fish/completions/grun.fish' };

/**
 * `--install` (Guild's): the script written under the user's config dir, and a line that loads
 * it added to the shell's startup file (a copy of which is kept first) unless one is there.
 */
function install(shell: Shell, initGiven: string | undefined): void {
  const home = os.homedir();
  const script = join(process.env.XDG_CONFIG_HOME || join(home, '.config'), 'grun', `${shell}_completion`);
  process.stderr.write(`Writing completion script to ${script}\n`);
  mkdirSync(dirname(script), { recursive: true });
  writeFileAtomicSync(script, SCRIPTS[shell]);
  const init = initGiven !== undefined ? resolve(initGiven.replace(/^~(?=\/|$)/, home)) : join(home, INIT_FILES[shell]);
  const sentinel = `. ${script}`;
  const text = existsSync(init) ? readFileSync(init, 'utf8') : null;
  const at = text?.split('\n').findIndex((l) => l.includes(sentinel)) ?? -1;
  if (at >= 0) {
    process.stderr.write(`grun completion is already installed in ${init} (line ${at + 1}):\n  ${text!.split('\n')[at]}\n`);
    return;
  }
  if (text !== null && shell !== 'fish') {
    const backup = `${init}.grun-backup`;
    process.stderr.write(`Backing up ${init} to ${backup}\n`);
    copyFileSync(init, backup);
  }
  process.stderr.write(`Updating ${init} to support grun command completion\n`);
  mkdirSync(dirname(init), { recursive: true });
  const line = shell === 'fish' ? `test -s ${script} ;and . ${script}` : `[ -s ${script} ] && . ${script}  # Enable completion for grun`;
  appendFileSync(init, `${text === null || text.endsWith('\n') || text === '' ? '' : '\n'}${line}\n`);
  process.stdout.write('grun command completion is installed - changes will take effect the next time you open a terminal session\n');
}

function shellOf(given: string | undefined): Shell {
  const s = given ?? basename(process.env.SHELL ?? 'bash');
  if (!(SHELLS as readonly string[]).includes(s)) {
    if (given !== undefined) throw new UsageError(`--shell '${given}': expected ${SHELLS.join(', ')}`);
    return 'bash';
  }
  return s as Shell;
}

export function register(program: Command): void {
  program
    .command('completion')
    .description("Print the shell completion script: eval \"$(grun completion)\" in your shell's startup file")
    .option('-s, --shell <name>', `${SHELLS.join(', ')} (default: from $SHELL)`)
    .option('-i, --install', "install it: the script under ~/.config/grun, loaded from the shell's startup file")
    .option('--shell-init <path>', 'with --install: the startup file to load it from (default: ~/.bashrc, ~/.zshrc, fish: its completions dir)')
    .action((o: { shell?: string; install?: boolean; shellInit?: string }) => {
      const shell = shellOf(o.shell);
      if (o.shellInit !== undefined && !o.install) throw new UsageError('--shell-init needs --install');
      if (o.install) install(shell, o.shellInit);
      else process.stdout.write(SCRIPTS[shell]);
    });
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .action(async (words: string[], _o: unknown, cmd: Command) => {
      const root = cmd.parent!;
      // the command already typed is loaded alone; every one only for a command name
      const typed = words.slice(0, -1);
      if (commandName(typed) !== undefined) await registerCommands(root, typed);
      else await registerAllCommands(root);
      try {
        const out = await candidates(root, words);
        if (out.length) process.stdout.write(out.join('\n') + '\n');
      } catch {
        // a completion that fails offers nothing: the shell falls back to file names
      }
    });
}
