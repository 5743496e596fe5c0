"""tilegrid.plot: the workflow called from Python (scripts/tilegrid/api), in seaborn's words."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tilegrid
import yaml
from conftest import REPO
from tilegrid.api import data as data_io
from tilegrid.api.errors import TilegridError
from tilegrid.api.folder import CONFIG_FILE, config_bytes, run_folder
from tilegrid.api.snake import _for_caller, workflow_dir
from tilegrid.api.words import figure_config, tile_key_config

#: a 2 x 2 grid: rows by site, columns by season, boxes of length by species
WORDS = dict(kind="box", x="species", y="length", row="site", col="season", height=1.5)


def table(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "site": rng.choice(["north", "south"], n),
            "season": rng.choice(["spring", "autumn"], n),
            "species": rng.choice(["ash", "elm", "oak"], n),
            "length": rng.normal(10, 2, n).round(2),
        }
    )


def edit_one_cell(df: pd.DataFrame) -> None:
    """Change the value nearest the median: no shared limit moves, one tile's rows do."""
    i = (df["length"] - df["length"].median()).abs().idxmin()
    df.loc[i, "length"] += 0.5


# ---------------------------------------------------------------- words and folders


def test_seaborn_words_are_written_as_the_config_keys_of_the_schema():
    config = figure_config(
        "t.parquet",
        dict(WORDS, col_wrap=None, hue="species", sharey="row", title="T", bw_adjust=0.5),
    )
    assert config == {
        "data": "t.parquet",
        "facet": {"row": "site", "col": "season"},
        "plot": {
            "kind": "box",
            "x": "species",
            "y": "length",
            "hue": "species",
            "options": {"bw_adjust": 0.5},
        },
        "tile": {"height": 1.5},
        "sharey": "row",
        "mosaic": {"title": "T"},
    }


def test_the_config_written_holds_only_the_words_given_and_passes_the_schema(tmp_path):
    from snakemake.utils import validate

    config = figure_config(str(tmp_path / "t.parquet"), {"y": "length", "kind": "hist"})
    assert set(config) == {"data", "plot"}  # nothing of the bundled example's config.yaml
    validate(config, str(REPO / "schemas" / "config.schema.yaml"))
    assert config["facet"]["row"] is None and config["mosaic"]["title"] is None  # defaults


def test_a_module_word_is_made_absolute_and_must_name_a_function(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = figure_config("t", {"preprocess": "prep.py:clean"})
    assert config["plot"]["preprocess"] == f"{tmp_path}/prep.py:clean"
    with pytest.raises(TilegridError, match="module.py:function"):
        figure_config("t", {"function": print})


def test_the_folder_stays_when_a_cell_or_the_mosaic_looks_change_and_not_otherwise():
    df = table()
    key = data_io.identity(data_io.arrow_table(df))
    tiles = tile_key_config(figure_config("", WORDS))
    edited = df.copy()
    edit_one_cell(edited)
    assert data_io.identity(data_io.arrow_table(edited)) == key
    retitled = tile_key_config(figure_config("", dict(WORDS, title="x", col_wrap=None)))
    assert run_folder(key, retitled) == run_folder(key, tiles)
    other_kind = tile_key_config(figure_config("", dict(WORDS, kind="violin")))
    assert run_folder(key, other_kind) != run_folder(key, tiles)
    other_columns = data_io.identity(data_io.arrow_table(df.rename(columns={"length": "l"})))
    assert run_folder(other_columns, tiles) != run_folder(key, tiles)


def test_the_cache_folder_is_tilegrid_cache_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("TILEGRID_CACHE", str(tmp_path))
    assert run_folder({"path": "/x"}, {}).parent == tmp_path


def test_a_table_is_written_only_when_its_bytes_changed(tmp_path):
    path = tmp_path / "data.parquet"
    df = table()
    data_io.data_key(df, tmp_path)
    before = path.stat()
    data_io.data_key(df.copy(), tmp_path)
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    edit_one_cell(df)
    data_io.data_key(df, tmp_path)
    assert path.stat().st_ino != before.st_ino
    assert pq.read_table(path).to_pandas().equals(df)


def test_a_named_index_is_kept_as_columns_and_a_plain_one_dropped():
    df = table(10)
    assert data_io.arrow_table(df).column_names == list(df.columns)
    named = df.set_index("site")
    assert data_io.arrow_table(named).column_names == list(df.columns)


def test_paths_are_made_absolute_and_other_data_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert data_io.data_key("t.csv", tmp_path) == f"{tmp_path}/t.csv"
    assert data_io.data_key(["a.csv", Path("b")], tmp_path) == [
        f"{tmp_path}/a.csv",
        f"{tmp_path}/b",
    ]
    with pytest.raises(TilegridError, match="not dict"):
        data_io.data_key({"a": 1}, tmp_path)


def test_a_url_is_downloaded_once_under_its_name(tmp_path):
    source = tmp_path / "t.csv"
    table(20).to_csv(source, index=False)
    url = source.as_uri()
    first = Path(data_io.data_key(url, tmp_path / "run"))
    assert first.name == "t.csv" and first.read_bytes() == source.read_bytes()
    mtime = first.stat().st_mtime_ns
    assert Path(data_io.data_key(url, tmp_path / "run")).stat().st_mtime_ns == mtime
    with pytest.raises(TilegridError, match="format"):
        data_io.data_key(source.with_suffix("").as_uri(), tmp_path / "run")


def test_the_same_config_gives_the_same_bytes():
    config = figure_config("/d.parquet", WORDS)
    assert config_bytes(config) == config_bytes(yaml.safe_load(config_bytes(config)))


def test_the_workflow_is_found_beside_the_package_of_a_checkout():
    assert workflow_dir() == REPO


def test_an_error_line_names_the_log_by_its_full_path(tmp_path):
    line = "tilegrid: error: tile a (x = 1): boom (log: logs/render/a.log)"
    assert _for_caller(line, tmp_path, tmp_path / CONFIG_FILE).endswith(
        f"(log: {tmp_path}/logs/render/a.log)"
    )
    assert _for_caller(f"bad (set in {CONFIG_FILE})", tmp_path, tmp_path / CONFIG_FILE) == "bad"


def test_importing_tilegrid_imports_neither_the_api_nor_snakemake():
    code = (
        "import sys, tilegrid\n"
        "print(sorted(m for m in sys.modules if 'snakemake' in m or m == 'tilegrid.api'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(REPO / "scripts")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
    assert tilegrid.plot is tilegrid.api.plot


# ---------------------------------------------------------------- real runs


@pytest.mark.workflow
@pytest.mark.alongside("waits")
def test_a_failed_run_raises_the_workflows_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("TILEGRID_WORKER", "0")
    data = tmp_path / "t.parquet"
    table(40).to_parquet(data)
    with pytest.raises(TilegridError) as parse_time:
        tilegrid.plot(data, **dict(WORDS, y="lenght"), workdir=tmp_path / "a", progress=False)
    assert str(parse_time.value).startswith("tilegrid: error: config key 'plot.y': column")
    assert "did you mean 'length'" in str(parse_time.value)
    assert parse_time.value.__context__ is None or parse_time.value.__suppress_context__
    (tmp_path / "draw.py").write_text("def draw(ax, data):\n    raise ValueError('no way')\n")
    with pytest.raises(TilegridError) as in_a_job:
        tilegrid.plot(
            data,
            kind="custom",
            function=str(tmp_path / "draw.py:draw"),
            x="species",
            y="length",
            workdir=tmp_path / "b",
            progress=False,
            cores=1,
        )
    line = str(in_a_job.value)
    assert line.startswith("tilegrid: error: tile ") and ": no way (log: " in line
    assert "\n" not in line and Path(line.rpartition("(log: ")[2].rstrip(")")).is_file()


@pytest.mark.workflow
@pytest.mark.alongside("waits")
def test_the_notebook_runs_and_shows_one_tile_drawn_again(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(REPO / "examples" / "notebook.ipynb", as_version=4)
    env = {
        "TILEGRID_CACHE": str(tmp_path / "cache"),
        "TILEGRID_WORKER_IDLE": "15",
        "PYTHONPATH": str(REPO / "scripts"),  # the checkout's tilegrid, as installed
        "MPLBACKEND": "Agg",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel's environment is this process's
    try:
        client = nbclient.NotebookClient(
            notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
        )
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "tiles drawn again: 1 of 4" in text
    assert "of 7 steps (100%) done" in text  # Snakemake's progress, shown in the notebook
    assert "tilegrid: error: config key 'plot.y'" in text
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 2  # each figure shown as its mosaic
    # both calls ran in one folder, with one config file, and the table written there
    folders = [f for f in (tmp_path / "cache").iterdir() if (f / "results").is_dir()]
    assert len(folders) == 1
    assert {p.name for p in folders[0].iterdir() if p.is_file()} == {CONFIG_FILE, "data.parquet"}
    assert len(list(folders[0].glob("results/tiles/*.png"))) == 4


INSTALLED = """\
import sys
import pandas as pd
import tilegrid
from tilegrid.api.snake import workflow_dir

df = pd.DataFrame({{"site": ["n", "n", "s", "s"] * 10, "season": ["a", "b"] * 20,
                   "length": [float(i % 7) for i in range(40)]}})
fig = tilegrid.plot(df, kind="box", y="length", row="site", col="season", height=1,
                    cores=2, progress=False)
page = fig.viewer()
print(tilegrid.__file__, workflow_dir(), fig.tiles_rendered, page.path.stat().st_size > 0)
"""


@pytest.mark.workflow
@pytest.mark.alongside("waits")
def test_pip_install_gives_a_tilegrid_plot_that_runs_outside_the_checkout(tmp_path):
    from conftest import venv_seeing_ours

    source = tmp_path / "clone"
    skip = {".git", ".venv", ".venv-slurm", "results", "resources", "logs", "benchmarks"}
    skip |= {".snakemake", "build", "tests", "bench", "docs", "__pycache__"}
    import shutil

    shutil.copytree(REPO, source, ignore=lambda d, names: [n for n in names if n in skip])
    python = venv_seeing_ours(tmp_path / "venv")
    # the build backend of this venv (no download); the runtime packages are ours
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", str(source)],
        check=True,
        capture_output=True,
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(TILEGRID_CACHE=str(tmp_path / "cache"), TILEGRID_WORKER_IDLE="15")
    done = subprocess.run(
        [python, "-c", textwrap.dedent(INSTALLED).format()],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    module, workflow, rendered, page = done.stdout.split()
    site = str(tmp_path / "venv" / "lib")
    assert module.startswith(site) and workflow.startswith(site) and workflow.endswith("_workflow")
    assert (rendered, page) == ("4", "True")

    # and the checkout still runs its own package where another is installed: the
    # script jobs (the split here) import the tilegrid beside the rules
    package = source / "scripts" / "tilegrid" / "__init__.py"
    package.write_text(package.read_text() + SAY_WHERE)
    pq.write_table(pa.Table.from_pandas(table(40)), source / "t.parquet")
    (source / "mine.yaml").write_text(yaml.safe_dump(figure_config("t.parquet", WORDS)))
    run = subprocess.run(
        [python, "-m", "snakemake", "-j", "2", "results/shards", "--configfile", "mine.yaml"],
        cwd=source,
        env={**env, "TILEGRID_SAY_WHERE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert f"tilegrid from {package}" in (source / "logs" / "split.log").read_text()


SAY_WHERE = """
if __import__("os").environ.get("TILEGRID_SAY_WHERE"):
    print(f"tilegrid from {__file__}", file=__import__("sys").stderr)
"""
