# Config validation, input functions and wildcard constraints shared by all rules.
import json
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))

from tilegrid.config import (  # noqa: E402
    ConfigError,
    check_config,
    data_is_generated,
    schema_error_line,
)

EXAMPLE_DATA = "resources/example.parquet"
SHARDS = "results/shards"
TILES = "results/tiles"
PACKAGE = Path(workflow.basedir) / "scripts" / "tilegrid"


# Every job reads this file, locally and on cluster nodes: no GUI backend, and a
# writable, persistent matplotlib cache (a read-only home would make every job
# rebuild the font cache).
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("MPLCONFIGDIR", os.path.abspath(".snakemake/matplotlib"))


wildcard_constraints:
    tile=r"[a-z0-9][a-z0-9-]*",
    fmt=r"png|pdf|svg",


def fail(message):
    """Stop before any job runs, with one line that says what is wrong."""
    sys.exit(f"tilegrid: error: {message}")


def validate_config():
    """Schema defaults and types, then checks of the config against the data."""
    try:
        validate(config, "../schemas/config.schema.yaml")
    except WorkflowError as exc:
        schema = os.path.join(workflow.basedir, "schemas", "config.schema.yaml")
        fail(schema_error_line(config, schema) or str(exc).splitlines()[0])
    try:
        check_config(config, check_data=not data_is_generated(config, EXAMPLE_DATA))
    except ConfigError as exc:
        fail(str(exc))


validate_config()


def package_files(*names):
    """Files of the tilegrid package a rule depends on (so code changes rerun it)."""
    files = [PACKAGE / "__init__.py", PACKAGE / "logs.py"]
    for name in names:
        path = PACKAGE / name
        files.extend(sorted(path.glob("*.py")) if path.is_dir() else [path])
    return [str(f) for f in files]


def split_code():
    return package_files(
        "split.py",
        "partition.py",
        "tableio.py",
        "ids.py",
        "levels.py",
        "stats.py",
        "kde.py",
        "palettes.py",
        "kinds",
    )


def render_code():
    """The plotting code, plus the user's module for kind custom."""
    files = package_files(
        "render_job.py",
        "render.py",
        "figures.py",
        "levels.py",
        "stats.py",
        "kde.py",
        "palettes.py",
        "kinds",
    )
    plot = config["plot"]
    specs = [plot["function"] if plot["kind"] == "custom" else None, plot["preprocess"]]
    return files + [spec.rpartition(":")[0] for spec in specs if spec]


def mosaic_code():
    return package_files("mosaic.py", "figures.py")


def render_mem_mb(wildcards, input, attempt):
    """MB for one tile: 300 MB of interpreter and libraries plus 5x the shard.

    Measured: a 36 MB shard (4M rows of a violin tile) peaks at 330 MB when
    rendered in its own process, i.e. ~200 MB plus 3.6x the shard.
    """
    return int(300 + 5 * input.size_mb) * attempt


def render_runtime(wildcards, input, attempt):
    """Minutes for one tile: 2 plus 1 per 20 MB of shard, more on each retry."""
    return int(2 + input.size_mb / 20) * attempt


def split_spec():
    """What the split needs: facets, columns, kind and options, sharing (not mosaic looks)."""
    facet, plot = config["facet"], config["plot"]
    return {
        "data": config["data"],
        "row": facet["row"],
        "col": facet["col"],
        "row_order": facet["row_order"],
        "col_order": facet["col_order"],
        "chunks": facet["chunks"],
        "max_tiles": facet["max_tiles"],
        "kind": plot["kind"],
        "x": plot["x"],
        "y": plot["y"],
        "hue": plot["hue"],
        "hue_order": plot["hue_order"],
        "palette": plot["palette"],
        "options": plot["options"],
        "sharex": config["sharex"],
        "sharey": config["sharey"],
        "sharec": config["sharec"],
        "preprocess": config["plot"]["preprocess"],
    }


def render_plot():
    """Plot settings that change every tile's picture."""
    plot = config["plot"]
    return {k: plot[k] for k in ("kind", "x", "y", "function", "preprocess", "options")}


def mosaic_settings():
    """Everything the mosaic alone depends on: titles, labels, wrapping."""
    return {**config["mosaic"], "col_wrap": config["facet"]["col_wrap"]}


def mosaic_outputs():
    return [f"results/mosaic.{fmt}" for fmt in config["mosaic"]["formats"]]


def read_manifest():
    """The split's manifest (waits for the checkpoint)."""
    shards = checkpoints.split.get().output.shards
    with open(os.path.join(shards, "manifest.json"), encoding="utf-8") as handle:
        return json.load(handle)


def mosaic_inputs(wildcards):
    """Every tile's PNG and metadata, in grid order, plus the manifest."""
    ids = [t["id"] for t in read_manifest()["tiles"]]
    return {
        "manifest": os.path.join(checkpoints.split.get().output.shards, "manifest.json"),
        "pngs": [f"{TILES}/{i}.png" for i in ids],
        "metas": [f"{TILES}/{i}.json" for i in ids],
    }


def job_python():
    """The interpreter of shell jobs: Snakemake's own, or the conda env's with --sdm conda.

    Named ``python`` when that is the same file (``.venv/bin/python`` for
    ``.venv/bin/python3``): the name is a rule parameter, and a different name
    for the same interpreter must not re-render every tile.
    """
    from snakemake.settings.types import DeploymentMethod

    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        return "python"
    plain = os.path.join(os.path.dirname(sys.executable), "python")
    if os.path.exists(plain) and os.path.samefile(plain, sys.executable):
        return plain
    return sys.executable


def job_pythonpath(wildcards, input):
    """The folder a job imports tilegrid from: the one holding the package among its code."""
    init = next(f for f in input.code if Path(f).parts[-2:] == ("tilegrid", "__init__.py"))
    return str(Path(init).parent.parent)


def render_plot_json():
    """render_plot() as JSON, for the render job's command line."""
    return json.dumps(render_plot())


def render_tile_json():
    """The tile size settings as JSON, for the render job's command line."""
    return json.dumps(config["tile"])
