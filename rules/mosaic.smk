# The one-page mosaic; with mosaic.page, rules/pages.smk draws the pages instead.


if not specs.page_spec(config):

    rule mosaic:
        # assembled by the warm worker, asked from Snakemake's own thread (as a tile is),
        # else by its command, run here: shell() knows the job only in this block's frame
        # (its conda environment, threads, resources); then the tidying (tilegrid.workflow.jobs)
        input:
            unpack(
                lambda w: mosaic_inputs(
                    tile_ids(read_manifest()), specs.print_tiles_wanted(config)
                )
            ),
            code=INPUTS.code_files("mosaic"),
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
        # with results in storage, drawn where Snakemake runs: its composite cache,
        # beside its local copy, stays there between runs as Snakemake's records do
        localrule: STORED
        conda:
            "../envs/tilegrid.yaml"
        params:
            code=INPUTS.code_digest("mosaic"),
            settings=specs.mosaic_settings(config),
            sharex=config["sharex"],
            sharey=config["sharey"],
        run:
            with mosaic_job(
                input, output, params, log[0], TASK_ENTRY, ASK_FROM_SNAKEMAKE
            ) as command:
                if command:
                    shell(command)
