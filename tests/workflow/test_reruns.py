"""tilegrid.workflow.reruns: what a run must make again that Snakemake cannot see, forced
in its DAG as it forces incomplete outputs; nothing is written or removed."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import pytest
from PIL import Image
from tilegrid.table.contents import record_content
from tilegrid.workflow import reruns


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _split(here, ids=("a", "b"), missing=()):
    shards = here / "results" / "shards"
    shards.mkdir(parents=True)
    (shards / "manifest.json").write_text(json.dumps({"tiles": [{"id": i} for i in ids]}))
    (shards / "digests.json").write_text("{}")
    for name in [f"{i}.{ext}" for i in ids for ext in ("arrow", "json")]:
        if name not in missing:
            (shards / name).write_bytes(b"")
    return "results/shards"


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_a_complete_split_is_left_alone(here):
    assert reruns.incomplete_split(_split(here)) is None
    assert reruns.incomplete_split("results/none") is None  # not made yet: it runs anyway


def test_a_missing_shard_or_manifest_makes_the_split_run_again(here):
    shards = _split(here, missing=("b.arrow",))
    assert reruns.incomplete_split(shards) == reruns.Rerun(
        ("results/shards",), "results/shards/b.arrow is missing: the split runs again"
    )
    os.remove("results/shards/manifest.json")  # a split killed before its manifest
    assert reruns.missing_split_files(shards) == ["results/shards/manifest.json"]


def test_outputs_made_from_other_data_or_without_a_record_are_made_again(here):
    for out in ("results/scans/p1", "results/scans/p2", "results/scans/p3"):
        os.makedirs(out)
    record_content("results/scans/p1", ["d1"])
    record_content("results/scans/p2", ["old"])
    reads = {
        "results/scans/p1": ["d1"],  # unchanged
        "results/scans/p2": ["d2"],  # changed
        "results/scans/p3": ["d3"],  # no record (.snakemake/ deleted)
        "results/scans/p4": ["d4"],  # not made yet: it runs anyway
    }
    assert reruns.changed_reads(reads) == reruns.Rerun(("results/scans/p2", "results/scans/p3"))
    assert reruns.changed_reads({"results/scans/p1": ["d1"]}) is None


def test_tiles_an_earlier_tilegrid_drew_are_drawn_again(here):
    tiles = here / "results" / "tiles"
    tiles.mkdir(parents=True)
    Image.new("RGB", (4, 4)).save(tiles / "old.png")  # no metadata inside
    (tiles / "old.json").write_text("{}")
    (tiles / "gone.json").write_text("{}")  # its tile removed: nothing to draw
    Image.new("RGB", (4, 4)).save(tiles / "new.png")  # no .json beside it: left alone
    rerun = reruns.old_tiles("results/tiles/{tile}.png")
    assert rerun.files == ("results/tiles/old.png",)
    assert rerun.why.startswith("1 tiles in results/tiles were drawn by an earlier tilegrid")
    assert reruns.old_tiles("results/none/{tile}.png") is None


def _rules(shards):
    def output(path):
        return SimpleNamespace(output=SimpleNamespace(shards=path, scan=path, png=path))

    return SimpleNamespace(
        split=output(shards),
        scan=output("results/scans/{scan}"),
        render=output("results/tiles/{tile}.png"),
        render_print=output("results/tiles/print/{tile}.png"),
    )


#: a table of one part, "p1", whose scan read "d1"
DATA = SimpleNamespace(reads=lambda shards, scan: {scan.replace("{scan}", "p1"): ["d1"]})


def test_forcing_adds_to_the_dags_forced_files_and_says_why(here, capsys):
    shards = _split(here, missing=("a.json",))
    os.makedirs("results/scans/p1")
    before = _files(here)
    dag = SimpleNamespace(forcefiles={"earlier"})
    forced = reruns.force_reruns(dag, _rules(shards), DATA)
    assert forced == ["results/scans/p1", "results/shards"]
    assert dag.forcefiles == {"earlier", "results/scans/p1", "results/shards"}
    assert capsys.readouterr().err == (
        "tilegrid: results/shards/a.json is missing: the split runs again\n"
    )
    assert _files(here) == before  # nothing written or removed


def _workflow(main=True, dry=False, touch=False):
    dag = SimpleNamespace(forcefiles=set())
    return SimpleNamespace(is_main_process=main, dryrun=dry, touch=touch, dag=dag)


def test_the_dag_start_forces_once_a_run_in_the_main_process_only(here, capsys):
    shards = _split(here, missing=("a.json",))
    start = reruns.DagStart(_workflow(), False, DATA, ["results"])
    assert start(_rules(shards)) is None
    assert start.workflow.dag.forcefiles == {"results/shards"}
    start.workflow.dag.forcefiles.clear()
    assert start(_rules(shards)) is None and not start.workflow.dag.forcefiles  # done
    cluster_job = reruns.DagStart(_workflow(main=False), False, DATA, ["results"])
    assert cluster_job(_rules(shards)) is None and not cluster_job.workflow.dag.forcefiles


def test_the_dag_start_stops_in_a_folder_it_cannot_write_unless_dry(here):
    shards = _split(here)
    os.chmod("results", 0o555)
    try:
        if os.access("results", os.W_OK):
            pytest.skip("run as a user who can write anywhere")
        dry = reruns.DagStart(_workflow(dry=True), False, DATA, ["results"])
        assert dry(_rules(shards)) is None
        problem = reruns.DagStart(_workflow(), False, DATA, ["results"])(_rules(shards))
        assert problem.startswith("results (") and "is not writable" in problem
    finally:
        os.chmod("results", 0o755)


def test_with_touch_the_outputs_are_recorded_as_made_from_the_data_now(here):
    os.makedirs("results/scans/p1")
    record_content("results/scans/p1", ["old"])
    touch = reruns.DagStart(_workflow(touch=True), False, DATA, ["results"])
    assert touch(_rules(_split(here))) is None and not touch.workflow.dag.forcefiles
    assert reruns.changed_reads({"results/scans/p1": ["d1"]}) is None  # settled
