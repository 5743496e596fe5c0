# A table of many files is split per file: one scan job per file (in parallel, and
# a changed file rescans only itself), gathered by the checkpoint.
rule scan:
    input:
        data=scan_data,
        code=scan_code(),
    output:
        scan=directory(f"{SCANS}/{{scan}}"),
    log:
        "logs/scan/{scan}.log",
    benchmark:
        "benchmarks/scan/{scan}.tsv"
    conda:
        "../envs/tilegrid.yaml"
    params:
        spec=scan_spec(),
        units=scan_units,
        schema=TABLE_SCHEMA,
        content=scan_content,
    script:
        "../scripts/scan.py"


checkpoint split:
    input:
        data=split_data(),
        scans=split_scans(),
        code=split_code(),
    output:
        shards=directory(SHARDS),
    log:
        "logs/split.log",
    benchmark:
        "benchmarks/split.tsv"
    conda:
        "../envs/tilegrid.yaml"
    # a table of one part (a large file's ranges among them) is scanned here, in
    # parallel: the split holds the machine, nothing can run beside it anyway
    threads: workflow.cores
    params:
        spec=split_spec(),
        schema=TABLE_SCHEMA,
        content=data_content(),
    script:
        "../scripts/split.py"
