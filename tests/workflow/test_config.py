"""Bad config or data: one line naming the key, column or file, before any job runs."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

# Most of these run the real snakemake: in the "waits" process, so the first process
# (which also runs the in-process tests) ends with the others (conftest.py).
pytestmark = [pytest.mark.workflow, pytest.mark.alongside("waits")]

CASES = {
    "unknown key": (
        {"facet": {"rows": "site"}},
        "config key 'facet.rows' is not known (did you mean 'row'?)",
    ),
    "wrong type": ({"tile": {"dpi": "high"}}, "config key 'tile.dpi': 'high' is not number"),
    "bad sharey": (
        {"sharey": "both"},
        "config key 'sharey': 'both' is not one of true, false, 'row', 'col'",
    ),
    "missing column": (
        {"plot": {"y": "valeu"}},
        "column 'valeu' is not in data file 'data.parquet' (did you mean 'value'?)",
    ),
    "non-numeric y": (
        {"plot": {"y": "group"}},
        "column 'group' in data file 'data.parquet' has type string, not a number",
    ),
    "missing data file": ({"data": "nope.parquet"}, "data file 'nope.parquet' does not exist"),
    "col_wrap with row": (
        {"facet": {"col_wrap": 2}},
        "'facet.col_wrap' cannot be combined with 'facet.row'",
    ),
    "missing hue column": (
        {"plot": {"hue": "grp"}},
        "config key 'plot.hue': column 'grp' is not in data file 'data.parquet' (did you mean",
    ),
    "unknown kind": ({"plot": {"kind": "violine"}}, "unknown kind 'violine'"),
    "hue_norm backwards": (
        {"plot": {"hue_norm": [5, 1]}},
        "config key 'plot.hue_norm': [5, 1] is not [vmin, vmax], vmin < vmax",
    ),
    "chunks with facets": ({"facet": {"chunks": 4}}, "'facet.chunks' cannot be combined"),
    "unknown option": (
        {"plot": {"options": {"bw": 1}}},
        "plot.options.bw: not an option of kind 'violin'",
    ),
    "unknown title field": (
        {"mosaic": {"col_template": "{col_var}: {nope}"}},
        "tilegrid: error: config key 'mosaic.col_template': unknown field {nope} in "
        "'{col_var}: {nope}'; the fields are {row_var}, {row_name}, {col_var}, {col_name}",
    ),
    "tiles too small": (
        {"tile": {"dpi": 0.5}},
        "tilegrid: error: config key 'tile': height 1.5 x aspect 1.2 at dpi 0.5 makes tiles of "
        "1 x 1 px; each side must be 16-4096 px (height*dpi and height*aspect*dpi)",
    ),
    "tiles too large": (
        {"tile": {"height": 100, "dpi": 1000}},
        "config key 'tile': height 100 x aspect 1.2 at dpi 1000 makes tiles of 120000 x 100000 px",
    ),
    "page of zero rows": (
        {"mosaic": {"page": {"rows": 0}}},
        "tilegrid: error: config key 'mosaic.page.rows': 0 is less than the minimum of 1",
    ),
    "page not a mapping": (
        {"mosaic": {"page": 4}},
        "tilegrid: error: config key 'mosaic.page': 4 is not object or null",
    ),
    "page larger than max_tiles": (
        {"mosaic": {"page": {"rows": 40, "cols": 30}}},
        "tilegrid: error: config key 'mosaic.page': pages of 40 x 30 = 1200 tiles exceed "
        "facet.max_tiles (1000); make the pages smaller",
    ),
    "custom without module": (
        {"plot": {"kind": "custom", "function": "missing.py:draw"}},
        "module file 'missing.py' does not exist",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_config_stops_with_one_clear_line(workflow, case):
    change, message = CASES[case]
    workflow.update_config(**change)
    run = workflow.snakemake()
    assert run.returncode != 0
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert len(errors) == 1 and message in errors[0], run.output
    assert "Traceback" not in run.output
    assert not workflow.path("results").exists()


def test_custom_function_with_the_wrong_signature_is_refused(workflow):
    workflow.path("bad.py").write_text("def draw(ax):\n    pass\n")
    workflow.update_config(plot={"kind": "custom", "function": "bad.py:draw"})
    run = workflow.snakemake()
    assert run.returncode != 0 and "draw() must accept (ax, data, **options)" in run.output


def test_corrupt_parquet_is_named(workflow):
    workflow.path("data.parquet").write_bytes(b"PAR1 this is not parquet")
    run = workflow.snakemake()
    assert (
        run.returncode != 0 and "data file 'data.parquet': cannot be read as parquet" in run.output
    )


def test_a_valid_config_gets_the_schema_defaults(workflow):
    workflow.update_config(tile={"height": 1.0})
    pq.write_table(
        pa.table({"site": ["a"], "season": ["b"], "group": ["c"], "value": [1.0]}),
        workflow.path("data.parquet"),
    )
    run = workflow.run_ok("-n")
    assert "split" in run.output


@pytest.mark.workflow
def test_a_yaml_syntax_error_in_config_yaml_names_the_file_and_line(workflow):
    workflow.path("config.yaml").write_text("data: data.parquet\nfacet: [unclosed\nplot:\n  x: 1\n")
    run = workflow.snakemake("-n")
    assert run.returncode != 0
    lines = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert lines == [
        "tilegrid: error: config file 'config.yaml' line 3, column 5: "
        "expected ',' or ']', but got ':'; fix the YAML syntax"
    ], run.output


def test_an_error_about_a_key_the_users_configfile_left_out_says_it_came_from_config_yaml(
    workflow,
):
    workflow.path("mine.yaml").write_text("plot:\n  y: group\n")  # a string column: an error
    workflow.update_config(plot={"y": "value"})
    run = workflow.snakemake("-n", "--configfile", "mine.yaml")
    assert run.returncode != 0
    assert [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")] == [
        "tilegrid: error: config key 'plot.y': column 'group' in data file 'data.parquet' has "
        "type string, not a number (kind 'violin') (set in mine.yaml)"
    ]
    workflow.path("mine.yaml").write_text("plot:\n  kind: violin\n")
    workflow.update_config(plot={"y": "valeu"})
    run = workflow.snakemake("-n", "--configfile", "mine.yaml")
    line = next(x for x in run.output.splitlines() if x.startswith("tilegrid: error:"))
    assert line.endswith("(from the bundled config.yaml: mine.yaml does not set plot.y)"), line


MINE = {
    "data": "data.parquet",
    "facet": {"col": "season"},
    "plot": {"kind": "box", "x": "group", "y": "value"},
    "tile": {"height": 1.5, "aspect": 1.2, "dpi": 60},
}


@pytest.mark.workflow
def test_a_configfile_naming_its_own_data_inherits_nothing_from_the_example(workflow):
    """No example title, no example facet row: your file and the schema's defaults alone,
    byte for byte the mosaic of the same settings written as the only config."""
    workflow.path("mine.yaml").write_text(yaml.safe_dump(MINE))
    workflow.update_config(facet={"row": "site"}, mosaic={"title": "the example's title"})
    run = workflow.run_ok("--configfile", "mine.yaml")
    manifest = json.loads(workflow.path("results", "shards", "manifest.json").read_text())
    assert manifest["row"] is None and manifest["shape"] == [1, 3], run.output[-2000:]
    mine = workflow.path("results", "mosaic.png").read_bytes()
    workflow.write_config(MINE)
    workflow.run_ok("--forcerun", "mosaic")
    assert workflow.path("results", "mosaic.png").read_bytes() == mine
