"""grun's stand-in for Guild AI's Python API (`guild.summary`, `guild.util.touch`).

grun puts the directory above this package on a Python run's PYTHONPATH so that scripts
written for Guild (`from guild import summary`) run unchanged without Guild installed. A real
Guild installation always wins: when another regular `guild` package is importable from the
rest of sys.path, it is loaded in this module's place, so every `guild.*` import that follows
comes from the real package.
"""

import os
import sys


def _real_guild_spec():
    from importlib.machinery import PathFinder

    here = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    others = [p for p in sys.path if os.path.realpath(p or os.curdir) != here]
    spec = PathFinder.find_spec(__name__, others)
    # a directory named `guild` without __init__.py (a namespace package) is not Guild
    if spec is None or spec.loader is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    return spec


def _load_in_place(spec):
    from importlib.util import module_from_spec

    shim = sys.modules[__name__]
    real = module_from_spec(spec)
    sys.modules[__name__] = real
    try:
        spec.loader.exec_module(real)
    except BaseException:
        sys.modules[__name__] = shim
        raise


_spec = _real_guild_spec()
if _spec is not None:
    _load_in_place(_spec)
del _spec
