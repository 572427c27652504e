// Guild 0.9.1's options, per command (read from its click commands), so that a Guild option grun
// lacks is refused by name instead of being called unknown, and each command's help says which
// of Guild's options it does not support yet.
import type { Command, Option } from 'commander';
import { UsageError } from '../store/errors.js';
import { rewrittenOptions } from './argv.js';

const GUILD_OPTIONS: Record<string, string> = {
  '':
    '--debug --debug-listen --version -C -D -H',
  'run':
    '--background --batch-comment --batch-label --batch-tag --break --break-on-error --comment ' +
    '--debug-sourcecode --dep --edit-batch-comment --edit-comment --edit-flags ' +
    '--fail-on-trial-error --force-deps --force-flags --force-sourcecode --gpus --help-model ' +
    '--help-op --keep-batch --keep-run --label --max-trials --maximize --minimize --needed ' +
    '--no-gpus --no-wait --opt-flag --optimize --optimizer --pidfile --print-cmd --print-env ' +
    '--print-trials --proto --quiet --random-seed --remote --restart --run-dir --run-id ' +
    '--save-trials --stage --stage-trials --start --stop-after --tag --test-flags ' +
    '--test-output-attrs --test-output-scalars --test-sourcecode --trials --yes -D -Fo -N -O -X ' +
    '-b -bc -bl -bt -c -d -e -ebc -ec -f -h -l -m -n -o -q -r -t -y',
  'runs':
    '--all --archive --comment --comments --completed --deleted --digest --error --filter ' +
    '--json --label --limit --marked --more --not-completed --not-error --not-pending ' +
    '--not-running --not-staged --not-terminated --operation --pending --remote --running ' +
    '--simplified --staged --started --tag --terminated --unlabeled --unmarked --verbose -A -F ' +
    '-Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -a -c -d -m -n -r -s -v',
  'runs list':
    '--all --archive --comment --comments --completed --deleted --digest --error --filter ' +
    '--json --label --limit --marked --more --not-completed --not-error --not-pending ' +
    '--not-running --not-staged --not-terminated --operation --pending --remote --running ' +
    '--simplified --staged --started --tag --terminated --unlabeled --unmarked --verbose -A -F ' +
    '-Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -a -c -d -m -n -r -s -v',
  'runs info':
    '--all-scalars --comment --comments --completed --deps --digest --env --error --filter ' +
    '--json --label --manifest --marked --not-completed --not-error --not-pending --not-running ' +
    '--not-staged --not-terminated --operation --pending --plugins --private-attrs --remote ' +
    '--running --staged --started --tag --terminated --unlabeled --unmarked -F -Fc -Fd -Fl -Fm ' +
    '-Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -c -d -e -m -p -r -s',
  'runs delete':
    '--archive --comment --completed --digest --error --filter --label --marked --not-completed ' +
    '--not-error --not-pending --not-running --not-staged --not-terminated --operation ' +
    '--pending --permanent --remote --running --staged --started --tag --terminated --unlabeled ' +
    '--unmarked --yes -A -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -p ' +
    '-r -y',
  'runs restore':
    '--comment --completed --digest --error --filter --label --marked --not-completed ' +
    '--not-error --not-pending --not-running --not-staged --not-terminated --operation ' +
    '--pending --remote --running --staged --started --tag --terminated --unlabeled --unmarked ' +
    '--yes -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -r -y',
  'runs purge':
    '--comment --completed --digest --error --filter --label --marked --not-completed ' +
    '--not-error --not-pending --not-running --not-staged --not-terminated --operation ' +
    '--pending --remote --running --staged --started --tag --terminated --unlabeled --unmarked ' +
    '--yes -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -r -y',
  'ls':
    '--all --comment --completed --dependencies --digest --error --filter --follow-links ' +
    '--full-path --generated --human-readable --label --marked --no-format --not-completed ' +
    '--not-error --not-pending --not-running --not-staged --not-terminated --operation --path ' +
    '--pending --remote --running --sourcecode --staged --started --tag --terminated ' +
    '--unlabeled --unmarked -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -L -S -Sc -Se -Sp -Sr -Ss ' +
    '-St -a -d -f -g -h -n -p -r -s',
  'cat':
    '--comment --completed --digest --error --filter --label --marked --not-completed ' +
    '--not-error --not-pending --not-running --not-staged --not-terminated --operation --output ' +
    '--page --path --pending --remote --running --sourcecode --staged --started --tag ' +
    '--terminated --unlabeled --unmarked -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -O -S -Sc -Se ' +
    '-Sp -Sr -Ss -St -p -pa -r -s',
  'watch':
    '--comment --digest --filter --label --marked --operation --pid --remote --started --tag ' +
    '--unlabeled --unmarked -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -p -r',
  'stop':
    '--comment --digest --filter --force --label --marked --no-wait --operation --remote ' +
    '--started --tag --timeout --unlabeled --unmarked --yes -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft ' +
    '-Fu -n -r -y',
  'compare':
    '--all-scalars --cols --comment --completed --csv --digest --error --extra-cols --filter ' +
    '--include-batch --label --limit --marked --max --min --not-completed --not-error ' +
    '--not-pending --not-running --not-staged --not-terminated --operation --pending ' +
    '--print-scalars --running --skip-core --skip-op-cols --skip-unchanged --staged --started ' +
    '--strict-cols --table --tag --terminated --tool --top --unlabeled --unmarked -F -Fc -Fd ' +
    '-Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -c -cc -e -n -p -r -s -t -u',
  'diff':
    '--attrs --cmd --comment --completed --deps --digest --dir --env --error --filter --flags ' +
    '--label --marked --not-completed --not-error --not-pending --not-running --not-staged ' +
    '--not-terminated --operation --output --path --pending --remote --running --sourcecode ' +
    '--staged --started --tag --terminated --unlabeled --unmarked --working -D -F -Fc -Fd -Fl ' +
    '-Fm -Fn -Fo -Fs -Ft -Fu -O -S -Sc -Se -Sp -Sr -Ss -St -a -c -d -e -f -p -r -s -w',
  'label':
    '--append --clear --comment --completed --digest --error --filter --label --marked ' +
    '--not-completed --not-error --not-pending --not-running --not-staged --not-terminated ' +
    '--operation --pending --prepend --remote --remove --running --set --staged --started --tag ' +
    '--terminated --unlabeled --unmarked --yes -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc ' +
    '-Se -Sp -Sr -Ss -St -a -c -p -r -rm -s -y',
  'tag':
    '--add --clear --comment --completed --delete --digest --error --filter --label --list-all ' +
    '--marked --not-completed --not-error --not-pending --not-running --not-staged ' +
    '--not-terminated --operation --pending --remote --running --staged --started --sync-labels ' +
    '--tag --terminated --unlabeled --unmarked --yes -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S ' +
    '-Sc -Se -Sp -Sr -Ss -St -a -c -d -r -s -y',
  'comment':
    '--add --clear --comment --completed --delete --digest --edit --error --filter --label ' +
    '--list --marked --not-completed --not-error --not-pending --not-running --not-staged ' +
    '--not-terminated --operation --pending --remote --running --staged --started --tag ' +
    '--terminated --unlabeled --unmarked --user --yes -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S ' +
    '-Sc -Se -Sp -Sr -Ss -St -a -c -d -e -l -r -u -y',
  'mark':
    '--clear --comment --completed --digest --error --filter --label --marked --not-completed ' +
    '--not-error --not-pending --not-running --not-staged --not-terminated --operation ' +
    '--pending --running --staged --started --tag --terminated --unlabeled --unmarked --yes -F ' +
    '-Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -c -y',
  'select':
    '--all --attr --comment --completed --digest --dir --error --filter --label --marked --max ' +
    '--min --not-completed --not-error --not-pending --not-running --not-staged ' +
    '--not-terminated --operation --path --pending --remote --running --short-id --staged ' +
    '--started --tag --terminated --unlabeled --unmarked -A -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft ' +
    '-Fu -S -Sc -Se -Sp -Sr -Ss -St -a -max -min -p -r -s',
  'export':
    '--comment --completed --copy-resources --digest --error --filter --label --marked --move ' +
    '--not-completed --not-error --not-pending --not-running --not-staged --not-terminated ' +
    '--operation --pending --running --staged --started --tag --terminated --unlabeled ' +
    '--unmarked --yes -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -m -r ' +
    '-y',
  'import':
    '--comment --completed --copy-resources --digest --error --filter --label --marked --move ' +
    '--not-completed --not-error --not-pending --not-running --not-staged --not-terminated ' +
    '--operation --pending --running --staged --started --tag --terminated --unlabeled ' +
    '--unmarked --yes -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -m -y',
  'merge':
    '--all --comment --completed --digest --error --exclude --filter --label --marked --no-replace --no-summary ' +
    '--not-completed --not-error --not-pending --not-running --not-staged --not-terminated --operation ' +
    '--pending --preview --replace --running --skip-deps --skip-sourcecode --sourcecode --staged --started ' +
    '--summary-name --tag --target-dir --terminated --unlabeled --unmarked --yes -D -F -Fc -Fd -Fl -Fm -Fn ' +
    '-Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -a -p -s -t -x -y',
  'open':
    '--cmd --comment --completed --digest --error --filter --label --marked --not-completed --not-error ' +
    '--not-pending --not-running --not-staged --not-terminated --operation --output --path --pending ' +
    '--running --shell --shell-cmd --sourcecode --staged --started --tag --terminated --unlabeled ' +
    '--unmarked -F -Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -O -S -Sc -Se -Sp -Sr -Ss -St -c -p -s',
  'check':
    '--check-url --concurrency --env --external --fast --force-test --force-uat --no-chrome --no-info ' +
    '--no-offline --notify --offline --pytorch --r-script --remote --skip --space --tensorflow --test ' +
    '--tests --uat --verbose --version -T -c -f -n -r -s -t -v',
  'completion':
    '--install --shell --shell-init -i -s',
  'operations':
    '--all --installed --verbose -a -i -v',
  'push':
    '--comment --completed --delete --digest --error --filter --label --marked --not-completed ' +
    '--not-error --not-pending --not-running --not-staged --not-terminated --operation ' +
    '--pending --running --staged --started --tag --terminated --unlabeled --unmarked --yes -F ' +
    '-Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -n -y',
  'pull':
    '--comment --completed --delete --digest --error --filter --label --marked --not-completed ' +
    '--not-error --not-pending --not-running --not-staged --not-terminated --operation ' +
    '--pending --running --staged --started --tag --terminated --unlabeled --unmarked --yes -F ' +
    '-Fc -Fd -Fl -Fm -Fn -Fo -Fs -Ft -Fu -S -Sc -Se -Sp -Sr -Ss -St -d -y',
};

/** The two-letter aliases each command was given (`aliasShortArgs`): its own options too. */
export const shortAliases = new WeakMap<Command, Record<string, string>>();

function guildOptions(path: string): string[] {
  return (GUILD_OPTIONS[path] ?? '').split(' ').filter(Boolean);
}

const knows = (cmd: Command, name: string): Option | undefined => {
  const n = shortAliases.get(cmd)?.[name] ?? name;
  return cmd.options.find((o) => o.long === n || o.short === n);
};

/** The command (and its path, `runs info`) that `argv` names; the default subcommand when none. */
function commandFor(program: Command, argv: readonly string[]): { cmd: Command; path: string; rest: string[] } {
  let cmd = program;
  const names: string[] = [];
  let after = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      const o = knows(cmd, a.split('=')[0]!);
      if (o && (o.required || o.optional) && !a.includes('=')) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub || names.length >= 2) break;
    cmd = sub;
    names.push(sub.name());
    after = i + 1;
  }
  // `grun runs -s` is `runs list -s`.
  const dflt = cmd.commands.find((c) => c.name() === 'list');
  if (names.length === 1 && dflt) return { cmd: dflt, path: `${names[0]} list`, rest: argv.slice(after) };
  return { cmd, path: names.join(' '), rest: argv.slice(after) };
}

/**
 * Guild's options of `path` that `cmd` does not declare. Those `normalizeGuildArgs` rewrites
 * (`-Fo`…`-Fu`, run's `-bl`) count by what they become; `-Sc`… are `-S` with a status char.
 */
function unsupported(cmd: Command, path: string): string[] {
  const rewritten = rewrittenOptions(path.split(' ')[0]);
  const declared = (name: string): boolean =>
    !!knows(cmd, rewritten[name] ?? name) || (/^-S[a-z]$/.test(name) && !!knows(cmd, '-S')) || name === '-h';
  return guildOptions(path).filter((name) => !declared(name));
}

/**
 * Throws a UsageError for the first argument that is one of Guild's options for the command
 * and not one of grun's: `'--foo' is a Guild option grun does not support yet`.
 */
export function refuseUnsupportedGuildOptions(program: Command, argv: readonly string[]): void {
  const check = (cmd: Command, path: string, args: readonly string[]): void => {
    const missing = new Set(unsupported(cmd, path));
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--') return;
      if (!a.startsWith('-')) {
        if (cmd === program) return; // the command name: its own options are checked below
        continue;
      }
      const name = a.split('=')[0]!;
      if (missing.has(name)) throw new UsageError(`'${name}' is a Guild option grun does not support yet`);
      const o = knows(cmd, name);
      if (o && (o.required || o.optional) && !a.includes('=')) i++; // its value is not an option
    }
  };
  check(program, '', argv);
  const { cmd, path, rest } = commandFor(program, argv);
  if (cmd !== program) check(cmd, path, rest);
}

/** Adds to each command's help the Guild options it does not support yet. */
export function addGuildOptionsHelp(program: Command): void {
  const visit = (cmd: Command, path: string): void => {
    // A group (`runs`) lists its subcommands; their help names their own.
    const missing = cmd.commands.length && cmd !== program ? [] : unsupported(cmd, path);
    if (missing.length) cmd.addHelpText('after', `\nGuild options not supported yet: ${missing.join(' ')}`);
    for (const sub of cmd.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, '');
}
