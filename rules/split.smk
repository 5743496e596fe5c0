checkpoint split:
    input:
        data=data_files(),
        code=split_code(),
    output:
        shards=directory(SHARDS),
    log:
        "logs/split.log",
    benchmark:
        "benchmarks/split.tsv"
    conda:
        "../envs/tilegrid.yaml"
    params:
        spec=split_spec(),
    script:
        "../scripts/split.py"
