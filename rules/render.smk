rule render:
    input:
        shard=f"{SHARDS}/{{tile}}.arrow",
        sidecar=f"{SHARDS}/{{tile}}.json",
        entry=render_entry(),
    output:
        png=report(
            f"{TILES}/{{tile}}.png",
            caption="../report/tile.rst",
            category="Tiles",
            labels={"tile": "{tile}"},
        ),
    log:
        "logs/render/{tile}.log",
    benchmark:
        "benchmarks/render/{tile}.tsv"
    conda:
        "../envs/tilegrid.yaml"
    resources:
        mem_mb=render_mem_mb,
        runtime=render_runtime,
    params:
        libraries=drawing_libraries(),
        code=render_code_digest(),
        plot=render_plot_json(),
        tile=render_tile_json(),
    shell:
        RENDER_COMMAND


# The same tile at mosaic.print_dpi, for a pdf or svg mosaic only (asked for by
# mosaic_inputs): rerun on the same changes of its shard and sidecar as the screen tile.
rule render_print:
    input:
        shard=f"{SHARDS}/{{tile}}.arrow",
        sidecar=f"{SHARDS}/{{tile}}.json",
        entry=render_entry(),
    output:
        png=f"{PRINT_TILES}/{{tile}}.png",
    log:
        "logs/render/print/{tile}.log",
    benchmark:
        "benchmarks/render/print/{tile}.tsv"
    conda:
        "../envs/tilegrid.yaml"
    resources:
        mem_mb=render_mem_mb,
        runtime=render_runtime,
    params:
        libraries=drawing_libraries(),
        code=render_code_digest(),
        plot=render_plot_json(),
        tile=render_print_tile_json(),
    shell:
        RENDER_COMMAND
