"""grun's launcher for Python operations (what `guild.op_main` is to Guild).

Usage:
  python3 -u globals_main.py SCRIPT [--name value ...]       flags-dest globals
  python3 -u globals_main.py --args SCRIPT [ARG ...]          flags-dest args
  python3 -u globals_main.py --args --module MOD [ARG ...]    guild.yml `main: MOD`, args

Globals: each `--name value` is decoded YAML-style (ints, floats, yes/no/true/false, null,
[lists], quoted strings), the script's own top-level assignments to those names are removed
from its AST, and the script runs as `__main__` with the values set.
Args: the script (or module) runs as `__main__` with the arguments as they are.
Either way, a KeyboardInterrupt prints its traceback and exits 1, as op_main does, so that
Ctrl-C leaves a run in `error` the way Guild does (spec §10).
"""

import ast
import os
import re
import runpy
import sys
import traceback
import types


def main():
    argv = sys.argv[1:]
    args_dest = bool(argv) and argv[0] == "--args"
    if args_dest:
        argv = argv[1:]
    module = None
    if args_dest and len(argv) >= 2 and argv[0] == "--module":
        module, argv = argv[1], argv[2:]
    elif not argv:
        sys.stderr.write("usage: globals_main.py [--args] SCRIPT [ARG ...]\n")
        sys.exit(2)
    try:
        if module:
            _run_module(module, argv)
        elif args_dest:
            _exec_script(argv[0], {}, argv[1:])
        else:
            flags, rest = _args_to_flags(argv[1:])
            _exec_script(argv[0], flags, rest)
    except KeyboardInterrupt:
        traceback.print_exc()
        sys.exit(1)


def _run_module(module, args):
    if module == "guild.pass":
        # Guild's built-in no-op operation module: prints its arguments, shell-quoted
        if args:
            import shlex
            print(*[shlex.quote(a) for a in args])
        return
    sys.argv = [module] + args
    sys.path[0] = os.getcwd()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _args_to_flags(args):
    flags = {}
    rest = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i + 1:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name = arg[2:]
            if i + 1 < len(args) and not args[i + 1].startswith("--"):
                flags[name] = decode(args[i + 1])
                i += 2
            else:
                flags[name] = True
                i += 1
        else:
            rest.append(arg)
            i += 1
    return flags, rest


_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_BOOLS = {
    "true": True, "yes": True, "on": True,
    "false": False, "no": False, "off": False,
}


def decode(s):
    """YAML-1.1-ish scalar decoding, the subset flag values use."""
    t = s.strip()
    if _INT.match(t):
        return int(t)
    try:
        if any(c.isdigit() for c in t) and "_" not in t and not t.lower().startswith(("0x", "0o")):
            return float(t)
    except ValueError:
        pass
    low = t.lower()
    if low in _BOOLS:
        return _BOOLS[low]
    if low in ("null", "~", ""):
        return None if t else ""
    if low in (".inf", "+.inf"):
        return float("inf")
    if low == "-.inf":
        return float("-inf")
    if low == ".nan":
        return float("nan")
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        inner = t[1:-1]
        return inner.replace("''", "'") if t[0] == "'" else inner
    if t.startswith("[") and t.endswith("]"):
        body = t[1:-1].strip()
        return [decode(x) for x in _split_list(body)] if body else []
    return t


def _split_list(body):
    parts, depth, quote, cur = [], 0, None, ""
    for c in body:
        if quote:
            cur += c
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            cur += c
        elif c == "[":
            depth += 1
            cur += c
        elif c == "]":
            depth -= 1
            cur += c
        elif c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return parts


class _AssignFilter(ast.NodeTransformer):
    """Drops top-level `name = ...` statements for names set from flags (as Guild)."""

    def __init__(self, names):
        self.names = names

    def visit_Module(self, node):
        node.body = [n for n in node.body if not self._assigns_flag(n)]
        return node

    def _assigns_flag(self, node):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            return False
        return all(isinstance(t, ast.Name) and t.id in self.names for t in targets)


def _exec_script(script, flags, rest):
    with open(script, "rb") as f:
        src = f.read()
    tree = _AssignFilter(set(flags)).visit(ast.parse(src, filename=script))
    ast.fix_missing_locations(tree)
    code = compile(tree, script, "exec")
    # What runpy.run_path does for a script: a fresh __main__ module, argv and sys.path[0].
    mod = types.ModuleType("__main__")
    mod.__file__ = script
    mod.__builtins__ = __builtins__
    mod.__dict__.update(flags)
    sys.modules["__main__"] = mod
    sys.argv = [script] + rest
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    exec(code, mod.__dict__)


if __name__ == "__main__":
    main()
