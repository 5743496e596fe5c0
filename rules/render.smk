rule render:
    input:
        shard=f"{SHARDS}/{{tile}}.parquet",
        sidecar=f"{SHARDS}/{{tile}}.json",
        code=render_code(),
    output:
        png=report(
            f"{TILES}/{{tile}}.png",
            caption="../report/tile.rst",
            category="Tiles",
            labels={"tile": "{tile}"},
        ),
        meta=f"{TILES}/{{tile}}.json",
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
        plot=render_plot(),
        tile=config["tile"],
    script:
        "../scripts/render.py"
