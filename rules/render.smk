rule render:
    input:
        shard=shard_input("{tile}.arrow"),
        sidecar=shard_input("{tile}.json"),
        entry=local_inputs([RENDER_ENTRY]),
    output:
        png=report(
            f"{TILES}/{{tile}}.png",
            caption="../report/tile.rst",
            category="Tiles",
            labels={"tile": "{tile}"},
        ),
    # no benchmark: file the job's process only asks the warm worker, so Snakemake's
    # benchmark would time a thin client (and cost its own Snakemake 6% of a 1024-tile
    # run); the log's last line says what drawing the tile took, time and memory
    log:
        "logs/render/{tile}.log",
    # inside a cluster job (a bundle of tiles) the tile is drawn by the bundle's own
    # Snakemake, not by one more Snakemake started per tile; submitted from the head
    localrule: specs.render_in_job_process(workflow.remote_exec)
    conda:
        "../envs/tilegrid.yaml"
    resources:
        mem_mb=lambda w, input, attempt: specs.render_mem_mb(input.size_mb, attempt),
        runtime=lambda w, input, attempt: specs.render_runtime(input.size_mb, attempt),
    params:
        **STORED_TILES.params(),
        libraries=specs.drawing_libraries(),
        code=render_code_digest(),
        plot=specs.render_plot(config),
        tile=specs.render_tile(config),
    shell:
        specs.render_command(RENDER_ENTRY)


# The same tile at mosaic.print_dpi, for a pdf or svg mosaic only (asked for by
# the mosaic's inputs): rerun on the same changes of its shard and sidecar as the screen tile.
rule render_print:
    input:
        shard=shard_input("{tile}.arrow"),
        sidecar=shard_input("{tile}.json"),
        entry=local_inputs([RENDER_ENTRY]),
    output:
        png=f"{PRINT_TILES}/{{tile}}.png",
    log:
        "logs/render/print/{tile}.log",
    localrule: specs.render_in_job_process(workflow.remote_exec)
    conda:
        "../envs/tilegrid.yaml"
    resources:
        mem_mb=lambda w, input, attempt: specs.render_mem_mb(input.size_mb, attempt),
        runtime=lambda w, input, attempt: specs.render_runtime(input.size_mb, attempt),
    params:
        **STORED_TILES.params(),
        libraries=specs.drawing_libraries(),
        code=render_code_digest(),
        plot=specs.render_plot(config),
        tile=specs.render_tile(config, printed=True),
    shell:
        specs.render_command(RENDER_ENTRY)
