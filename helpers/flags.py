"""Report the flags of a Python script by reading its AST; the script is never executed.

Usage: python3 flags.py SCRIPT

Prints one JSON object in the shape of Guild's import-flags cache:
  {"lr": {"default": 0.1, "type": "number"}, ..., "$dest": "globals"}
A script that imports argparse gets "$dest": "args" and flags from its add_argument calls;
otherwise its module-level assignments of numbers, strings, bools, lists and None are the flags.
"""

import ast
import json
import sys

_NO_VALUE = object()


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        src = f.read()
    try:
        tree = ast.parse(src, filename=path)
    except SyntaxError as e:
        sys.stderr.write("%s: syntax error at line %s: %s\n" % (path, e.lineno, e.msg))
        sys.exit(2)
    consts = _module_constants(tree)
    if _imports_argparse(tree):
        flags = _argparse_flags(tree, consts)
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
    flags = {}
    for name, value in _top_level_assigns(tree):
        if name.startswith("_"):
            continue
        val = _literal(value, {})
        # `x = None` is a flag without a type, as Guild imports it
        if val is _NO_VALUE or not (val is None or _is_flag_value(val)):
            # A later non-literal assignment makes the name something else: drop it.
            flags.pop(name, None)
            continue
        flags[name] = _mark_float({"default": val, "type": _global_type(val)})
    return flags


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


def _argparse_flags(tree, consts):
    flags = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):
            flag = _argparse_flag(node, consts)
            if flag:
                name, data = flag
                flags[name] = data
    return flags


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
