"""Report the flags of a Python script by reading its AST; the script is never executed.

Usage: python3 flags.py [--click | --dict NAME] SCRIPT [BASE_ARG ...]

Prints one JSON object in the shape of Guild's import-flags cache:
  {"lr": {"default": 0.1, "type": "number"}, ..., "$dest": "globals"}
A script that imports argparse gets "$dest": "args" and flags from its add_argument calls;
otherwise its module-level assignments of numbers, strings, bools, lists and None are the flags
(a name assigned more than once: its first such value).
With --dict NAME (flags-dest global:NAME), the items of the dict assigned to NAME are, nested
keys joined by dots, a list as Guild imports it: its items as one splittable value.
BASE_ARGS are the operation's own arguments (`main: script a`): when they name argparse
sub-commands (or click commands, with --click), the flags are that sub-command's own.
"""

import ast
import json
import sys

_NO_VALUE = object()


def main():
    args = sys.argv[1:]
    click = bool(args) and args[0] == "--click"
    if click:
        args = args[1:]
    dict_name = None
    if len(args) >= 2 and args[0] == "--dict":
        dict_name, args = args[1], args[2:]
    path, base_args = args[0], args[1:]
    with open(path, "rb") as f:
        src = f.read()
    try:
        tree = ast.parse(src, filename=path)
    except SyntaxError as e:
        sys.stderr.write("%s: syntax error at line %s: %s\n" % (path, e.lineno, e.msg))
        sys.exit(2)
    consts = _module_constants(tree)
    if dict_name is not None:
        flags = _dict_flags(dict(consts, **_namespace_constants(tree)), dict_name)
    elif click:
        flags = _click_flags(tree, consts, base_args)
        flags["$dest"] = "args:click"
    elif _imports_argparse(tree):
        flags = _argparse_flags(tree, consts, base_args)
        flags["$dest"] = "args"
    else:
        flags = _global_flags(tree)
        flags["$dest"] = "globals"
    json.dump(flags, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


def _imports_argparse(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name.split(".")[0] == "argparse" for a in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] == "argparse":
                return True
    return False


def _literal(node, consts):
    """A literal value, a module constant it names, or _NO_VALUE."""
    if isinstance(node, ast.Name) and node.id in consts:
        return consts[node.id]
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_VALUE


def _module_constants(tree):
    consts = {}
    for name, value in _top_level_assigns(tree):
        val = _literal(value, {})
        if val is not _NO_VALUE:
            consts[name] = val
    return consts


def _top_level_assigns(tree):
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            if isinstance(node.target, ast.Name):
                yield node.target.id, node.value


def _global_flags(tree):
    # Guild's rule: a name's first assignment of a flag value is its flag; later assignments,
    # and those of other values, are ignored (op_main drops them all when it sets the global).
    flags = {}
    for name, value in _top_level_assigns(tree):
        if name.startswith("_") or name in flags:
            continue
        val = _literal(value, {})
        # `x = None` is a flag without a type, as Guild imports it
        if val is _NO_VALUE or not (val is None or _is_flag_value(val)):
            continue
        flags[name] = _mark_float({"default": val, "type": _global_type(val)})
    return flags


def _dict_flags(consts, name):
    """The items of the module-level dict NAME (a dotted name: nested in it), as Guild imports them."""
    val = consts
    for part in name.split("."):
        val = val.get(part) if isinstance(val, dict) else None
    flags = {}
    for key, item in _flatten(val if isinstance(val, dict) else {}):
        if key.startswith("_") or not (item is None or _is_flag_value(item)):
            continue
        if isinstance(item, list):
            flags[key] = {"default": _splittable(item), "type": None, "arg-split": True}
        else:
            flags[key] = _mark_float({"default": item, "type": _global_type(item)})
    return flags


def _namespace_constants(tree):
    """`NAME = SimpleNamespace(k=literal, ...)` at module level, as {NAME: {k: value}}."""
    out = {}
    for name, value in _top_level_assigns(tree):
        if not (isinstance(value, ast.Call) and not value.args and value.keywords):
            continue
        func = value.func
        if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) != "SimpleNamespace":
            continue
        items = {kw.arg: _literal(kw.value, {}) for kw in value.keywords if kw.arg}
        if all(v is not _NO_VALUE for v in items.values()):
            out[name] = items
    return out


def _flatten(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _flatten(v, "%s%s." % (prefix, k))
        else:
            yield "%s%s" % (prefix, k), v


def _splittable(items):
    """Guild's `_encode_splittable_list`: each item YAML-encoded, shell-quoted, joined by spaces."""
    import shlex

    def enc(x):
        if isinstance(x, bool):
            return "true" if x else "false"
        return x if isinstance(x, str) else repr(x)

    return " ".join(shlex.quote(enc(x)) for x in items)


def _mark_float(data):
    """JSON cannot tell 0.0 from 0: flag an integral float default so grun keeps it a float."""
    val = data.get("default")
    if isinstance(val, float) and val.is_integer():
        data["default-float"] = True
    return data


def _is_flag_value(val):
    if isinstance(val, list):
        return all(_is_flag_value(x) and not isinstance(x, list) for x in val)
    return isinstance(val, (bool, int, float, str))


def _global_type(val):
    if isinstance(val, bool):
        return "boolean"
    if isinstance(val, (int, float)):
        return "number"
    if isinstance(val, str):
        return "string"
    return None


_ARG_TYPES = {"int": "int", "float": "float", "str": "string", "bool": "boolean"}


def _call_on(node, attr):
    """The receiver's name of `NAME.attr(...)`, or None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == attr
        and isinstance(node.func.value, ast.Name)
    ):
        return node.func.value.id
    return None


def _argparse_flags(tree, consts, base_args):
    """The add_argument flags of the parser the base args select (sub-commands by name)."""
    subparsers = {}  # name of a add_subparsers() result -> its parser's name
    commands = {}  # parser name -> (parent parser name, command)
    groups = {}  # argument group name -> its parser's name
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        target, value = node.targets[0].id, node.value
        owner = _call_on(value, "add_subparsers")
        if owner:
            subparsers[target] = owner
        owner = _call_on(value, "add_parser")
        if owner in subparsers and value.args and isinstance(value.args[0], ast.Constant):
            commands[target] = (subparsers[owner], value.args[0].value)
        owner = _call_on(value, "add_argument_group") or _call_on(value, "add_mutually_exclusive_group")
        if owner:
            groups[target] = owner
    selected = None  # None: the top parser(s)
    for arg in base_args:
        match = [n for n, (parent, cmd) in commands.items() if cmd == arg and _root(parent, commands) == selected]
        if not match:
            break
        selected = match[0]
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument"):
            continue
        receiver = node.func.value.id if isinstance(node.func.value, ast.Name) else None
        if _root(groups.get(receiver, receiver), commands) == selected:
            calls.append(node)
    return _option_flags(calls, consts)


def _option_flags(calls, consts):
    """Flags of add_argument / click.option calls (the same keywords), by name."""
    flags = {}
    for call in calls:
        flag = _argparse_flag(call, consts)
        if flag:
            name, data = flag
            flags[name] = data
    return flags


def _root(parser, commands):
    """A sub-command's parser stands for itself; any other parser is the top (None)."""
    return parser if parser in commands else None


def _click_flags(tree, consts, base_args):
    """The @click.option flags of the command the base args select in a click group."""
    funcs = {}  # function name -> (parent function name or None, command name, options)
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        parent, is_command = None, False
        options = []
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            func = call.func if call else dec
            if isinstance(func, ast.Attribute) and func.attr in ("command", "group"):
                is_command = True
                if isinstance(func.value, ast.Name) and func.value.id != "click":
                    parent = func.value.id
            elif isinstance(func, ast.Attribute) and func.attr == "option" and call:
                options.append(call)
        if is_command:
            funcs[node.name] = (parent, node.name.replace("_", "-"), options)
    roots = [n for n, (parent, _, _) in funcs.items() if parent is None]
    if not roots:
        return {}
    selected = roots[0]
    for arg in base_args:
        match = [n for n, (parent, cmd, _) in funcs.items() if parent == selected and cmd == arg]
        if not match:
            break
        selected = match[0]
    return _option_flags(funcs[selected][2], consts)


def _argparse_flag(call, consts):
    opts = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    long_opts = [o for o in opts if o.startswith("--")]
    if not long_opts or "--help" in long_opts:
        return None  # positional and short-only options are not flags (as Guild)
    name = long_opts[0][2:]
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    data = {}
    action = _literal(kw["action"], consts) if "action" in kw else None
    if action in ("store_true", "store_false"):
        switch = action == "store_true"
        default = _literal(kw["default"], consts) if "default" in kw else not switch
        data["default"] = default if default is not _NO_VALUE else (not switch)
        data["arg-switch"] = switch
        data["type"] = "boolean"
        data["choices"] = [True, False]
    elif action not in (None, "store"):
        return None  # count, append, version, help: not something a flag value maps onto
    else:
        default = _literal(kw["default"], consts) if "default" in kw else None
        data["default"] = None if default is _NO_VALUE else default
        type_node = kw.get("type")
        if isinstance(type_node, ast.Name) and type_node.id in _ARG_TYPES:
            data["type"] = _ARG_TYPES[type_node.id]
        if "choices" in kw:
            choices = _literal(kw["choices"], consts)
            if isinstance(choices, (list, tuple)):
                data["choices"] = list(choices)
        if "nargs" in kw:
            data["arg-split"] = True
    if "required" in kw and _literal(kw["required"], consts) is True:
        data["required"] = True
    if "help" in kw:
        help = _literal(kw["help"], consts)
        if isinstance(help, str):
            data["description"] = help
    return name, _mark_float(data)


if __name__ == "__main__":
    main()
