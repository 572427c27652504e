"""grun's launcher for Python operations (what `guild.op_main` is to Guild).

Usage:
  python3 -u globals_main.py SCRIPT [--name value ...]            flags-dest globals
  python3 -u globals_main.py --module MOD [--name value ...]      guild.yml `main: MOD`, globals
  python3 -u globals_main.py --args SCRIPT [ARG ...]              flags-dest args
  python3 -u globals_main.py --args --module MOD [ARG ...]        guild.yml `main: MOD`, args
  python3 -u globals_main.py --dict NAME (SCRIPT | --module MOD) …   flags-dest global:NAME
  python3 -u globals_main.py --namespace NAME (SCRIPT | --module MOD) …  flags-dest namespace:NAME

Globals: each `--name value` is decoded YAML-style (ints, floats, yes/no/true/false, null,
[lists], {flow: mappings}, quoted strings), the script's own top-level assignments to those names are removed
from its AST, and the script runs as `__main__` with the values set.
Dict (namespace): the decoded flags, nested by the dots of their names, are the one global NAME
(a dict, or a SimpleNamespace), its own top-level assignment removed, as op_main does.
Args: the script (or module) runs as `__main__` with the arguments as they are.
A module (`[PATH/]pkg.mod`, or a package with `__main__`) is found as op_main finds it and runs
in its package, so relative imports work.
An exception prints its traceback from the script's first frame (the launcher's are left out,
as op_main leaves out its own) and exits 1; so does a KeyboardInterrupt, so that Ctrl-C leaves
a run in `error` the way Guild does (spec §10).
"""

import ast
import os
import re
import sys
import traceback
import types


def main():
    argv = sys.argv[1:]
    args_dest = bool(argv) and argv[0] == "--args"
    if args_dest:
        argv = argv[1:]
    holder = None
    if len(argv) >= 2 and argv[0] in ("--dict", "--namespace"):
        holder, argv = (argv[0][2:], argv[1]), argv[2:]
    module = None
    if len(argv) >= 2 and argv[0] == "--module":
        module, argv = argv[1], argv[2:]
    elif not argv:
        sys.stderr.write("usage: globals_main.py [--args] (SCRIPT | --module MOD) [ARG ...]\n")
        sys.exit(2)
    if module == "guild.pass":
        _guild_pass(argv if args_dest else _args_to_flags(argv)[1])
        return
    try:
        if module:
            sys.path[0] = os.getcwd()  # as `python -m`
            script, package = _find_module(module)
            rest = argv
        else:
            script, package, rest = argv[0], None, argv[1:]
        flags = {}
        if not args_dest:
            flags, rest = _args_to_flags(rest)
        if holder:
            flags = _global_holder(holder[0], holder[1], flags)
        _exec_script(script, flags, rest, package)
    except (Exception, KeyboardInterrupt):
        _print_user_traceback()
        sys.exit(1)


def _global_holder(kind, name, flags):
    """{NAME: flags nested by dots} (a dotted NAME nests further), dicts or SimpleNamespaces."""
    config = {}
    for key, val in sorted(flags.items()):
        cur = config
        parts = key.split(".")
        for part in parts[:-1]:
            cur = cur.setdefault(part, {})
            if not isinstance(cur, dict):
                _fail("'%s' cannot be nested: conflicts with %r" % (key, cur))
        cur[parts[-1]] = val
    for part in reversed(name.split(".")[1:]):
        config = {part: config}
    if kind == "namespace":
        config = _namespace(config)
    return {name.split(".")[0]: config}


def _namespace(d):
    return types.SimpleNamespace(**{k: _namespace(v) if isinstance(v, dict) else v for k, v in d.items()})


def _guild_pass(args):
    """Guild's built-in no-op operation module: prints its arguments, shell-quoted."""
    if args:
        import shlex

        print(*[shlex.quote(a) for a in args])


def _print_user_traceback():
    """The traceback from the script's own first frame on (op_main hides its frames too)."""
    etype, err, tb = sys.exc_info()
    here = os.path.abspath(__file__)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == here:
        tb = tb.tb_next
    traceback.print_exception(etype, err, tb)


def _fail(msg):
    sys.stderr.write("grun: %s\n" % msg)
    sys.exit(1)


def _find_module(spec):
    """Guild's op_main module lookup: `[PATH/]pkg.mod` → (file to run, its package).

    A PATH prefix is put on sys.path; a package runs its `__main__`.
    """
    spec = spec.replace(os.path.sep, "/")
    if "/" in spec:
        pkg_path, spec = spec.rsplit("/", 1)
        for item in sys.path:
            if os.path.exists(os.path.join(item or ".", pkg_path)):
                pkg_path = os.path.join(item or ".", pkg_path)
                break
        sys.path.insert(1, pkg_path)
    parts = spec.split(".")
    package = ".".join(parts[:-1])
    for item in sys.path:
        base = os.path.join(item or ".", *parts)
        if os.path.isfile(base + ".py"):
            return base + ".py", package
        if os.path.isdir(base):
            main = os.path.join(base, "__main__.py")
            if os.path.isfile(main):
                return main, package
            _fail(
                "No module named %s.__main__ ('%s' is a package and cannot be "
                "directly executed)" % (spec, spec)
            )
    _fail("No module named %s" % spec)


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
    if t.startswith("{") and t.endswith("}"):
        body = t[1:-1].strip()
        items = [_split_item(x) for x in _split_list(body)] if body else []
        if all(items):
            return {decode(k): decode(v) for k, v in items}
    return t


def _split_item(item):
    """`key: value` of a flow mapping, split at its first `: ` outside quotes; None if none."""
    quote = None
    for i, c in enumerate(item):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == ":" and item[i + 1:i + 2] in (" ", ""):
            return item[:i], item[i + 1:]
    return None


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
        elif c in "[{":
            depth += 1
            cur += c
        elif c in "]}":
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


def _exec_script(script, flags, rest, package=None):
    script = os.path.abspath(script)  # tracebacks and __file__ name it in full, as op_main's
    with open(script, "rb") as f:
        src = f.read()
    tree = _AssignFilter(set(flags)).visit(ast.parse(src, filename=script))
    ast.fix_missing_locations(tree)
    code = compile(tree, script, "exec")
    # What runpy does: a fresh __main__ module (in its package, for relative imports), argv and
    # sys.path[0] (the script's directory; for a module, the cwd as `python -m`).
    mod = types.ModuleType("__main__")
    mod.__file__ = script
    mod.__builtins__ = __builtins__
    if package is not None:
        mod.__package__ = package
    mod.__dict__.update(flags)
    sys.modules["__main__"] = mod
    sys.argv = [script] + rest
    if package is None:
        sys.path[0] = os.path.dirname(os.path.abspath(script))
    exec(code, mod.__dict__)


if __name__ == "__main__":
    main()
