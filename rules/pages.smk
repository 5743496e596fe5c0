# A paged mosaic (mosaic.page): one job per page, results/mosaic-<n>.png (and .svg),
# so a changed tile redraws its page only; the pages as one PDF document when pdf is
# asked for; results/pages.tsv, which tile is on which page. Without mosaic.page
# none of these rules exists (rules/mosaic.smk draws the one-page mosaic).


if specs.page_spec(config) and specs.page_figures(config):

    rule mosaic_page:
        input:
            unpack(page_inputs),
            code=INPUTS.code_files("mosaic_page"),
        output:
            figures=[
                report(
                    f"results/mosaic-{{page}}.{fmt}",
                    caption="../report/mosaic.rst",
                    category="Mosaic",
                    labels={"page": "{page}", "format": fmt},
                )
                for fmt in specs.page_figures(config)
            ],
        log:
            "logs/mosaic/page-{page}.log",
        benchmark:
            "benchmarks/mosaic/page-{page}.tsv"
        wildcard_constraints:
            page=r"[1-9][0-9]*",
        # with results in storage, drawn where Snakemake runs: its composite cache,
        # beside its local copy, stays there between runs as Snakemake's records do
        localrule: STORED
        conda:
            "../envs/tilegrid.yaml"
        params:
            code=INPUTS.code_digest("mosaic_page"),
            page=page_of,
            settings=specs.mosaic_settings(config),
            sharex=config["sharex"],
            sharey=config["sharey"],
        script:
            "../scripts/mosaic_page.py"


if specs.page_spec(config) and "pdf" in config["mosaic"]["formats"]:

    rule mosaic_document:
        input:
            unpack(lambda w: mosaic_inputs(tile_ids(read_manifest()), True)),
            code=INPUTS.code_files("mosaic_document"),
        output:
            pdf=report(
                "results/mosaic.pdf",
                caption="../report/mosaic.rst",
                category="Mosaic",
            ),
        log:
            "logs/mosaic.log",
        benchmark:
            "benchmarks/mosaic.tsv"
        conda:
            "../envs/tilegrid.yaml"
        params:
            code=INPUTS.code_digest("mosaic_document"),
            settings=specs.mosaic_settings(config),
            sharex=config["sharex"],
            sharey=config["sharey"],
            page=specs.page_spec(config),
        script:
            "../scripts/mosaic_document.py"


if specs.page_spec(config):

    rule pages:
        input:
            unpack(
                lambda w: mosaic_inputs(
                    tile_ids(read_manifest()), specs.print_tiles_wanted(config)
                )
            ),
            code=INPUTS.code_files("pages"),
        output:
            table="results/pages.tsv",
        log:
            "logs/pages.log",
        benchmark:
            "benchmarks/pages.tsv"
        conda:
            "../envs/tilegrid.yaml"
        params:
            code=INPUTS.code_digest("pages"),
            page=specs.page_spec(config),
            col_wrap=config["facet"]["col_wrap"],
            max_tiles=config["facet"]["max_tiles"],
        script:
            "../scripts/pages.py"
