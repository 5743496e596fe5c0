# A table of many files is split per file: one scan job per file (in parallel, and
# a changed file rescans only itself), gathered by the checkpoint.  Both run in a
# process of their own, by its command (tilegrid.workflow.jobs.command_job), and
# record the data's digests they read as they end (tilegrid.workflow.reruns).
rule scan:
    input:
        data=lambda w: started(INPUTS.data_file(path) for path in DATA.scan_paths(w.scan)),
        code=INPUTS.code_files("scan"),
    output:
        scan=directory(f"{SCANS}/{{scan}}"),
    log:
        "logs/scan/{scan}.log",
    benchmark:
        "benchmarks/scan/{scan}.tsv"
    conda:
        "../envs/tilegrid.yaml"
    params:
        code=INPUTS.code_digest("scan"),
        spec=specs.scan_spec(config),
        units=lambda w: DATA.scan_units(w.scan),
        schema=DATA.schema,
        content=lambda w: DATA.scan_content(w.scan),
    run:
        args = [params.spec, params.units, params.schema, output.scan, threads, params.content]
        with command_job(TASK_ENTRY, "scan", args, log[0]) as command:
            shell(command)


checkpoint split:
    input:
        data=lambda w: started(INPUTS.data_file(path) for path in DATA.split_paths()),
        scans=DATA.scans(),
        code=INPUTS.code_files("split"),
    output:
        shards=directory(SHARDS),
    log:
        "logs/split.log",
    benchmark:
        "benchmarks/split.tsv"
    conda:
        "../envs/tilegrid.yaml"
    # a table of one part (a large file's ranges among them) is scanned here, in
    # parallel: the split holds the machine, nothing can run beside it anyway (no
    # cores are given to runs that run no job: `snakemake --unlock`)
    threads: workflow.resource_settings.cores or 1
    params:
        code=INPUTS.code_digest("split"),
        spec=DATA.split_spec(specs.split_spec(config)),
        schema=DATA.schema,
        content=DATA.split_content(),
    run:
        args = [params.spec, output.shards, input.scans, params.schema, threads, params.content]
        with command_job(TASK_ENTRY, "split", args, log[0]) as command:
            shell(command)
