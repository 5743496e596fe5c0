# The zoomable page results/mosaic.html (see scripts/tilegrid/viewer/page.py).
# Its image pyramid is built in blocks of 8 x 8 tiles, one job per block, so a
# one-tile change redraws that tile's block and then the page, nothing else.


include: "viewer_common.smk"


rule viewer_block:
    input:
        tiles=viewer_block_tiles,
        code=code_files("viewer_block.py"),
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
        code=code_files("viewer.py") + viewer_assets(),
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
