rule mosaic:
    input:
        unpack(mosaic_inputs),
        code=mosaic_code(),
    output:
        figures=[
            report(
                f"results/mosaic.{fmt}",
                caption="../report/mosaic.rst",
                category="Mosaic",
            )
            for fmt in mosaic_figures()
        ],
    log:
        "logs/mosaic.log",
    benchmark:
        "benchmarks/mosaic.tsv"
    conda:
        "../envs/tilegrid.yaml"
    params:
        settings=mosaic_settings(),
        sharex=config["sharex"],
        sharey=config["sharey"],
    script:
        "../scripts/mosaic.py"
