"""Invariant 2: an incremental run equals a fresh run and draws only the tiles whose inputs changed.

ARCHITECTURE.md, "Two invariants": after any sequence of edits (data, config,
code, deleted outputs, another venv or working folder), ``results/`` is
byte-identical to a from-scratch run of the same state, and only tiles whose
inputs changed were drawn.

The property test builds a tiny workflow in folder A (a 2 x 2 grid, site x
season, three violins per tile, 147 rows per tile, 40 dpi tiles), runs it,
then applies a generated sequence of steps.  After each step it runs a plain
``snakemake`` in A and a from-scratch run of the same state (same data files,
config and code edits, never the same folder) in a fresh folder, side by side,
and checks:

- every file under ``results/`` of A equals the fresh run's, byte for byte;
- the render jobs of A's run are the tiles whose inputs changed (see
  :func:`tiles_to_draw`): computed from the two states, not from the rules;
- the scan jobs of a table of several files are those of its new and rewritten
  files (see :func:`scans_to_run`), after every step but a config or code edit
  (either may change every scan).

A state that did not change (deleted outputs, another venv or folder) is
compared with the fresh run already made of it.  Fresh folders copy the
workflow as it was when the example began (not the live repo), plus the same
code edits.  The warm render worker is on, as for users (the ``Workflow``
runner only shortens its idle time).  A failure raises a subclass of
:class:`InvariantBroken` named for the check and the step, e.g.
``WrongRenderCountAfterVenv`` or ``ResultsDifferAfterOverwrite``.

Steps (:class:`Step`): ``cell`` (shift the rows of one facet cell of a single
Parquet file); with a folder of Parquet files as input, or ``data:`` as a list
of a glob over such a folder and a CSV file (with ``source_column``),
``append`` a file, ``overwrite`` one in place under the same name with
different rows (the CSV file too), ``remove`` one of the folder; ``config``,
one key of each kind: data (``facet.col_order``), facet (``facet``: row /
col_wrap), plot (``plot.options``), sharing (``sharey``), tile (``tile.dpi``),
mosaic (``mosaic.title``); ``delete`` a tile PNG, a shard and its tile PNG, or
the mosaic; ``code``: append a comment to a module of the package (A and the
fresh folder get the same edit); ``venv``: run A from a second venv that
reuses this one's packages; ``move``: copy A (results/ and .snakemake/
included) to a new path, remove the old one, and go on there; ``restore``: give a
data file bytes it had earlier with an older time than any output (``cp -p``);
``kill``: change a data file, start a run and kill its process group (SIGKILL or
SIGTERM) after a delay, then check that nothing of it is still working or lands
later; ``damage``: truncate, fill with garbage or plausibly edit a cache (the
records of contents and times in .snakemake/tilegrid, the mosaic's canvas and
record): the next run that uses it must not build on it.

Examples, seeds and counts:

- CI (part of the suite; the whole module takes about 2 minutes on 2 idle
  cores): the 3 explicit ``@example`` sequences below, one per input mode
  (a file: 14 steps; a folder: 4; a list with a glob: 3), which together
  take every kind of step at least once, plus 1 generated sequence
  of 2-3 steps (CI must stay well under 15 minutes on 2 cores);
  ``derandomize=True`` (a fixed seed derived from the test, so every run
  draws the same sequences), no example database, no shrinking (a failure is
  reported as it was drawn); every failing explicit example is reported::

      .venv/bin/python -m pytest -m "not slurm" tests/properties/test_incremental.py

- Soak: 60 generated sequences (``TILEGRID_SOAK_EXAMPLES=N`` for more) of
  1-6 steps from a random seed, without the explicit examples (CI runs them),
  shrunk to a minimal failing sequence (Hypothesis shrinks for at most 5
  minutes); on a failure Hypothesis prints the seed, and
  ``--hypothesis-seed=<seed>`` replays it::

      TILEGRID_SOAK=1 .venv/bin/python -m pytest -m "not slurm" -x \\
          tests/properties/test_incremental.py -k equals_a_fresh_run

The plain tests at the end: regression tests of issue 10's cases 2 (a folder
file overwritten in place), 3 (deleted tile, deleted shard) and 10 (another
venv), and a check of which modules the ``code`` step edits draw tiles.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import (
    REPO,
    SMALL_CONFIG,
    Run,
    Workflow,
    cell_mask,
    python_says,
    shift_rows,
    small_table,
    venv_seeing_ours,
    wait_for_no_process_in,
)
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.workflow

SOAK = os.environ.get("TILEGRID_SOAK") == "1"
SOAK_EXAMPLES = int(os.environ.get("TILEGRID_SOAK_EXAMPLES", "60"))

# ---------------------------------------------------------------- the tiny workflow

SITES = ("north", "south")
SEASONS = ("spring", "summer")
CELLS = tuple((site, season) for site in SITES for season in SEASONS)
ROWS_PER_CELL = 12  # small_table: 12 + 49 + 86 rows in the three violins of a tile
DATA_FILE = "data.parquet"
DATA_FOLDER = "parts"
FOLDER_FILES = 2  # a folder input starts as two consecutive slices of the table
#: ``data:`` as a list (issue 14): a glob over the folder's files and a CSV file, with
#: a column naming each row's file (read by the split, in no shard: no tile changes)
EXTRA_CSV = "extra.csv"
GLOB_DATA = [f"{DATA_FOLDER}/*.parquet", EXTRA_CSV]
BASE_CONFIG = {
    **SMALL_CONFIG,
    # the keys the config steps change, at their defaults (so {} -> {} is no change)
    "facet": {**SMALL_CONFIG["facet"], "col_wrap": None, "col_order": None},
    "plot": {**SMALL_CONFIG["plot"], "options": {}},
    "tile": {"height": 1.0, "aspect": 1.2, "dpi": 40},
    "mosaic": {"title": "small"},
}


def tiny_table(rows_per_cell: int = ROWS_PER_CELL, seed: int = 1) -> pa.Table:
    """conftest's small_table restricted to a 2 x 2 grid (site x season)."""
    table = small_table(rows_per_cell, seed)
    return table.filter(pc.is_in(table["season"], pa.array(SEASONS)))


def copy_workflow(source: Path, dest: Path) -> Workflow:
    """A copy of the workflow's files (not data, results or .snakemake) of ``source``."""
    return Workflow(dest, source)


def results(wf: Workflow) -> dict[str, bytes]:
    """Every file under ``results/``, by path relative to it."""
    root = wf.path("results")
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def tile_ids(snapshot: dict[str, bytes]) -> list[str]:
    """The tile ids of a results snapshot's manifest, in grid order."""
    return [t["id"] for t in json.loads(snapshot["shards/manifest.json"])["tiles"]]


def differences(actual: dict[str, bytes], expected: dict[str, bytes]) -> list[str]:
    """How the incremental ``results/`` differ from the fresh run's, one line each."""
    lines = [f"missing (the fresh run has it): {n}" for n in sorted(set(expected) - set(actual))]
    lines += [f"extra (the fresh run has none): {n}" for n in sorted(set(actual) - set(expected))]
    lines += [
        f"differs: {n} ({len(actual[n])} bytes, fresh {len(expected[n])})"
        for n in sorted(set(actual) & set(expected))
        if actual[n] != expected[n]
    ]
    return lines


# ---------------------------------------------------------------- what draws a tile


SCRIPTS = REPO / "scripts"


def _module_file(name: tuple[str, ...]) -> Path | None:
    path = SCRIPTS.joinpath(*name)
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _imports(file: Path, by_name: bool = True) -> set[Path]:
    """The package modules ``file`` imports, lazily or not, and the packages that hold them
    (and, ``by_name``, every module of a package that imports its modules by name)."""
    source = file.read_text(encoding="utf-8")
    package = file.relative_to(SCRIPTS).with_suffix("").parts[:-1]
    names: list[tuple[str, ...]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            target = base + tuple(node.module.split(".")) if node.module else base
            names.append(target)
            names += [target + (alias.name,) for alias in node.names]  # from . import mod
        elif isinstance(node, ast.Import):
            names += [tuple(alias.name.split(".")) for alias in node.names]
    found = {
        f
        for name in names
        if name[:1] == ("tilegrid",)
        for i in range(1, len(name) + 1)  # importing a.b.c runs a and a.b too
        if (f := _module_file(name[:i])) is not None
    }
    if by_name and file.name == "__init__.py" and "import_module(" in source:
        found |= set(file.parent.glob("*.py"))  # a package that imports its modules by name
    return found


def _import_closure(*roots: Path, by_name: bool = True) -> frozenset[str]:
    seen: set[Path] = set()
    todo = list(roots)
    while todo:
        file = todo.pop()
        if file not in seen:
            seen.add(file)
            todo += _imports(file, by_name)
    return frozenset(f.relative_to(SCRIPTS / "tilegrid").as_posix() for f in seen)


#: The package modules a tile's pixels can depend on: what ``render/tile.py`` (which
#: draws a tile) imports, directly or not, plus the render job's own runner.
#: Derived here from the source, independently of the rules' code lists.  Not
#: the worker's warm-up (it preloads the mosaic): a preload draws nothing.  ``kinds``
#: loads the configured kind by name: of the kinds, a tile of the base config's kind
#: (violin, which no step changes) depends on that kind's module alone.
RENDER_CODE = _import_closure(
    SCRIPTS / "tilegrid" / "render" / "tile.py",
    SCRIPTS / "tilegrid" / "kinds" / f"{BASE_CONFIG['plot']['kind']}.py",
    by_name=False,
) | {
    "__init__.py",
    "core/__init__.py",
    "core/logs.py",
    "core/tasks.py",
    "render/job.py",
    "worker.py",
}
#: modules the ``code`` step edits: two that draw, one split-only, one mosaic-only, and
#: another kind's (which draws nothing here)
CODE_EDITS = (
    "core/shards.py",
    "kinds/violin.py",
    "split/writer.py",
    "mosaic/figure.py",
    "kinds/hist.py",
)


def tile_settings(config: dict) -> dict:
    """The settings every tile's picture depends on (ARCHITECTURE: "the plot settings").

    Hue, palette, orders and sharing reach a tile only through its sidecar.
    """
    plot = config["plot"]
    keys = ("kind", "x", "y", "function", "preprocess", "options")
    return copy.deepcopy({"plot": {k: plot.get(k) for k in keys}, "tile": config["tile"]})


def scans_to_run(before: dict[str, str], after: dict[str, str]) -> int:
    """The scan jobs a run must make after data files changed from ``before`` to ``after``
    (their digests by name), with the spec and code unchanged.

    A table of several files is split per file (rules/split.smk): one scan of each
    file that is new or rewritten, none for a removed one; every file once a table
    of one file grows to several; none for a table of one file (split whole).
    """
    if len(after) < 2:
        return 0
    if len(before) < 2:
        return len(after)
    return sum(1 for name, digest in after.items() if before.get(name) != digest)


def tiles_to_draw(
    before: dict[str, bytes],
    after: dict[str, bytes],
    deleted: set[str],
    everything: bool,
) -> set[str]:
    """The tiles whose inputs changed between two states' results: those a run must draw.

    A tile's inputs are its shard, its sidecar, the plot settings and the code
    that draws it (ARCHITECTURE.md).  So: every tile of the new grid when the
    plot/tile settings or a module of RENDER_CODE changed (``everything``);
    otherwise the tiles that are new to the grid, whose PNG was deleted, or
    whose shard or sidecar bytes differ from before.  Nothing for changes that
    only the mosaic sees (title, col_wrap, grid order), another venv or folder.
    """
    tiles = set(tile_ids(after))
    if everything:
        return tiles
    return {
        t
        for t in tiles
        if t in deleted
        or f"tiles/{t}.png" not in before
        or any(
            before.get(f"shards/{t}{ext}") != after.get(f"shards/{t}{ext}")
            for ext in (".arrow", ".json")
        )
    }


# ---------------------------------------------------------------- another venv


@pytest.fixture(scope="session")
def other_python(tmp_path_factory) -> Path:
    """The interpreter of a second venv that reuses this one's packages (through a .pth file)."""
    venv = tmp_path_factory.mktemp("other-venv")
    python = venv_seeing_ours(venv)
    prefix = python_says(python, "import sys, snakemake; print(sys.prefix)")
    assert Path(prefix) == venv and Path(sys.prefix) != venv
    return python


def snakemake_with(wf: Workflow, python: Path) -> Run:
    """``wf.snakemake()`` run as ``<python> -m snakemake``."""
    other = Workflow.at(wf.root)
    other.python = str(python)
    return other.snakemake()


# ---------------------------------------------------------------- steps


class Step(NamedTuple):
    """One edit, followed by a plain ``snakemake`` run.

    ``cell``: (site, season, shift) the value of that cell's rows, in data.parquet;
    ``append``: (site, season, seed) a new file of the folder, with rows of that cell;
    ``overwrite``: (index, shift) rewrite a file of the folder in place, values shifted;
    ``remove``: index, a file of the folder (none when one is left);
    ``config``: (key, value), a key of CONFIG_CHOICES;
    ``delete``: ("tile" | "shard" | "mosaic", index of the tile in grid order);
    ``code``: a module of CODE_EDITS, a comment appended;
    ``venv``, ``move``: no argument;
    ``restore``: index, a data file given back bytes it had earlier with an old time
    (``cp -p`` of a saved copy; none when no file changed yet);
    ``kill``: (index, shift, delay, signal) a data file changed as by ``cell`` or
    ``overwrite``, a run started and its process group killed ``delay`` seconds later;
    ``damage``: (cache file, how) a cache damaged: truncated, garbage, or a
    plausible edit (see :data:`DAMAGES`);
    ``forget``: (index, shift) ``.snakemake/`` deleted, then a data file changed as by
    ``kill`` (Snakemake has no record of the parameters: the split's and the scans' records
    of what they read must still see the change).
    """

    kind: str
    arg: Any = None


#: one config key of each kind, and the values it takes
CONFIG_CHOICES: dict[str, tuple] = {
    # data: which rows the split keeps (a subset drops a column of tiles) and the grid order
    "facet.col_order": (None, ["summer", "spring"], ["spring"]),
    # facet: the grid's shape; col_wrap alone is the mosaic's business
    "facet": (
        {"row": "site", "col_wrap": None},
        {"row": None, "col_wrap": None},
        {"row": None, "col_wrap": 1},
    ),
    "plot.options": ({}, {"bw_adjust": 0.5}, {"inner": "quart"}),  # plot: every tile
    "sharey": (False, True, "row", "col"),  # sharing: the sidecars whose limits move
    "tile.dpi": (40, 50),  # tile: every tile
    "mosaic.title": ("small", "a new title", None),  # mosaic: no tile
}


def set_config(config: dict, key: str, value: Any) -> None:
    section, _, name = key.partition(".")
    if not name:
        if isinstance(value, dict):
            config[section].update(value)
        else:
            config[section] = value
    else:
        config[section][name] = value


shifts = st.sampled_from([-2.0, 0.5, 3.0])
cell_steps = st.builds(lambda c, s: Step("cell", (*c, s)), st.sampled_from(CELLS), shifts)
append_steps = st.builds(
    lambda c, seed: Step("append", (*c, seed)), st.sampled_from(CELLS), st.integers(2, 9)
)
overwrite_steps = st.builds(lambda i, s: Step("overwrite", (i, s)), st.integers(0, 5), shifts)
remove_steps = st.builds(lambda i: Step("remove", i), st.integers(0, 5))
config_steps = st.sampled_from(sorted(CONFIG_CHOICES)).flatmap(
    lambda key: st.sampled_from(CONFIG_CHOICES[key]).map(lambda v: Step("config", (key, v)))
)
delete_steps = st.builds(
    lambda what, i: Step("delete", (what, i)),
    st.sampled_from(("tile", "shard", "mosaic")),
    st.integers(0, 3),
)
code_steps = st.sampled_from(CODE_EDITS).map(lambda m: Step("code", m))
restore_steps = st.builds(lambda i: Step("restore", i), st.integers(0, 5))
kill_steps = st.builds(
    lambda i, s, delay, sig: Step("kill", (i, s, delay, sig)),
    st.integers(0, 5),
    shifts,
    st.sampled_from([0.3, 1.0, 2.0, 3.5]),
    st.sampled_from(["KILL", "TERM"]),
)
#: the caches a run keeps, and what is done to each (the records of file contents and
#: times in .snakemake/tilegrid, the mosaic's canvas and record)
DAMAGES = {
    "contents": ".snakemake/tilegrid/contents.json",
    "times": ".snakemake/tilegrid/times-*.json",
    "canvas": "results/.mosaic-cache/canvas.png",
    "record": "results/.mosaic-cache/record.json",
}
forget_steps = st.builds(lambda i, s: Step("forget", (i, s)), st.integers(0, 5), shifts)
damage_steps = st.builds(
    lambda what, how: Step("damage", (what, how)),
    st.sampled_from(sorted(DAMAGES)),
    st.sampled_from(["truncate", "garbage", "edit"]),
)
any_mode_steps = st.one_of(
    config_steps,
    delete_steps,
    code_steps,
    restore_steps,
    kill_steps,
    damage_steps,
    forget_steps,
    st.just(Step("venv")),
    st.just(Step("move")),
)
MIN_STEPS, MAX_STEPS = (1, 6) if SOAK else (2, 3)
SCENARIOS = st.one_of(
    st.tuples(
        st.just("file"),
        st.lists(st.one_of(cell_steps, any_mode_steps), min_size=MIN_STEPS, max_size=MAX_STEPS),
    ),
    st.tuples(
        st.sampled_from(["folder", "glob"]),
        st.lists(
            st.one_of(append_steps, overwrite_steps, remove_steps, any_mode_steps),
            min_size=MIN_STEPS,
            max_size=MAX_STEPS,
        ),
    ),
)


def _edited_json(data: bytes) -> bytes:
    """A JSON text with its first hexadecimal digest or whole number changed (still valid)."""
    text = data.decode()
    found = re.search(r"[0-9a-f]{16,}", text) or re.search(r"(?<=[\[ ,:])\d+", text)
    if found is None:
        return data + b" "
    old = found.group(0)
    new = ("0" if old[0] != "0" else "1") + old[1:]
    return (text[: found.start()] + new + text[found.end() :]).encode()


def wrong_render_count(kind: str, drawn: int, want: int) -> bool:
    """Whether a run that drew ``drawn`` tiles after a step of ``kind`` drew the wrong
    number, ``want`` being the tiles whose inputs changed: exactly those, but after a
    kill (the killed run drew some of them already: at most those) and a damaged cache
    (a lost record of the shards' times redraws every tile once: at least those)."""
    if kind == "kill":
        return drawn > want
    if kind == "damage":
        return drawn < want
    return drawn != want


# ---------------------------------------------------------------- a scenario


class InvariantBroken(AssertionError):
    """Invariant 2 does not hold after a step.

    One subclass per broken check and step, e.g. ``ResultsDifferAfterOverwrite``
    or ``WrongRenderCountAfterConfigSharey``: Hypothesis tells failures apart by
    exception type, so it reports (and in the soak, shrinks) each separately.
    """


_BROKEN: dict[str, type[InvariantBroken]] = {}


def broken(what: str, step: Step) -> type[InvariantBroken]:
    """The InvariantBroken subclass for check ``what`` failing after ``step``."""
    label = [step.kind] + ([step.arg] if step.kind == "code" else [])
    label += [step.arg[0]] if step.kind in ("config", "delete") else []
    words = re.split(r"[^a-zA-Z0-9]+", " ".join(label))
    name = f"{what}After" + "".join(w.capitalize() for w in words)
    return _BROKEN.setdefault(name, type(name, (InvariantBroken,), {"__module__": __name__}))


class Scenario:
    """Folder A, its state (data, config, code edits), and fresh runs of each state."""

    def __init__(self, base: Path, mode: str, other_python: Path):
        self.base = base
        self.mode = mode
        self.other_python = other_python
        # the workflow as it is now, once: fresh folders copy this, not the live repo
        self.pristine = Workflow(base / "pristine").root
        self.wf = copy_workflow(self.pristine, base / "a")
        self.config = copy.deepcopy(BASE_CONFIG)
        if mode == "file":
            pq.write_table(tiny_table(), self.wf.path(DATA_FILE))
        else:
            self.config["data"] = DATA_FOLDER
            table = tiny_table()
            folder = self.wf.path(DATA_FOLDER)
            folder.mkdir()
            size = -(-table.num_rows // FOLDER_FILES)
            for i in range(FOLDER_FILES):
                pq.write_table(table.slice(i * size, size), folder / f"part-{i}.parquet")
        if mode == "glob":
            self.config["data"] = GLOB_DATA
            self.config["source_column"] = "source"
            extra = tiny_table(rows_per_cell=4, seed=11)
            pacsv.write_csv(
                extra.filter(pa.array(cell_mask(extra, *CELLS[-1]))), self.wf.path(EXTRA_CSV)
            )
        self.wf.write_config(self.config)
        self.edits: list[tuple[str, str]] = []  # (module, text appended), in order
        self.fresh: dict[str, dict[str, bytes]] = {}  # state key -> its fresh results
        self.counter = 0  # numbers the fresh and moved folders
        self.appended = 0  # numbers the appended files
        #: damaged cache files of results/ that no mosaic job has used (and mended) since
        self.damaged: set[str] = set()
        self.history: list[str] = []
        #: every version each data file had, by path relative to A: (bytes, time)
        self.versions: dict[str, list[tuple[bytes, int]]] = {}

    # -- state

    def data_files(self, root: Path) -> list[Path]:
        """Every file ``data`` names under ``root``: a file, a folder's, a list's, a glob's."""
        data = self.config["data"]
        files: list[Path] = []
        for entry in data if isinstance(data, list) else [data]:
            if "*" in entry:
                files += sorted(root.glob(entry))
            elif (root / entry).is_dir():
                files += sorted((root / entry).glob("*.parquet"))
            else:
                files.append(root / entry)
        return files

    def folder_files(self, root: Path) -> list[Path]:
        """The files of the Parquet folder (a folder input, or the folder a glob matches in)."""
        return sorted((root / DATA_FOLDER).glob("*.parquet"))

    def data_digests(self) -> dict[str, str]:
        """SHA-256 of each data file of A, by its path relative to A."""
        return {
            path.relative_to(self.wf.root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in self.data_files(self.wf.root)
        }

    def state_key(self) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps(self.data_digests()).encode())
        digest.update(json.dumps(self.config, sort_keys=True).encode())
        digest.update(json.dumps(self.edits).encode())
        return digest.hexdigest()

    def next_name(self, prefix: str) -> Path:
        self.counter += 1
        return self.base / f"{prefix}-{self.counter}"

    def prepare_fresh(self) -> Workflow:
        """A fresh folder with the same data files, config and code edits as A."""
        fresh = copy_workflow(self.pristine, self.next_name("fresh"))
        for path in self.data_files(self.wf.root):
            copy = fresh.root / path.relative_to(self.wf.root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        fresh.write_config(self.config)
        for module, text in self.edits:
            with open(fresh.path("scripts", "tilegrid", module), "a", encoding="utf-8") as f:
                f.write(text)
        return fresh

    def run_fresh(self, fresh: Workflow, step: Step) -> dict[str, bytes]:
        run = fresh.snakemake()
        if run.returncode != 0:
            raise broken("FreshRunFailed", step)(
                f"the fresh run of the state after {step} failed:\n"
                + self.story()
                + run.output[-4000:]
            )
        snapshot = results(fresh)
        shutil.rmtree(fresh.root, ignore_errors=True)
        return snapshot

    def story(self) -> str:
        return "".join(f"  {line}\n" for line in self.history) + f"  (folders: {self.base})\n"

    # -- the edits that are not a file rewritten with new rows

    def keep_versions(self) -> None:
        """Remember each data file's bytes and time as they are now (for ``restore``)."""
        for path in self.data_files(self.wf.root):
            name = path.relative_to(self.wf.root).as_posix()
            data, mtime = path.read_bytes(), path.stat().st_mtime_ns
            seen = self.versions.setdefault(name, [])
            if not seen or seen[-1][0] != data:
                seen.append((data, mtime))

    def restore(self, index: int) -> str:
        """Give a data file bytes it had before, with a time older than every output, as
        ``cp -p`` of a saved copy (or ``rsync -a``, ``tar x``) does."""
        files = self.data_files(self.wf.root)
        for k in range(len(files)):
            path = files[(index + k) % len(files)]
            name = path.relative_to(self.wf.root).as_posix()
            current = path.read_bytes()
            older = [v for v in self.versions.get(name, []) if v[0] != current]
            if older:
                data, mtime = older[index % len(older)]
                path.write_bytes(data)
                os.utime(path, ns=(mtime - 10**12, mtime - 10**12))  # older still
                return f"restored an earlier {name}"
        return "no file changed yet: restored none"

    def change_data(self, index: int, shift: float) -> str:
        """Change a data file: a cell's values (one file) or a file's (a folder, a glob)."""
        if self.mode == "file":
            site, season = CELLS[index % len(CELLS)]
            path = self.wf.path(DATA_FILE)
            table = pq.read_table(path)
            pq.write_table(shift_rows(table, shift, cell_mask(table, site, season)), path)
            return f"changed {site} {season}"
        files = self.data_files(self.wf.root)
        target = files[index % len(files)]
        if target.suffix == ".csv":
            pacsv.write_csv(shift_rows(pacsv.read_csv(target), shift), target)
        else:
            pq.write_table(shift_rows(pq.read_table(target), shift), target)
        return f"changed {target.name}"

    def forget(self, arg: tuple) -> str:
        """Delete ``.snakemake/`` (Snakemake's records and tilegrid's, as a user clearing a
        lock might), then change a data file: the run must still read it as changed."""
        shutil.rmtree(self.wf.path(".snakemake"))
        return "deleted .snakemake/, then " + self.change_data(*arg)

    def kill(self, arg: tuple) -> str:
        """Change a data file, start a run and kill its process group after a while; the
        step's own run then finds what the killed one left (its lock removed, as
        ``snakemake --unlock`` does)."""
        index, shift, delay, name = arg
        self.change_data(index, shift)
        proc = subprocess.Popen(
            self.wf.command(),
            cwd=self.wf.root,
            env={**os.environ, "MPLBACKEND": "Agg", "TILEGRID_SCAN_BYTES": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=delay)
            ended = "ended before"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, getattr(signal, f"SIG{name}"))
            proc.wait()
            ended = "killed"
        shutil.rmtree(self.wf.path(".snakemake", "locks"), ignore_errors=True)
        return f"a run {ended} SIG{name} after {delay} s"

    def damage(self, what: str, how: str) -> tuple[str, str | None]:
        """Damage one of the run's caches (see :data:`DAMAGES`): ``truncate`` it to half,
        fill it with ``garbage``, or ``edit`` it plausibly (valid JSON with a digest or a
        number changed; a PNG with one pixel's bytes changed).  What was done, and the
        damaged file's path in results/ (None: not there)."""
        found = sorted(self.wf.root.glob(DAMAGES[what]))
        if not found:
            return f"no {what} cache to damage", None
        path = found[0]
        data = path.read_bytes()
        if how == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif how == "garbage":
            path.write_bytes(b"\x00garbage" * 64)
        elif path.suffix == ".json":
            path.write_bytes(_edited_json(data))
        else:
            middle = len(data) // 2
            path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
        name = path.relative_to(self.wf.root).as_posix()
        return f"{how} {name}", name.removeprefix("results/") if name.startswith(
            "results/"
        ) else None

    # -- runs

    def start(self) -> None:
        run = self.wf.run_ok()
        self.snapshot = results(self.wf)
        self.fresh[self.state_key()] = self.snapshot  # A's first run is a fresh run
        self.history.append(f"initial {self.mode} run: {run.jobs('render')} render jobs")
        assert run.jobs("render") == len(tile_ids(self.snapshot)), run.output[-4000:]
        scans = scans_to_run({}, self.data_digests())
        assert run.jobs("scan") == scans, f"{scans} scan jobs expected\n" + run.output[-4000:]

    def step(self, step: Step) -> None:
        """Apply ``step`` in A, run A and a fresh folder, and check invariant 2."""
        before = self.snapshot
        digests_before = self.data_digests()
        mtimes = self.wf.tile_mtimes()
        settings_before = tile_settings(self.config)
        deleted: set[str] = set()
        damaged = None  # a damaged cache file of results/: mended by the next mosaic job
        python = None
        why = ""
        kind, arg = step
        self.keep_versions()
        if kind == "cell":
            site, season, shift = arg
            path = self.wf.path(DATA_FILE)
            table = pq.read_table(path)
            pq.write_table(shift_rows(table, shift, cell_mask(table, site, season)), path)
        elif kind == "append":
            site, season, seed = arg
            extra = tiny_table(rows_per_cell=4, seed=seed)
            extra = extra.filter(pa.array(cell_mask(extra, site, season)))
            self.appended += 1
            name = f"new-{self.appended}.parquet"
            pq.write_table(extra, self.wf.path(DATA_FOLDER, name))
            why = f"appended {name}"
        elif kind == "overwrite":
            index, shift = arg
            files = self.data_files(self.wf.root)
            target = files[index % len(files)]
            # in place: same name, same inode, new rows
            if target.suffix == ".csv":
                pacsv.write_csv(shift_rows(pacsv.read_csv(target), shift), target)
            else:
                pq.write_table(shift_rows(pq.read_table(target), shift), target)
            why = f"overwrote {target.name}"
        elif kind == "remove":
            files = self.folder_files(self.wf.root)
            if len(files) > 1:
                target = files[arg % len(files)]
                target.unlink()
                why = f"removed {target.name}"
            else:
                why = "one file left: removed none"
        elif kind == "config":
            key, value = arg
            set_config(self.config, key, value)
            self.wf.write_config(self.config)
        elif kind == "delete":
            what, index = arg
            ids = tile_ids(before)
            tile = ids[index % len(ids)]
            if what == "mosaic":
                self.wf.path("results", "mosaic.png").unlink()
            else:
                self.wf.path("results", "tiles", f"{tile}.png").unlink()
                deleted = {tile}
                why = f"of {tile}"
            if what == "shard":
                self.wf.path("results", "shards", f"{tile}.arrow").unlink()
        elif kind == "code":
            text = f"\n# an edit by test_incremental ({len(self.edits) + 1})\n"
            with open(self.wf.path("scripts", "tilegrid", arg), "a", encoding="utf-8") as f:
                f.write(text)
            self.edits.append((arg, text))
        elif kind == "restore":
            why = self.restore(arg)
        elif kind == "kill":
            why = self.kill(arg)
        elif kind == "forget":
            why = self.forget(arg)
        elif kind == "damage":
            why, damaged = self.damage(*arg)
        elif kind == "venv":
            python = self.other_python
        elif kind == "move":
            moved = self.next_name("moved")
            shutil.copytree(self.wf.root, moved, symlinks=True)  # keeps mtimes, as cp -a
            shutil.rmtree(self.wf.root)
            self.wf = Workflow.at(moved)
            why = f"to {moved.name}"
        else:
            raise AssertionError(f"unknown step {step}")
        self.history.append(f"step {len(self.history)}: {step} {why}".rstrip())

        key = self.state_key()
        fresh = self.prepare_fresh() if key not in self.fresh else None
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(self.run_fresh, fresh, step) if fresh else None
            run = self.wf.snakemake() if python is None else snakemake_with(self.wf, python)
            expected = pending.result() if pending else self.fresh[key]
        self.fresh[key] = expected
        if run.returncode != 0:
            raise broken("RunFailed", step)(
                f"the incremental run failed after {step}:\n" + self.story() + run.output[-4000:]
            )

        problems: dict[str, list[str]] = {}  # by the check that failed, the first named
        if kind == "kill":  # nothing of the killed run may land after the rerun's
            left = wait_for_no_process_in(self.wf.root, 60)
            if left:
                problems["ProcessesLeft"] = [f"processes of the killed run still work: {left}"]
        actual = results(self.wf)
        everything = (
            tile_settings(self.config) != settings_before
            or (kind == "code" and arg in RENDER_CODE)
            or kind == "forget"  # no record of the shards' times: every tile once
        )
        want = tiles_to_draw(before, expected, deleted, everything)
        drawn = {t for t, m in self.wf.tile_mtimes().items() if mtimes.get(t) != m}
        diff = differences(actual, expected)
        if damaged is not None:
            self.damaged.add(damaged)
        if run.jobs("mosaic"):  # the mosaic job read its cache: mended, or drawn in full
            self.damaged.clear()
        diff = [line for line in diff if not any(path in line for path in self.damaged)]
        if diff:
            problems["ResultsDiffer"] = [
                "results/ differs from a fresh run of the same state:",
                *(f"  {line}" for line in diff[:12]),
            ]
        if wrong_render_count(kind, run.jobs("render"), len(want)):
            problems["WrongRenderCount"] = [
                f"{run.jobs('render')} render jobs, expected {len(want)}: the tiles whose inputs"
                f" changed are {sorted(want)}; the PNGs rewritten are {sorted(drawn)}"
            ]
        if kind not in ("config", "code", "kill"):  # either may change every scan
            scans = scans_to_run({} if kind == "forget" else digests_before, self.data_digests())
            if run.jobs("scan") != scans:
                problems["WrongScanCount"] = [f"{run.jobs('scan')} scan jobs, expected {scans}"]
        self.history[-1] += f" -> {run.jobs('render')} render jobs (expected {len(want)})"
        if problems:
            raise broken(next(iter(problems)), step)(
                f"after {step}:\n"
                + "\n".join(line for lines in problems.values() for line in lines)
                + "\nsteps so far:\n"
                + self.story()
                + "output of the incremental run:\n"
                + run.output[-3000:]
            )
        self.snapshot = actual


# ---------------------------------------------------------------- the property


@pytest.mark.alongside  # the longest test: run in a second process (conftest.py)
@settings(
    max_examples=SOAK_EXAMPLES if SOAK else 1,
    derandomize=not SOAK,
    database=None,
    deadline=None,
    phases=(Phase.generate, Phase.shrink) if SOAK else (Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=SOAK,
)
@given(scenario=SCENARIOS)
# every kind of step at least once, in CI too: one sequence per input mode (each
# sequence starts with a complete run, so fewer, longer ones cost less)
@example(
    scenario=(
        "file",
        [
            Step("cell", ("south", "summer", 3.0)),
            Step("damage", ("canvas", "edit")),  # the next change composites: it must not
            Step("restore", 0),  # the first version back, with an older time than any output
            Step("kill", (1, -2.0, 2.0, "TERM")),
            Step("damage", ("times", "garbage")),
            Step("config", ("facet.col_order", ["summer", "spring"])),
            Step("delete", ("tile", 0)),
            Step("config", ("sharey", True)),
            Step("delete", ("shard", 1)),
            Step("config", ("plot.options", {"bw_adjust": 0.5})),
            Step("config", ("facet", {"row": None, "col_wrap": None})),
            Step("config", ("tile.dpi", 50)),
            Step("delete", ("mosaic", 0)),
            Step("config", ("mosaic.title", "a new title")),
            Step("venv"),
            Step("code", "mosaic/figure.py"),
            Step("code", "split/writer.py"),
            Step("code", "kinds/violin.py"),
            Step("code", "kinds/hist.py"),
        ],
    )
)
@example(
    scenario=(
        "folder",
        [
            Step("append", ("north", "spring", 3)),
            Step("overwrite", (0, 3.0)),
            Step("remove", 1),
            Step("move"),  # a move of a folder with per-file scans in results/
        ],
    )
)
@example(
    scenario=(
        "glob",
        [
            Step("append", ("south", "spring", 5)),
            Step("overwrite", (3, 0.5)),  # extra.csv, after the glob's three files
            Step("damage", ("record", "edit")),
            Step("damage", ("times", "truncate")),  # no mosaic job: the record stays damaged
            Step("restore", 3),  # extra.csv as it was, an older time than any output
            Step("kill", (0, 3.0, 1.0, "KILL")),
            Step("damage", ("contents", "edit")),
            Step("forget", (1, -2.0)),
            Step("remove", 0),
        ],
    )
)
def test_an_incremental_run_equals_a_fresh_run_and_draws_only_changed_tiles(
    scenario, tmp_path_factory, other_python
):
    mode, steps = scenario
    base = tmp_path_factory.mktemp("incremental")
    run = Scenario(base, mode, other_python)
    run.start()
    for step in steps:
        run.step(step)
    shutil.rmtree(base, ignore_errors=True)  # kept when a step fails, to look at


# ---------------------------------------------------------------- regression tests


def _tiny_workflow(wf: Workflow) -> None:
    pq.write_table(tiny_table(), wf.path(DATA_FILE))
    wf.write_config(BASE_CONFIG)


@pytest.fixture
def tiny(built_copy, tmp_path) -> Workflow:
    """The 2 x 2 tiny workflow on data.parquet, after one complete run (a copy)."""
    return built_copy(_tiny_workflow, tmp_path / "wf")


def test_a_parquet_folder_file_overwritten_in_place_is_resplit_and_changes_the_mosaic(tmp_path):
    wf = Workflow(tmp_path / "wf")
    wf.path(DATA_FOLDER).mkdir()
    table = tiny_table()
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), wf.path(DATA_FOLDER, "a.parquet"))
    pq.write_table(table.slice(half), wf.path(DATA_FOLDER, "b.parquet"))
    wf.write_config({**BASE_CONFIG, "data": DATA_FOLDER})
    wf.run_ok()
    before = results(wf)
    target = wf.path(DATA_FOLDER, "b.parquet")
    pq.write_table(shift_rows(pq.read_table(target), 5.0), target)  # same name, new rows
    run = wf.run_ok()
    after = results(wf)
    assert run.jobs("split") == 1, run.output[-3000:]
    assert after["mosaic.png"] != before["mosaic.png"]
    changed = {
        t for t in tile_ids(after) if after[f"shards/{t}.arrow"] != before[f"shards/{t}.arrow"]
    }
    assert changed and run.jobs("render") == len(changed)


def test_a_deleted_tile_png_is_redrawn_by_a_plain_rerun(tiny):
    before = results(tiny)
    tile = tile_ids(before)[0]
    tiny.path("results", "tiles", f"{tile}.png").unlink()
    run = tiny.run_ok()
    assert run.jobs("render") == 1, run.output[-3000:]
    assert results(tiny) == before


def test_a_deleted_shard_and_its_tile_are_recovered_by_a_plain_rerun(tiny):
    before = results(tiny)
    tile = tile_ids(before)[1]
    tiny.path("results", "shards", f"{tile}.arrow").unlink()
    tiny.path("results", "tiles", f"{tile}.png").unlink()
    run = tiny.snakemake()
    assert run.returncode == 0 and "MissingInputException" not in run.output, run.output[-3000:]
    assert run.jobs("render") == 1, run.output[-3000:]
    assert results(tiny) == before


def test_a_dry_run_with_a_shard_deleted_says_so_and_removes_nothing(tiny):
    """The split is forced as the DAG is built, and Snakemake removes the folder only
    as the split runs: never in a dry run."""
    before = results(tiny)
    tile = tile_ids(before)[1]
    tiny.path("results", "shards", f"{tile}.arrow").unlink()
    kept = sorted(p.name for p in tiny.path("results", "shards").iterdir())
    run = tiny.snakemake("-n")
    assert run.returncode == 0, run.output[-3000:]
    assert f"{tile}.arrow is missing: the split runs again" in run.output
    assert run.jobs("split") == 1, run.output[-3000:]
    assert sorted(p.name for p in tiny.path("results", "shards").iterdir()) == kept
    run = tiny.snakemake()
    assert run.returncode == 0 and run.jobs("split") == 1, run.output[-3000:]
    assert results(tiny) == before


def test_running_from_another_venv_rerenders_nothing(tiny, other_python):
    before = results(tiny)
    run = snakemake_with(tiny, other_python)
    assert run.returncode == 0, run.output[-3000:]
    assert run.jobs("render") == 0, run.output[-3000:]
    assert results(tiny) == before


def test_the_code_steps_edit_modules_that_draw_and_modules_that_do_not():
    assert {"core/shards.py", "kinds/violin.py"} <= RENDER_CODE
    assert not {"split/writer.py", "mosaic/figure.py", "kinds/hist.py"} & RENDER_CODE
