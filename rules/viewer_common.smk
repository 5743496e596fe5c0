# Input functions of rules/viewer.smk, in a file of their own: `snakemake --lint`
# objects to rules and functions in one file.
from tilegrid.viewer.blocks import blocks, level_count, tile_px

VIEWER_LEVELS = list(range(1, level_count(tile_px(config["tile"])) + 1))
VIEWER_ASSETS = sorted((TILEGRID / "scripts" / "tilegrid" / "viewer" / "assets").glob("viewer.*"))


def viewer_blocks():
    """Every block of the grid and its tiles (waits for the checkpoint)."""
    return blocks(read_manifest(), config["facet"]["col_wrap"])
