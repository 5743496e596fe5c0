"""The peers tilegrid is measured against, plus the floor, one method per process.

Each draws the same 5x5 grid (facets ``row`` x ``col``) of 4 violins per tile
(``group`` on x, ``value`` on y) from the same Parquet file, at the same size
as tilegrid: tiles 2.5 in high with aspect 1.2 (a 15 x 12.5 in figure), 100 dpi.
Written the way their documentation shows:

* ``seaborn``: ``sns.catplot(kind="violin", row=, col=, x=, y=)``, sequential;
* ``mpl``: ``plt.subplots(5, 5)`` and ``ax.violinplot`` per tile, sequential;
* ``pool``: ``multiprocessing.Pool()`` (one worker per core); each worker gets its
  tile's rows, draws them in its own figure, saves an in-memory PNG with
  ``bbox_inches="tight"``; the main process ``imshow``s the PNGs into a grid;
* ``floor``: read the needed columns once and bin every (cell, group)'s values
  into a 512-bin histogram: the least work any method has to do.

And the peer of the scatter raster (``x`` against ``value``, a table written
with ``make_data.py --xy``), which needs datashader (bench/requirements-datashader.txt,
in its own venv: run this file with that venv's python):

* ``datashader``: per facet ``ds.Canvas(...).points(...)`` and
  ``tf.shade(..., how="eq_hist")`` on a canvas of the tile's pixel size, the 25
  images assembled into one PNG (no axes or titles: datashader draws none).

    python bench/peers.py seaborn --data bench/data/rows-1e6.parquet --out /tmp/sns.png

Prints one JSON line with the phases' seconds (read, draw, save) to stdout.
"""

from __future__ import annotations

import argparse
import io
import json
import time

HEIGHT, ASPECT, DPI = 2.5, 1.2, 100
ROW, COL, X, Y = "row", "col", "group", "value"
#: the scatter's x (tables written with ``make_data.py --xy``)
XS = "x"
BINS = 512
#: matplotlib's viridis at five stops (datashader interpolates between them)
VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]


def read_frame(path: str, columns: tuple[str, ...] = (ROW, COL, X, Y)):
    """The columns as a pandas DataFrame (facets and group come back as category)."""
    import pandas as pd

    return pd.read_parquet(path, columns=list(columns))


def run_seaborn(path: str, out: str) -> dict[str, float]:
    import matplotlib

    matplotlib.use("Agg")
    import seaborn as sns

    t0 = time.perf_counter()
    df = read_frame(path)
    t1 = time.perf_counter()
    g = sns.catplot(
        data=df, kind="violin", row=ROW, col=COL, x=X, y=Y, height=HEIGHT, aspect=ASPECT
    )
    t2 = time.perf_counter()
    g.savefig(out, dpi=DPI)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "draw": t2 - t1, "save": t3 - t2}


def run_mpl(path: str, out: str) -> dict[str, float]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = time.perf_counter()
    df = read_frame(path)
    t1 = time.perf_counter()
    rows, cols = df[ROW].cat.categories, df[COL].cat.categories
    groups = list(df[X].cat.categories)
    fig, axes = plt.subplots(
        len(rows),
        len(cols),
        figsize=(len(cols) * HEIGHT * ASPECT, len(rows) * HEIGHT),
        sharex=True,
        sharey=True,
    )
    for (r, c), tile in df.groupby([ROW, COL], observed=True):
        ax = axes[rows.get_loc(r), cols.get_loc(c)]
        data = [v.to_numpy() for _, v in tile.groupby(X, observed=True)[Y]]
        ax.violinplot(data)
        ax.set_title(f"{ROW} = {r} | {COL} = {c}", fontsize=9)
    for ax in axes[-1]:
        ax.set_xticks(range(1, len(groups) + 1), labels=groups)
        ax.set_xlabel(X)
    for ax in axes[:, 0]:
        ax.set_ylabel(Y)
    fig.tight_layout()
    t2 = time.perf_counter()
    fig.savefig(out, dpi=DPI)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "draw": t2 - t1, "save": t3 - t2}


def draw_tile(title: str, tile) -> bytes:
    """Pool worker: one tile in its own figure, returned as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(HEIGHT * ASPECT, HEIGHT))
    groups = [g for g, _ in tile.groupby(X, observed=True)]
    ax.violinplot([v.to_numpy() for _, v in tile.groupby(X, observed=True)[Y]])
    ax.set_xticks(range(1, len(groups) + 1), labels=groups)
    ax.set_title(title, fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def run_pool(path: str, out: str) -> dict[str, float]:
    import multiprocessing

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = time.perf_counter()
    df = read_frame(path)
    t1 = time.perf_counter()
    rows, cols = df[ROW].cat.categories, df[COL].cat.categories
    tasks, places = [], []
    for (r, c), tile in df.groupby([ROW, COL], observed=True):
        tasks.append((f"{ROW} = {r} | {COL} = {c}", tile[[X, Y]]))
        places.append((rows.get_loc(r), cols.get_loc(c)))
    with multiprocessing.Pool() as pool:
        pngs = pool.starmap(draw_tile, tasks)
    t2 = time.perf_counter()
    fig, axes = plt.subplots(
        len(rows), len(cols), figsize=(len(cols) * HEIGHT * ASPECT, len(rows) * HEIGHT)
    )
    for ax in axes.flat:
        ax.axis("off")
    for (i, j), png in zip(places, pngs):
        axes[i, j].imshow(plt.imread(io.BytesIO(png)))
    fig.tight_layout()
    fig.savefig(out, dpi=DPI)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "draw": t2 - t1, "save": t3 - t2}


def run_floor(path: str, out: str) -> dict[str, float]:
    """Read row, col, group, value once; one 512-bin histogram per (cell, group).

    As little work as any method can do: the columns are streamed row group by
    row group (no table in memory), the value range comes from the Parquet
    statistics, and every row costs a handful of numpy operations.  "read" is
    the time spent decoding, "draw" the binning.
    """
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    handle = pq.ParquetFile(path, pre_buffer=False)
    lo, hi = value_range(handle, Y)
    scale = BINS / (hi - lo)
    levels: dict[str, object] = {}
    hist = None
    read = 0.0
    batches = handle.iter_batches(batch_size=1 << 20, columns=[ROW, COL, X, Y])
    while True:
        t = time.perf_counter()
        batch = next(batches, None)
        read += time.perf_counter() - t
        if batch is None:
            break
        codes = None
        for name in (ROW, COL, X):
            column = batch.column(name)
            first = levels.setdefault(name, column.dictionary)
            remap = pc.index_in(column.dictionary, first).to_numpy(zero_copy_only=False)
            code = remap[column.indices.to_numpy()]
            codes = code if codes is None else codes * len(first) + code
        values = batch.column(Y).to_numpy()
        bins = np.minimum(((values - lo) * scale).astype(np.int32), BINS - 1)
        cells = np.prod([len(d) for d in levels.values()])
        counts = np.bincount(codes * BINS + bins, minlength=cells * BINS)
        hist = counts if hist is None else hist + counts
    t2 = time.perf_counter()
    assert hist.sum() == handle.metadata.num_rows
    return {"read": read, "draw": t2 - t0 - read, "save": 0.0}


def run_datashader(path: str, out: str) -> dict[str, float]:
    """datashader's way: one Canvas per facet, points aggregated, shaded by eq_hist.

    Every canvas has the tile's pixel size and the grid-wide x and y ranges (as
    tilegrid's shared limits); each facet is shaded on its own (``tf.shade``
    has no shared eq_hist scale). The images are placed in a 5x5 grid and saved
    as one PNG. "draw" includes numba's compilation on the first facet.
    """
    import datashader as ds
    import datashader.transfer_functions as tf
    import numpy as np
    from PIL import Image

    t0 = time.perf_counter()
    df = read_frame(path, (ROW, COL, XS, Y))
    t1 = time.perf_counter()
    rows, cols = df[ROW].cat.categories, df[COL].cat.categories
    x_range = (float(df[XS].min()), float(df[XS].max()))
    y_range = (float(df[Y].min()), float(df[Y].max()))
    width, height = round(HEIGHT * ASPECT * DPI), round(HEIGHT * DPI)
    grid = [[np.zeros((height, width), np.uint32) for _ in cols] for _ in rows]
    for (r, c), tile in df.groupby([ROW, COL], observed=True):
        canvas = ds.Canvas(plot_width=width, plot_height=height, x_range=x_range, y_range=y_range)
        image = tf.shade(canvas.points(tile, XS, Y), cmap=VIRIDIS, how="eq_hist")
        grid[rows.get_loc(r)][cols.get_loc(c)] = np.flipud(image.data)  # row 0 = top
    t2 = time.perf_counter()
    rgba = np.ascontiguousarray(np.block(grid))
    Image.fromarray(rgba.view(np.uint8).reshape(*rgba.shape, 4)).save(out)
    t3 = time.perf_counter()
    return {"read": t1 - t0, "draw": t2 - t1, "save": t3 - t2}


def value_range(handle, column: str) -> tuple[float, float]:
    """Min and max of a column from the Parquet row-group statistics (no data read)."""
    index = handle.schema_arrow.get_field_index(column)
    lo, hi = float("inf"), float("-inf")
    for i in range(handle.metadata.num_row_groups):
        stats = handle.metadata.row_group(i).column(index).statistics
        lo, hi = min(lo, stats.min), max(hi, stats.max)
    return lo, hi


METHODS = {
    "seaborn": run_seaborn,
    "mpl": run_mpl,
    "pool": run_pool,
    "floor": run_floor,
    "datashader": run_datashader,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method", choices=sorted(METHODS))
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    phases = METHODS[args.method](args.data, args.out)
    print(json.dumps({"method": args.method, **{k: round(v, 3) for k, v in phases.items()}}))


if __name__ == "__main__":
    main()
