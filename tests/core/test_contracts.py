"""The contracts between stages: the kinds' hooks, the files' layout, pruning stale tiles."""

from __future__ import annotations

import importlib
import inspect
import json
import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import png_chunks, small_table, strip_tile_meta
from tilegrid.core.manifest import (
    TILE_DROP_REASONS,
    FacetLevels,
    Manifest,
    ManifestTile,
    manifest_path,
    read_manifest,
    write_manifest,
)
from tilegrid.core.sidecar import Sidecar, read_sidecar, sidecar_path, write_sidecar
from tilegrid.core.tilemeta import (
    AxisMeta,
    TileMeta,
    TileMetaError,
    prune_stale_tiles,
    read_tile_bytes,
    read_tile_meta,
    tile_meta_text,
)
from tilegrid.kinds import KINDS, Kind, PlotKind, get_kind
from tilegrid.kinds._protocol import OPTIONAL_HOOKS
from tilegrid.render.tile import render_tile
from tilegrid.split.job import SplitSpec, run_split

MODULES = {name: importlib.import_module(f"tilegrid.kinds.{name}") for name in KINDS}


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_module_is_a_kind(name):
    assert isinstance(MODULES[name], Kind)


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_declares_its_options_and_roles(name):
    module = MODULES[name]
    assert module.OPTIONS is None or isinstance(module.OPTIONS, dict)
    assert isinstance(module.ROLES, dict)
    assert set(module.ROLES) <= {"x", "y", "value", "style"}
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
    kind = get_kind("strip")  # defines none of COLOR, HUE_BY_VALUE, scales, binned_extents
    assert (kind.color, kind.hue_by_value, kind.binned_extents) == (False, False, None)
    assert kind.scales({}) == {} and kind.binned_pass({}) and not kind.counts_rows


def test_contract_files_have_one_layout(tmp_path):
    path = tmp_path / "m.json"
    tile = ManifestTile(id="a", row_index=None, col_index=0, facets={}, rows=2)
    manifest = Manifest(
        row=None,
        col=FacetLevels(var="g", levels=["ü"]),
        shape=[1, 1],
        kind="violin",
        dropped={},
        tiles=[tile],
        input_rows=2,
    )
    write_manifest(str(path), manifest)
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
    assert read_manifest(str(path)) == manifest


def test_a_non_finite_number_in_a_sidecar_is_refused(tmp_path):
    with pytest.raises(ValueError):
        write_sidecar(str(tmp_path / "s.json"), {"rows": math.nan})


def test_split_output_matches_the_contract_types(tmp_path):
    pq.write_table(small_table(), tmp_path / "d.parquet")
    spec = SplitSpec(data=str(tmp_path / "d.parquet"), col="season", x="group", y="value")
    result = run_split(spec, str(tmp_path / "s"))
    manifest = read_manifest(manifest_path(str(tmp_path / "s")))
    assert set(Manifest.__required_keys__) <= set(manifest)
    assert set(manifest) <= set(Manifest.__annotations__)
    for tile in result.tiles:
        sidecar = read_sidecar(sidecar_path(str(tmp_path / "s"), tile["id"]))
        assert set(sidecar) <= set(Sidecar.__annotations__)
        assert set(Sidecar.__required_keys__) <= set(sidecar)


def _keys_match(entry: dict, contract) -> None:
    assert set(entry) <= set(contract.__annotations__), (contract.__name__, sorted(entry))
    assert set(contract.__required_keys__) <= set(entry), (contract.__name__, sorted(entry))


def test_manifest_tile_entries_and_drawn_tile_metadata_match_their_contract_types(tmp_path):
    """A tile that drops rows (a NaN value, a missing category) carries its counts."""
    table = small_table()
    values = table.column("value").to_pylist()
    groups = table.column("group").to_pylist()
    values[0], groups[1] = float("nan"), None
    table = table.set_column(table.schema.get_field_index("value"), "value", pa.array(values))
    table = table.set_column(table.schema.get_field_index("group"), "group", pa.array(groups))
    pq.write_table(table, tmp_path / "d.parquet")
    spec = SplitSpec(data=str(tmp_path / "d.parquet"), col="season", x="group", y="value")
    result = run_split(spec, str(tmp_path / "s"))
    manifest = read_manifest(manifest_path(str(tmp_path / "s")))
    for entry in manifest["tiles"]:
        _keys_match(entry, ManifestTile)
        assert set(entry.get("dropped", {})) <= set(TILE_DROP_REASONS)
    assert any(entry.get("dropped") for entry in manifest["tiles"])
    for tile in result.tiles[:2]:
        png = str(tmp_path / f"{tile['id']}.png")
        shards = str(tmp_path / "s")
        render_tile(
            f"{shards}/{tile['id']}.arrow",
            sidecar_path(shards, tile["id"]),
            {"kind": "violin", "options": {}},
            {"height": 1.0, "aspect": 1.2, "dpi": 60},
            png,
        )
        meta = read_tile_meta(png)
        _keys_match(meta, TileMeta)
        for name in ("x", "y"):
            _keys_match(meta[name], AxisMeta)


def test_pruning_deletes_only_tiles_not_kept(tmp_path):
    for name in ("a.png", "b.png", "notes.txt"):
        (tmp_path / name).write_text("x")
    assert prune_stale_tiles(str(tmp_path), {"a"}) == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "notes.txt"]


def test_pruning_deletes_the_metadata_files_an_earlier_tilegrid_wrote_beside_tiles(tmp_path):
    for name in ("a.png", "a.json", "b.png", "b.json", "notes.txt"):
        (tmp_path / name).write_text("x")
    assert prune_stale_tiles(str(tmp_path), {"a"}) == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "notes.txt"]


def test_pruning_with_nothing_stale_deletes_nothing(tmp_path):
    (tmp_path / "a.png").write_text("x")
    assert prune_stale_tiles(str(tmp_path), {"a"}) == []
    assert (tmp_path / "a.png").exists()


# ---------------------------------------------------------------- tile metadata inside the PNG

META = TileMeta(
    x=AxisMeta(
        lim=[-0.5, 1.5], scale="linear", label="dose (µM)", ticks=[0.0, 1.0], ticklabels=["a", "ü"]
    ),
    y=AxisMeta(lim=[0.1, 2.0], scale="log", label="y", ticks=None, ticklabels=None),
    title="",
    tile="north-a1b2c3d4e5",
    size_px=[30, 20],
    dpi=100,
    rows=7,
)


def _saved_tile(path, meta=META) -> None:
    """A tile PNG as the render saves one: its metadata in a text chunk."""
    from tilegrid.render.figures import new_figure, save_figure

    fig = new_figure(30, 20, 100)
    fig.add_axes((0, 0, 1, 1)).plot([0, 1], [1, 0])
    save_figure(fig, str(path), text=tile_meta_text(meta))


def test_a_tiles_metadata_is_read_back_from_its_png(tmp_path):
    _saved_tile(tmp_path / "t.png")
    assert read_tile_meta(str(tmp_path / "t.png")) == META


def test_the_metadata_is_one_ascii_text_chunk_before_the_pixels(tmp_path):
    _saved_tile(tmp_path / "t.png")
    chunks = png_chunks((tmp_path / "t.png").read_bytes())
    kinds = [kind for kind, _ in chunks]
    texts = [body for kind, body in chunks if kind == b"tEXt"]
    assert texts == [b"tilegrid\0" + tile_meta_text(META)["tilegrid"].encode("ascii")]
    assert kinds.index(b"tEXt") < kinds.index(b"IDAT")
    assert b"Software" not in (tmp_path / "t.png").read_bytes()  # no version in a tile


def test_reading_the_metadata_needs_none_of_the_pixels(tmp_path):
    _saved_tile(tmp_path / "t.png")
    data = (tmp_path / "t.png").read_bytes()
    start = data.index(b"IDAT") - 4  # the pixels' chunk begins with its length
    (tmp_path / "head.png").write_bytes(data[: start + 8])  # nothing of the pixels
    assert read_tile_meta(str(tmp_path / "head.png")) == META


def test_the_same_metadata_gives_the_same_bytes(tmp_path):
    _saved_tile(tmp_path / "a.png")
    _saved_tile(tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def _one_line_error(path) -> str:
    with pytest.raises(TileMetaError) as info:
        read_tile_meta(str(path))
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "delete it and rerun" in message
    return message


def test_a_png_without_the_metadata_is_one_line_naming_the_file(tmp_path):
    _saved_tile(tmp_path / "old.png")
    strip_tile_meta(tmp_path / "old.png")  # as a tilegrid that wrote <tile>.json drew it
    assert "holds no tilegrid metadata" in _one_line_error(tmp_path / "old.png")


def test_a_damaged_metadata_chunk_is_one_line_naming_the_file(tmp_path):
    _saved_tile(tmp_path / "t.png")
    data = (tmp_path / "t.png").read_bytes()
    at = data.index(b'"rows":7')
    (tmp_path / "t.png").write_bytes(data[:at] + b'"rows":8' + data[at + 8 :])
    assert "is damaged (the CRC of its tilegrid text chunk is wrong)" in _one_line_error(
        tmp_path / "t.png"
    )


@pytest.mark.parametrize(
    "content", [b"", b"not a png at all", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIH"]
)
def test_a_file_that_is_no_whole_png_is_one_line_naming_the_file(tmp_path, content):
    (tmp_path / "t.png").write_bytes(content)
    assert "is damaged" in _one_line_error(tmp_path / "t.png")


def _flip(data: bytes, at: int) -> bytes:
    """``data`` with the bits of its byte ``at`` flipped."""
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda data: data[: data.index(b"IDAT") + 10], "the file ends inside its IDAT chunk"),
        (lambda data: data[:-12], "the file ends before its IEND chunk"),
        (lambda data: _flip(data, data.index(b"IDAT") + 8), "the CRC of its IDAT chunk is wrong"),
        (lambda data: b"GIF89a" + data[6:], "not a PNG file"),
    ],
    ids=["cut in its pixels", "no IEND", "a byte flipped", "no PNG"],
)
def test_a_tiles_bytes_are_checked_whole_without_decoding_them(tmp_path, damage, why):
    _saved_tile(tmp_path / "t.png")
    data = (tmp_path / "t.png").read_bytes()
    assert read_tile_bytes(str(tmp_path / "t.png")) == data
    (tmp_path / "t.png").write_bytes(damage(data))
    with pytest.raises(TileMetaError) as info:
        read_tile_bytes(str(tmp_path / "t.png"))
    assert str(info.value) == (
        f"tile {tmp_path / 't.png'} is damaged ({why}); delete it and rerun: it is drawn again"
    )


def test_text_chunks_are_refused_for_a_vector_figure(tmp_path):
    from tilegrid.render.figures import new_figure, save_figure

    with pytest.raises(ValueError, match="PNG"):
        save_figure(new_figure(30, 20, 100), str(tmp_path / "t.pdf"), text={"tilegrid": "{}"})
    assert list(tmp_path.iterdir()) == []
