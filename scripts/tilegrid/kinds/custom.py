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

from .. import kde

OPTIONS = None  # free-form: every option is passed to the user's function


class FunctionSpecError(ValueError):
    """A ``plot.function`` that cannot be used, worded for the user."""


def check_options(options: dict[str, Any]) -> None:
    """Every option is the user's; nothing to check."""


def value_extent(moments: kde.Moments, options: dict[str, Any]) -> tuple[float, float]:
    """The data range: the user's function decides how it draws it."""
    return moments.min, moments.max


def parse_spec(spec: str | None) -> tuple[str, str]:
    """Split ``"path/to/module.py:name"`` into its path and function name."""
    if not spec or ":" not in spec:
        raise FunctionSpecError(
            f"plot.function: {spec!r} must look like 'path/to/module.py:function'"
        )
    path, _, name = spec.rpartition(":")
    if not name.isidentifier():
        raise FunctionSpecError(f"plot.function: {name!r} is not a Python function name")
    return path, name


def check_spec(spec: str | None) -> None:
    """Check, without importing it, that the module exists and defines the function.

    The function must take at least two positional parameters (``ax, data``) or
    ``*args``.
    """
    path, name = parse_spec(spec)
    if not os.path.isfile(path):
        raise FunctionSpecError(f"plot.function: module file {path!r} does not exist")
    with open(path, encoding="utf-8") as handle:
        try:
            tree = ast.parse(handle.read(), filename=path)
        except SyntaxError as exc:
            raise FunctionSpecError(
                f"plot.function: {path}:{exc.lineno}: syntax error: {exc.msg}"
            ) from exc
    defs = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
    ]
    if not defs:
        raise FunctionSpecError(f"plot.function: {path} defines no top-level function {name!r}")
    args = defs[-1].args
    if args.vararg is None and len(args.posonlyargs) + len(args.args) < 2:
        raise FunctionSpecError(
            f"plot.function: {path}:{defs[-1].lineno}: {name}() must accept (ax, data, **options)"
        )


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


def draw(ax, table, sidecar: dict[str, Any], options: dict[str, Any], function: str) -> None:
    """Call the user's function on ``ax`` with the tile's rows as a DataFrame."""
    func = load_function(function)
    func(ax, table.to_pandas(), **options)
