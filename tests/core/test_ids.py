"""Tile ids: stable, distinct and safe as file names whatever the facet values hold."""

from __future__ import annotations

import re

import pytest
from tilegrid.core.ids import tile_id

SAFE = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}$")
HOSTILE = [
    "Zürich/Nord",
    "..",
    ".",
    "a b",
    "A B",
    "a/b",
    "a\\b",
    "x" * 300,
    "东京",
    "🙂",
    "",
    "-",
    "CON",
    "tab\there",
    "a\nb",
    3,
    3.5,
    True,
    None,
]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_tile_id_is_a_safe_file_name(value):
    assert SAFE.match(tile_id([value]))


def test_tile_ids_differ_for_values_a_slug_would_merge():
    values = ["a/b", "a b", "a-b", "A-B", "a_b", "A/B", "ab", "..", "."]
    assert len({tile_id([v]) for v in values}) == len(values)


def test_tile_id_depends_on_values_not_position():
    assert tile_id(["north", "summer"]) == tile_id(["north", "summer"])
    assert tile_id(["north", "summer"]) != tile_id(["summer", "north"])


def test_tile_id_distinguishes_number_from_string():
    assert tile_id([1]) != tile_id(["1"])


def test_tile_id_is_readable():
    assert tile_id(["Zürich/Nord", "2024"]).startswith("zurich-nord-2024-")


def test_tile_without_facets_is_all():
    assert tile_id([]) == "all"
