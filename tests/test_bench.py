"""bench/: the folder of files is the single file's table; the targets table's verdicts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import make_data  # noqa: E402
import run  # noqa: E402


def read_folder(folder: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in sorted(folder.iterdir()))


def test_folder_holds_the_single_files_rows_in_name_order(tmp_path):
    make_data.write_table(30_000, str(tmp_path / "one.parquet"), seed=3)
    make_data.write_folder(30_000, str(tmp_path / "parts"), seed=3, files=7)
    names = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert names == [make_data.part_name(k) for k in range(7)]
    assert read_folder(tmp_path / "parts").equals(pq.read_table(tmp_path / "one.parquet"))


def test_folder_rows_span_chunks(tmp_path, monkeypatch):
    """File bounds inside and across the generator's chunks, and more files than rows."""
    monkeypatch.setattr(make_data, "CHUNK", 1000)
    make_data.write_table(3500, str(tmp_path / "one.parquet"), seed=1)
    make_data.write_folder(3500, str(tmp_path / "three"), seed=1, files=3)
    assert read_folder(tmp_path / "three").equals(pq.read_table(tmp_path / "one.parquet"))
    make_data.write_folder(5, str(tmp_path / "many"), seed=1, files=8)
    assert len(list((tmp_path / "many").iterdir())) == 8
    assert read_folder(tmp_path / "many").num_rows == 5


def test_xy_adds_x_and_keeps_value(tmp_path):
    make_data.write_table(20_000, str(tmp_path / "v.parquet"), seed=2)
    make_data.write_table(20_000, str(tmp_path / "xy.parquet"), seed=2, xy=True)
    plain, xy = pq.read_table(tmp_path / "v.parquet"), pq.read_table(tmp_path / "xy.parquet")
    assert xy.column_names == [*plain.column_names, "x"]
    assert xy.drop_columns(["x"]).equals(plain)


def test_perturbing_one_file_changes_one_cell_of_it(tmp_path):
    make_data.write_folder(40_000, str(tmp_path / "parts"), seed=1, files=4, xy=True)
    src = tmp_path / "parts" / make_data.part_name(2)
    changed = make_data.perturb(str(src), str(tmp_path / "new.parquet"))
    before, after = pq.read_table(src).to_pandas(), pq.read_table(tmp_path / "new.parquet")
    after = after.to_pandas()
    cell = (before["row"] == "r2") & (before["col"] == "c2")
    assert changed == cell.sum() > 0
    assert (before.loc[~cell] == after.loc[~cell]).all().all()
    assert (before.loc[cell, "value"] != after.loc[cell, "value"]).all()
    assert (before["x"] == after["x"]).all()


def fake_results(walls: dict[str, dict[str, float]], keys: dict[str, str]) -> dict:
    """A results dict as run_targets writes it, from walls by role and method."""
    sizes = {}
    for role, methods in walls.items():
        res = sizes[keys[role]] = {"tilegrid": {}}
        for method, seconds in methods.items():
            if method.startswith("tilegrid "):
                phase = method.split()[1]
                jobs = {"split": 1, "render": 1, "mosaic": 1} if phase == "incremental" else {}
                res["tilegrid"][phase] = {
                    "wall": seconds,
                    "rss_max_proc_mb": 300.0,
                    "render_rss_max_mb": 400.0,
                    "jobs_run": jobs,
                }
            else:
                res[method] = {"wall": seconds}
    sizes[keys["huge"]]["tilegrid"]["full"].update(mosaic_rss_mb=1500.0)
    return {"sizes": sizes}


def test_targets_table_verdicts():
    sizes = run.target_sizes(1.0, [])
    keys = run.target_keys(sizes, 100, (32, 32))
    assert len(set(keys.values())) == len(keys)
    walls = {
        "big": {
            "floor": 4.0,
            "seaborn": 200.0,
            "pool": 100.0,
            "tilegrid full": 12.5,
            "tilegrid incremental": 5.0,
            "tilegrid noop": 1.5,
        },
        "folder": {"tilegrid full": 12.0, "tilegrid incremental": 3.0, "tilegrid noop": 1.0},
        "scatter": {"datashader": 30.0, "tilegrid full": 15.0},
        "tiles": {"tilegrid full": 60.0, "tilegrid incremental": 6.0, "tilegrid noop": 2.0},
        "small": {"pool": 2.0, "tilegrid full": 2.9},
        "huge": {"tilegrid full": 30.0},
    }
    rows = run.target_rows(fake_results(walls, keys), sizes, keys, 100, (32, 32))
    met = [r["met"] for r in rows]
    # pool 8x (< 10), largest process 400 MB, one cell 1.25x the floor (> 1.2), tiles
    # 60 / 6 / 2 s, folder 0.96x, small 1.45x, 400 MB at 1e7 and 1e8, 1500 MB (the
    # mosaic job) at 3e8, datashader (no target)
    assert met == [False, True, False, True, False, True, True, True, True, True, False, None]
    assert rows[2]["shown"].startswith("1.25x (5.0 s / 4.0 s), 1 render job")
    assert rows[-2]["shown"].startswith("1500 MB (the mosaic job")
    assert rows[0]["shown"] == "8.00x (100.0 s / 12.5 s)"
    assert rows[-1]["value"] == pytest.approx(2.0)
    text = run.targets_markdown(
        {
            "targets": rows,
            "machine": {
                "cpu": "Test CPU",
                "nproc": "2",
                "mem": "-",
                "date": "today",
                "git": "abc",
            },
        }
    )
    assert "CPU: Test CPU (2 cores)" in text
    assert text.count("| **no** |") == 4


def test_a_missing_run_is_neither_met_nor_missed():
    sizes = run.target_sizes(1e-3, ["huge=2e5"])
    assert sizes == {"big": 100_000, "huge": 200_000, "tiles": 10_000, "small": 100}
    keys = run.target_keys(sizes, 10, (8, 8))
    rows = run.target_rows({"sizes": {}}, sizes, keys, 10, (8, 8))
    assert {r["met"] for r in rows} == {None}
    assert {r["shown"] for r in rows} == {"-"}


def test_job_stats_take_each_tiles_cost_from_its_log(tmp_path):
    """A render job has no benchmark file: its drawing's seconds and peak memory are the
    last line of its log (by the warm worker or in its own process); a log of a run
    before ``since``, or of a failed job, is not counted."""
    logs = tmp_path / "logs" / "render"
    logs.mkdir(parents=True)
    old = logs / "old.log"
    old.write_text("rendered by the warm worker in 9.000 s, max RSS 999999 KB\n")
    os.utime(old, (1000, 1000))
    (logs / "a.log").write_text("rendered by the warm worker in 0.100 s, max RSS 102400 KB\n")
    (logs / "b.log").write_text("rendered in the job's own process in 0.300 s, max RSS 204800 KB\n")
    (logs / "c.log").write_text("tilegrid: error: render_job: ...\n")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "split.tsv").write_text("s\th:m:s\tmax_rss\n1.5\t0:00:01\t300\n")
    stats = run.job_stats(tmp_path, since=2000)
    assert stats["render_jobs"] == 2
    assert stats["render_s_median"] == pytest.approx(0.2)
    assert (stats["render_s_min"], stats["render_s_max"]) == (0.1, 0.3)
    assert stats["render_rss_max_mb"] == 200
    assert (stats["split_s"], stats["split_rss_mb"]) == (1.5, 300)
    assert stats["job_rss_max_mb"] == 300


def test_the_splits_memory_is_its_largest_process_from_its_log(tmp_path):
    """Snakemake's benchmark file of the split (a run: job) sums Snakemake's own memory
    and the forked scans' with the split's; the split's log says its own and its largest
    child's, and the larger is the job's largest process."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "split.tsv").write_text("s\th:m:s\tmax_rss\n5.5\t0:00:05\t900\n")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "split.log").write_text(
        "tilegrid.split: 100 input rows\n"
        "split done in the job's own process in 5.000 s, max RSS 344064 KB "
        "(its largest child process: 256000 KB)\n"
    )
    stats = run.job_stats(tmp_path, since=0)
    assert (stats["split_s"], stats["split_rss_mb"]) == (5.5, 336)
    assert stats["job_rss_max_mb"] == 336
