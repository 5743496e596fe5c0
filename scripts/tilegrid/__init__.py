"""tilegrid: facet grids of small plots, split into tiles rendered independently.

The package holds the pure code behind the workflow's three stages:

- :mod:`tilegrid.split`   - stream a table into one shard per tile plus sidecars,
- :mod:`tilegrid.render`  - draw one tile from its shard,
- :mod:`tilegrid.mosaic`  - place the tiles pixel-exactly in one figure.

Nothing here imports Snakemake; the rule scripts in ``scripts/`` are thin
wrappers that pass values from the ``snakemake`` object to these functions.

From Python, :func:`tilegrid.plot` runs the whole workflow (:mod:`tilegrid.api`,
which imports Snakemake): loaded on first use, so ``import tilegrid`` stays cheap for
the jobs that import the package.
"""

__version__ = "0.1.0"

#: names of tilegrid.api offered here, loaded on first use
_API = ("plot", "Mosaic", "TilegridError")


def __getattr__(name: str):
    if name in _API:
        import importlib

        # by name, not an import statement: the rules' code keys follow imports
        # (tilegrid.workflow.code), and no job runs the API
        return getattr(importlib.import_module("tilegrid.api"), name)
    raise AttributeError(f"module 'tilegrid' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
