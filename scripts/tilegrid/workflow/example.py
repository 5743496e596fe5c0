"""The bundled example data set: a deterministic synthetic expression table.

3 cell lines (grid rows) x 4 time points (grid columns) x 5 treatments (one
violin each), with group sizes, shapes (skewed, bimodal, heavy-tailed) and
effects that differ from cell to cell, so the figure has something to show.
Further columns for the other kinds: ``batch`` (2 levels, for hue), ``donor``
(6 levels), ``dose`` (0-10, continuous) and ``viability`` (a noisy sigmoid of
dose whose midpoint depends on the cell).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CELL_LINES = ["HeLa", "MCF-7", "A549"]
TIMEPOINTS = ["0 h", "6 h", "24 h", "48 h"]
TREATMENTS = ["control", "drug A", "drug B", "combo", "vehicle"]


def _cell_values(rng: np.random.Generator, r: int, c: int, t: int, n: int) -> np.ndarray:
    """Values of one (cell line, time point, treatment) group."""
    effect = (t in (1, 3)) * 0.45 * c - (t == 2) * 0.25 * c + 0.3 * r
    shape = (r + t) % 3
    if shape == 0:  # normal
        return rng.normal(5.0 + effect, 0.8 + 0.1 * c, n)
    if shape == 1:  # right-skewed
        return 3.5 + effect + rng.gamma(2.0, 0.6 + 0.1 * r, n)
    split = rng.random(n) < 0.35 + 0.1 * c  # bimodal: a responding subpopulation
    return np.where(split, rng.normal(6.5 + effect, 0.5, n), rng.normal(4.5 + 0.5 * effect, 0.6, n))


def make_example(rows: int = 300_000, seed: int = 7) -> pa.Table:
    """The example table with about ``rows`` rows, the same for the same arguments."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 1.5, (len(CELL_LINES), len(TIMEPOINTS), len(TREATMENTS)))
    counts = np.maximum(1, np.round(weights / weights.sum() * rows)).astype(int)
    cols: dict[str, list] = {"cell_line": [], "timepoint": [], "treatment": [], "expression": []}
    for (r, c, t), n in np.ndenumerate(counts):
        cols["cell_line"].append(np.full(n, r, np.int8))
        cols["timepoint"].append(np.full(n, c, np.int8))
        cols["treatment"].append(np.full(n, t, np.int8))
        cols["expression"].append(_cell_values(rng, r, c, t, n))
    total = int(counts.sum())
    shuffle = rng.permutation(total)
    line = np.concatenate(cols["cell_line"])[shuffle]
    time = np.concatenate(cols["timepoint"])[shuffle]
    dose = np.round(rng.uniform(0, 10, total) ** 1.3 / 10**0.3, 3)
    midpoint = 3.0 + 1.2 * line + 0.6 * time
    viability = 100 / (1 + np.exp(1.4 * (dose - midpoint))) + rng.normal(0, 6, total)

    def categorical(name: str, levels: list[str]) -> pa.DictionaryArray:
        codes = np.concatenate(cols[name])[shuffle]
        return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(levels))

    return pa.table(
        {
            "cell_line": categorical("cell_line", CELL_LINES),
            "timepoint": categorical("timepoint", TIMEPOINTS),
            "treatment": categorical("treatment", TREATMENTS),
            "expression": np.round(np.concatenate(cols["expression"])[shuffle], 4),
            "batch": pa.DictionaryArray.from_arrays(
                pa.array(rng.integers(0, 2, total).astype(np.int8)),
                pa.array(["batch 1", "batch 2"]),
            ),
            "donor": pa.DictionaryArray.from_arrays(
                pa.array(rng.integers(0, 6, total).astype(np.int8)),
                pa.array([f"donor {i}" for i in range(1, 7)]),
            ),
            "dose": dose,
            "viability": np.round(viability, 3),
        }
    )


def write_example(path: str, rows: int = 300_000, seed: int = 7) -> None:
    """Write the example table to ``path`` as Parquet."""
    pq.write_table(make_example(rows, seed), path, compression="zstd")
