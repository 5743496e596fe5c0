"""Many figures from one config (``figures:``, issue 30 item 1): each figure's files in
results/<name>/, the same bytes as the figure drawn alone, and a one-cell edit redraws
that cell in each figure and nothing else, as a fresh run of the new state draws it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import Workflow, cell_mask, shift_rows, small_table

pytestmark = [pytest.mark.workflow, pytest.mark.alongside("waits")]

#: the top level every figure inherits: the small table's data, facets, columns, tiles
BASE = {
    "data": "data.parquet",
    "facet": {"row": "site", "col": "season"},
    "plot": {"x": "group", "y": "value"},
    "sharex": False,
    "tile": {"height": 1.5, "aspect": 1.2, "dpi": 60},
    "mosaic": {"title": "small"},
}
#: two kinds on the same table, the second in pages of 1 x 2 tiles with its own title
FIGURES = {
    "violins": {"plot": {"kind": "violin"}},
    "boxes": {
        "plot": {"kind": "box"},
        "mosaic": {"title": "boxes", "page": {"rows": 1, "cols": 2}},
    },
}


def _two_figures(root: Path, table: pa.Table) -> Workflow:
    wf = Workflow(root)
    pq.write_table(table, wf.path("data.parquet"))
    wf.write_config({**BASE, "figures": FIGURES})
    return wf


def _alone(root: Path, table: pa.Table, name: str) -> Workflow:
    """The figure ``name`` as a config of one figure: the top level merged with its keys."""
    wf = Workflow(root)
    pq.write_table(table, wf.path("data.parquet"))
    own = FIGURES[name]
    wf.write_config({**BASE, **{k: {**BASE.get(k, {}), **v} for k, v in own.items()}})
    return wf


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path (Snakemake's stamp left out)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != ".snakemake_timestamp"
    }


def test_each_figure_is_in_its_folder_with_the_bytes_it_has_drawn_alone(tmp_path):
    table = small_table()
    both = _two_figures(tmp_path / "both", table)
    run = both.run_ok()
    assert run.jobs("violins_render") == 6 and run.jobs("boxes_render") == 6
    assert run.jobs("violins_split") == 1 and run.jobs("boxes_split") == 1
    assert not both.path("results", "mosaic.png").exists()
    pages = both.path("results", "boxes", "pages.tsv").read_text().splitlines()
    assert len(pages) == 1 + 6  # a header, then every tile once
    for name in FIGURES:
        alone = _alone(tmp_path / name, table, name)
        alone.run_ok()
        assert _files(both.path("results", name)) == _files(alone.path("results")), name
    assert both.path("logs", "boxes", "split.log").exists()
    assert "Nothing to be done" in both.run_ok().output


def test_a_one_cell_edit_redraws_that_cell_in_each_figure_as_a_fresh_run_draws_it(tmp_path):
    both = _two_figures(tmp_path / "both", small_table())
    both.run_ok()
    before = _files(both.path("results"))
    table = small_table()
    changed = shift_rows(table, 0.5, cell_mask(table, "north", "summer"))
    pq.write_table(changed, both.path("data.parquet"))
    run = both.run_ok()
    assert run.jobs("violins_render") == 1 and run.jobs("boxes_render") == 1, run.output[-3000:]
    after = _files(both.path("results"))
    redrawn = {n for n in after if n.split("/")[1] == "tiles" and after[n] != before.get(n)}
    assert {n.split("/")[0] for n in redrawn} == set(FIGURES) and len(redrawn) == 2
    assert all("north-summer" in n for n in redrawn)
    fresh = _two_figures(tmp_path / "fresh", changed)
    fresh.run_ok()
    assert after == _files(fresh.path("results"))


def test_a_figure_that_is_not_a_figure_is_one_line_before_any_job(tmp_path):
    wf = Workflow(tmp_path / "wf")
    pq.write_table(small_table(), wf.path("data.parquet"))
    for figures, message in [
        ({}, "figures must map each figure's name to its keys (none given)"),
        ({"2d": {"plot": {"kind": "box"}}}, "figures.2d: a figure's name is letters, digits"),
        ({"boxes": "box"}, "figures.boxes must be a mapping of the figure's keys, not 'box'"),
        ({"boxes": {"plot": {"kind": "boxes"}}}, "figures.boxes: "),
    ]:
        wf.write_config({**BASE, "figures": figures})
        run = wf.snakemake()
        errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
        assert run.returncode != 0 and len(errors) == 1, run.output[-2000:]
        assert errors[0].startswith(f"tilegrid: error: {message}"), errors
        assert not wf.path("results").exists()


def test_figures_share_the_example_table_made_once(tmp_path):
    wf = Workflow(tmp_path / "wf")
    wf.write_config(
        {
            "facet": {"row": None, "col": "timepoint"},
            "plot": {"x": "treatment", "y": "expression"},
            "figures": {"bars": {"plot": {"kind": "bar"}}, "points": {"plot": {"kind": "point"}}},
        }
    )
    run = wf.run_ok()
    assert run.jobs("bars_example_data") == 1 and "points_example_data" not in run.output
    manifests = [json.loads(wf.path("results", n, "shards", "manifest.json").read_text())
                 for n in ("bars", "points")]  # fmt: skip
    assert [len(m["tiles"]) for m in manifests] == [4, 4]


def test_a_figure_inherits_the_top_level_a_section_merged_key_by_key():
    from tilegrid.workflow.figures import figure_configs, folders, rule_prefix

    config = {
        "data": "a.parquet",
        "plot": {"x": "g", "y": "v", "options": {"inner": "box"}},
        "mosaic": {"title": "all"},
        "figures": {
            "first": {"plot": {"kind": "violin"}},
            "second": {"data": "b.csv", "plot": {"kind": "box", "options": {}}, "sharey": False},
        },
    }
    first, second = figure_configs(config).values()
    assert first == {
        "data": "a.parquet",
        "plot": {"x": "g", "y": "v", "options": {"inner": "box"}, "kind": "violin"},
        "mosaic": {"title": "all"},
    }
    assert second["data"] == "b.csv" and second["sharey"] is False
    assert second["plot"] == {"x": "g", "y": "v", "options": {}, "kind": "box"}  # options: its own
    assert list(figure_configs(config)) == ["first", "second"]  # the order given
    assert folders("first") == {
        "results/": "results/first/",
        "logs/": "logs/first/",
        "benchmarks/": "benchmarks/first/",
    }
    assert rule_prefix("first") == "first_"
