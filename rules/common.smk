# Config validation, input functions and wildcard constraints shared by all rules.
import contextlib
import json
import os
import shutil
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

#: tilegrid's own folder (rules/..): its package, schemas and config, also when
#: tilegrid is used as a module of another workflow (whose basedir is elsewhere)
TILEGRID = Path(str(workflow.current_basedir)).parent
sys.path.insert(0, str(TILEGRID / "scripts"))

from tilegrid.table import contents  # noqa: E402
from tilegrid.core.tasks import task_module  # noqa: E402
from tilegrid.workflow.code import closure, files_digest, script_modules  # noqa: E402
from tilegrid.core.contracts import TileMetaError, read_tile_meta  # noqa: E402
from tilegrid.workflow.config import (  # noqa: E402
    ConfigError,
    check_config,
    data_is_generated,
    schema_error_line,
    with_source,
)
from tilegrid.table import (  # noqa: E402
    TableError,
    input_files,
    open_table,
    schema_token,
)
from tilegrid.table.units import (  # noqa: E402
    by_id,
    content_keys,
    scan_parts,
    sizes_from,
    unit_fields,
)
from tilegrid.kinds import get_kind  # noqa: E402

EXAMPLE_DATA = "resources/example.parquet"
SHARDS = "results/shards"
#: one folder per input file when the split runs per file (the scan jobs)
SCANS = "results/scans"  # beside SHARDS: the split removes stale scans there
TILES = "results/tiles"
#: the tiles a pdf or svg mosaic embeds, drawn at mosaic.print_dpi
PRINT_TILES = f"{TILES}/print"


# Every job reads this file, locally and on cluster nodes: no GUI backend, and a
# writable, persistent matplotlib cache (a read-only home would make every job
# rebuild the font cache).
os.environ.setdefault("MPLBACKEND", "Agg")
# Shell jobs run `python3`: Snakemake's own interpreter, first on the PATH as an
# activated venv would put it; with --sdm conda the job's environment is activated
# in front of it, so its python3 is used there.
os.environ.update(
    PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
)
os.environ.setdefault("MPLCONFIGDIR", os.path.abspath(".snakemake/matplotlib"))
# Script jobs import the tilegrid beside these rules, also where another is installed
# (`pip install .`): Snakemake puts a script's own folder after site-packages.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        [str(TILEGRID / "scripts"), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
)


wildcard_constraints:
    tile=r"[a-z0-9][a-z0-9-]*",
    scan=r"[a-z0-9][a-z0-9-]*",
    fmt=r"png|pdf|svg",


def fail(message):
    """Stop before any job runs, with one line that says what is wrong."""
    sys.exit(f"tilegrid: error: {message}")


def validate_config():
    """Schema defaults and types: one line naming the key."""
    try:
        validate(config, "../schemas/config.schema.yaml")
    except WorkflowError as exc:
        schema = str(TILEGRID / "schemas" / "config.schema.yaml")
        line = schema_error_line(config, schema) or str(exc).splitlines()[0]
        fail(with_source(line, user_config_files(), "config.yaml"))


def opened_table():
    """The data, each file opened once (None for the example table a rule makes)."""
    if data_is_generated(config, EXAMPLE_DATA):
        return None
    try:
        return open_table(config["data"], config["source_column"])
    except TableError as exc:
        fail(with_source(str(exc), user_config_files(), "config.yaml"))


def check_against_data(table):
    """Checks of the config against the data (its columns, their types), one line each."""
    try:
        check_config(config, check_data=table is not None, table=table)
    except ConfigError as exc:
        fail(with_source(str(exc), user_config_files(), "config.yaml"))


def user_config_files():
    """The --configfile files given on the command line, loaded (merged over config.yaml)."""
    import yaml

    files = []
    for path in workflow.overwrite_configfiles:
        with open(path, encoding="utf-8") as handle:
            files.append((os.path.relpath(path), yaml.safe_load(handle) or {}))
    return files


validate_config()
TABLE = opened_table()
check_against_data(TABLE)


def check_writable(folders=("results", SHARDS, TILES, "logs", "benchmarks", ".")):
    """Stop before any job when an output folder cannot be written (read-only or not ours).

    Otherwise Snakemake stops later, on the first job, with a long traceback.
    """
    if workflow.dryrun:
        return
    for folder in folders:
        if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
            shown = "the working folder" if folder == "." else folder
            fail(
                f"{shown} ({os.path.abspath(folder)}) is not writable; make it writable "
                "or run in another folder (snakemake --directory DIR)"
            )


check_writable()


def code_files(script, tasks=()):
    """The package files a rule's job runs: the import closure of what its rule
    ``script`` imports and of the ``tasks`` it hands to the warm worker (named, not
    imported: see tilegrid.core.tasks).

    Inputs of the rule, so a change to any of them reruns it (Snakemake's code
    trigger only watches a rule's own script). Paths are relative to the working
    folder when inside it, so a copied or moved folder is not a change of input.
    """
    modules = script_modules(TILEGRID / "scripts" / script)
    modules += [task_module(task) for task in tasks]
    return [local(_relative(f)) for f in closure(modules)]


def _relative(path):
    path = os.path.abspath(path)
    rel = os.path.relpath(path)
    return path if rel.startswith(os.pardir) else rel


def split_code():
    return code_files("split.py")


def render_code():
    """The plotting code, plus the user's module for kind custom and preprocess."""
    plot = config["plot"]
    specs = [plot["function"] if plot["kind"] == "custom" else None, plot["preprocess"]]
    user = [spec.rpartition(":")[0] for spec in specs if spec]
    return code_files("render.py", tasks=["render_json"]) + user


def render_code_digest():
    """The render jobs' code as one parameter: a digest of :func:`render_code`'s files.

    Editing any of them changes it, so every tile is drawn again, as inputs would
    do; but one parameter, not ~30 inputs in each of a thousand render jobs, which
    Snakemake checks at every start (about 2 s of a 1024-tile no-op run).
    """
    return files_digest(render_code())


def mosaic_code():
    return code_files("mosaic.py", tasks=["mosaic"])


def data_paths():
    """Every file that ``data`` names, globs expanded now (a new file matching a glob is
    a new input; a folder's own time does not change when a file inside is rewritten)."""
    if TABLE is None:
        return input_files(config["data"])
    return [unit.path for unit in TABLE.units]


#: the bundled example table is made by a rule: judged by time, as any rule's output
DATA_BY_TIME = TABLE is None


def data_input(path):
    """A data file as an input: by content, not by time (``ancient``: its digest is a
    parameter of the job that reads it, so a file restored with an older time is read
    again and a touched one is not), but the example table a rule makes."""
    return local(path) if DATA_BY_TIME else ancient(local(path))


def data_files():
    """The split's input files: every file that ``data`` names, by name and content."""
    return [data_input(f) for f in data_paths()]


def data_content():
    """The content digests of the split's data files (a parameter), when it reads them."""
    if SCAN_PARTS:
        return None
    return [DATA_CONTENT.get((path, None)) for path in data_paths()]


def scan_parts_by_id():
    """The parts of a table of several files, each scanned by a job of its own, by scan
    id; none for a table of one file (the checkpoint scans it, a large one's ranges side
    by side), with facet.chunks (it splits by row position) or the example table."""
    if TABLE is None or config["facet"]["chunks"] or len(TABLE.units) < 2:
        return {}
    parts = scan_parts(TABLE, *sizes_from(os.environ))
    return by_id(parts) if len(parts) > 1 else {}


SCAN_PARTS = scan_parts_by_id()
#: the content digest of what each part reads (tilegrid.table.contents), hashed only when a
#: file's stat changed: a whole file, or the bytes of a range of its row groups
DATA_CONTENT = (
    {}
    if TABLE is None
    else contents.span_digests(
        content_keys(TABLE, list(SCAN_PARTS.values()))
        if SCAN_PARTS
        else [(path, None) for path in data_paths()]
    )
)


def split_data():
    """The split's data files when it reads the table whole (a split per file reads none)."""
    return [] if SCAN_PARTS else data_files()


def split_scans():
    """The scan folder of every input file, in the table's order (a split per file)."""
    return [f"{SCANS}/{key}" for key in SCAN_PARTS]


#: the table's column names and types: a parameter of every scan, so a file whose types
#: change the table's rescans every part
TABLE_SCHEMA = schema_token(TABLE.schema) if SCAN_PARTS else None


def scan_data(wildcards):
    """The input files of one scan (by content, see :func:`data_input`)."""
    return [data_input(path) for path in SCAN_PARTS[wildcards.scan].paths]


def scan_content(wildcards):
    """The content digests of what one scan reads, unit by unit (a parameter)."""
    part = SCAN_PARTS[wildcards.scan]
    return [DATA_CONTENT.get(key) for key in content_keys(TABLE, [part])]


def scan_units(wildcards):
    """What one scan reads: its input units, as the table reads them."""
    return unit_fields(SCAN_PARTS[wildcards.scan])


def scan_spec():
    """What a scan needs of the split's spec: not the other files, nor what only the
    gather decides (sharing, palette, tile size, the tile limit)."""
    skip = ("data", "palette", "hue_norm", "sharex", "sharey", "sharec", "max_tiles", "tile_px")
    return {k: v for k, v in split_spec().items() if k not in skip}


def scan_code():
    return code_files("scan.py")


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
        "hue_norm": plot["hue_norm"],
        "palette": plot["palette"],
        "options": plot["options"],
        "sharex": config["sharex"],
        "sharey": config["sharey"],
        "sharec": config["sharec"],
        "preprocess": config["plot"]["preprocess"],
        "source_column": config["source_column"],
        "tile_px": split_tile_pixels(),
    }


def split_tile_pixels():
    """The tile's [width, height] in pixels for a kind whose shared limits depend on
    them (line aggregates per pixel column, scatter's raster per pixel); None for
    the others, so a new tile size reruns no split for them."""
    if not get_kind(config["plot"]["kind"]).pixel_grid:
        return None
    tile = config["tile"]
    return [
        round(tile["height"] * tile["aspect"] * tile["dpi"]),
        round(tile["height"] * tile["dpi"]),
    ]


def render_plot():
    """Plot settings that change every tile's picture."""
    plot = config["plot"]
    return {k: plot[k] for k in ("kind", "x", "y", "function", "preprocess", "options")}


def mosaic_settings():
    """Everything the mosaic alone depends on: titles, labels, wrapping.

    Not print_dpi: the print tiles carry it (an input), so a PNG-only mosaic
    does not rerun when it changes.
    """
    settings = {k: v for k, v in config["mosaic"].items() if k != "print_dpi"}
    return {**settings, "col_wrap": config["facet"]["col_wrap"]}


def print_tiles_wanted():
    """Whether the mosaic embeds print tiles: a pdf or svg mosaic is asked for."""
    return any(fmt in ("pdf", "svg") for fmt in config["mosaic"]["formats"])


def mosaic_figures():
    """The formats the mosaic rule draws (html is the viewer's page)."""
    return [fmt for fmt in config["mosaic"]["formats"] if fmt != "html"]


def mosaic_outputs():
    """Targets of the run: the mosaic in each format, and the zoomable page if asked."""
    return [f"results/mosaic.{fmt}" for fmt in config["mosaic"]["formats"]]


def read_manifest():
    """The split's manifest (waits for the checkpoint).

    Every input function that lists tiles reads it first, so the results
    folders are tidied (:func:`tidy_results`) before the checkpoint is asked for
    and before any render job is looked at.
    """
    tidy_results()
    shards = checkpoints.split.get().output.shards
    with open(os.path.join(shards, "manifest.json"), encoding="utf-8") as handle:
        return json.load(handle)


def tile_ids():
    """Every tile's id, in grid order (waits for the checkpoint)."""
    return [t["id"] for t in read_manifest()["tiles"]]


def mosaic_inputs(wildcards):
    """Every tile's PNG (its metadata inside), in grid order, plus the manifest.

    With a pdf or svg mosaic also every print tile's PNG (an empty list
    otherwise, so a PNG-only run draws no print tile).
    """
    ids = tile_ids()
    prints = ids if print_tiles_wanted() else []
    return {
        "manifest": f"{SHARDS}/manifest.json",
        "pngs": [f"{TILES}/{i}.png" for i in ids],
        "print_pngs": [f"{PRINT_TILES}/{i}.png" for i in prints],
    }


def tile_outputs(wildcards):
    """Every tile's PNG: targets of the run, so a tile deleted by hand is redrawn.

    (Snakemake does not redraw a missing intermediate file while the final
    target is up to date.)  The print tiles too, when a pdf or svg mosaic is asked for.
    """
    folders = [TILES, PRINT_TILES] if print_tiles_wanted() else [TILES]
    return [f"{d}/{i}.png" for d in folders for i in tile_ids()]


#: whether this run tidied its results folders (tidy_results)
TIDIED = []


def tidy_results():
    """Once a run, remove what the run must not build on: a shards folder with a
    file missing (:func:`remove_incomplete_split`) and tiles an earlier tilegrid
    drew (:func:`remove_old_tiles`), in the folders as this workflow (or a module's
    prefix) names them.  Called while the DAG is built, where a dry run is known
    (at parse time it is not): a dry run only says what it would remove.
    """
    if TIDIED:
        return
    TIDIED.append(True)
    remove_incomplete_split(rules.split.output.shards)
    for pattern in (rules.render.output.png, rules.render_print.output.png):
        remove_old_tiles(os.path.dirname(pattern), dry=workflow.dryrun)


def remove_incomplete_split(shards):
    """Remove the split's output folder ``shards`` when a file it lists is missing.

    The checkpoint's output is the shards folder: while the folder exists,
    Snakemake takes it as complete, and a render job would wait for a shard
    that nothing makes (a shard or sidecar deleted by hand).  Removing the
    folder makes the split run again; it rewrites every shard anyway, and tiles
    whose shard did not change are not redrawn.  A dry run only says so.
    """
    manifest = os.path.join(shards, "manifest.json")
    if not os.path.isdir(shards):
        return
    try:
        with open(manifest, encoding="utf-8") as handle:
            ids = [t["id"] for t in json.load(handle)["tiles"]]
    except (OSError, ValueError, KeyError, TypeError):
        ids = None
    missing = (
        [manifest]
        if ids is None
        else [
            path
            for i in ids
            for path in (f"{shards}/{i}.arrow", f"{shards}/{i}.json")
            if not os.path.exists(path)
        ]
    )
    if not missing:
        return
    print(
        f"tilegrid: {missing[0]} is missing: the split runs again"
        + ("" if not workflow.dryrun else " (not in a dry run)"),
        file=sys.stderr,
    )
    if not workflow.dryrun:
        shutil.rmtree(shards)


def remove_old_tiles(tiles, dry):
    """Remove the tiles an earlier tilegrid drew in the folder ``tiles``, and every
    ``<id>.json`` there; with ``dry``, say so only.

    Such a tile is an ``<id>.png`` without metadata inside, next to the
    ``<id>.json`` that held it. Snakemake redraws it when its record of the
    render job says the command changed, but not when ``.snakemake/`` was
    deleted, and the mosaic cannot use it: removing it makes it a missing
    output in every case. The ``<id>.json`` goes too (no job's output).
    """
    try:
        stems = [n[: -len(".json")] for n in sorted(os.listdir(tiles)) if n.endswith(".json")]
    except OSError:
        return
    pngs = {stem: os.path.join(tiles, f"{stem}.png") for stem in stems}
    old = [s for s, png in pngs.items() if os.path.exists(png) and not has_tile_meta(png)]
    if old:
        print(
            f"tilegrid: {len(old)} tiles in {tiles} were drawn by an earlier tilegrid"
            " (their metadata in <tile>.json): they are drawn again"
            + (" (not in a dry run)" if dry else ""),
            file=sys.stderr,
        )
    if dry:
        return
    for path in [os.path.join(tiles, f"{s}.json") for s in stems] + [pngs[s] for s in old]:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def has_tile_meta(png):
    """Whether the tile ``png`` holds its metadata (a tile this tilegrid drew)."""
    try:
        read_tile_meta(png)
    except (OSError, TileMetaError):
        return False
    return True


def drawing_libraries():
    """Versions of the libraries that decide a tile's pixels (a rule parameter).

    Those of Snakemake's interpreter; with --sdm conda the pinned environment
    file decides them as well (Snakemake's software-env trigger).  The
    interpreter's path is no parameter: another venv with the same libraries
    draws the same tiles and must not redraw them.
    """
    from importlib.metadata import version

    return {name: version(name) for name in ("matplotlib", "numpy", "pyarrow", "pillow")}


def render_entry():
    """The render jobs' entry script, beside the tilegrid package (an input, like the code)."""
    return local(_relative(TILEGRID / "scripts" / "render.py"))


#: the render jobs' command: a bare interpreter (no Snakemake to import, no job to
#: unpickle) that asks the warm render worker; see scripts/tilegrid/render/job.py
RENDER_COMMAND = (
    "python3 {input.entry:q}"
    " --shard {input.shard:q} --sidecar {input.sidecar:q}"
    " --plot {params.plot:q} --tile {params.tile:q}"
    " --png {output.png:q} --log {log:q}"
)


def render_plot_json():
    """render_plot() as JSON, for the render job's command line."""
    return json.dumps(render_plot())


def render_tile_json():
    """The tile size settings as JSON, for the render job's command line."""
    return json.dumps(config["tile"])


def render_print_tile_json():
    """The print tile's settings as JSON: the tile size and mosaic.print_dpi."""
    return json.dumps({**config["tile"], "print_dpi": config["mosaic"]["print_dpi"]})
