# The one-page mosaic; with mosaic.page, rules/pages.smk draws the pages instead.


if not specs.page_spec(config):

    rule mosaic:
        input:
            unpack(
                lambda w: mosaic_inputs(
                    tile_ids(read_manifest()), specs.print_tiles_wanted(config)
                )
            ),
            code=code_files("mosaic"),
        output:
            figures=[
                report(
                    f"results/mosaic.{fmt}",
                    caption="../report/mosaic.rst",
                    category="Mosaic",
                )
                for fmt in specs.mosaic_figures(config)
            ],
        log:
            "logs/mosaic.log",
        benchmark:
            "benchmarks/mosaic.tsv"
        conda:
            "../envs/tilegrid.yaml"
        params:
            settings=specs.mosaic_settings(config),
            sharex=config["sharex"],
            sharey=config["sharey"],
        script:
            "../scripts/mosaic.py"
