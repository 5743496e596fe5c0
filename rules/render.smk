rule render:
    # the warm worker draws the tile, asked from Snakemake's own thread (no shell, no
    # interpreter per tile; profiles/default has Snakemake run run: blocks in threads),
    # else the tile's command asks it, or draws the tile itself (tilegrid.workflow.command)
    input:
        shard=INPUTS.shard("{tile}.arrow"),
        sidecar=INPUTS.shard("{tile}.json"),
        entry=INPUTS.local_files([RENDER_ENTRY]),
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
        code=INPUTS.render_code_digest(),
        plot=specs.render_plot(config),
        tile=specs.render_tile(config),
    run:
        asked = [RENDER_ENTRY, input.shard, input.sidecar, params.plot, params.tile]
        if command := render_job(
            ASK_FROM_SNAKEMAKE, RENDER_COMMAND, *asked, output.png, log[0]
        ):
            shell(command)


# The same tile at mosaic.print_dpi, for a pdf or svg mosaic only (asked for by
# the mosaic's inputs): rerun on the same changes of its shard and sidecar as the screen tile.
rule render_print:
    # drawn as rule render draws its tile
    input:
        shard=INPUTS.shard("{tile}.arrow"),
        sidecar=INPUTS.shard("{tile}.json"),
        entry=INPUTS.local_files([RENDER_ENTRY]),
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
        code=INPUTS.render_code_digest(),
        plot=specs.render_plot(config),
        tile=specs.render_tile(config, printed=True),
    run:
        asked = [RENDER_ENTRY, input.shard, input.sidecar, params.plot, params.tile]
        if command := render_job(
            ASK_FROM_SNAKEMAKE, RENDER_COMMAND, *asked, output.png, log[0]
        ):
            shell(command)
