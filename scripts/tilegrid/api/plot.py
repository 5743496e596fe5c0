"""``tilegrid.plot``: the workflow called from Python, in seaborn's words."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tilegrid.api import data as data_io
from tilegrid.api.errors import TilegridError
from tilegrid.api.figure import Mosaic
from tilegrid.api.folder import CONFIG_FILE, config_bytes, run_folder
from tilegrid.api.process import run_workflow
from tilegrid.api.snake import RunSummary
from tilegrid.api.words import figure_config, tile_key_config


def plot(
    data: Any,
    *,
    kind: str | None = None,
    x: str | None = None,
    y: str | None = None,
    row: str | None = None,
    col: str | None = None,
    col_wrap: int | None = None,
    hue: str | None = None,
    row_order: list | None = None,
    col_order: list | None = None,
    hue_order: list | None = None,
    palette: Any = None,
    sharex: bool | str | None = None,
    sharey: bool | str | None = None,
    height: float | None = None,
    aspect: float | None = None,
    cores: int | str | None = None,
    profile: str | os.PathLike | None = None,
    workdir: str | os.PathLike | None = None,
    progress: bool = True,
    **options: Any,
) -> Mosaic:
    """Draw a facet grid of ``data`` with the tilegrid workflow; the figure.

    ``data``: a table file (csv, tsv, parquet, feather), a folder, a glob or a list of
    them, a URL of such a file, a pandas DataFrame or a pyarrow Table (written to the
    run's folder as Parquet, only when it changed). The words are seaborn's (catplot,
    displot, FacetGrid); those not named here are the other config keys of
    schemas/config.schema.yaml (``hue_norm``, ``dpi``, ``title``, ``margin_titles``,
    ``xlabel``, ``formats``, ...) or else the kind's options (``bw_adjust``, ``bins``,
    ``estimator``, ...). A word not given takes the schema's default.

    The workflow runs in ``workdir`` (default: a folder of the user's cache, see
    :mod:`tilegrid.api.folder`) with ``cores`` (default: all) and the Snakemake
    ``profile`` given (a name or folder, as ``snakemake --profile``), showing
    Snakemake's progress unless ``progress=False``. A second call on the same table,
    edited, draws only the tiles whose rows changed. A run that stops raises
    :class:`tilegrid.TilegridError` with the workflow's one-line error.
    """
    __tracebackhide__ = True  # IPython: a failed call shows the caller's line, not ours
    words = {
        "kind": kind,
        "x": x,
        "y": y,
        "row": row,
        "col": col,
        "col_wrap": col_wrap,
        "hue": hue,
        "row_order": row_order,
        "col_order": col_order,
        "hue_order": hue_order,
        "palette": palette,
        "sharex": sharex,
        "sharey": sharey,
        "height": height,
        "aspect": aspect,
        **options,
    }
    in_memory = data_io.is_table(data)
    if in_memory:
        data = data_io.arrow_table(data)  # once: its schema names the folder
    probe = figure_config("", words)  # the words checked before anything is written
    folder = (
        Path(workdir).expanduser().absolute()
        if workdir is not None
        else run_folder(data_io.identity(data), tile_key_config(probe))
    )
    folder.mkdir(parents=True, exist_ok=True)
    config = figure_config(data_io.data_key(data, folder), words)

    def rerun(targets: list[str], config: dict[str, Any]) -> RunSummary:
        __tracebackhide__ = True
        configfile = data_io.write_if_changed(folder / CONFIG_FILE, config_bytes(config))
        try:
            return run_workflow(folder, configfile, targets, cores, profile, progress)
        except TilegridError as exc:
            if not in_memory:
                raise
            # the table the caller passed, not the file it was written to
            said = str(exc).replace(f"data file {config['data']!r}", "the table (data)")
            raise TilegridError(said) from None

    return Mosaic(folder, config, rerun([], config), rerun)
