"""tilegrid: facet grids of small plots, split into tiles rendered independently.

The package holds the pure code behind the workflow's three stages:

- :mod:`tilegrid.split`   - stream a table into one shard per tile plus sidecars,
- :mod:`tilegrid.render`  - draw one tile from its shard,
- :mod:`tilegrid.mosaic`  - place the tiles pixel-exactly in one figure.

Nothing here imports Snakemake; the rule scripts in ``scripts/`` are thin
wrappers that pass values from the ``snakemake`` object to these functions.
"""

__version__ = "0.1.0"
