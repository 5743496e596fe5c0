rule example_data:
    input:
        code=code_files("example", "logs"),
    output:
        local(EXAMPLE_DATA),
    log:
        "logs/example_data.log",
    benchmark:
        "benchmarks/example_data.tsv"
    conda:
        "../envs/tilegrid.yaml"
    params:
        rows=300_000,
        seed=7,
    script:
        "../scripts/make_example.py"
