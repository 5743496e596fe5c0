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


# at start, before the DAG is built: the output as this workflow (or a module's
# prefix) names it
remove_incomplete_split(rules.split.output.shards)
