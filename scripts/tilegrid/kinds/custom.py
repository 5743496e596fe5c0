"""The user's own drawing function, ``"path/to/module.py:draw"``.

It is called as ``draw(ax, data, **options)`` with a real matplotlib Axes and
the tile's rows as a pandas DataFrame.  When ``plot.x``/``plot.y`` name numeric
columns and the axis is shared, the shared limits are applied after it draws.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

from ..core.sidecar import Sidecar
from ..core.stats import TileStats
from ._common import data_ranges

ROLES: dict[str, str] = {}  # x and y follow their columns' types
OPTIONS = None  # free-form: every option is passed to the user's function


class FunctionSpecError(ValueError):
    """A ``plot.function`` that cannot be used, worded for the user."""


def check_options(options: dict[str, Any]) -> None:
    """Every option is the user's; nothing to check."""


def extents(stats: TileStats, options: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The data ranges of numeric x and y: the user's function decides how to draw them."""
    return data_ranges(stats)


def parse_spec(spec: str | None, key: str = "plot.function") -> tuple[str, str]:
    """Split ``"path/to/module.py:name"`` into its path and function name."""
    if not spec or ":" not in spec:
        raise FunctionSpecError(f"{key}: {spec!r} must look like 'path/to/module.py:function'")
    path, _, name = spec.rpartition(":")
    if not name.isidentifier():
        raise FunctionSpecError(f"{key}: {name!r} is not a Python function name")
    return path, name


def check_spec(spec: str | None, key: str = "plot.function", min_args: int = 2) -> None:
    """Check, without importing it, that the module exists and defines the function.

    The function must take at least ``min_args`` positional parameters (``ax,
    data`` for a drawing function, ``data`` for a preprocess function) or
    ``*args``.
    """
    path, name = parse_spec(spec, key)
    if not os.path.isfile(path):
        raise FunctionSpecError(f"{key}: module file {path!r} does not exist")
    with open(path, encoding="utf-8") as handle:
        try:
            tree = ast.parse(handle.read(), filename=path)
        except SyntaxError as exc:
            raise FunctionSpecError(f"{key}: {path}:{exc.lineno}: syntax error: {exc.msg}") from exc
    defs = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
    ]
    if not defs:
        raise FunctionSpecError(f"{key}: {path} defines no top-level function {name!r}")
    args = defs[-1].args
    if args.vararg is None and len(args.posonlyargs) + len(args.args) < min_args:
        wanted = "(ax, data, **options)" if min_args == 2 else "(data)"
        raise FunctionSpecError(f"{key}: {path}:{defs[-1].lineno}: {name}() must accept {wanted}")


def load_function(spec: str) -> Callable[..., Any]:
    """Import the module by path and return the named function."""
    path, name = parse_spec(spec)
    module_name = "tilegrid_user_" + os.path.splitext(os.path.basename(path))[0]
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise FunctionSpecError(f"plot.function: cannot import {path!r}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    return getattr(module, name)


def draw(ax, table, sidecar: Sidecar, options: dict[str, Any], function: str) -> None:
    """Call the user's function on ``ax`` with the tile's rows as a DataFrame."""
    func = load_function(function)
    func(ax, table.to_pandas(), **options)
