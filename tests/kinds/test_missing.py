"""Missing values drawn as seaborn 0.13.2 draws them, every row accounted for.

seaborn keeps a category whose rows all lack the value drawn on a bar, point or box
axis (an empty slot, its label shown); its heatmap draws pandas' ``pivot_table``,
which has no column for such a value.  The rows are dropped and counted per tile.
"""

from __future__ import annotations

import logging

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from matplotlib.figure import Figure
from tilegrid.core.sidecar import read_sidecar
from tilegrid.split.job import SplitSpec, run_split


def _frame() -> pd.DataFrame:
    """Two facets; in facet p every row of category "b" lacks y, in q one row of "c" does."""
    return pd.DataFrame(
        {
            "f": ["p"] * 6 + ["q"] * 6,
            "c": list("aabbcc") * 2,
            "y": [1.0, 2.0, np.nan, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, np.nan, 9.0],
        }
    )


def _seaborn_categories(kind: str, frame: pd.DataFrame) -> list[str]:
    ax = Figure().add_subplot()
    getattr(sns, f"{kind}plot")(frame, x="c", y="y", ax=ax)
    return [t.get_text() for t in ax.get_xticklabels()]


@pytest.mark.parametrize("kind", ["bar", "point", "box"])
def test_a_category_whose_rows_all_lack_y_keeps_its_slot_as_seaborn(tmp_path, kind):
    frame = _frame()
    frame.to_parquet(tmp_path / "t.parquet")
    result = run_split(
        SplitSpec(data=str(tmp_path / "t.parquet"), kind=kind, x="c", y="y", col="f"),
        str(tmp_path / "s"),
    )
    for tile in result.tiles:
        sidecar = read_sidecar(str(tmp_path / "s" / f"{tile['id']}.json"))
        facet = frame[frame.f == sidecar["facets"]["col"]["value"]]
        assert sidecar["x"]["categories"] == _seaborn_categories(kind, facet) == ["a", "b", "c"]


def test_rows_without_a_value_are_counted_in_their_tile(tmp_path):
    frame = _frame()
    frame.to_parquet(tmp_path / "t.parquet")
    result = run_split(
        SplitSpec(data=str(tmp_path / "t.parquet"), kind="bar", x="c", y="y", col="f"),
        str(tmp_path / "s"),
    )
    missing = frame.groupby("f")["y"].apply(lambda y: int(y.isna().sum())).to_dict()
    kept = frame.groupby("f")["y"].count().to_dict()
    for tile in result.tiles:
        value = read_sidecar(str(tmp_path / "s" / f"{tile['id']}.json"))["facets"]["col"]["value"]
        assert tile["rows"] == kept[value]
        assert tile["dropped"] == {"non_finite": missing[value]}
    assert result.dropped["non_finite"] + sum(t["rows"] for t in result.tiles) == len(frame)


def test_a_heatmap_leaves_out_a_column_none_of_whose_rows_has_a_value_and_says_so(tmp_path, caplog):
    frame = pd.DataFrame(
        {"hour": [5, 5, 6, 6, 1], "month": [1, 2, 1, 2, 1], "delay": [1, 2, 3, 4, np.nan]}
    )
    frame.to_parquet(tmp_path / "t.parquet")
    with caplog.at_level(logging.INFO, logger="tilegrid.split"):
        result = run_split(
            SplitSpec(
                data=str(tmp_path / "t.parquet"),
                kind="heatmap",
                x="hour",
                y="month",
                options={"value": "delay"},
            ),
            str(tmp_path / "s"),
        )
    sidecar = read_sidecar(str(tmp_path / "s" / f"{result.tiles[0]['id']}.json"))
    pivot = frame.pivot_table(index="month", columns="hour", values="delay")
    assert sidecar["x"]["categories"] == list(pivot.columns) == [5, 6]
    assert "hour: 1 value(s) left out of the axes" in caplog.text
    assert result.dropped["non_finite"] == 1
