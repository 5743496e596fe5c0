"""What each job is asked, from the (validated) config: pure functions, one per job.

A job's parameters are exactly what its output depends on, so a change of the
config reruns the jobs it reaches and no other: the split is not asked the mosaic's
looks, the render not the titles, the mosaic not ``print_dpi`` (the print tiles
carry it).
"""

from __future__ import annotations

import json
import os
import shlex
from importlib.metadata import version
from typing import Any

from ..core.pages import grid_tile_limit
from ..kinds import get_kind

#: what only the gather decides: not a scan's concern (so changing it rescans nothing)
GATHER_ONLY = ("data", "palette", "hue_norm", "sharex", "sharey", "sharec", "max_tiles", "tile_px")
#: the plot settings that change every tile's picture
RENDER_PLOT = ("kind", "x", "y", "function", "preprocess", "options")
#: the render jobs' command, after the entry script (:func:`render_command`)
RENDER_ARGS = (
    " --shard {input.shard:q} --sidecar {input.sidecar:q}"
    " --plot {params.plot:q} --tile {params.tile:q}"
    " --png {output.png:q} --log {log:q}"
)


def render_command(entry: str) -> str:
    """The render jobs' command: a bare interpreter (no Snakemake to import, no job to
    unpickle) running ``entry`` (scripts/render.py), which asks the warm render worker
    (tilegrid.workflow.command); ``python3`` is the one :func:`shell_prefix` puts first
    on the ``PATH``.  The entry is named in the command, not taken from the inputs: with
    results in storage it is no input (a local one would keep the job on this machine)."""
    return "python3 " + shell_literal(entry) + RENDER_ARGS


def task_command(entry: str, task: str, arguments: str, log: str) -> str:
    """The command of job ``task`` run by ``entry`` (scripts/task.py) in a process of its
    own, its arguments in the JSON file ``arguments``: a shell command with no
    placeholders left (Snakemake's ``shell()`` formats it once more)."""
    return " ".join(shell_literal(word) for word in ["python3", entry, task, arguments, log])


def shell_literal(word: str) -> str:
    """``word`` as one shell word that Snakemake's ``shell()`` formatting leaves as it is."""
    return shlex.quote(str(word)).replace("{", "{{").replace("}", "}}")


def split_spec(config: dict[str, Any]) -> dict[str, Any]:
    """What the split needs: facets, columns, kind and options, sharing (not mosaic looks)."""
    facet, plot = config["facet"], config["plot"]
    return {
        "data": config["data"],
        "row": facet["row"],
        "col": facet["col"],
        "row_order": facet["row_order"],
        "col_order": facet["col_order"],
        "chunks": facet["chunks"],
        "max_tiles": grid_tile_limit(page_spec(config), facet["max_tiles"]),
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
        "preprocess": plot["preprocess"],
        "source_column": config["source_column"],
        "tile_px": split_tile_pixels(config),
    }


def scan_spec(config: dict[str, Any]) -> dict[str, Any]:
    """What a scan needs of the split's spec: not the other files, nor what only the
    gather decides (sharing, palette, tile size, the tile limit)."""
    return {k: v for k, v in split_spec(config).items() if k not in GATHER_ONLY}


def split_tile_pixels(config: dict[str, Any]) -> list[int] | None:
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


def render_plot(config: dict[str, Any]) -> str:
    """The plot settings that change every tile's picture, as JSON (a command-line value)."""
    plot = config["plot"]
    return json.dumps({k: plot[k] for k in RENDER_PLOT})


def render_tile(config: dict[str, Any], printed: bool = False) -> str:
    """The tile's size settings as JSON; a print tile's add mosaic.print_dpi."""
    tile = dict(config["tile"])
    if printed:
        tile["print_dpi"] = config["mosaic"]["print_dpi"]
    return json.dumps(tile)


def user_modules(config: dict[str, Any]) -> list[str]:
    """The user's files a tile's picture depends on: kind custom's function and the
    preprocess hook (``path.py:function``)."""
    plot = config["plot"]
    specs = [plot["function"] if plot["kind"] == "custom" else None, plot["preprocess"]]
    return [spec.rpartition(":")[0] for spec in specs if spec]


def shell_prefix(executable: str, conda: bool) -> str | None:
    """What every shell job runs first: Snakemake's own interpreter's folder first on the
    ``PATH``, so ``python3`` is Snakemake's (a venv need not be activated); None with
    ``--sdm conda``, whose job environment Snakemake activates in front of the ``PATH``.

    A prefix of the jobs' shell, not of their command: no rule's code changes with the
    interpreter's path (another venv with the same libraries draws the same tiles).
    Bash's strict mode stays on, as Snakemake's default prefix has it.
    """

    if conda:
        return None
    return f'set -euo pipefail; PATH={shlex.quote(os.path.dirname(executable))}:"$PATH"; '


def render_in_job_process(remote_exec: bool) -> bool:
    """Whether the render rules are local rules (their ``localrule`` directive): only in
    the Snakemake a cluster job runs (``workflow.remote_exec``), never where jobs are
    submitted from.

    A bundle of tiles (a group job) is one cluster job that runs a Snakemake of its
    own; that Snakemake starts each of its jobs that is not local with one more
    Snakemake (the Slurm jobstep executor: ``srun ... python -m snakemake``), 1-3 s
    of start-up and parse per tile. A local job it runs itself, as a local run does:
    the tile's command in a thread, the warm worker drawing it. Where jobs are
    submitted from, False: a render job is then submitted (bundled or alone), even
    where a profile puts it in no group, rather than drawn on the login node. A run
    on one machine runs every job locally anyway.
    """
    return bool(remote_exec)


def render_mem_mb(shard_mb: float, attempt: int) -> int:
    """MB for one tile: 300 MB of interpreter and libraries plus 5x the shard.

    Measured: a 36 MB shard (4M rows of a violin tile) peaks at 330 MB when
    rendered in its own process, i.e. ~200 MB plus 3.6x the shard.
    """
    return int(300 + 5 * shard_mb) * attempt


def render_runtime(shard_mb: float, attempt: int) -> int:
    """Minutes for one tile: 2 plus 1 per 20 MB of shard, more on each retry."""
    return int(2 + shard_mb / 20) * attempt


def drawing_libraries() -> dict[str, str]:
    """Versions of the libraries that decide a tile's pixels (a rule parameter).

    Those of Snakemake's interpreter; with --sdm conda the pinned environment
    file decides them as well (Snakemake's software-env trigger).  The
    interpreter's path is no parameter: another venv with the same libraries
    draws the same tiles and must not redraw them.
    """

    return {name: version(name) for name in ("matplotlib", "numpy", "pyarrow", "pillow")}


def mosaic_settings(config: dict[str, Any]) -> dict[str, Any]:
    """Everything the mosaic alone depends on: titles, labels, wrapping.

    Not print_dpi: the print tiles carry it (an input), so a PNG-only mosaic
    does not rerun when it changes.
    """
    settings = {k: v for k, v in config["mosaic"].items() if k not in ("print_dpi", "page")}
    return {**settings, "col_wrap": config["facet"]["col_wrap"]}


def page_spec(config: dict[str, Any]) -> dict[str, int] | None:
    """``mosaic.page`` (grid rows and columns a page), or None: the mosaic is one page."""
    return config["mosaic"].get("page") or None


def print_tiles_wanted(config: dict[str, Any]) -> bool:
    """Whether the mosaic embeds print tiles: a pdf or svg mosaic is asked for."""
    return any(fmt in ("pdf", "svg") for fmt in config["mosaic"]["formats"])


def mosaic_figures(config: dict[str, Any]) -> list[str]:
    """The formats the mosaic job draws (html is the viewer's page)."""
    return [fmt for fmt in config["mosaic"]["formats"] if fmt != "html"]


def page_figures(config: dict[str, Any]) -> list[str]:
    """The formats each page job draws (with ``mosaic.page``): png and svg, one file a page
    (pdf is one document of all pages, html the viewer's page of the whole grid)."""
    return [fmt for fmt in config["mosaic"]["formats"] if fmt in ("png", "svg")]


def mosaic_outputs(config: dict[str, Any]) -> list[str]:
    """Targets of the run known before the split: the mosaic in each format, and the
    zoomable page if asked; with pages, the pdf document, the page and the page table
    (the pages themselves: :func:`page_targets`, once the grid is known)."""
    if not page_spec(config):
        return [f"results/mosaic.{fmt}" for fmt in config["mosaic"]["formats"]]
    single = [fmt for fmt in config["mosaic"]["formats"] if fmt in ("pdf", "html")]
    return [f"results/mosaic.{fmt}" for fmt in single] + ["results/pages.tsv"]


def page_targets(config: dict[str, Any], pages: int) -> list[str]:
    """Every page's files (with ``mosaic.page``; none without): ``results/mosaic-<n>.<fmt>``."""
    if not page_spec(config):
        return []
    formats = page_figures(config)
    return [f"results/mosaic-{n}.{fmt}" for n in range(1, pages + 1) for fmt in formats]
