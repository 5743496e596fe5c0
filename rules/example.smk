# Made where Snakemake runs, never submitted to a cluster: a second's work that
# would otherwise wait in the queue before anything else can start.
rule example_data:
    input:
        code=INPUTS.code_files("example"),
    output:
        local(EXAMPLE_DATA),
    log:
        "logs/example_data.log",
    benchmark:
        "benchmarks/example_data.tsv"
    localrule: True
    conda:
        "../envs/tilegrid.yaml"
    params:
        code=INPUTS.code_digest("example"),
        rows=300_000,
        seed=7,
    script:
        "../scripts/make_example.py"
