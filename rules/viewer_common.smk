# Input functions of rules/viewer.smk, in a file of their own: `snakemake --lint`
# objects to rules and functions in one file. They may move into common.smk.
from tilegrid.viewer.page import blocks, level_count, tile_px

VIEWER = "results/viewer"


def viewer_levels():
    """The pyramid's shrunk levels (1, 2, ...) for the configured tile size."""
    return list(range(1, level_count(tile_px(config["tile"])) + 1))


def viewer_block_levels():
    """A block's output files, one per level, with the {block} wildcard."""
    return [f"{VIEWER}/{{block}}.{level}.png" for level in viewer_levels()]


def viewer_blocks():
    """Every block of the grid and its tiles (waits for the checkpoint)."""
    return blocks(read_manifest(), config["facet"]["col_wrap"])


def viewer_block_tiles(wildcards):
    """The PNGs of one block's tiles, in grid order."""
    return [f"{TILES}/{i}.png" for i, _, _ in viewer_blocks()[wildcards.block]]


def viewer_block_places(wildcards):
    """Each of the block's tiles' (row, col) inside the block, in grid order."""
    return [[r, c] for _, r, c in viewer_blocks()[wildcards.block]]


def viewer_inputs(wildcards):
    """The page's inputs: manifest, every tile's PNG (its metadata inside), every block's levels."""
    ids = tile_ids()
    return {
        "manifest": f"{SHARDS}/manifest.json",
        "pngs": [f"{TILES}/{i}.png" for i in ids],
        "blocks": [
            f"{VIEWER}/{block}.{level}.png"
            for block in viewer_blocks()
            for level in viewer_levels()
        ],
    }


def viewer_assets():
    """The page's template, style and script (inputs, so an edit rebuilds the page)."""
    folder = TILEGRID / "scripts" / "tilegrid" / "viewer" / "assets"
    files = [os.path.abspath(p) for p in sorted(folder.glob("viewer.*"))]
    return [
        local(p if os.path.relpath(p).startswith(os.pardir) else os.path.relpath(p)) for p in files
    ]
