"""``data:`` as many files (issue 14, item 1): globs, lists, mixed formats, ``source_column``.

Row conservation over generated lists and globs is a property in
tests/properties/test_conservation.py, and incremental runs over a glob in
tests/properties/test_incremental.py; here each behaviour once: what is read, in which
order, what each row's source is, which files are the split's inputs, and the
one-line errors.
"""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import SMALL_CONFIG, small_table
from tilegrid.split.job import SplitSpec, run_split
from tilegrid.table import TableError, input_files, is_many, iter_batches, read_schema

# workflow runs with no timing in them: they fill the Slurm tests' waits (conftest.py)
pytestmark = pytest.mark.alongside("waits")


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """Run in ``tmp_path``, so paths are relative as users write them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_csv(path, text: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def rows(data, columns, source=None) -> dict[str, list]:
    """Every row ``iter_batches`` yields, as lists by column."""
    batches = list(iter_batches(data, columns, source))
    return pa.Table.from_batches(batches).to_pydict()


# ---------------------------------------------------------------- reading


def test_a_glob_reads_its_files_in_sorted_order_as_one_table(cwd):
    write_csv("runs/b.csv", "g,v\nb,2\n")
    write_csv("runs/a.csv", "g,v\na,1\n")
    assert rows("runs/*.csv", ["g", "v"]) == {"g": ["a", "b"], "v": [1, 2]}


def test_a_recursive_glob_finds_files_in_subfolders(cwd):
    write_csv("runs/x/one.csv", "v\n1\n")
    write_csv("runs/y/z/two.csv", "v\n2\n")
    assert rows("runs/**/*.csv", ["v"]) == {"v": [1, 2]}


def test_a_list_mixes_formats_and_keeps_its_order(cwd):
    write_csv("b.csv", "g,v\nb,2.5\n")
    pq.write_table(pa.table({"g": ["a"], "v": [1]}), "a.parquet")
    assert rows(["b.csv", "a.parquet"], ["g", "v"]) == {"g": ["b", "a"], "v": [2.5, 1.0]}


def test_a_column_a_file_lacks_is_missing_in_its_rows(cwd):
    write_csv("a.csv", "g,v\na,1\n")
    write_csv("b.csv", "v\n2\n")
    assert rows(["a.csv", "b.csv"], ["g", "v"]) == {"g": ["a", None], "v": [1, 2]}


def test_the_source_column_names_each_rows_file_as_given(cwd):
    write_csv("runs/a.csv", "v\n1\n2\n")
    write_csv("runs/b.csv", "v\n3\n")
    write_csv("extra.csv", "v\n4\n")
    got = rows(["./runs/*.csv", "extra.csv"], ["v", "file"], "file")
    assert got == {"v": [1, 2, 3, 4], "file": ["runs/a.csv"] * 2 + ["runs/b.csv", "extra.csv"]}


def test_a_file_without_rows_is_still_a_source(cwd):
    write_csv("a.csv", "v\n1\n")
    write_csv("b.csv", "v\n")
    batches = list(iter_batches(["a.csv", "b.csv"], ["v", "file"], "file"))
    dictionaries = [b.column("file").dictionary.to_pylist() for b in batches]
    assert dictionaries == [["a.csv"], ["b.csv"]]
    assert sum(b.num_rows for b in batches) == 1


def test_a_folder_with_a_source_column_names_each_file_and_keeps_hive_partitions(cwd):
    os.makedirs("table/site=north")
    os.makedirs("table/site=south")
    pq.write_table(pa.table({"v": [1.0, 2.0]}), "table/site=north/part-0.parquet")
    pq.write_table(pa.table({"v": [3.0]}), "table/site=south/part-0.parquet")
    got = rows("table", ["v", "site", "file"], "file")
    assert got == {
        "v": [1.0, 2.0, 3.0],
        "site": ["north", "north", "south"],
        "file": ["table/site=north/part-0.parquet"] * 2 + ["table/site=south/part-0.parquet"],
    }


def test_a_single_file_without_source_column_is_read_as_before(cwd):
    pq.write_table(pa.table({"v": [1.0]}), "a.parquet")
    assert not is_many("a.parquet")
    assert read_schema("a.parquet") == pa.schema([("v", pa.float64())])
    assert is_many("a.parquet", "file") and is_many(["a.parquet"])


def test_an_int_column_in_one_file_and_float_in_another_is_float(cwd):
    write_csv("a.csv", "v\n1\n")
    write_csv("b.csv", "v\n1.5\n")
    assert read_schema("*.csv").field("v").type == pa.float64()


def test_an_ordered_categorical_in_one_file_and_unordered_in_another_is_one_categorical(cwd):
    ordered = pa.DictionaryArray.from_arrays(
        pa.array([0, 1], pa.int32()), pa.array(["b", "a"]), ordered=True
    )
    plain = pa.DictionaryArray.from_arrays(pa.array([0], pa.int32()), pa.array(["c"]))
    os.makedirs("table")
    pq.write_table(pa.table({"g": ordered}), "table/p0.parquet")
    pq.write_table(pa.table({"g": plain}), "table/p1.parquet")
    for data in ("table", "table/*.parquet"):
        assert read_schema(data).field("g").type == pa.dictionary(pa.int32(), pa.string())
        assert rows(data, ["g"]) == {"g": ["b", "a", "c"]}


def test_the_split_facets_by_source_file(cwd):
    write_csv("runs/a.csv", "v\n1\n2\n")
    write_csv("runs/b.csv", "v\n3\n")
    spec = SplitSpec(data="runs/*.csv", col="sample", y="v", source_column="sample")
    result = run_split(spec, "out")
    manifest = json.loads((cwd / "out" / "manifest.json").read_text())
    assert manifest["col"]["levels"] == ["runs/a.csv", "runs/b.csv"]
    assert [t["rows"] for t in result.tiles] == [2, 1] and result.input_rows == 3


# ---------------------------------------------------------------- the split's inputs


def test_input_files_are_every_file_named_globs_expanded_folders_walked(cwd):
    write_csv("runs/b.csv", "v\n1\n")
    write_csv("runs/a.csv", "v\n1\n")
    os.makedirs("table/site=north")
    pq.write_table(pa.table({"v": [1.0]}), "table/site=north/p.parquet")
    write_csv("table/_SUCCESS", "")
    write_csv("table/.hidden.parquet", "")
    assert input_files(["table", "runs/*.csv"]) == [
        "table/site=north/p.parquet",
        "runs/a.csv",
        "runs/b.csv",
    ]


def test_a_single_file_is_an_input_before_it_exists(cwd):
    assert input_files("resources/example.parquet") == ["resources/example.parquet"]


# ---------------------------------------------------------------- errors, one line naming the entry


def error_of(call, *args) -> str:
    with pytest.raises(TableError) as info:
        call(*args)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_glob_matching_nothing_is_an_error_naming_it(cwd):
    assert error_of(read_schema, "runs/*.csv") == (
        "config key 'data': the glob 'runs/*.csv' matches no file"
    )
    write_csv("a.csv", "v\n1\n")
    assert error_of(input_files, ["a.csv", "runs/*.csv"]) == (
        "config key 'data' (entry 2, 'runs/*.csv'): the glob matches no file"
    )


def test_a_missing_list_entry_is_an_error_naming_it(cwd):
    write_csv("a.csv", "v\n1\n")
    assert error_of(read_schema, ["a.csv", "b.csv"]) == (
        "config key 'data' (entry 2, 'b.csv'): 'b.csv' does not exist"
    )


def test_a_file_named_twice_is_an_error(cwd):
    write_csv("runs/a.csv", "v\n1\n")
    assert error_of(read_schema, ["runs/a.csv", "runs/*.csv"]) == (
        "config key 'data' (entry 2, 'runs/*.csv'): 'runs/a.csv' is also read as "
        "'runs/a.csv' of 'runs/a.csv' (entry 1); name each file once"
    )


def test_a_file_inside_a_folder_named_too_is_an_error(cwd):
    write_csv("runs/x/a.csv", "v\n1\n")
    assert error_of(read_schema, ["runs/x", "runs/x/a.csv"]) == (
        "config key 'data' (entry 2, 'runs/x/a.csv'): 'runs/x/a.csv' is also read as "
        "'runs/x' of 'runs/x' (entry 1); name each file once"
    )
    assert error_of(read_schema, "runs/**").startswith(
        "config key 'data': 'runs/x' is also read as 'runs/'; "
    )


def test_types_that_cannot_be_unified_name_the_column_and_both_files(cwd):
    write_csv("a.csv", "v\n1\n")
    write_csv("b.csv", "v\nhigh\n")
    assert error_of(read_schema, ["a.csv", "b.csv"]) == (
        "config key 'data': column 'v' is int64 in 'a.csv' (entry 1) but string in "
        "'b.csv' (entry 2); write every file with the same type for it"
    )


def test_a_source_column_named_as_a_data_column_is_an_error_naming_both(cwd):
    write_csv("runs/a.csv", "v\n1\n")
    write_csv("runs/b.csv", "v,sample\n1,x\n")
    assert error_of(read_schema, "runs/*.csv", "sample") == (
        "config key 'source_column': 'sample' is also a column of data file 'runs/b.csv'; "
        "choose another name for the source column"
    )


# ---------------------------------------------------------------- the workflow


def first_error(run) -> str:
    errors = [line for line in run.output.splitlines() if line.startswith("tilegrid: error:")]
    assert len(errors) == 1 and "Traceback" not in run.output, run.output[-3000:]
    return errors[0]


@pytest.mark.workflow
def test_a_bad_data_entry_stops_the_workflow_with_one_line(workflow):
    workflow.update_config(data=["data.parquet", "runs/*.csv"])
    run = workflow.snakemake("-n")
    assert run.returncode != 0
    assert first_error(run) == (
        "tilegrid: error: config key 'data' (entry 2, 'runs/*.csv'): the glob matches no file"
    )
    workflow.update_config(data="data.parquet", source_column="site")
    run = workflow.snakemake("-n")
    assert first_error(run) == (
        "tilegrid: error: config key 'source_column': 'site' is also a column of data file "
        "'data.parquet'; choose another name for the source column"
    )


def shifted(table: pa.Table, shift: float) -> pa.Table:
    """``table`` with ``shift`` added to every value."""
    index = table.schema.get_field_index("value")
    return table.set_column(index, "value", pc.add(table["value"], shift))


@pytest.mark.workflow
def test_a_glob_faceted_by_file_resplits_and_draws_only_the_changed_files_tile(workflow):
    """Add, rewrite and remove a file that a glob matches: the split reruns each time,
    and only that file's tile is drawn (sharing off)."""
    os.makedirs(workflow.path("samples"))
    table = small_table(rows_per_cell=30)
    north = table.filter(pc.equal(table["site"], "north"))
    for i, site in enumerate(("north", "south")):
        part = table.filter(pc.equal(table["site"], site))
        pq.write_table(part, workflow.path("samples", f"s{i}.parquet"))
    workflow.update_config(
        data="samples/*.parquet",
        source_column="sample",
        facet={**SMALL_CONFIG["facet"], "row": "sample"},
    )
    first = workflow.run_ok()
    assert first.jobs("render") == 6  # 2 samples x 3 seasons
    pq.write_table(shifted(north, 1.0), workflow.path("samples", "s2.parquet"))
    added = workflow.run_ok()
    assert added.jobs("split") == 1 and added.jobs("render") == 3, added.output[-3000:]
    pq.write_table(shifted(north, 2.0), workflow.path("samples", "s2.parquet"))
    rewritten = workflow.run_ok()
    assert rewritten.jobs("split") == 1 and rewritten.jobs("render") == 3
    os.remove(workflow.path("samples", "s2.parquet"))
    removed = workflow.run_ok()
    assert removed.jobs("split") == 1 and removed.jobs("render") == 0
    manifest = json.loads(workflow.path("results", "shards", "manifest.json").read_text())
    assert manifest["row"]["levels"] == ["samples/s0.parquet", "samples/s1.parquet"]
    assert workflow.run_ok().jobs("split") == 0
