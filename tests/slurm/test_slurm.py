"""tilegrid through `--profile profiles/slurm` on a real one-node Slurm cluster."""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml
from cluster import ClusterUnavailable, SlurmCluster, why_unavailable
from conftest import bundled_example
from slurmflow import SlurmWorkflow, Workflow, submissions
from tilegrid.workflow.command import ASKED_BY_SNAKEMAKE

pytestmark = [pytest.mark.workflow, pytest.mark.slurm, pytest.mark.alongside("slurm")]


@pytest.fixture(scope="session")
def slurm_cluster():
    """A one-node Slurm cluster for the whole session, installed with apt-get if missing."""
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    cluster = SlurmCluster()
    try:
        cluster.start()
    except ClusterUnavailable as exc:
        pytest.skip(str(exc))
    yield cluster
    cluster.stop()
    cluster.remove()


EXAMPLE = ("resources", "example.parquet")


@pytest.fixture(scope="module")
def local_default(built_copy, tmp_path_factory) -> tuple[Workflow, float]:
    """The default config and data, run locally with two cores (the session's run of
    the bundled example, test_workflow's and test_viewer's too)."""
    wf = built_copy(bundled_example, tmp_path_factory.mktemp("local") / "wf")
    run = built_copy.runs[bundled_example]
    print(f"\nlocal run of the default data (-j 2): {run.seconds:.1f} s")
    return wf, run.seconds


@pytest.fixture(scope="module")
def slurm_default(tmp_path_factory, slurm_cluster, local_default):
    """The same default config and data, run through the Slurm profile (copied at the same time)."""
    wf = SlurmWorkflow(tmp_path_factory.mktemp("slurm") / "wf", slurm_cluster)
    run = wf.slurm_ok()
    print(f"\nslurm run of the default data (--profile profiles/slurm): {run.seconds:.1f} s")
    return wf, run


def _tile_ids(wf: Workflow) -> list[str]:
    manifest = json.loads(wf.path("results", "shards", "manifest.json").read_text())
    return [t["id"] for t in manifest["tiles"]]


def _render_submissions(run) -> list[tuple[str, str]]:
    return [(jobid, log) for jobid, log in submissions(run) if "render" in log]


def test_slurm_run_of_the_default_data_makes_the_same_mosaic_bytes_as_a_local_run(
    local_default, slurm_default
):
    local, _ = local_default
    slurm, _ = slurm_default
    assert slurm.path("results", "mosaic.png").read_bytes() == (
        local.path("results", "mosaic.png").read_bytes()
    )
    for tile in _tile_ids(local):
        png = ("results", "tiles", f"{tile}.png")
        assert slurm.path(*png).read_bytes() == local.path(*png).read_bytes(), tile


def _render_mem_mb(run) -> list[int]:
    """The mem_mb of every render job, from the `resources:` line printed for it."""
    mems, in_render = [], False
    for line in run.output.splitlines():
        if line.strip().endswith(":") and line.strip().split()[0] in ("rule", "localrule"):
            in_render = line.strip() == "rule render:"
        elif in_render and line.strip().startswith("resources:"):
            mems.append(int(re.search(r"\bmem_mb=(\d+)", line).group(1)))
            in_render = False
    return mems


def test_all_render_jobs_go_to_slurm_as_one_bundle_that_asks_for_one_tiles_cpu_and_memory(
    slurm_default,
):
    """The bundle runs its tiles one after another (the plugin's inner Snakemake has
    --jobs 1), so the profile's ``cores: 1`` makes it ask for what it uses."""
    wf, run = slurm_default
    tiles = len(_tile_ids(wf))
    assert run.jobs("render") == tiles > wf.cluster.cpus
    (bundle,) = _render_submissions(run)
    assert "group_tiles" in bundle[1]
    job = wf.scontrol_job(bundle[0])
    if not job:
        pytest.skip("the bundle's Slurm record expired (MinJobAge) before it could be read")
    mems = _render_mem_mb(run)
    assert len(mems) == tiles
    assert int(job["NumCPUs"]) == 1
    assert int(job["MinMemoryNode"].rstrip("M")) == max(mems)


def _interior_cell(table: pa.Table, row: str, col: str, y: str) -> tuple[str, str]:
    """The facet cell whose values stay furthest from the shared y limits."""
    lo, hi = pc.min(table[y]).as_py(), pc.max(table[y]).as_py()
    best, margin = None, -np.inf
    grouped = table.group_by([row, col]).aggregate([(y, "min"), (y, "max")])
    for cell in grouped.to_pylist():
        m = min(cell[f"{y}_min"] - lo, hi - cell[f"{y}_max"])
        if m > margin:
            best, margin = (cell[row], cell[col]), m
    return best


def _drop_every_20th_row_of_cell(path, row: str, col: str, y: str, cell) -> None:
    """Remove 5 % of one cell's rows (never its smallest or largest value), in place."""
    table = pq.read_table(path)
    in_cell = pc.and_(pc.equal(table[row], cell[0]), pc.equal(table[col], cell[1]))
    idx = np.flatnonzero(in_cell.to_numpy(zero_copy_only=False))
    ranked = idx[np.argsort(table[y].to_numpy()[idx], kind="stable")]
    keep = np.ones(len(table), dtype=bool)
    keep[ranked[10:-10:20]] = False
    pq.write_table(table.filter(pa.array(keep)), path)


def test_changing_one_cell_resubmits_exactly_one_render_job(slurm_default):
    wf, _ = slurm_default
    config = yaml.safe_load(wf.path("config.yaml").read_text())
    row, col, y = config["facet"]["row"], config["facet"]["col"], config["plot"]["y"]
    cell = _interior_cell(pq.read_table(wf.path(*EXAMPLE)), row, col, y)
    _drop_every_20th_row_of_cell(wf.path(*EXAMPLE), row, col, y, cell)
    before = {t: wf.path("results", "tiles", f"{t}.png").stat().st_mtime_ns for t in _tile_ids(wf)}

    run = wf.slurm_ok()

    assert run.jobs("render") == 1 and run.jobs("mosaic") == 1, run.output[-4000:]
    assert len(_render_submissions(run)) == 1
    changed = {
        t for t in before if wf.path("results", "tiles", f"{t}.png").stat().st_mtime_ns != before[t]
    }
    manifest = json.loads(wf.path("results", "shards", "manifest.json").read_text())
    (tile,) = [
        t["id"]
        for t in manifest["tiles"]
        if (t["facets"]["row"]["value"], t["facets"]["col"]["value"]) == cell
    ]
    assert changed == {tile}


FAILING_DRAW = '''\
def draw(ax, data, **options):
    """Scatter the values; refuse one cell, as a buggy user function would."""
    if set(data["site"]) == {"south"} and set(data["season"]) == {"summer"}:
        raise RuntimeError("draw() cannot handle south/summer")
    ax.plot(range(len(data)), data["value"].to_numpy(), ".", markersize=1)
'''


def _small_table() -> pa.Table:
    """2 sites x 3 seasons, 300 rows each."""
    rng = np.random.default_rng(3)
    sites, seasons = ["north", "south"], ["spring", "summer", "autumn"]
    cells = [(s, t) for s in sites for t in seasons]
    n = 300
    return pa.table(
        {
            "site": [s for s, _ in cells for _ in range(n)],
            "season": [t for _, t in cells for _ in range(n)],
            "value": rng.normal(0, 1, n * len(cells)),
        }
    )


def test_a_tile_whose_custom_function_raises_is_reported_with_its_log_and_the_others_finish(
    tmp_path, slurm_cluster
):
    wf = SlurmWorkflow(tmp_path / "wf", slurm_cluster)
    pq.write_table(_small_table(), wf.path("data.parquet"))
    wf.path("draw.py").write_text(FAILING_DRAW)
    wf.update_config(
        data="data.parquet",
        facet={"row": "site", "col": "season"},
        plot={"kind": "custom", "x": None, "y": "value", "function": "draw.py:draw", "options": {}},
        sharex=False,
        sharey=False,
    )

    # Bundles of 2 tiles: 3 submissions for the 6 tiles. Snakemake fails a bundle
    # as a whole, so the failing tile takes (at most) its one bundle-mate with it:
    # the mate is reported failed too, and rendered again by the next run.
    run = wf.slurm("--keep-going", "--retries", "0", "--group-components", "tiles=2")

    assert run.returncode != 0
    assert len(_render_submissions(run)) == 3
    manifest = json.loads(wf.path("results", "shards", "manifest.json").read_text())
    ids = {
        (t["facets"]["row"]["value"], t["facets"]["col"]["value"]): t["id"]
        for t in manifest["tiles"]
    }
    bad = ids.pop(("south", "summer"))
    log = f"logs/render/{bad}.log"
    assert "Error in rule render" in run.output
    assert f"log: {log}" in run.output, run.output[-6000:]
    assert "draw() cannot handle south/summer" in wf.path(log).read_text()
    assert not wf.path("results", "tiles", f"{bad}.png").exists()
    finished = {t for t in ids.values() if wf.path("results", "tiles", f"{t}.png").exists()}
    lost = set(ids.values()) - finished
    assert len(finished) >= 4 and len(lost) <= 1, run.output[-6000:]
    for tile in lost:
        assert f"log: logs/render/{tile}.log" in run.output
    assert not wf.path("results", "mosaic.png").exists()


# A table of three files: 4 sites x 6 seasons (24 tiles), every cell in every file.
SITES = ["north", "south", "east", "west"]
SEASONS = ["spring", "summer", "autumn", "winter", "wet", "dry"]
FOLDER_FILES = 3


def _write_folder(folder) -> None:
    """part-0 .. part-2.parquet: 100 rows of each cell in each file, two groups a cell."""
    folder.mkdir()
    cells = [(s, t) for s in SITES for t in SEASONS]
    for i in range(FOLDER_FILES):
        rng = np.random.default_rng(10 + i)
        n = 100
        table = pa.table(
            {
                "site": [s for s, _ in cells for _ in range(n)],
                "season": [t for _, t in cells for _ in range(n)],
                "group": rng.choice(["a", "b"], n * len(cells)),
                "value": rng.normal(np.repeat(np.arange(len(cells)), n), 1.0),
            }
        )
        pq.write_table(table, folder / f"part-{i}.parquet")


def _folder_workflow(wf: Workflow) -> Workflow:
    _write_folder(wf.path("data"))
    wf.update_config(
        data="data",
        facet={"row": "site", "col": "season"},
        plot={"kind": "box", "x": "group", "y": "value", "options": {}},
        sharex=False,
        sharey=False,
    )
    return wf


def _by_step(run) -> dict[str, list[str]]:
    """Slurm log paths of ``run``'s submissions by step: scan, split, render bundle, mosaic."""
    steps: dict[str, list[str]] = {}
    for _, log in submissions(run):
        name = log.rpartition("slurm_logs/")[2]  # not the folder's path: a test's name
        step = next(s for s in ("group_tiles", "scan", "split", "mosaic") if s in name)
        steps.setdefault(step, []).append(log)
    return steps


def test_a_folder_of_files_scans_per_file_on_the_cluster_and_bundles_of_tiles_draw_in_the_bundle(
    tmp_path, slurm_cluster
):
    """Each file's scan is a cluster job; 24 tiles go out as 3 bundles of 8, and each
    bundle's own Snakemake draws its tiles as local jobs (the render rules'
    ``localrule``: no ``srun`` of one more Snakemake per tile); the mosaic is the
    local run's.  (A one-cell change resubmitting one bundle is
    test_changing_one_cell_resubmits_exactly_one_render_job; a file's change rescanning
    only that file is checked locally by tests/properties: one more Slurm run here
    cost ~150 s of the suite.)"""
    local = _folder_workflow(Workflow(tmp_path / "local"))
    slurm = _folder_workflow(SlurmWorkflow(tmp_path / "slurm", slurm_cluster))
    assert local.snakemake().returncode == 0

    run = slurm.slurm_ok("--group-components", "tiles=8", "--slurm-keep-successful-logs")

    steps = _by_step(run)
    assert {k: len(v) for k, v in steps.items()} == {
        "scan": FOLDER_FILES,
        "split": 1,
        "group_tiles": 3,
        "mosaic": 1,
    }, run.output[-6000:]
    assert run.jobs("render") == len(SITES) * len(SEASONS) == 24
    for log in steps["group_tiles"]:
        text = slurm.path(log).read_text()
        lines = [line.strip() for line in text.splitlines()]
        # The bundle's Snakemake drew its 8 tiles itself, as local jobs. A job it hands
        # to the jobstep executor instead shows as "rule render:", and the Snakemake
        # that srun then starts for it prints "localrule render:" (it runs locally).
        assert lines.count("rule render:") == 0, text[-4000:]
        assert lines.count("localrule render:") == 8, text[-4000:]
    # and asked the warm worker for each from its own process (a run: block, in its
    # threads: the workflow profile's force-use-threads holds in the bundle too)
    for log in slurm.path("logs", "render").glob("*.log"):
        assert log.read_text().rstrip().endswith(ASKED_BY_SNAKEMAKE), log
    assert slurm.path("results", "mosaic.png").read_bytes() == (
        local.path("results", "mosaic.png").read_bytes()
    )
