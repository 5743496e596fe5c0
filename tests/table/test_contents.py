"""Content decides (issue 25, item 2): a data file is read again exactly when its bytes
changed, whatever its time (tilegrid.table.contents)."""

from __future__ import annotations

import os
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import small_table
from tilegrid.table import contents

#: in the process of the remote-data tests, which is otherwise idle after a minute or two
pytestmark = pytest.mark.alongside("remote")

# ---------------------------------------------------------------- digests, by stat


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_digest_is_of_the_bytes_not_of_the_name_or_time(here):
    (here / "a").write_bytes(b"rows")
    (here / "b").write_bytes(b"rows")
    os.utime(here / "b", (1, 1))
    found = contents.digests(["a", "b"])
    assert found["a"] == found["b"]
    (here / "c").write_bytes(b"rowz")
    assert contents.digests(["c"])["c"] != found["a"]


def test_a_file_whose_stat_did_not_change_is_not_hashed_again(here, monkeypatch):
    (here / "a").write_bytes(b"rows")
    first = contents.digests(["a"])
    monkeypatch.setattr(contents, "hash_spans", lambda keys: pytest.fail(f"hashed {keys}"))
    assert contents.digests(["a"]) == first


def test_a_file_restored_with_its_old_time_is_hashed_again(here):
    (here / "a").write_bytes(b"old rows")
    shutil.copy2(here / "a", here / "saved")  # cp -p
    old = contents.digests(["a"])["a"]
    (here / "a").write_bytes(b"new rows")
    new = contents.digests(["a"])["a"]
    shutil.copy2(here / "saved", here / "a")  # restored: the old bytes, the old time
    assert new != old
    assert contents.digests(["a"])["a"] == old


def test_a_damaged_record_costs_a_hash_never_a_wrong_digest(here):
    (here / "a").write_bytes(b"rows")
    right = contents.digests(["a"])["a"]
    with open(contents.RECORD, "w", encoding="utf-8") as handle:
        handle.write('{"version": 1, "files": {"a": [1, 2')
    assert contents.digests(["a"])["a"] == right


def test_pieces_of_a_large_file_hash_to_one_digest_that_sees_every_byte(here, monkeypatch):
    monkeypatch.setattr(contents, "PIECE", 10)
    data = bytes(range(256)) * 3
    (here / "a").write_bytes(data)
    whole = contents.digests(["a"])["a"]
    (here / "a").write_bytes(data[:700] + b"\xff" + data[701:])
    assert contents.digests(["a"])["a"] != whole


def test_a_jobs_record_of_what_it_read_is_its_last_content(here):
    assert not contents.recorded_content("results/shards", ["d1"])  # no record yet
    assert contents.record_content("results/shards", ["d1"])
    assert contents.recorded_content("results/shards", ["d1"])
    assert contents.recorded_content("./results//shards", ["d1"])  # one path, two spellings
    assert not contents.recorded_content("results/shards", ["d2"])
    assert not contents.recorded_content("results/other", ["d1"])  # one record per output
    assert contents.record_content("results/shards", ["d2"])
    assert contents.recorded_content("results/shards", ["d2"])
    assert not contents.recorded_content("results/shards", ["d1"])
    contents.forget_content("results/shards")  # a job's first step
    assert not contents.recorded_content("results/shards", ["d2"])
    contents.forget_content("results/shards")  # none to remove
    assert not contents.record_content("results/shards", None)  # reads nothing by content


def test_a_record_that_cannot_be_written_is_said(here, capsys):
    (here / "reads").write_text("a file where the folder should be")
    assert not contents.record_content("results/shards", ["d1"], folder="reads/x")
    said = capsys.readouterr().err
    assert said.startswith("tilegrid: warning: could not record what results/shards was made")
    assert said.endswith("the next run makes it again\n")


def test_a_missing_file_has_no_digest(here):
    assert contents.digests(["nothing-here"]) == {}


# ---------------------------------------------------------------- the workflow


def _changed(path) -> None:
    """Rewrite the Parquet file ``path`` with its values shifted (other bytes)."""
    table = pq.read_table(path)
    shifted = pa.array(table["value"].to_numpy() + 1.0)
    pq.write_table(table.set_column(table.schema.get_field_index("value"), "value", shifted), path)


@pytest.mark.workflow
def test_a_file_restored_with_cp_p_is_split_again_and_gives_its_mosaic(built, tmp_path):
    data = built.path("data.parquet")
    before = built.path("results", "mosaic.png").read_bytes()
    shutil.copy2(data, tmp_path / "saved.parquet")
    os.utime(tmp_path / "saved.parquet", ns=(10**18, 10**18))  # older than every output
    shutil.copy2(tmp_path / "saved.parquet", tmp_path / "old.parquet")
    _changed(data)
    built.run_ok()
    assert built.path("results", "mosaic.png").read_bytes() != before
    shutil.copy2(tmp_path / "old.parquet", data)  # cp -p: the old bytes, an old time
    run = built.run_ok()
    assert run.jobs("split") == 1
    assert built.path("results", "mosaic.png").read_bytes() == before


@pytest.mark.workflow
def test_a_file_changed_after_snakemakes_records_were_deleted_is_split_again(built, tmp_path):
    # Snakemake compares parameters (the data's digests) only with its records: with
    # .snakemake/ deleted (to clear a lock, say) the split's record of what it read, unlike
    # the data, still reruns it
    data = built.path("data.parquet")
    before = built.path("results", "mosaic.png").read_bytes()
    shutil.copy2(data, tmp_path / "old.parquet")
    shutil.rmtree(built.path(".snakemake"))
    _changed(data)
    run = built.run_ok()
    assert run.jobs("split") == 1, run.output[-3000:]
    changed = built.path("results", "mosaic.png").read_bytes()
    assert changed != before
    shutil.rmtree(built.path(".snakemake"))
    shutil.copy2(tmp_path / "old.parquet", data)  # cp -p: the old bytes, their old time
    run = built.run_ok()
    assert run.jobs("split") == 1, run.output[-3000:]
    assert built.path("results", "mosaic.png").read_bytes() == before
    assert "Nothing to be done" in built.run_ok().output


@pytest.mark.workflow
def test_a_touched_file_reruns_nothing(workflow):
    # above Snakemake's checksum limit (1 MB), where its own checksums do not help
    pq.write_table(small_table(rows_per_cell=20_000), workflow.path("data.parquet"))
    assert workflow.path("data.parquet").stat().st_size > 2**20
    workflow.run_ok()
    os.utime(workflow.path("data.parquet"))
    run = workflow.run_ok()
    assert "Nothing to be done" in run.output, run.output[-3000:]


@pytest.mark.workflow
def test_a_folder_file_restored_with_cp_p_rescans_only_that_file(workflow, tmp_path):
    table = small_table()
    folder = workflow.path("parts")
    folder.mkdir()
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "a.parquet")
    pq.write_table(table.slice(half), folder / "b.parquet")
    workflow.update_config(data="parts")
    workflow.run_ok()
    before = workflow.path("results", "mosaic.png").read_bytes()
    shutil.copy2(folder / "b.parquet", tmp_path / "b.parquet")
    os.utime(tmp_path / "b.parquet", ns=(10**18, 10**18))
    _changed(folder / "b.parquet")
    workflow.run_ok()
    shutil.copy2(tmp_path / "b.parquet", folder / "b.parquet")
    run = workflow.run_ok()
    assert (run.jobs("scan"), run.jobs("split")) == (1, 1)
    assert workflow.path("results", "mosaic.png").read_bytes() == before
    # without Snakemake's records, each scan's record of what it read still sees a change
    changed = workflow.path("results", "mosaic.png").read_bytes()
    shutil.rmtree(workflow.path(".snakemake"))
    _changed(folder / "b.parquet")
    run = workflow.run_ok()
    assert run.jobs("split") == 1 and run.jobs("scan") >= 1, run.output[-3000:]
    assert workflow.path("results", "mosaic.png").read_bytes() != changed
