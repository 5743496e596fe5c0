"""The contracts between stages: the kinds' hooks, the files' layout, pruning stale tiles."""

from __future__ import annotations

import importlib
import inspect
import json
import math

import pyarrow.parquet as pq
import pytest
from conftest import small_table
from tilegrid import contracts
from tilegrid.contracts import prune_stale_tiles
from tilegrid.kinds import KINDS, Kind, PlotKind, get_kind
from tilegrid.kinds._protocol import OPTIONAL_HOOKS
from tilegrid.split import SplitSpec, run_split

MODULES = {name: importlib.import_module(f"tilegrid.kinds.{name}") for name in KINDS}


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_module_is_a_kind(name):
    assert isinstance(MODULES[name], Kind)


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_declares_its_options_and_roles(name):
    module = MODULES[name]
    assert module.OPTIONS is None or isinstance(module.OPTIONS, dict)
    assert isinstance(module.ROLES, dict)
    assert set(module.ROLES) <= {"x", "y", "value"}
    assert set(module.ROLES.values()) <= {"categorical", "numeric"}


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_hook_takes_the_arguments_the_stages_pass(name):
    module = MODULES[name]
    params = {
        hook: list(inspect.signature(getattr(module, hook)).parameters)
        for hook in ("check_options", "extents", "draw")
    }
    assert len(params["check_options"]) == 1
    assert len(params["extents"]) == 2
    assert params["draw"][:4] == ["ax", "table", "sidecar", "options"]


@pytest.mark.parametrize("name", KINDS)
def test_optional_hooks_a_kind_defines_have_the_right_shape(name):
    module = MODULES[name]
    kind = get_kind(name)
    assert isinstance(kind, PlotKind)
    assert isinstance(kind.required, tuple) and set(kind.required) <= {"x", "y", "value"}
    assert isinstance(kind.color, bool) and isinstance(kind.hue_by_value, bool)
    assert len(inspect.signature(kind.scales).parameters) == 1
    if kind.binned_extents is not None:
        assert list(inspect.signature(kind.binned_extents).parameters) == [
            "table",
            "sidecar",
            "options",
        ]
    for field, attr in OPTIONAL_HOOKS.items():
        if hasattr(module, attr):
            assert getattr(kind, field) is getattr(module, attr)


def test_a_kind_without_optional_hooks_gets_their_defaults():
    kind = get_kind("box")  # defines none of COLOR, HUE_BY_VALUE, scales, binned_extents
    assert (kind.color, kind.hue_by_value, kind.binned_extents) == (False, False, None)
    assert kind.scales({}) == {}


def test_contract_files_have_one_layout(tmp_path):
    path = tmp_path / "m.json"
    tile = contracts.ManifestTile(id="a", row_index=None, col_index=0, facets={}, rows=2)
    manifest = contracts.Manifest(
        row=None,
        col=contracts.FacetLevels(var="g", levels=["ü"]),
        shape=[1, 1],
        kind="violin",
        dropped={},
        tiles=[tile],
        input_rows=2,
    )
    contracts.write_manifest(str(path), manifest)
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    assert contracts.read_manifest(str(path)) == manifest


def test_a_non_finite_number_in_a_sidecar_is_refused(tmp_path):
    with pytest.raises(ValueError):
        contracts.write_sidecar(str(tmp_path / "s.json"), {"rows": math.nan})


def test_split_output_matches_the_contract_types(tmp_path):
    pq.write_table(small_table(), tmp_path / "d.parquet")
    spec = SplitSpec(data=str(tmp_path / "d.parquet"), col="season", x="group", y="value")
    result = run_split(spec, str(tmp_path / "s"))
    manifest = contracts.read_manifest(contracts.manifest_path(str(tmp_path / "s")))
    assert set(contracts.Manifest.__required_keys__) <= set(manifest)
    assert set(manifest) <= set(contracts.Manifest.__annotations__)
    for tile in result.tiles:
        sidecar = contracts.read_sidecar(contracts.sidecar_path(str(tmp_path / "s"), tile["id"]))
        assert set(sidecar) <= set(contracts.Sidecar.__annotations__)
        assert set(contracts.Sidecar.__required_keys__) <= set(sidecar)


def test_pruning_deletes_only_tiles_not_kept(tmp_path):
    for name in ("a.png", "a.json", "b.png", "b.json", "notes.txt"):
        (tmp_path / name).write_text("x")
    assert prune_stale_tiles(str(tmp_path), {"a"}) == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "a.png", "notes.txt"]


def test_pruning_with_nothing_stale_deletes_nothing(tmp_path):
    (tmp_path / "a.png").write_text("x")
    assert prune_stale_tiles(str(tmp_path), {"a"}) == []
    assert (tmp_path / "a.png").exists()
