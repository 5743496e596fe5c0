# The zoomable page results/mosaic.html (see scripts/tilegrid/viewer/page.py and blocks.py).
# Its image pyramid is built in blocks of 8 x 8 tiles, one job per block, so a
# one-tile change redraws that tile's block and then the page, nothing else.


include: "viewer_common.smk"


rule viewer_block:
    input:
        tiles=lambda w: tile_pngs([i for i, _, _ in viewer_blocks()[w.block]]),
        code=INPUTS.code_files("viewer_block"),
    output:
        levels=block_levels(VIEWER_LEVELS),
    log:
        "logs/viewer/{block}.log",
    benchmark:
        "benchmarks/viewer/{block}.tsv"
    wildcard_constraints:
        block=r"\d+-\d+",
    conda:
        "../envs/tilegrid.yaml"
    params:
        code=INPUTS.code_digest("viewer_block"),
        places=lambda w: [[r, c] for _, r, c in viewer_blocks()[w.block]],
        tile=config["tile"],
    script:
        "../scripts/viewer_block.py"


rule viewer:
    input:
        unpack(lambda w: viewer_inputs(tile_ids(read_manifest()), viewer_blocks(), VIEWER_LEVELS)),
        code=INPUTS.code_files("viewer") + INPUTS.local_files(relative(p) for p in VIEWER_ASSETS),
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
        code=INPUTS.code_digest("viewer", [relative(p) for p in VIEWER_ASSETS]),
        settings=specs.mosaic_settings(config),
        tile=config["tile"],
    script:
        "../scripts/viewer.py"
