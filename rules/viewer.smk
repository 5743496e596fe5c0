# The zoomable page results/mosaic.html (see scripts/tilegrid/viewer.py).
# Its image pyramid is built in blocks of 8 x 8 tiles, one job per block, so a
# one-tile change redraws that tile's block and then the page, nothing else.
from tilegrid.viewer import blocks, level_count, tile_px

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
    """The page's inputs: manifest, every tile's PNG and metadata, every block's levels."""
    ids = tile_ids()
    return {
        "manifest": f"{SHARDS}/manifest.json",
        "pngs": [f"{TILES}/{i}.png" for i in ids],
        "metas": [f"{TILES}/{i}.json" for i in ids],
        "blocks": [
            f"{VIEWER}/{block}.{level}.png"
            for block in viewer_blocks()
            for level in viewer_levels()
        ],
    }


def viewer_assets():
    """The page's template, style and script (inputs, so an edit rebuilds the page)."""
    folder = TILEGRID / "scripts" / "tilegrid" / "viewer"
    files = [os.path.abspath(p) for p in sorted(folder.glob("viewer.*"))]
    return [
        local(p if os.path.relpath(p).startswith(os.pardir) else os.path.relpath(p)) for p in files
    ]


rule viewer_block:
    input:
        tiles=viewer_block_tiles,
        code=code_files("viewer", "logs"),
    output:
        levels=viewer_block_levels(),
    log:
        "logs/viewer/{block}.log",
    benchmark:
        "benchmarks/viewer/{block}.tsv"
    wildcard_constraints:
        block=r"\d+-\d+",
    conda:
        "../envs/tilegrid.yaml"
    params:
        places=viewer_block_places,
        tile=config["tile"],
    script:
        "../scripts/viewer_block.py"


rule viewer:
    input:
        unpack(viewer_inputs),
        code=code_files("viewer", "logs") + viewer_assets(),
    output:
        page=report(
            "results/mosaic.html",
            caption="../report/viewer.rst",
            category="Mosaic",
        ),
    log:
        "logs/viewer.log",
    benchmark:
        "benchmarks/viewer.tsv"
    conda:
        "../envs/tilegrid.yaml"
    params:
        settings=mosaic_settings(),
        tile=config["tile"],
    script:
        "../scripts/viewer.py"
